"""The request log's rows (table ``mock_request_log``): batch inserts, pruning, filtered reads.

Rows arrive already redacted and capped (``mock_ic.control.request_log``); this module only stores
and finds them. Every function runs in the caller's transaction (``Database.read()`` / ``write()``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from mock_ic.store.tables import request_log

Row = Mapping[str, Any]  # column name -> value, as in mock_ic/store/tables.py

_INSERT = sa.insert(request_log)  # built once: every batch of the writer thread runs it


@dataclass(frozen=True)
class Filters:
    """What a read of one tenant's rows narrows to; each ``None`` is "any". Values are in stored form."""

    path_glob: str | None = None  # ``*`` and ``?``, case-sensitive; over the path alone or path?query
    method: str | None = None  # upper case
    statuses: tuple[int, int] | None = None  # inclusive range: (404, 404), (400, 499)
    since: str | None = None  # inclusive, in the stored form of ``started``
    until: str | None = None  # inclusive, likewise


def insert_many(conn: sa.Connection, rows: Sequence[Row]) -> None:
    """Insert the rows in one statement (executemany)."""
    conn.execute(_INSERT, list(rows))


def prune(conn: sa.Connection, tenant: str, keep: int) -> None:
    """Delete the tenant's rows older than its newest ``keep`` (one statement on the (tenant, id) index)."""
    cutoff = (sa.select(request_log.c.id).where(request_log.c.tenant == tenant)
              .order_by(request_log.c.id.desc()).offset(keep).limit(1).scalar_subquery())
    conn.execute(sa.delete(request_log).where(request_log.c.tenant == tenant, request_log.c.id <= cutoff))


def newest_first(conn: sa.Connection, tenant: str, filters: Filters, *, limit: int, offset: int) -> list[Row]:
    """A page of the tenant's rows matching ``filters``, newest (highest id) first."""
    query = (sa.select(request_log).where(*_conditions(conn, tenant, filters))
             .order_by(request_log.c.id.desc()).limit(limit).offset(offset))
    return list(conn.execute(query).mappings().all())


def count(conn: sa.Connection, tenant: str, filters: Filters) -> int:
    """How many of the tenant's rows match ``filters``."""
    query = sa.select(sa.func.count()).select_from(request_log).where(*_conditions(conn, tenant, filters))
    return int(conn.execute(query).scalar_one())


def get(conn: sa.Connection, tenant: str, entry_id: int) -> Row | None:
    """The tenant's row with this id, or None."""
    query = sa.select(request_log).where(request_log.c.tenant == tenant, request_log.c.id == entry_id)
    return conn.execute(query).mappings().first()


def clear(conn: sa.Connection, tenant: str) -> int:
    """Delete every row of the tenant: how many there were."""
    return conn.execute(sa.delete(request_log).where(request_log.c.tenant == tenant)).rowcount or 0


def _conditions(conn: sa.Connection, tenant: str, filters: Filters) -> list[sa.ColumnElement[bool]]:
    c = request_log.c
    conditions: list[sa.ColumnElement[bool]] = [c.tenant == tenant]
    if filters.path_glob:
        sqlite = conn.dialect.name == "sqlite"
        with_query = _glob(sqlite, c.path + "?" + c.query, filters.path_glob)
        conditions.append(sa.or_(_glob(sqlite, c.path, filters.path_glob), sa.and_(c.query != "", with_query)))
    if filters.method:
        conditions.append(c.method == filters.method)
    if filters.statuses is not None:
        conditions.append(c.status.between(*filters.statuses))
    if filters.since is not None:
        conditions.append(c.started >= filters.since)
    if filters.until is not None:
        conditions.append(c.started <= filters.until)
    return conditions


def _glob(sqlite: bool, column: sa.ColumnElement[str], pattern: str) -> sa.ColumnElement[bool]:
    """Case-sensitive, only ``*`` and ``?`` special, alike on SQLite (GLOB) and PostgreSQL (LIKE)."""
    if sqlite:
        return column.op("GLOB")(pattern.replace("[", "[[]"))  # GLOB also has [...] classes: "[" is literal
    like = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%").replace("?", "_")
    return column.like(like, escape="\\")
