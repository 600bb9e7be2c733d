"""OR-PAGING at depth (issue 17): a generated tenant of 20,000 results, on SQLite and PostgreSQL.

Pages after the first continue from where the previous one ended (keyset), a cold deep page is found by its
first key (seek), and the total is counted once per query and version of the kind: none of it may change an
answer. Walking all pages with any limit equals one big read; a write between two pages never yields a
duplicate or a missing row relative to a fresh read after the write; counts match; filters return exactly
what a client-side filter of the full set returns.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from mock_ic.control.runtime import Runtime
from mock_ic.oneroster import query
from mock_ic.store import documents, listing
from mock_ic.store.engine import Database
from tests.conftest import fetch_token

T = "paging"
RESULTS = 20_000
STATUSES = ("fully graded", "exempt", "not submitted", "partially graded")
V1P2 = f"/campus/api/oneroster/v1p2/{T}/ims/oneroster/gradebook/v1p2"


def _result(n: int, rng: random.Random) -> dict[str, Any]:
    return {"sourcedId": f"r{n:06d}", "status": "active",
            "dateLastModified": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00.000Z",
            "lineItem": {"sourcedId": f"li-{n % 40}"}, "student": {"sourcedId": f"s-{n % 700}"},
            "class": {"sourcedId": f"c-{n % 40 // 4}"}, "score": float(rng.randrange(0, 101)),
            "scoreStatus": STATUSES[rng.randrange(len(STATUSES))], "scoreDate": "2026-10-01"}


def _load(db: Database, tenant: str = T) -> list[dict[str, Any]]:
    rng = random.Random(17)
    docs = [_result(n, rng) for n in range(RESULTS)]
    rng.shuffle(docs)  # stored out of order: the order comes from the query
    with db.write() as conn:
        documents.bulk_load(conn, tenant, {"results": docs})
        db.analyze(conn)
    return docs


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, new_database: Callable[[], str | None]) -> Iterator[Database]:
    """The 20,000 results, loaded once for the tests that only read them."""
    database = Database(new_database() or f"sqlite:///{tmp_path_factory.mktemp('paging') / 'store.db'}")
    database.create_schema()
    _load(database)
    yield database
    database.dispose()


@pytest.fixture
def db(loaded: Database) -> Iterator[Database]:
    listing.MEMORY.clear()
    yield loaded
    listing.MEMORY.clear()


@pytest.fixture
def writable(store_db: Database) -> Iterator[Database]:
    """A store of its own with the 20,000 results, for a test that writes."""
    listing.MEMORY.clear()
    _load(store_db)
    yield store_db
    listing.MEMORY.clear()


def _ids(page: listing.Page) -> list[str]:
    return [orjson.loads(text)["sourcedId"] for text in page.texts]


def _page(db: Database, *, limit: int, offset: int, order: str | None = None, descending: bool = False,
          filter_text: str | None = None) -> listing.Page:
    location = query.sort_expression("results", order, version="1.2")[0] if order else None
    condition = query.filter_clause("results", filter_text, "1.2") if filter_text else None
    with db.read() as conn:
        return listing.read_page(conn, T, "results", (), filter_=condition, order=location, descending=descending,
                                 limit=limit, offset=offset)


def _walk(db: Database, limit: int, **kwargs: Any) -> tuple[list[str], set[int]]:
    seen: list[str] = []
    totals: set[int] = set()
    offset = 0
    while True:
        page = _page(db, limit=limit, offset=offset, **kwargs)
        totals.add(page.total)
        if not page.texts:
            return seen, totals
        seen += _ids(page)
        offset += limit


@pytest.mark.parametrize("limit", [1_000, 997, 5_000])
def test_or_paging_walking_all_pages_with_any_limit_equals_one_big_read(db: Database, limit: int) -> None:
    whole = _ids(_page(db, limit=RESULTS + 10, offset=0))
    assert len(whole) == RESULTS and whole == sorted(whole)
    walked, totals = _walk(db, limit)
    assert walked == whole and totals == {RESULTS}


def test_or_paging_sorted_and_descending_walks_equal_one_big_read(db: Database) -> None:
    for order, descending in (("dateLastModified", False), ("dateLastModified", True), ("score", False)):
        whole = _ids(_page(db, limit=RESULTS, offset=0, order=order, descending=descending))
        walked, totals = _walk(db, 1_500, order=order, descending=descending)
        assert walked == whole and totals == {RESULTS}, (order, descending)


def test_or_paging_a_cold_deep_page_equals_that_slice_of_one_big_read(db: Database) -> None:
    whole = _ids(_page(db, limit=RESULTS, offset=0))
    for offset in (listing.SEEK_FROM, 12_345, RESULTS - 1, RESULTS, RESULTS + 5):
        listing.MEMORY.clear()  # nothing remembered: the seek
        page = _page(db, limit=100, offset=offset)
        assert _ids(page) == whole[offset:offset + 100] and page.total == RESULTS, offset


def test_or_paging_a_write_between_two_pages_gives_the_pages_of_a_fresh_read(writable: Database) -> None:
    """Each page after a write equals that page of a fresh full read after the write: no duplicate, no gap."""
    first = _page(writable, limit=1_000, offset=0)
    assert _page(writable, limit=1_000, offset=1_000).texts  # the end of page 2 is remembered
    inserted = {"sourcedId": "r000000a", "status": "active", "dateLastModified": "2026-12-01T00:00:00.000Z",
                "lineItem": {"sourcedId": "li-1"}, "student": {"sourcedId": "s-1"}, "class": {"sourcedId": "c-1"},
                "score": 1.0, "scoreStatus": "exempt", "scoreDate": "2026-10-01"}
    with writable.write() as conn:  # a new row before every remembered position, and one gone after them
        documents.put(conn, T, "results", inserted)
        documents.delete(conn, T, "results", "r015000")
    fresh = _ids(_page(writable, limit=RESULTS + 10, offset=0))
    assert len(fresh) == RESULTS and fresh[1] == "r000000a" and "r015000" not in fresh
    for offset in (1_000, 2_000, 14_000, 19_000):
        page = _page(writable, limit=1_000, offset=offset)
        assert _ids(page) == fresh[offset:offset + 1_000] and page.total == RESULTS, offset
    assert _ids(first) != fresh[:1_000]  # the first page, read before the write, is the old one


def test_or_paging_counts_match_and_follow_writes(writable: Database) -> None:
    assert _page(writable, limit=10, offset=0).total == RESULTS
    with writable.write() as conn:
        documents.delete(conn, T, "results", "r000001")
    assert _page(writable, limit=10, offset=0).total == RESULTS - 1
    assert _page(writable, limit=10, offset=5_000).total == RESULTS - 1


@pytest.mark.parametrize("filter_text", [
    "scoreStatus='exempt'",
    "dateLastModified>'2026-06-15T00:00:00Z'",
    "lineItem.sourcedId='li-7' AND score>='50'",
    "student.sourcedId='s-3' OR class.sourcedId='c-2'",
])
def test_or_filter_paged_equals_a_client_side_filter_of_the_full_set(db: Database, filter_text: str) -> None:
    docs = sorted((orjson.loads(t) for t in _page(db, limit=RESULTS, offset=0).texts), key=lambda d: d["sourcedId"])
    expected = [d["sourcedId"] for d in docs if _matches(d, filter_text)]
    walked, totals = _walk(db, 700, filter_text=filter_text)
    assert walked == expected and totals == {len(expected)}, filter_text
    assert 0 < len(expected) < RESULTS


def _matches(doc: dict[str, Any], text: str) -> bool:
    """The four filters above, evaluated in Python: the client-side oracle."""
    checks = {
        "scoreStatus='exempt'": lambda: doc["scoreStatus"] == "exempt",
        "dateLastModified>'2026-06-15T00:00:00Z'": lambda: doc["dateLastModified"] > "2026-06-15T00:00:00.000Z",
        "lineItem.sourcedId='li-7' AND score>='50'": lambda: doc["lineItem"]["sourcedId"] == "li-7"
        and doc["score"] >= 50,
        "student.sourcedId='s-3' OR class.sourcedId='c-2'": lambda: doc["student"]["sourcedId"] == "s-3"
        or doc["class"]["sourcedId"] == "c-2",
    }
    return checks[text]()


def test_or_paging_over_http_with_x_total_count_and_concurrent_writes(client: TestClient, runtime: Runtime) -> None:
    """Through the API: every page's X-Total-Count, and a walk while results are rewritten (scores change,
    positions do not) equals one big read."""
    if runtime.tenants.get(T) is None:
        runtime.tenants.create(T, recipe={"schools": 1, "students": 30, "teachers": 2, "courses": 2, "classes": 2})
        _load(runtime.db)
    tenant = runtime.tenants.get(T)
    assert tenant is not None
    token = fetch_token(client, app_name=T, client_id=tenant.client_id, client_secret=tenant.client_secret)
    headers = {"Authorization": f"Bearer {token}",
               "x-vendor-authorization": f"{tenant.vendor_key}:{tenant.vendor_secret}"}
    big = client.get(f"{V1P2}/results", params={"limit": 25_000, "fields": "sourcedId"}, headers=headers)
    assert big.status_code == 200, big.text
    whole = [r["sourcedId"] for r in big.json()["results"]]
    assert len(whole) == int(big.headers["X-Total-Count"]) >= RESULTS
    seen: list[str] = []
    offset = 0
    while True:
        page = client.get(f"{V1P2}/results", params={"limit": 2_000, "offset": offset, "fields": "sourcedId"},
                          headers=headers)
        assert page.status_code == 200 and int(page.headers["X-Total-Count"]) == len(whole)
        ids = [r["sourcedId"] for r in page.json()["results"]]
        if not ids:
            break
        seen += ids
        offset += 2_000
        with runtime.db.write() as conn:  # a write of the kind between two pages
            doc = documents.get_doc(conn, T, "results", ids[0])
            assert doc is not None
            documents.put(conn, T, "results", {**doc, "score": doc.get("score", 0) + 1,
                                              "dateLastModified": documents.now_stamp()}, exists=True)
    assert seen == whole
