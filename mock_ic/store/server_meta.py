"""Server-wide values shared by every worker through the database (table ``mock_server_meta``).

Besides fixed values (the token-signing secret), the table holds counters that say "something changed":
``tenants_generation`` is bumped in the transaction of every tenant write, so a worker can tell with one
primary-key read whether the tenants it holds in memory are still the stored ones.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from mock_ic.store.engine import Database
from mock_ic.store.tables import server_meta

TENANTS_GENERATION = "tenants_generation"
CLOCK_OFFSET = "clock_offset"  # seconds the server's clock is moved by (PUT /_mock/clock)
CLOCK_GENERATION = "clock_generation"  # bumped with every change of the offset
FAULTS_GENERATION = "faults_generation"  # bumped with every change of a fault rule list or a revocation

# Built once: it runs on every request (TenantRegistry.refresh), and SQLAlchemy then reuses its compiled form.
_VALUE = sa.select(server_meta.c.value).where(server_meta.c.key == sa.bindparam("key"))


def setdefault(conn: sa.Connection, key: str, make: Callable[[], str]) -> str:
    """The stored value of ``key``; when there is none, ``make()`` is stored and returned. Call it in a
    ``Database.write()`` transaction, so that workers starting together agree on one value."""
    value = conn.execute(sa.select(server_meta.c.value).where(server_meta.c.key == key)).scalar()
    if value is None:
        value = make()
        conn.execute(sa.insert(server_meta).values(key=key, value=value))
    return value


def value(conn: sa.Connection, key: str) -> str | None:
    """The stored value of ``key``, None when there is none."""
    return conn.execute(_VALUE, {"key": key}).scalar()


def put(conn: sa.Connection, key: str, stored: str) -> None:
    """Store ``stored`` under ``key`` (one upsert)."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(server_meta)
    conn.execute(insert.values(key=key, value=stored).on_conflict_do_update(
        index_elements=[server_meta.c.key], set_={"value": stored}))


def generation(conn: sa.Connection, key: str) -> int:
    """The counter ``key``; 0 before its first bump."""
    value = conn.execute(_VALUE, {"key": key}).scalar()
    return 0 if value is None else int(value)


def bump(conn: sa.Connection, key: str) -> None:
    """Add one to the counter ``key`` (created at 1), atomically: one upsert, so two writers committing
    together on PostgreSQL never both write the same number (a read-then-write would lose one bump and a
    worker that read the first could miss the second)."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(server_meta)
    stored = sa.cast(sa.cast(server_meta.c.value, sa.BigInteger) + 1, sa.Text)
    conn.execute(insert.values(key=key, value="1").on_conflict_do_update(
        index_elements=[server_meta.c.key], set_={"value": stored}))


class CounterReader:
    """Reads counters many times a second, as cheaply as the database allows: :meth:`read` one,
    :meth:`read_all` every key given, in one statement.

    A ``Database.read()`` transaction costs 80-250 µs of SQLAlchemy work on this machine for a primary-key read
    that SQLite answers in 3-15 µs, and a server reads its counters once per request. So the reader keeps one
    DBAPI connection of its own (detached from the pool, closed with the reader), in autocommit, and runs one
    prepared SELECT on it. Each read sees the newest committed values: SQLite in WAL mode and PostgreSQL in
    autocommit both start a fresh snapshot per statement. An in-memory SQLite database has a single shared
    connection, so there the reader goes through ``Database.read()``.
    """

    def __init__(self, db: Database, *keys: str) -> None:
        if not keys or not all(key.isidentifier() for key in keys):  # the keys are written into the SQL text
            raise ValueError(f"counter keys must be identifiers, not {keys!r}")
        self._db = db
        self._keys = keys
        listed = ", ".join(f"'{key}'" for key in keys)
        self._sql = f"SELECT key, value FROM {server_meta.name} WHERE key IN ({listed})"
        self._lock = threading.Lock()  # one DBAPI connection: one statement at a time
        self._conn: Any = None
        self._closer: weakref.finalize[Any, CounterReader] | None = None

    def read(self) -> int:
        """The first key's counter."""
        return self.read_all()[self._keys[0]]

    def read_all(self) -> dict[str, int]:
        """Every key's counter (0 before its first bump)."""
        if self._db.in_memory:
            with self._db.read() as conn:
                return {key: generation(conn, key) for key in self._keys}
        with self._lock:
            try:
                rows = self._read_once()
            except self._db.engine.dialect.loaded_dbapi.Error:  # e.g. PostgreSQL restarted: one fresh try
                self.close()
                rows = self._read_once()
        found = {key: int(value) for key, value in rows}
        return {key: found.get(key, 0) for key in self._keys}

    def _read_once(self) -> list[Any]:
        if self._conn is None:
            self._open()
        cursor = self._conn.cursor()
        try:
            cursor.execute(self._sql)
            return cursor.fetchall()  # to the end: SQLite ends the statement's read transaction there
        finally:
            cursor.close()

    def _open(self) -> None:
        pooled = self._db.engine.raw_connection()  # the engine's connect hooks (SQLite pragmas) have run
        pooled.detach()  # ours until closed; the pool opens another in its place
        conn = pooled.dbapi_connection
        if not self._db.is_sqlite:
            conn.autocommit = True  # psycopg: no transaction left open between reads
        self._conn = conn
        self._closer = weakref.finalize(self, conn.close)

    def close(self) -> None:
        if self._closer is not None:
            self._closer()
        self._conn = self._closer = None
