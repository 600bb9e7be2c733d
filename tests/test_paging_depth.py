"""OR-PAGING at depth (issue 17): a generated tenant of 20,000 results, on SQLite and PostgreSQL.

Pages after the first continue from where the previous one ended (keyset), a cold deep page is found by its
first key (seek), and the total is counted once per query and version of the kind: none of it may change an
answer. Walking all pages with any limit equals one big read; a write between two pages never yields a
duplicate or a missing row relative to a fresh read after the write; counts match; filters return exactly
what a client-side filter of the full set returns. An update in place (a PUT of a result that exists) keeps an
unfiltered walk in sourcedId order on its keyset (``Page.read_by``), and every other list exactly as correct;
on PostgreSQL a bulk load is VACUUMed, so a cold deep page's seek reads the index alone.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from mock_ic.control.runtime import Runtime
from mock_ic.oneroster import query
from mock_ic.store import documents, kind_versions, listing
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


# --- a walk while others write (issue 17, point 2): updates in place keep an unfiltered walk's keyset -----------


def _texts(db: Database, **kwargs: Any) -> list[str]:
    """A fresh full read (one page of everything) of the same query: the oracle a walk is held to."""
    return _page(db, limit=RESULTS + 100, offset=0, **kwargs).texts


def _rewrite(db: Database, sourced_id: str, **changes: Any) -> None:
    """A PUT of an existing result (an update in place), with a new dateLastModified unless one is given."""
    with db.write() as conn:
        doc = documents.get_doc(conn, T, "results", sourced_id)
        assert doc is not None
        documents.put(conn, T, "results", {**doc, "dateLastModified": documents.now_stamp(), **changes}, exists=True)


def _new_result(sourced_id: str) -> dict[str, Any]:
    return {"sourcedId": sourced_id, "status": "active", "dateLastModified": documents.now_stamp(),
            "lineItem": {"sourcedId": "li-1"}, "student": {"sourcedId": "s-1"}, "class": {"sourcedId": "c-1"},
            "score": 1.0, "scoreStatus": "exempt", "scoreDate": "2026-10-01"}


def test_or_paging_in_place_puts_between_pages_keep_the_keyset_and_give_a_fresh_reads_pages(
        writable: Database) -> None:
    """OR-PAGING: between every two pages of an unfiltered walk, results already walked, on the next page and far
    ahead are PUT again, with every column a list may sort or filter on changed (status tobedeleted included: lists
    do not hide it). Each page equals that page of a fresh full read after the writes, texts and all; every page
    after the first still continues from where the previous one ended (the keyset), and the walk is every row once."""
    limit, offset, walked = 1_000, 0, []
    page = _page(writable, limit=limit, offset=0)
    while page.texts:
        walked += _ids(page)
        offset += limit
        ahead = (f"r{(offset + 1) % RESULTS:06d}", f"r{(offset * 7) % RESULTS:06d}")  # the next page, anywhere
        for n, sourced_id in enumerate((walked[offset // 2], *ahead)):
            _rewrite(writable, sourced_id, score=float(offset % 101), scoreStatus=STATUSES[n],
                     status=("tobedeleted", "active")[n % 2], lineItem={"sourcedId": f"li-moved-{n}"})
        fresh = _texts(writable)
        page = _page(writable, limit=limit, offset=offset)
        assert page.texts == fresh[offset:offset + limit] and page.total == RESULTS, offset
        assert page.read_by == ("keyset" if offset < RESULTS else "end"), (offset, page.read_by)
    assert walked == _ids(listing.Page(_texts(writable), RESULTS)) and len(set(walked)) == RESULTS


def test_or_paging_inserts_and_deletes_between_pages_give_a_fresh_reads_pages(writable: Database) -> None:
    """OR-PAGING: rows added before the walk's position and removed after it (with updates in place between them)
    move every later row to another page: the page after such a write is found again (seek or offset), never
    continued from a stale key, and equals that page of a fresh read; once only updates follow, the keyset is back."""
    limit, offset = 1_000, 0
    page = _page(writable, limit=limit, offset=0)
    expected_read_by = []
    for step in range(12):
        offset += limit
        if step % 3 == 0:  # a row added before the position
            with writable.write() as conn:
                documents.put(conn, T, "results", _new_result(f"r{offset // 2:06d}x{step}"))
        elif step % 3 == 1:  # a row removed after it, and one before it
            with writable.write() as conn:
                documents.delete(conn, T, "results", f"r{offset + 1_500:06d}")
                documents.delete(conn, T, "results", f"r{offset // 3:06d}")
        else:  # only an update in place
            _rewrite(writable, f"r{offset + 10:06d}", score=99.0)
        fresh = _texts(writable)
        page = _page(writable, limit=limit, offset=offset)
        assert page.texts == fresh[offset:offset + limit] and page.total == len(fresh), (step, offset)
        expected_read_by.append(page.read_by)
    assert expected_read_by == ["offset", "seek", "keyset"] + ["seek", "seek", "keyset"] * 3


# Updates in place that move a row from before the remembered page ends to after them, out of the list, or from
# after them to the front: a page continued from a stale end would be off by one row.
_MOVES: dict[str, list[tuple[int, dict[str, Any]]]] = {
    "dateLastModified": [(300, {"dateLastModified": "2000-01-01T00:00:00.000Z"})],
    "score": [(50, {"score": 1_000.0})],
    "scoreStatus='exempt'": [(50, {"scoreStatus": "fully graded"})],
    "lineItem.sourcedId='li-7'": [(50, {"lineItem": {"sourcedId": "li-8"}})],
}


@pytest.mark.parametrize(("order", "filter_text"), [("dateLastModified", None), ("score", None),
                                                     (None, "scoreStatus='exempt'"),
                                                     (None, "lineItem.sourcedId='li-7'")])
def test_or_paging_a_sorted_or_filtered_walk_after_a_put_that_moves_a_row_gives_a_fresh_reads_pages(
        writable: Database, order: str | None, filter_text: str | None) -> None:
    """OR-PAGING, OR-SORT, OR-FILTER: an update in place may move a row of a sorted or filtered list across a page
    end (a new date, score, scoreStatus or line item): such lists never continue from a key remembered before it,
    and each page equals that page of a fresh read."""
    query_args: dict[str, Any] = {"order": order, "filter_text": filter_text}
    before = _texts(writable, **query_args)
    assert len(before) > 400
    _page(writable, limit=100, offset=0, **query_args)  # page ends remembered at 100 ...
    _page(writable, limit=100, offset=100, **query_args)  # ... and 200
    for index, changes in _MOVES[order or filter_text or ""]:
        _rewrite(writable, orjson.loads(before[index])["sourcedId"], **changes)
    fresh = _texts(writable, **query_args)
    assert fresh[200:300] != before[200:300]
    page = _page(writable, limit=100, offset=200, **query_args)
    assert page.texts == fresh[200:300] and page.total == len(fresh)
    assert page.read_by == "offset"  # below SEEK_FROM: read past the others, not continued


def test_or_paging_a_walk_while_another_thread_puts_in_place_is_every_row_once_by_keyset(
        writable: Database) -> None:
    """OR-PAGING: a walk in one thread while another PUTs results in place as fast as it can (at least one PUT
    between every two pages, some during them): every row once, the same total on every page, and every page
    after the first continued from where the previous one ended."""
    puts = 0
    changed = threading.Condition()
    stop = threading.Event()
    errors: list[BaseException] = []

    def put_scores() -> None:
        nonlocal puts
        rng = random.Random(5)
        try:
            while not stop.is_set():
                _rewrite(writable, f"r{rng.randrange(RESULTS):06d}", score=float(rng.randrange(101)),
                         scoreStatus=STATUSES[rng.randrange(len(STATUSES))])
                with changed:
                    puts += 1
                    changed.notify_all()
        except BaseException as exc:  # surfaced by the walk below
            errors.append(exc)
            with changed:
                changed.notify_all()

    def wait_for_a_put(seen: int) -> int:
        deadline = time.monotonic() + 30
        with changed:
            while puts == seen and not errors and time.monotonic() < deadline:
                changed.wait(deadline - time.monotonic())
            assert not errors and puts > seen, errors
            return puts

    writer = threading.Thread(target=put_scores, daemon=True)
    writer.start()
    try:
        seen_puts, offset, walked, pages = 0, 0, [], []
        while True:
            seen_puts = wait_for_a_put(seen_puts)
            page = _page(writable, limit=1_000, offset=offset)
            if not page.texts:
                break
            pages.append(page)
            walked += _ids(page)
            offset += 1_000
    finally:
        stop.set()
        writer.join(timeout=60)
    assert walked == [f"r{n:06d}" for n in range(RESULTS)]
    assert {page.total for page in pages} == {RESULTS}
    assert [page.read_by for page in pages] == ["first"] + ["keyset"] * (len(pages) - 1)


def test_kind_counters_membership_moves_only_when_rows_are_added_or_removed(store_db: Database) -> None:
    """What the keyset of an unfiltered walk relies on (store/kind_versions.py): an update in place moves the
    version only; an insert, a delete, a put_many with a new row, a bulk load and dropping the tenant move both."""
    def state() -> kind_versions.KindState:
        with store_db.read() as conn:
            return kind_versions.state(conn, T, "results")

    def changed(write: Callable[[Any], object]) -> tuple[int, int, int]:
        before = state()
        with store_db.write() as conn:
            write(conn)
        after = state()
        return after.version - before.version, after.membership - before.membership, after.rows - before.rows

    assert state() == (0, 0, 0)
    assert changed(lambda c: documents.put(c, T, "results", _new_result("a"))) == (1, 1, 1)
    assert changed(lambda c: documents.put(c, T, "results", {**_new_result("a"), "status": "tobedeleted"})) == (
        1, 0, 0)
    assert changed(lambda c: documents.put_many(c, T, "results", [_new_result("a")])) == (1, 0, 0)
    assert changed(lambda c: documents.put_many(c, T, "results", [_new_result("a"), _new_result("b")])) == (1, 1, 1)
    assert changed(lambda c: documents.delete(c, T, "results", "b")) == (1, 1, -1)
    assert changed(lambda c: documents.bulk_load(c, T, {"results": [_new_result("c")]})) == (1, 1, 1)
    assert changed(lambda c: documents.drop_tenant(c, T)) == (1, 1, -2)


@pytest.mark.postgresql_only
def test_or_paging_postgresql_finds_a_cold_deep_page_through_the_index_alone_after_a_bulk_load(
        db: Database) -> None:
    """OR-PAGING at depth on PostgreSQL: ``Database.analyze`` after a bulk load VACUUMs the document tables once the
    load has committed, so the seek of a cold deep page is an index-only scan that reads no row of the table (before
    the VACUUM it fetched every one of the 900,000 rows it skipped: 208 ms at offset 900,000 of 1M, BENCHMARKS.md)."""
    sql = ("EXPLAIN (ANALYZE, FORMAT JSON) SELECT sourced_id FROM or_results WHERE tenant = :tenant "
           "ORDER BY sourced_id LIMIT 1 OFFSET 15000")
    with db.read() as conn:
        plan = conn.execute(sa.text(sql), {"tenant": T}).scalar_one()[0]["Plan"]
    scan = plan["Plans"][0]
    assert (scan["Node Type"], scan["Heap Fetches"]) == ("Index Only Scan", 0), scan
