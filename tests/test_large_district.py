"""Issue 17: the district-sized recipe (fixtures/districts/large.yaml) and the seeder that streams it.

The seeder hands the kinds that grow with the district (users, demographics, enrollments, results) to the store a
batch at a time, so 1.4 million documents are never in memory at once; its results and the vendor's line items
follow the IC rules a real grade book holds to (IC-LI-DUP-TITLE, IC-LI-DUE-DATE, IC-LI-TITLE-LEN, IC-LI-OWNER,
IC-RES-UPSERT's enrolment, IC-RES-EXTRA-CREDIT). The figures at full size are in benchmarks/BENCHMARKS.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from httpx import Response
from starlette.testclient import TestClient

from mock_ic.control import seed
from mock_ic.control.tenants import APP_NAME
from mock_ic.ic.rules import ic_origin
from mock_ic.testing import free_port
from tests.test_admin_tenants import ADMIN, token_for
from tests.test_banner import assert_snapshot
from tests.test_serve_process import serving

TODAY = date(2026, 12, 5)


def grading_task(item: dict[str, Any]) -> bool:
    return "ext_infiniteCampus_isGradingWindowOpen" in item.get("metadata", {})
# Small enough for make test, with every part the large recipe has: vendor line items and results.
SCORED = {"seed": 11, "schools": 3, "courses": 24, "classes": 60, "students": 900, "teachers": 40,
          "ic_line_items_per_class": [3, 6], "vendor_line_items": 25, "results": 20_000}


def _streamed(recipe: seed.Recipe, batch: int = seed.BATCH) -> list[tuple[str, list[dict[str, Any]]]]:
    writes: list[tuple[str, list[dict[str, Any]]]] = []
    seed.stream(recipe, today=TODAY, write=lambda kind, docs: writes.append((kind, list(docs))), batch=batch)
    return writes


@pytest.fixture(scope="module")
def scored() -> dict[str, list[dict[str, Any]]]:
    return seed.generate(seed.load_recipe(SCORED), today=TODAY)


def test_the_large_recipe_has_the_sizes_of_a_large_district() -> None:
    recipe = seed.load_recipe("large")
    assert (recipe.students, recipe.teachers, recipe.schools, recipe.classes) == (50_000, 2_000, 8, 2_500)
    assert (recipe.vendor_line_items, recipe.results) == (400, 1_000_000)
    assert seed.stored_form("large", recipe) == "large"  # a tenant keeps the shipped recipe's name


def test_the_large_recipe_streams_a_million_results_in_batches() -> None:
    """The whole large district, generated and counted but not kept: every batch at most BATCH documents, the
    results exactly the recipe's million, all written before the small kinds."""
    counts: Counter[str] = Counter()
    order: list[str] = []

    def write(kind: str, docs: list[dict[str, Any]]) -> None:
        assert 0 < len(docs) <= seed.BATCH
        counts[kind] += len(docs)
        if not order or order[-1] != kind:
            order.append(kind)

    written = seed.stream(seed.load_recipe("large"), today=TODAY, write=write)  # ~7 s
    assert written == dict(counts) | {kind: 0 for kind in seed.KINDS if kind not in counts}
    assert counts["results"] == 1_000_000
    assert counts["users"] == 52_000 and counts["demographics"] == 50_000 and counts["classes"] == 2_500
    assert counts["enrollments"] > 50_000 * 5  # six classes a student, a few no-shows kept (never returned)
    assert sum(1 for item in order if item in seed.STREAMED) == len(order) - len(set(order) - seed.STREAMED)
    assert order.index("results") < order.index("lineItems")  # streamed as made, the small kinds at the end
    assert abs(seed.estimated_documents(seed.load_recipe("large")) - sum(counts.values())) < 0.05 * sum(counts.values())


def test_stream_writes_exactly_what_generate_returns() -> None:
    for source in ("demo", SCORED):
        recipe = seed.load_recipe(source)
        joined: dict[str, list[dict[str, Any]]] = {kind: [] for kind in seed.KINDS}
        for kind, docs in _streamed(recipe, batch=700):
            assert len(docs) <= 700
            joined[kind] += docs
        assert joined == seed.generate(recipe, today=TODAY)


def test_the_seeder_holds_a_batch_of_results_not_all_of_them() -> None:
    """Peak memory does not grow with the results: 100,000 more results cost less than a few batches' worth
    (kept in memory, 100,000 results are ~120 MB)."""
    base = {"seed": 5, "schools": 1, "courses": 10, "classes": 40, "students": 1600, "teachers": 20,
            "ic_line_items_per_class": [10, 12]}

    def peak(results: int) -> int:
        recipe = seed.load_recipe({**base, "results": results})
        tracemalloc.start()
        try:
            seed.stream(recipe, today=TODAY, write=lambda kind, docs: None)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    few, many = peak(5_000), peak(105_000)
    assert many - few < 20 * 2**20, f"peak {few / 2**20:.0f} MiB -> {many / 2**20:.0f} MiB"


def test_results_are_the_recipes_count_spread_over_enrolled_students(scored: dict[str, list[dict[str, Any]]]) -> None:
    """IC-RES-UPSERT's enrolment and IC-USERS' no-shows: every result is of a student IC shows in the line item's
    class; one result per student and line item; exactly ``results`` of them, spread evenly over the assignments."""
    results, items = scored["results"], {item["sourcedId"]: item for item in scored["lineItems"]}
    assert len(results) == SCORED["results"] == len({r["sourcedId"] for r in results})
    shown: dict[str, set[str]] = {}
    for enrollment in scored["enrollments"]:
        if enrollment["role"] == "student" and enrollment["metadata"]["ic"]["noShow"] == "false":
            shown.setdefault(enrollment["class"]["sourcedId"], set()).add(enrollment["user"]["sourcedId"])
    pairs = Counter()
    for result in results:
        item = items[result["lineItem"]["sourcedId"]]
        assert result["class"] == item["class"]
        assert result["student"]["sourcedId"] in shown[item["class"]["sourcedId"]]
        assert not grading_task(item)
        pairs[result["lineItem"]["sourcedId"], result["student"]["sourcedId"]] += 1
    assert max(pairs.values()) == 1
    scorable = [item for item in items.values() if not grading_task(item)]
    possible = sum(len(shown.get(item["class"]["sourcedId"], ())) for item in scorable)
    per_item = Counter(result["lineItem"]["sourcedId"] for result in results)
    for item in scorable:
        expected = len(shown.get(item["class"]["sourcedId"], ())) * SCORED["results"] / possible
        assert abs(per_item[item["sourcedId"]] - expected) <= 1, item["sourcedId"]


def test_results_scores_follow_their_status(scored: dict[str, list[dict[str, Any]]]) -> None:
    """A graded result has a score from 0 to a little over the maximum (IC-RES-EXTRA-CREDIT); exempt and not
    submitted have none; dates inside the school year, last modified when scored."""
    items = {item["sourcedId"]: item for item in scored["lineItems"]}
    start, end = seed.school_year_bounds(TODAY)
    statuses = Counter(result["scoreStatus"] for result in scored["results"])
    assert set(statuses) == {"fully graded", "exempt", "not submitted"} and statuses["fully graded"] > 0.9 * len(
        scored["results"])
    for result in scored["results"]:
        if result["scoreStatus"] == "fully graded":
            assert 0 <= result["score"] <= 1.05 * items[result["lineItem"]["sourcedId"]]["resultValueMax"]
        else:
            assert "score" not in result
        assert start <= date.fromisoformat(result["scoreDate"]) <= end
        assert result["dateLastModified"] == f"{result['scoreDate']}T00:00:00.000Z"
    assert any(result.get("score", 0) > items[result["lineItem"]["sourcedId"]]["resultValueMax"]
               for result in scored["results"])  # some extra credit


def test_vendor_line_items_are_what_a_vendor_could_have_passed_back(scored: dict[str, list[dict[str, Any]]]) -> None:
    """IC-LI-OWNER (no campus origin), IC-LI-DUP-TITLE (titles unique in the class), IC-LI-DUE-DATE (due in a
    term of the class), IC-LI-TITLE-LEN (within 30), IC-IDS (the vendor's own ids)."""
    vendor = [item for item in scored["lineItems"] if ic_origin(item) is None]
    assert len(vendor) == SCORED["vendor_line_items"]
    sessions = {s["sourcedId"]: s for s in scored["academicSessions"]}
    classes = {c["sourcedId"]: c for c in scored["classes"]}
    titles = Counter((item["class"]["sourcedId"], item["title"].strip().lower()) for item in scored["lineItems"])
    for item in vendor:
        assert re.fullmatch(r"canvas-\d+-a\d+-s\d+", item["sourcedId"])
        assert len(item["title"]) <= 30 and titles[item["class"]["sourcedId"], item["title"].lower()] == 1
        terms = [sessions[t["sourcedId"]] for t in classes[item["class"]["sourcedId"]]["terms"]]
        due = item["dueDate"][:10]
        assert any(t["startDate"] <= due <= t["endDate"] for t in terms)
    assert len({item["class"]["sourcedId"] for item in vendor}) > 10  # spread over the district's classes


def test_a_district_with_results_adds_them_after_everything_else() -> None:
    """Vendor line items and results have random streams of their own: the rest of a district is the same
    whether the recipe asks for them or not."""
    with_scores = seed.generate(seed.load_recipe(SCORED), today=TODAY)
    without = seed.generate(seed.load_recipe({**SCORED, "vendor_line_items": 0, "results": 0}), today=TODAY)
    assert without["results"] == []
    assert [item for item in with_scores["lineItems"] if ic_origin(item) is not None] == without["lineItems"]
    for kind in set(seed.KINDS) - {"lineItems", "results"}:
        assert with_scores[kind] == without[kind], kind


@pytest.fixture(scope="module")
def generated(client: TestClient) -> Iterator[dict[str, Any]]:
    """A tenant seeded through the control plane with SCORED (20,000 results), with what a client needs."""
    response = client.post(f"{ADMIN}/tenants", json={"appName": "generated", "recipe": SCORED})
    assert response.status_code == 201, response.text
    tenant = response.json()
    yield {"headers": token_for(client, tenant), "gradebook": tenant["urls"]["gradebook"].removeprefix(
        "http://testserver")}
    client.delete(f"{ADMIN}/tenants/generated")


def _results(client: TestClient, generated: dict[str, Any], **params: Any) -> Response:
    response = client.get(f"{generated['gradebook']}/results", params=params, headers=generated["headers"])
    assert response.status_code == 200, response.text
    return response


def test_or_paging_a_generated_district_filters_like_a_client_side_filter_of_the_full_set(
        client: TestClient, generated: dict[str, Any]) -> None:
    """OR-PAGING and the indexed filters (issue 17) on a generated tenant, through the API: each filter real clients
    use returns exactly what filtering one big read in the client returns, in sourcedId order."""
    whole = _results(client, generated, limit=25_000).json()["results"]
    assert len(whole) == SCORED["results"]
    stamps = sorted(doc["dateLastModified"] for doc in whole)
    item = whole[len(whole) // 2]["lineItem"]["sourcedId"]
    klass = whole[len(whole) // 3]["class"]["sourcedId"]
    checks = {
        "scoreStatus='exempt'": lambda doc: doc["scoreStatus"] == "exempt",
        f"dateLastModified>'{stamps[-len(stamps) // 20]}'": lambda doc: doc["dateLastModified"] > stamps[
            -len(stamps) // 20],
        f"lineItem.sourcedId='{item}'": lambda doc: doc["lineItem"]["sourcedId"] == item,
        f"class.sourcedId='{klass}' AND score>='50'": lambda doc: doc["class"]["sourcedId"] == klass
        and doc.get("score", -1) >= 50,
    }
    for filter_text, keep in checks.items():
        expected = sorted(doc["sourcedId"] for doc in whole if keep(doc))
        found = _results(client, generated, filter=filter_text, limit=25_000, fields="sourcedId")
        assert [doc["sourcedId"] for doc in found.json()["results"]] == expected, filter_text
        assert found.headers["X-Total-Count"] == str(len(expected)) and 0 < len(expected) < len(whole), filter_text


@pytest.mark.parametrize("limit", [1_000, 997])
def test_or_paging_a_generated_district_walked_while_scores_change_equals_one_big_read(
        client: TestClient, generated: dict[str, Any], limit: int) -> None:
    """Walking every page of the generated tenant's results while a vendor rewrites scores between pages (PUTs in
    place through the API) gives one big read's rows, each once, with one X-Total-Count."""
    whole = _results(client, generated, limit=25_000).json()["results"]
    vendor = [doc for doc in whole if "-u" in doc["sourcedId"]]
    seen: list[str] = []
    offset = 0
    while True:
        page = _results(client, generated, limit=limit, offset=offset, fields="sourcedId")
        assert page.headers["X-Total-Count"] == str(len(whole))
        if not page.json()["results"]:
            break
        seen += [doc["sourcedId"] for doc in page.json()["results"]]
        rewritten = {**vendor[offset // limit % len(vendor)], "score": float(offset % 90)}
        put = client.put(f"{generated['gradebook']}/results/{rewritten['sourcedId']}", json={"result": rewritten},
                         headers=generated["headers"])
        assert put.status_code == 200, put.text
        offset += limit
    assert seen == [doc["sourcedId"] for doc in whole]


def test_tenant_creation_and_reset_stream_the_same_scored_district(client: TestClient) -> None:
    """Through the control plane: a tenant made with a scored recipe serves its results (X-Total-Count), a vendor's
    PUT to a seeded vendor line item is its own to change (IC-LI-OWNER), and a reset brings back exactly the
    seeded documents."""
    response = client.post(f"{ADMIN}/tenants", json={"appName": "scored", "recipe": {**SCORED, "results": 5_000}})
    assert response.status_code == 201, response.text
    tenant = response.json()
    headers = token_for(client, tenant)
    gradebook = tenant["urls"]["gradebook"].removeprefix("http://testserver")
    first = client.get(f"{gradebook}/results?limit=1", headers=headers)
    assert first.status_code == 200 and first.headers["X-Total-Count"] == "5000"
    seeded = client.get(f"{ADMIN}/tenants/scored/export").json()
    vendor = next(item for item in seeded["documents"]["lineItems"] if ic_origin(item) is None)
    renamed = {**vendor, "title": "Renamed by the vendor"}
    put = client.put(f"{gradebook}/lineItems/{vendor['sourcedId']}", json={"lineItem": renamed}, headers=headers)
    assert put.status_code == 200, put.text
    assert client.post(f"{ADMIN}/tenants/scored/reset").status_code == 200
    assert client.get(f"{ADMIN}/tenants/scored/export").json() == seeded
    assert client.delete(f"{ADMIN}/tenants/scored").status_code in (200, 204)


def _normalised(text: str, data_dir: Path, secret: str) -> str:
    text = text.replace(str(data_dir), "<data-dir>").replace(secret, "<secret>")
    return re.sub(r"in \d+\.\d s \([\d,]+ rows/s\)", "in <seconds> s (<rate> rows/s)", text)


def test_mock_ic_seed_streams_a_recipe_into_the_database_a_server_then_serves(tmp_path: Path) -> None:
    """``mock-ic seed --recipe FILE``: the tenant, its credentials and its results, served by a ``mock-ic serve``
    on the same data dir over real HTTP; a second seed of the same tenant is refused unless --replace."""
    recipe_file = tmp_path / "scored.yaml"
    recipe_file.write_text(yaml.safe_dump({**SCORED, "results": 3_000}))
    data_dir = tmp_path / "data"
    command = [sys.executable, "-m", "mock_ic.cli", "seed", "--recipe", str(recipe_file), "--data-dir", str(data_dir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    secret = re.search(r"clientSecret\s+(\S+)", done.stdout)
    assert secret
    assert_snapshot("seed-run.txt", _normalised(done.stdout, data_dir, secret.group(1)))
    again = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 1 and "tenant 'scored' exists; --replace" in again.stderr
    replaced = subprocess.run([*command, "--replace"], capture_output=True, text=True, timeout=300, check=False)
    assert replaced.returncode == 0 and secret.group(1) in replaced.stdout  # the same tenant, seeded again
    with serving(data_dir, free_port()) as (base, _):
        tenant = requests.get(f"{base}{ADMIN}/tenants/scored", timeout=30).json()
        assert tenant["clientSecret"] == secret.group(1)
        token = requests.post(tenant["urls"]["token"], data={"grant_type": "client_credentials"},
                              auth=(tenant["clientId"], tenant["clientSecret"]), timeout=30)
        assert token.status_code == 200, token.text
        results = requests.get(f"{tenant['urls']['gradebook']}/results?limit=1", timeout=30, headers={
            "Authorization": f"Bearer {token.json()['access_token']}",
            "x-vendor-authorization": f"{tenant['vendorKey']}:{tenant['vendorSecret']}"})
        assert results.status_code == 200, results.text
        assert results.headers["X-Total-Count"] == "3000"


def test_mock_ic_seed_refuses_a_tenant_name_no_url_can_hold(tmp_path: Path) -> None:
    """A recipe file's name becomes the tenant's appName unless --tenant gives one; one that cannot be a path
    segment is a usage error naming the rule, before anything is written. The pattern is the admin API's."""
    done = subprocess.run([sys.executable, "-m", "mock_ic.cli", "seed", "--recipe", "demo", "--tenant", "my district",
                           "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 3 and "'my district' cannot be a tenant's appName" in done.stderr
    assert not (tmp_path / "mock-ic.sqlite3").exists()
    spec = yaml.safe_load((Path(__file__).parents[1] / "openapi" / "mock-admin.yaml").read_text())
    assert spec["components"]["schemas"]["TenantCreate"]["properties"]["appName"]["pattern"] == APP_NAME.pattern

