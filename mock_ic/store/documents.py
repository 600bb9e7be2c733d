"""Tenant-scoped reads and writes of OneRoster documents.

Reads return the stored JSON text; writers pass parsed documents and get them serialised once.
A caller that must check and then write does both inside one ``Database.write()`` transaction.

This is the one write path for documents: :func:`put` and :func:`put_many` (and :func:`bulk_load`
for an empty tenant) fill the indexed reference columns and the link tables from the document, so
nothing else may UPDATE a kind table.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
import sqlalchemy as sa

from mock_ic.store import kind_versions
from mock_ic.store.scopes import Scope, conditions
from mock_ic.store.tables import KINDS, LINK_TABLES, TABLES, links_for

_clock_lock = threading.Lock()
_last_stamp = 0


def now_stamp() -> str:
    """A UTC ISO-8601 timestamp with milliseconds that is strictly increasing within the process.

    OR-STATUS: dateLastModified changes on every write, even two writes in one millisecond.
    """
    global _last_stamp
    with _clock_lock:
        ms = max(int(time.time() * 1000), _last_stamp + 1)
        _last_stamp = ms
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def dumps(doc: dict[str, Any]) -> str:
    return orjson.dumps(doc).decode()


def row_for(tenant: str, kind: str, doc: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    spec = KINDS[kind]
    row = {
        "tenant": tenant,
        "sourced_id": doc["sourcedId"],
        "status": doc.get("status", "active"),
        "date_last_modified": doc["dateLastModified"],
        "doc": text if text is not None else dumps(doc),
    }
    for column, extract in spec.extractors.items():
        row[column] = extract(doc)
    return row


# The statements of the hot paths (one object by id, the upsert) are built once per kind with bound
# parameters: building and cache-keying a Core statement costs ~0.15 ms, four times its execution.
_TENANT, _SID = sa.bindparam("b_tenant"), sa.bindparam("b_sid")  # not column names: update() sets columns by name


@cache
def _by_id(kind: str) -> sa.ColumnElement[bool]:
    table = TABLES[kind]
    return sa.and_(table.c.tenant == _TENANT, table.c.sourced_id == _SID)


@cache
def _select_doc(kind: str) -> sa.Select[Any]:
    return sa.select(TABLES[kind].c.doc).where(_by_id(kind))


@cache
def _select_one(kind: str) -> sa.Select[Any]:
    return sa.select(sa.literal(1)).where(_by_id(kind))


@cache
def _update(kind: str) -> sa.Update:
    return sa.update(TABLES[kind]).where(_by_id(kind))


@cache
def _insert(kind: str) -> sa.Insert:
    return sa.insert(TABLES[kind])


def get_text(conn: sa.Connection, tenant: str, kind: str, sourced_id: str, scopes: Sequence[Scope] = (),
             path: Mapping[str, str] | None = None) -> str | None:
    """The stored text of one object (within ``scopes``: a nested endpoint's, a connection's); None when absent."""
    query = _select_doc(kind)
    if scopes:
        query = query.where(*conditions(kind, tenant, scopes, path))
    return conn.execute(query, {"b_tenant": tenant, "b_sid": sourced_id}).scalar_one_or_none()


def get_doc(conn: sa.Connection, tenant: str, kind: str, sourced_id: str) -> dict[str, Any] | None:
    text = get_text(conn, tenant, kind, sourced_id)
    return None if text is None else orjson.loads(text)


def exists(conn: sa.Connection, tenant: str, kind: str, sourced_id: str, scopes: Sequence[Scope] = (),
           path: Mapping[str, str] | None = None) -> bool:
    """Whether the object exists within ``scopes`` (a nested endpoint's parent, a write's reference)."""
    query = _select_one(kind)
    if scopes:
        query = query.where(*conditions(kind, tenant, scopes, path))
    return conn.execute(query, {"b_tenant": tenant, "b_sid": sourced_id}).first() is not None


def put(conn: sa.Connection, tenant: str, kind: str, doc: dict[str, Any], *, exists: bool | None = None) -> bool:
    """Insert or replace one document; True when it was created. ``exists``: whether the caller has
    just read it in this transaction (one statement instead of an UPDATE that finds nothing, then an
    INSERT); None when unknown."""
    row = row_for(tenant, kind, doc)
    updated = 0
    if exists is not False:
        updated = conn.execute(_update(kind), {**row, "b_tenant": tenant, "b_sid": row["sourced_id"]}).rowcount
    if not updated:
        conn.execute(_insert(kind), row)
    _replace_links(conn, tenant, kind, [doc])
    kind_versions.bump(conn, tenant, kind, 0 if updated else 1, in_place=bool(updated))  # see kind_versions.py
    return not updated


# Ids per IN (...) list: well under SQLite's bound-parameter limit and PostgreSQL's.
_ID_CHUNK = 500


def put_many(conn: sa.Connection, tenant: str, kind: str, docs: Sequence[dict[str, Any]]) -> int:
    """Insert or replace many documents of one kind, as :func:`put` does one by one; returns how many were created.

    One executemany UPDATE and one INSERT with the same prebuilt statements as :func:`put` (a scenario
    rewrites thousands of enrolments; a statement per document costs ~10x as much).
    """
    if not docs:
        return 0
    rows = [row_for(tenant, kind, doc) for doc in docs]
    existing = _existing_ids(conn, tenant, kind, [row["sourced_id"] for row in rows])
    old = [{**row, "b_tenant": tenant, "b_sid": row["sourced_id"]} for row in rows if row["sourced_id"] in existing]
    new = [row for row in rows if row["sourced_id"] not in existing]
    if old:
        conn.execute(_update(kind), old)
    if new:
        conn.execute(_insert(kind), new)
    _replace_links(conn, tenant, kind, docs)
    kind_versions.bump(conn, tenant, kind, len(new), in_place=not new)
    return len(new)


def _existing_ids(conn: sa.Connection, tenant: str, kind: str, ids: list[str]) -> set[str]:
    table = TABLES[kind]
    found: set[str] = set()
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start:start + _ID_CHUNK]
        found.update(conn.execute(sa.select(table.c.sourced_id).where(
            table.c.tenant == tenant, table.c.sourced_id.in_(chunk))).scalars())
    return found


def delete(conn: sa.Connection, tenant: str, kind: str, sourced_id: str) -> bool:
    table = TABLES[kind]
    gone = conn.execute(
        sa.delete(table).where(table.c.tenant == tenant, table.c.sourced_id == sourced_id)
    ).rowcount
    if kind in LINK_TABLES:
        link, column = LINK_TABLES[kind]
        conn.execute(sa.delete(link).where(link.c.tenant == tenant, link.c[column] == sourced_id))
    kind_versions.bump(conn, tenant, kind, -gone)
    return bool(gone)


def delete_where(conn: sa.Connection, tenant: str, kind: str, **equal: str) -> int:
    """Delete the tenant's documents of a kind whose indexed columns hold the given values, e.g.
    ``delete_where(conn, t, "results", line_item="li-1")``; for kinds without link tables."""
    assert kind not in LINK_TABLES, kind  # their link rows would stay behind
    gone = conn.execute(sa.delete(TABLES[kind]).where(*_matching(tenant, kind, equal))).rowcount
    kind_versions.bump(conn, tenant, kind, -gone)
    return gone


def _matching(tenant: str, kind: str, equal: dict[str, str]) -> list[sa.ColumnElement[bool]]:
    table = TABLES[kind]
    return [table.c.tenant == tenant, *(table.c[column] == value for column, value in equal.items())]


def _replace_links(conn: sa.Connection, tenant: str, kind: str, docs: Sequence[dict[str, Any]]) -> None:
    if kind not in LINK_TABLES:
        return
    link, column = LINK_TABLES[kind]
    conn.execute(sa.delete(link).where(link.c.tenant == tenant, link.c[column] == sa.bindparam("b_sid")),
                 [{"b_sid": doc["sourcedId"]} for doc in docs])
    for table, rows in _link_rows(tenant, kind, docs).items():
        conn.execute(sa.insert(table), rows)


def _link_rows(tenant: str, kind: str, docs: Iterable[dict[str, Any]]) -> dict[sa.Table, list[dict[str, str]]]:
    """The link-table rows the documents imply (a class's terms, a user's orgs), by table."""
    link_rows: dict[sa.Table, list[dict[str, str]]] = {}
    for doc in docs:
        for link, values in links_for(kind, doc):
            link_rows.setdefault(link, []).append({"tenant": tenant, **values})
    return link_rows


def bulk_load(conn: sa.Connection, tenant: str, district: dict[str, Sequence[dict[str, Any]]]) -> int:
    """Insert a whole generated or imported district (executemany per table). Returns the row count."""
    total = 0
    for kind, docs in district.items():
        if docs:
            _load_kind(conn, tenant, kind, docs, [row_for(tenant, kind, doc) for doc in docs])
            total += len(docs)
    return total


def bulk_load_stored(conn: sa.Connection, tenant: str, kind: str, texts: Sequence[str]) -> int:
    """Insert documents of ``kind`` as stored texts (a snapshot read back): each is parsed for its columns and
    links and stored as it was, not serialised again (a restore of 1.4 million documents: BENCHMARKS.md)."""
    docs = [orjson.loads(text) for text in texts]
    if docs:
        _load_kind(conn, tenant, kind, docs, [row_for(tenant, kind, doc, text) for doc, text in zip(docs, texts,
                                                                                                 strict=True)])
    return len(docs)


def _load_kind(conn: sa.Connection, tenant: str, kind: str, docs: Sequence[dict[str, Any]],
               rows: list[dict[str, Any]]) -> None:
    _insert_many(conn, TABLES[kind], rows)
    for link, link_rows in _link_rows(tenant, kind, docs).items():
        _insert_many(conn, link, link_rows)
    kind_versions.bump(conn, tenant, kind, len(docs))


def _insert_many(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Prebuilt rows (all with the same keys) straight to the driver: no column type of ours converts a value on
    its way in (documents are stored as the text given). On SQLite one executemany: SQLAlchemy's per-row
    parameter processing was a third of the demo district's load (0.20 -> 0.14 s for 13k rows, BENCHMARKS.md);
    on PostgreSQL one ``COPY ... FROM STDIN`` (psycopg), which a district-sized load needs (BENCHMARKS.md,
    issue 17)."""
    names = tuple(rows[0])
    quoting = conn.dialect.identifier_preparer
    if conn.dialect.name == "postgresql":
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                _copy_statement(table, names, quoting)) as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])
        return
    conn.exec_driver_sql(_driver_insert(table, names, quoting), rows)


@cache
def _copy_statement(table: sa.Table, names: tuple[str, ...], quoting: sa.sql.compiler.IdentifierPreparer) -> str:
    return f"COPY {quoting.format_table(table)} ({', '.join(quoting.quote(name) for name in names)}) FROM STDIN"


@cache
def _driver_insert(table: sa.Table, names: tuple[str, ...], quoting: sa.sql.compiler.IdentifierPreparer) -> str:
    return (f"INSERT INTO {quoting.format_table(table)} ({', '.join(quoting.quote(name) for name in names)}) "
            f"VALUES ({', '.join(f':{name}' for name in names)})")


def drop_tenant(conn: sa.Connection, tenant: str) -> None:
    """Every document of the tenant (its snapshots stay: see mock_ic.control.state)."""
    for table in (*TABLES.values(), *(link for link, _ in LINK_TABLES.values())):
        conn.execute(sa.delete(table).where(table.c.tenant == tenant))
    kind_versions.drop_tenant(conn, tenant)


def texts(conn: sa.Connection, query: sa.Select[Any]) -> list[str]:
    return list(conn.execute(query).scalars())


def all_docs(conn: sa.Connection, tenant: str, kinds: Iterable[str] = KINDS) -> dict[str, list[dict[str, Any]]]:
    """Every document of a tenant, by kind, ordered by sourcedId (export, snapshots)."""
    return {kind: find(conn, tenant, kind) for kind in kinds}


def stored_texts(conn: sa.Connection, tenant: str, kind: str, batch: int = 5_000) -> Iterator[list[str]]:
    """The tenant's stored JSON texts of a kind by sourcedId, ``batch`` at a time (bounded memory: a server-side
    cursor on PostgreSQL, SQLite's own stepping)."""
    table = TABLES[kind]
    query = (sa.select(table.c.doc).where(table.c.tenant == tenant).order_by(table.c.sourced_id)
             .execution_options(yield_per=batch))
    for partition in conn.execute(query).partitions():
        yield [text for (text,) in partition]


def find(conn: sa.Connection, tenant: str, kind: str, **equal: str) -> list[dict[str, Any]]:
    """The tenant's documents of a kind whose indexed columns (and status) hold the given values, by
    sourcedId: ``find(conn, t, "enrollments", role="student", status="active")``."""
    table = TABLES[kind]
    query = sa.select(table.c.doc).where(*_matching(tenant, kind, equal)).order_by(table.c.sourced_id)
    return [orjson.loads(text) for text in conn.execute(query).scalars()]


def count(conn: sa.Connection, tenant: str, kind: str, **equal: str) -> int:
    """How many documents :func:`find` would return, counted in SQL."""
    query = sa.select(sa.func.count()).select_from(TABLES[kind]).where(*_matching(tenant, kind, equal))
    return conn.execute(query).scalar_one()
