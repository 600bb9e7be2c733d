"""FAULT-RULES and IC-LOAD against a real uvicorn server and a real HTTP client (requests).

The server runs over its own data dir and runtime: faulted 5xx answers must not reach the shared
test runtime, whose 5xx guard would (rightly) fail the session.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
import yaml

from mock_ic.app import create_app, runtime_of_app
from mock_ic.control.faults import FaultBook, FaultRule, rules
from mock_ic.control.runtime import Runtime
from mock_ic.control.tenants import DEMO_CREDENTIALS
from mock_ic.resources import openapi_dir
from mock_ic.settings import Settings
from mock_ic.store.engine import Database
from tests.conftest import DEMO, GRADEBOOK, ROSTER, VENDOR, code_minor

STD_ROSTER = "/ims/oneroster/rostering/v1p2"
IC_ROSTER = "/campus/api/ims/oneroster/rostering/v1p2"
V1P1 = "/campus/oneroster/demo/ims/oneroster/v1p1"
CREDENTIALS = (DEMO_CREDENTIALS["client_id"], DEMO_CREDENTIALS["client_secret"])
TIMEOUT = 10


@dataclass
class Server:
    base: str
    runtime: Runtime

    @property
    def book(self) -> FaultBook:
        return self.runtime.faults

    def get(self, path: str, token: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return requests.get(self.base + path, headers=headers, timeout=TIMEOUT, **kwargs)

    def token(self) -> str:
        response = requests.post(f"{self.base}/campus/oauth2/token?appName={DEMO}", auth=CREDENTIALS,
                                 data={"grant_type": "client_credentials"}, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, new_database: Callable[[], str | None]) -> Iterator[Server]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("mock-ic-faults"), database=new_database(),
                              validate_responses=False))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{base}/_mock/health", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.05)
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
    yield Server(base, runtime_of_app(app))
    uv.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(autouse=True)
def _clean_book(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "server" in request.fixturenames:
        request.getfixturevalue("server").runtime.faults.clear(DEMO)


@pytest.fixture
def token(server: Server) -> str:
    """A fresh token per test (a revokeToken test revokes every earlier one)."""
    return server.token()


def _info(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    return body["statusInfoSet"][0] if "statusInfoSet" in body else body


# --- firing -----------------------------------------------------------------------------------------

def test_fault_rules_next_2_calls_503_then_success(server: Server, token: str) -> None:
    rule = server.book.add(DEMO, FaultRule(id="two-503", path="*/schools", times=2, status=503))
    for _ in range(2):
        response = server.get(f"{ROSTER}/schools", token)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert response.headers["X-Mock-Fault"] == rule.id
        assert code_minor(response.json()) == "server_busy"
        assert _info(response)["imsx_description"].startswith("Injected fault two-503:")
    response = server.get(f"{ROSTER}/schools", token)
    assert response.status_code == 200
    assert "X-Mock-Fault" not in response.headers
    assert server.book.describe(DEMO)[0] == {
        "id": "two-503", "path": "*/schools", "times": 2, "status": 503, "retryAfter": 1,
        "matched": 2, "fired": 2, "spent": True}


def test_fault_rules_every_3rd_call_fails(server: Server, token: str) -> None:
    server.book.add(DEMO, FaultRule(path="*/schools", every=3, status=500, description="flaky"))
    statuses = [server.get(f"{ROSTER}/schools", token).status_code for _ in range(7)]
    assert statuses == [200, 200, 500, 200, 200, 500, 200]


def _probability_run(server: Server, token: str, seed: int) -> list[int]:
    server.book.clear(DEMO)
    server.book.add(DEMO, FaultRule(path="*/schools", probability=0.5, seed=seed, status=502))
    return [server.get(f"{ROSTER}/schools", token).status_code for _ in range(10)]


def test_fault_rules_probability_with_a_seed_is_reproducible(server: Server, token: str) -> None:
    first, again, other = (_probability_run(server, token, seed) for seed in (1, 1, 2))
    assert first == again
    assert first != other
    # the documented stream: the n-th matching call draws random.Random(f"{seed}:{n}").random()
    assert first == [502 if random.Random(f"1:{n}").random() < 0.5 else 200 for n in range(1, 11)]


# --- effects ----------------------------------------------------------------------------------------

def test_fault_rules_latency_delays_then_answers_normally(server: Server, token: str) -> None:
    server.book.add(DEMO, FaultRule(id="slow", path="*/schools", every=1, latency_ms=300))
    started = time.monotonic()
    response = server.get(f"{ROSTER}/schools", token)
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200
    assert response.headers["X-Mock-Fault"] == "slow"
    assert response.json()["orgs"]


def test_fault_rules_drop_closes_the_connection(server: Server, token: str) -> None:
    server.book.add(DEMO, FaultRule(path="*/schools", times=1, drop=True))
    with pytest.raises(requests.ConnectionError):
        server.get(f"{ROSTER}/schools", token)
    assert server.get(f"{ROSTER}/schools", token).status_code == 200  # the server lives on


def test_fault_rules_malformed_nonjson_is_html(server: Server, token: str) -> None:
    server.book.add(DEMO, FaultRule(id="html", path="*/schools", times=1, malformed="nonjson"))
    response = server.get(f"{ROSTER}/schools", token)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["X-Mock-Fault"] == "html"
    assert response.text.lstrip().startswith("<!DOCTYPE html>")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_fault_rules_malformed_truncated_cuts_the_real_json(server: Server, token: str) -> None:
    full = server.get(f"{ROSTER}/schools", token)
    server.book.add(DEMO, FaultRule(path="*/schools", times=1, malformed="truncated"))
    response = server.get(f"{ROSTER}/schools", token)
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == full.headers["X-Total-Count"]
    assert response.content == full.content[: len(full.content) // 2]
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_fault_rules_total_count_offset_changes_only_x_total_count(server: Server, token: str) -> None:
    path = f"{ROSTER}/schools?limit=2"
    full = server.get(path, token)
    server.book.add(DEMO, FaultRule(id="count", path="*/schools", times=1, total_count_offset=3))
    response = server.get(path, token)
    assert response.status_code == 200
    assert response.headers["X-Mock-Fault"] == "count"
    assert int(response.headers["X-Total-Count"]) == int(full.headers["X-Total-Count"]) + 3
    assert response.headers["Link"] == full.headers["Link"]
    assert response.content == full.content
    server.book.add(DEMO, FaultRule(path="*/schools", times=1, total_count_offset=-1))
    assert int(server.get(path, token).headers["X-Total-Count"]) == int(full.headers["X-Total-Count"]) - 1
    single = next(iter(full.json()["orgs"]))["sourcedId"]
    server.book.add(DEMO, FaultRule(id="count-single", path="*/schools/*", times=1, total_count_offset=3))
    response = server.get(f"{ROSTER}/schools/{single}", token)  # no X-Total-Count to change
    assert response.status_code == 200 and "X-Total-Count" not in response.headers
    assert response.headers["X-Mock-Fault"] == "count-single"


def test_fault_rules_malformed_schema_breaks_the_first_object_only(server: Server, token: str) -> None:
    path = f"{ROSTER}/schools?limit=3"
    full = server.get(path, token)
    server.book.add(DEMO, FaultRule(id="schema", path="*/schools", times=1, malformed="schema"))
    response = server.get(path, token)
    assert response.status_code == 200
    assert response.headers["X-Mock-Fault"] == "schema"
    assert response.headers["X-Total-Count"] == full.headers["X-Total-Count"]
    assert int(response.headers["Content-Length"]) == len(response.content)
    broken, real = response.json()["orgs"], full.json()["orgs"]
    assert broken[0]["sourcedId"] == len(real[0]["sourcedId"])  # valid JSON, a number where a string belongs
    assert {k: v for k, v in broken[0].items() if k != "sourcedId"} == {
        k: v for k, v in real[0].items() if k != "sourcedId"}
    assert broken[1:] == real[1:]
    assert server.get(path, token).json() == full.json()  # times: 1, spent


@pytest.mark.parametrize(("path", "check"), [
    # a single object: its sourcedId
    ("/schools/{school}", lambda body: isinstance(body["org"]["sourcedId"], int)),
    # a fields= selection without sourcedId: the first member
    ("/schools?fields=name,type", lambda body: isinstance(body["orgs"][0]["name"], int)),
    # an empty collection: the array becomes an object
    ("/schools?filter=name%3D%27no%20such%20school%27", lambda body: body["orgs"] == {"items": []}),
    # an error body: its first member
    ("/schools/no-such-school", lambda body: isinstance(body["imsx_codeMajor"], int)),
])
def test_fault_rules_malformed_schema_is_deterministic_valid_json(server: Server, token: str, path: str,
                                                                  check: Any) -> None:
    school = server.get(f"{ROSTER}/schools?limit=1", token).json()["orgs"][0]["sourcedId"]
    url = ROSTER + path.format(school=school)
    full = server.get(url, token)
    server.book.add(DEMO, FaultRule(path="*/schools*", every=1, malformed="schema"))
    first, again = server.get(url, token), server.get(url, token)
    assert first.status_code == full.status_code
    assert first.content == again.content != full.content
    assert check(first.json()), first.text


def test_fault_rules_drop_items_answers_a_short_page_with_the_real_headers(server: Server, token: str) -> None:
    path = f"{ROSTER}/schools?limit=3"
    full = server.get(path, token)
    assert len(full.json()["orgs"]) == 3
    server.book.add(DEMO, FaultRule(id="gap", path="*/schools", every=1, drop_items=2))
    response = server.get(path, token)
    assert response.status_code == 200
    assert response.headers["X-Mock-Fault"] == "gap"
    assert response.json()["orgs"] == full.json()["orgs"][:1]
    assert response.headers["X-Total-Count"] == full.headers["X-Total-Count"]
    assert response.headers["Link"] == full.headers["Link"]
    assert int(response.headers["Content-Length"]) == len(response.content)
    server.book.set_rules(DEMO, [FaultRule(path="*/schools", every=1, drop_items=50)])
    assert server.get(path, token).json()["orgs"] == []  # more than the page: all of them


def test_fault_rules_admin_api_refuses_a_bad_new_effect_with_422_naming_it(server: Server, token: str) -> None:
    url = f"{server.base}/_mock/tenants/{DEMO}/faults"
    for rule, named in (({"every": 1, "dropItems": -2}, "dropItems must be at least 1, not -2"),
                        ({"every": 1, "malformed": "json"}, "'truncated', 'nonjson', 'schema'"),
                        ({"every": 1, "totalCountOffset": 0}, "totalCountOffset must not be 0")):
        response = requests.post(url, json=rule, timeout=TIMEOUT)
        assert response.status_code == 422, response.text
        assert named in _info(response)["imsx_description"], response.text
    added = requests.post(url, json={"id": "gap", "every": 1, "dropItems": 1}, timeout=TIMEOUT)
    assert added.status_code == 201 and added.json() == {"id": "gap", "every": 1, "dropItems": 1}


def test_fault_rules_revoke_token_refuses_old_tokens_until_a_new_one(server: Server, token: str) -> None:
    server.book.add(DEMO, FaultRule(id="revoke", path="*/schools", times=1, revoke_token=True))
    before = server.runtime.clock()
    response = server.get(f"{ROSTER}/schools", token)
    assert response.status_code == 401
    assert response.headers["X-Mock-Fault"] == "revoke"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert code_minor(response.json()) == "unauthorisedrequest"
    assert server.runtime.faults.tokens_not_before(DEMO) >= before
    for path in (f"{ROSTER}/classes", f"{STD_ROSTER}/schools", f"{V1P1}/classes"):  # every form, afterwards
        assert server.get(path, token).status_code == 401, path
    fresh = server.token()
    assert server.get(f"{ROSTER}/schools", fresh).status_code == 200
    assert server.get(f"{STD_ROSTER}/classes", fresh).status_code == 200


def test_fault_rules_token_endpoint_gets_the_rfc6749_body(server: Server) -> None:
    """No appName and form credentials: the tenant comes from the client_id in the (replayed) body."""
    server.book.add(DEMO, FaultRule(id="oauth-down", operation_id="issueToken", times=1, status=503))
    form = {"grant_type": "client_credentials", "client_id": CREDENTIALS[0], "client_secret": CREDENTIALS[1]}
    response = requests.post(f"{server.base}/campus/oauth2/token", data=form, timeout=TIMEOUT)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"] == "server_error"
    response = requests.post(f"{server.base}/campus/oauth2/token", data=form, timeout=TIMEOUT)
    assert response.status_code == 200, response.text


# --- matching ---------------------------------------------------------------------------------------

def test_fault_rules_method_and_path_put_results_leaves_gets_alone(server: Server, token: str) -> None:
    server.book.add(DEMO, FaultRule(id="put-results", method="put", path="*/results/*", every=1, status=500))
    assert server.get(f"{GRADEBOOK}/results?limit=1", token, headers=VENDOR).status_code == 200
    response = server.get(f"{GRADEBOOK}/results/no-such-result", token, headers=VENDOR)
    assert response.status_code == 404
    assert "X-Mock-Fault" not in response.headers
    response = requests.put(f"{server.base}{GRADEBOOK}/results/r-1", json={"result": {}}, timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {token}", **VENDOR})
    assert response.status_code == 500
    assert response.headers["X-Mock-Fault"] == "put-results"
    assert code_minor(response.json()) == "internal_server_error"


def test_fault_rules_operation_id_fires_on_all_three_base_forms(server: Server, token: str) -> None:
    server.book.add(DEMO, FaultRule(operation_id="getAllClasses", every=1, status=503))
    for base in (ROSTER, IC_ROSTER, STD_ROSTER):
        assert server.get(f"{base}/classes", token).status_code == 503, base
        assert server.get(f"{base}/schools", token).status_code == 200, base
        assert server.get(f"{base}/classes/1/students", token).status_code != 503, base


def test_fault_rules_admin_paths_are_never_faulted(server: Server, token: str) -> None:
    server.book.add(DEMO, FaultRule(every=1, status=500))
    assert server.get("/_mock/health", token).status_code == 200


@pytest.mark.skipif(not (openapi_dir() / "oneroster-v1p1.yaml").is_file(),
                    reason="openapi/oneroster-v1p1.yaml is missing: no 1.1 endpoints to fault")
def test_fault_rules_or_errors_v1p1_path_gets_the_1p1_body(server: Server, token: str) -> None:
    server.book.add(DEMO, FaultRule(path="*/classes", every=1, status=404))
    response = server.get(f"{V1P1}/classes", token)
    assert response.status_code == 404
    assert code_minor(response.json()) == "unknown object"
    assert len(response.json()["statusInfoSet"]) == 1
    response = server.get(f"{ROSTER}/classes", token)
    assert "statusInfoSet" not in response.json()
    assert code_minor(response.json()) == "unknownobject"
    server.book.set_rules(DEMO, [FaultRule(path="*/classes", every=1, status=401)])
    assert code_minor(server.get(f"{V1P1}/classes", token).json()) == "unauthorized"


# --- IC-LOAD ----------------------------------------------------------------------------------------

def test_ic_load_max_concurrent_answers_429_server_busy(server: Server, token: str) -> None:
    registry = server.runtime.tenants
    original = registry.get(DEMO)
    assert original is not None
    registry.update_settings(DEMO, replace(original.settings, max_concurrent=2))
    try:
        server.book.add(DEMO, FaultRule(id="hold", path="*/schools", every=1, latency_ms=800))
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(lambda _: server.get(f"{ROSTER}/schools", token), range(6)))
        statuses = sorted(r.status_code for r in answers)
        assert 200 in statuses and 429 in statuses, statuses
        busy = next(r for r in answers if r.status_code == 429)
        assert busy.headers["Retry-After"] == "1"
        assert code_minor(busy.json()) == "server_busy"
        assert "at most 2" in _info(busy)["imsx_description"]
        server.book.clear(DEMO)
        assert [server.get(f"{ROSTER}/schools", token).status_code for _ in range(6)] == [200] * 6
        deadline = time.monotonic() + 5  # the count drops just after the last byte is sent
        while server.runtime.in_flight.count(DEMO) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.runtime.in_flight.count(DEMO) == 0
    finally:
        registry.update_settings(DEMO, original.settings)


# --- the rule object and the book (no server) --------------------------------------------------------

@pytest.mark.parametrize(("data", "names"), [
    ({"status": 503}, ["times", "every", "probability"]),
    ({"times": 1}, ["status", "latencyMs", "drop", "malformed", "revokeToken", "totalCountOffset", "dropItems"]),
    ({"times": 1, "every": 2, "status": 500}, ["times", "every"]),
    ({"times": 1, "status": 500, "drop": True}, ["status", "drop"]),
    ({"times": 0, "status": 500}, ["times", "at least 1"]),
    ({"times": "2", "status": 500}, ["times", "integer"]),
    ({"probability": 1.5, "status": 500}, ["probability", "0 < p <= 1"]),
    ({"every": 1, "seed": 3, "status": 500}, ["seed", "probability"]),
    ({"every": 1, "status": 302}, ["status", "400", "599"]),
    ({"every": 1, "latencyMs": 300, "retryAfter": 2}, ["retryAfter", "status"]),
    ({"every": 1, "malformed": "garbage"}, ["malformed", "truncated", "nonjson", "schema"]),
    ({"every": 1, "totalCountOffset": 0}, ["totalCountOffset", "0", "non-zero"]),
    ({"every": 1, "totalCountOffset": "5"}, ["totalCountOffset", "integer", "'5'"]),
    ({"every": 1, "totalCountOffset": 10**7}, ["totalCountOffset", "-1000000", "1000000"]),
    ({"every": 1, "dropItems": 0}, ["dropItems", "at least 1"]),
    ({"every": 1, "dropItems": True}, ["dropItems", "integer"]),
    ({"every": 1, "dropItems": 2, "totalCountOffset": 1}, ["totalCountOffset", "dropItems"]),
    ({"every": 1, "drop": "yes"}, ["drop", "true or false"]),
    ({"every": 1, "status": 500, "method": "FETCH"}, ["method", "FETCH", "GET", "PUT"]),
    ({"every": 1, "status": 500, "path": "lineItems"}, ["path", "'*/lineItems*'"]),
    ({"every": 1, "status": 500, "operationId": "getAllClass"}, ["operationId", "getAllClasses"]),
    ({"every": 1, "status": 500, "id": "no spaces"}, ["id", "letters"]),
    ({"every": 1, "status": 500, "latency": 3}, ["latency", "latencyMs", "operationId"]),
    ([], ["JSON object"]),
])
def test_fault_rules_validation_names_the_key_and_allowed_values(data: Any, names: list[str]) -> None:
    with pytest.raises(ValueError) as caught:
        FaultRule.from_dict(data)
    for name in names:
        assert name in str(caught.value)


def test_fault_rules_admin_spec_names_every_key_and_malformed_kind() -> None:
    """The admin spec's FaultRule schema describes rules.py's keys (and the list's counters), no others."""
    with open(openapi_dir() / "mock-admin.yaml", encoding="utf-8") as fh:
        schema = yaml.safe_load(fh)["components"]["schemas"]["FaultRule"]
    assert set(schema["properties"]) == {*rules._JSON_KEYS.values(), "matched", "fired", "spent"}
    assert schema["properties"]["malformed"]["enum"] == list(rules.MALFORMED)
    assert set(rules.EFFECT_KEYS) <= set(schema["properties"])


def test_fault_rules_json_round_trip() -> None:
    data = {"id": "r1", "method": "put", "path": "*/lineItems/*", "operationId": "putLineItem",
            "probability": 0.25, "status": 429, "description": "slow down"}
    rule = FaultRule.from_dict(data)
    assert rule.method == "PUT" and rule.seed == 0 and rule.retry_after == 1
    assert rule.to_dict() == data | {"method": "PUT", "seed": 0, "retryAfter": 1}
    assert FaultRule.from_dict(rule.to_dict()) == rule
    assert FaultRule.from_dict({"every": 2, "drop": True}).id  # generated
    assert FaultRule.from_dict({"every": 2, "revokeToken": True, "drop": False}).to_dict().keys() == {
        "id", "every", "revokeToken"}


def _database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'faults.db'}")
    db.create_schema()
    return db


def test_fault_rules_book_first_firing_rule_wins_and_shadowed_times_keep_their_shots(tmp_path: Path) -> None:
    book = FaultBook(_database(tmp_path))
    book.set_rules("a", [FaultRule(id="x-always", path="/x", every=1, status=500),
                         FaultRule(id="once", times=1, status=503),
                         FaultRule(id="every2", every=2, status=502)])
    fired = [getattr(book.match("a", "GET", path, None), "id", None) for path in ("/x", "/x", "/y", "/y")]
    # every2 counts every matching call (its 2nd, shadowed, is lost); once is not spent while shadowed
    assert fired == ["x-always", "x-always", "once", "every2"]
    assert [d["matched"] for d in book.describe("a")] == [2, 3, 4]
    assert [d["fired"] for d in book.describe("a")] == [2, 1, 1]
    assert book.match("b", "GET", "/x", None) is None  # another tenant
    with pytest.raises(ValueError, match="exists"):
        book.add("a", FaultRule(id="once", every=1, status=500))
    book.add("a", FaultRule(id="once", every=1, status=418), replace=True)
    assert [r.id for r in book.list("a")] == ["x-always", "once", "every2"]
    assert book.get("a", "once").status == 418  # type: ignore[union-attr]
    assert book.remove("a", "every2") and not book.remove("a", "every2")
    assert book.clear("a") == 2 and book.list("a") == []



def test_fault_rules_are_shared_by_every_server_on_the_database(tmp_path: Path) -> None:
    """FAULT-RULES: two servers' books on one database are one book: a rule armed through one fires on the
    other, a "next 2 calls" rule fires twice in total, counters and revocations are the same on both."""
    db = _database(tmp_path)
    first, second = FaultBook(db), FaultBook(db)  # two servers on one database
    first.add("a", FaultRule(id="two-503", path="/x", times=2, status=503))
    assert second.refresh() is True and second.has_rules("a")
    fired = [getattr(book.match("a", "GET", "/x", None), "id", None) for book in (second, first, second, first)]
    assert fired == ["two-503", "two-503", None, None]
    assert first.describe("a") == second.describe("a")
    assert first.describe("a")[0] | {} == {"id": "two-503", "path": "/x", "times": 2, "status": 503,
                                           "retryAfter": 1, "matched": 2, "fired": 2, "spent": True}
    second.revoke_tokens("a", 1234.5, "revoke")
    assert first.refresh() is True and first.tokens_not_before("a") == 1234.5
    assert first.refresh() is False  # nothing changed since
    second.clear("a")
    assert first.refresh() is True and not first.has_rules("a")
    assert first.tokens_not_before("a") == 1234.5  # a revoked token stays revoked


def test_fault_rules_probability_draws_are_the_same_whichever_server_counts(tmp_path: Path) -> None:
    """FAULT-RULES: a seeded probability rule fires on the same call numbers, one server or two."""
    db = _database(tmp_path)
    one = FaultBook(db)
    rule = FaultRule(id="flaky", probability=0.5, seed=7, status=502)
    one.add("a", rule)
    alone = [one.match("a", "GET", "/x", None) is not None for _ in range(20)]
    one.set_rules("a", [rule])
    other = FaultBook(db)
    shared = [book.match("a", "GET", "/x", None) is not None for book in (one, other) * 10]
    assert shared == alone and 0 < sum(alone) < 20
