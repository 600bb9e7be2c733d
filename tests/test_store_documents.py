"""The store's one write path for documents: ``put_many`` keeps indexed columns and link tables as ``put`` does."""

from __future__ import annotations

from typing import Any

import pytest

from mock_ic.store import documents, listing
from mock_ic.store.engine import Database
from mock_ic.store.facts import Facts

T = "store-docs"


@pytest.fixture
def db(store_db: Database) -> Database:
    return store_db  # SQLite and PostgreSQL (tests/conftest.py)


def _term(sid: str, start: str) -> dict[str, Any]:
    return {"sourcedId": sid, "status": "active", "dateLastModified": documents.now_stamp(), "type": "term",
            "title": sid, "startDate": start, "endDate": start}


def _class(sid: str, school: str, *terms: str) -> dict[str, Any]:
    return {"sourcedId": sid, "status": "active", "dateLastModified": documents.now_stamp(), "title": sid,
            "school": {"sourcedId": school}, "terms": [{"sourcedId": t} for t in terms]}


def test_put_many_replaces_and_creates_with_link_tables_and_indexed_columns(db: Database) -> None:
    with db.write() as conn:
        documents.bulk_load(conn, T, {"academicSessions": [_term("t1", "2026-01-01"), _term("t2", "2026-06-01")],
                                      "classes": [_class("c1", "s1", "t1")]})
        created = documents.put_many(conn, T, "classes", [_class("c1", "s2", "t2"), _class("c2", "s2", "t1", "t2")])
    assert created == 1
    with db.read() as conn:
        facts = Facts(conn, T)
        assert [t["sourcedId"] for t in facts.terms_of_class("c1")] == ["t2"]
        assert [t["sourcedId"] for t in facts.terms_of_class("c2")] == ["t1", "t2"]
        assert [c["sourcedId"] for c in documents.find(conn, T, "classes", school="s2")] == ["c1", "c2"]
        assert documents.count(conn, T, "classes", school="s1") == 0


def test_put_many_of_nothing_writes_nothing(db: Database) -> None:
    with db.write() as conn:
        assert documents.put_many(conn, T, "classes", []) == 0
    with db.read() as conn:
        assert documents.count(conn, T, "classes") == 0


def test_every_page_tells_the_true_total_whether_or_not_it_counted(db: Database) -> None:
    """A page that is the last one takes its total from its own length (no COUNT); every other page,
    and a page past the end, counts. Each limit and offset around the edges gives the true total and
    exactly the rows of one full read."""
    with db.write() as conn:
        documents.bulk_load(conn, T, {"academicSessions": [_term(f"t{i:02d}", "2026-01-01") for i in range(10)]})
    with db.read() as conn:
        everything = listing.read_page(conn, T, "academicSessions", (), limit=1000).texts
        for limit in (1, 3, 5, 9, 10, 11):
            for offset in (0, 1, 5, 9, 10, 11, 20):
                page = listing.read_page(conn, T, "academicSessions", (), limit=limit, offset=offset)
                assert page.total == 10, (limit, offset)
                assert page.texts == everything[offset:offset + limit], (limit, offset)
