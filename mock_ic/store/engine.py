"""Opening the database: SQLite (file in WAL mode, or in memory) or PostgreSQL.

SQLite facts measured here (DESIGN.md): WAL, ``synchronous=NORMAL``, a busy timeout, and
``BEGIN IMMEDIATE`` for every transaction that writes — a deferred read-then-write transaction
fails with "database is locked" under concurrency whatever the timeout.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import StaticPool

from mock_ic.store import migrations
from mock_ic.store.tables import LINK_TABLES, TABLES

log = logging.getLogger("mock_ic.store")
WRITE = "mock_ic_write"
# Set on a write connection by Database.analyze (PostgreSQL): VACUUM the document tables once the write commits.
_VACUUM_AFTER_COMMIT = "mock_ic_vacuum_after_commit"
T = TypeVar("T")
# A write that lost a race is run again, this many times in all, after a short random pause.
WRITE_ATTEMPTS = 5
_RETRY_PAUSE = (0.002, 0.02)  # seconds, doubled per attempt
# PostgreSQL SQLSTATEs of a transaction that lost a race and may simply run again: serialization_failure
# and deadlock_detected.
_PG_RETRY = frozenset({"40001", "40P01"})


def _json_serializer(obj: Any) -> str:
    return orjson.dumps(obj).decode()


class Database:
    """An engine plus the one rule of how to open read and write transactions on it."""

    def __init__(self, url: str) -> None:
        self.url = sa.make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.in_memory = self.is_sqlite and self.url.database in (None, "", ":memory:")
        # One shared connection for an in-memory database: serialise its use across threads.
        self._lock = threading.RLock() if self.in_memory else None
        # SQLite has one writer at a time; queueing writers here instead of in SQLite's sleeping busy
        # handler cuts the write tail from ~1.5 s to ~0.3 s at 8 concurrent PUTs (BENCHMARKS.md).
        self._write_lock = threading.Lock() if self.is_sqlite and not self.in_memory else None
        self.engine = self._create_engine()
        # The same pool, its connections marked as writers (BEGIN IMMEDIATE): set once here, since
        # Connection.execution_options() per transaction costs a new Connection object each time.
        self._write_engine = self.engine.execution_options(**{WRITE: True})
        # A read transaction is one snapshot of the database. SQLite's is (WAL: from its first read on);
        # PostgreSQL's READ COMMITTED takes a new one per statement, so a page read after the kind's
        # counters could see a write they do not (store/listing.py): its reads run REPEATABLE READ, which
        # costs nothing more (psycopg says it in the BEGIN) and never fails a transaction that only reads.
        self._read_engine = (self.engine if self.is_sqlite
                             else self.engine.execution_options(isolation_level="REPEATABLE READ"))

    def _create_engine(self) -> sa.Engine:
        kwargs: dict[str, Any] = {"json_serializer": _json_serializer, "json_deserializer": orjson.loads}
        if self.is_sqlite:
            if not self.in_memory:
                Path(self.url.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
            if self.in_memory:
                kwargs["poolclass"] = StaticPool
        else:
            kwargs["pool_size"] = 10
            kwargs["pool_pre_ping"] = True
        engine = sa.create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(engine, wal=not self.in_memory)
        return engine

    def create_schema(self) -> None:
        """Bring the schema to the newest migration (a database already there costs one cheap read)."""
        migrations.upgrade(self)

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A transaction that only reads, one snapshot of the database throughout."""
        with self._locked(), self._read_engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A transaction that writes: committed when the block ends, rolled back on any error. What
        :meth:`analyze` asked for runs after the commit."""
        with self._locked(), self._writing(), self._write_engine.connect() as conn:
            try:
                with conn.begin():
                    yield conn
            finally:
                vacuum = conn.info.pop(_VACUUM_AFTER_COMMIT, False)
        if vacuum:
            self._vacuum_documents()

    def transact(self, work: Callable[[sa.Connection], T]) -> T:
        """``work(conn)`` in a write transaction, run again from the start when the transaction lost a
        race with another server (PostgreSQL: a serialisation failure or a deadlock; SQLite: still locked
        after the busy timeout): such errors never reach a client. Anything else,
        and the last attempt's error, is raised as usual."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self.write() as conn:
                    return work(conn)
            except sa.exc.DBAPIError as exc:
                if attempt == WRITE_ATTEMPTS or not self._lost_race(exc):
                    raise
            low, high = _RETRY_PAUSE
            time.sleep(random.uniform(low, high) * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def _lost_race(self, exc: sa.exc.DBAPIError) -> bool:
        if self.is_sqlite:
            return "database is locked" in str(exc.orig)
        return getattr(exc.orig, "sqlstate", None) in _PG_RETRY

    @contextmanager
    def _writing(self) -> Iterator[None]:
        if self._write_lock is None:
            yield
        else:
            with self._write_lock:
                yield

    def analyze(self, conn: sa.Connection) -> None:
        """Refresh the planner's statistics after a bulk load, so SQLite picks the selective index
        (without them its choice varied between processes: 5.5 ms vs 0.7 ms per enrolment check).

        On PostgreSQL also VACUUM the document tables once the write transaction of ``conn`` (a
        :meth:`write`) has committed: an index-only scan reads the heap for every row until VACUUM sets
        the visibility map, so a cold page at offset 900,000 of 1M results cost 208 ms after a bulk load
        and 52 ms after the VACUUM (BENCHMARKS.md). VACUUM cannot run inside a transaction."""
        conn.exec_driver_sql("ANALYZE")
        if not self.is_sqlite:
            conn.info[_VACUUM_AFTER_COMMIT] = True

    def _vacuum_documents(self) -> None:
        """VACUUM the tables a bulk load fills, on a connection of its own in autocommit. The load is
        committed already: when the VACUUM fails, say so and leave the rest to autovacuum."""
        quote = self.engine.dialect.identifier_preparer.quote
        tables = (*TABLES.values(), *(link for link, _ in LINK_TABLES.values()))
        names = ", ".join(quote(table.name) for table in tables)
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"VACUUM {names}")
        except sa.exc.DBAPIError as exc:
            log.warning("VACUUM after a bulk load failed (autovacuum will do it later): %s", exc)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        if self._lock is None:
            yield
        else:
            with self._lock:
                yield

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: sa.Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is always DEFERRED).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            # SQLite never shrinks the -wal file by itself: after a checkpoint it is cut back to 4 MiB
            # (the request log's writes grew it past 100 MB; BENCHMARKS.md "Request log disk use").
            cursor.execute("PRAGMA journal_size_limit=4194304")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
