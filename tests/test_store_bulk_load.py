"""``documents.bulk_load`` on SQLite hands prebuilt rows straight to the driver (a start-up with a fresh data
dir loads the demo district through it): the rows it stores are exactly those of the SQLAlchemy write path."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from mock_ic.control import seed
from mock_ic.store import documents
from mock_ic.store.engine import Database
from mock_ic.store.tables import LINK_TABLES, TABLES

SMALL = {"schools": 2, "courses": 6, "classes": 10, "students": 40, "teachers": 6, "seed": 7}


@pytest.fixture
def db(store_db: Database) -> Database:
    return store_db  # SQLite and PostgreSQL (tests/conftest.py)


def _rows(conn: sa.Connection, table: sa.Table, tenant: str) -> list[tuple[Any, ...]]:
    columns = [column for column in table.columns if column.name != "tenant"]
    ordered = [column for column in columns if column.name != "doc"]  # PostgreSQL's json has no ordering
    query = sa.select(*columns).where(table.c.tenant == tenant).order_by(*ordered)
    return [tuple(row) for row in conn.execute(query)]


def test_bulk_load_stores_what_put_many_stores(db: Database) -> None:
    district = seed.generate(seed.load_recipe(SMALL), today=date(2026, 10, 1))
    district["results"] = [{"sourcedId": "r1", "status": "active", "dateLastModified": "2026-10-01T00:00:00.000Z",
                            "lineItem": {"sourcedId": "li-1"}, "student": {"sourcedId": "s-1"},
                            "class": {"sourcedId": "c-1"}, "score": 7.5, "comment": "caf\u00e9 \u2713"}]
    with db.write() as conn:
        loaded = documents.bulk_load(conn, "bulk", district)
        for kind, docs in district.items():
            documents.put_many(conn, "one-by-one", kind, docs)
    assert loaded == sum(len(docs) for docs in district.values())
    with db.read() as conn:
        for table in (*TABLES.values(), *(link for link, _ in LINK_TABLES.values())):
            bulk = _rows(conn, table, "bulk")
            assert bulk == _rows(conn, table, "one-by-one"), table.name
            assert bulk or table.name in {"or_score_scales"}, f"{table.name}: nothing loaded, nothing compared"
