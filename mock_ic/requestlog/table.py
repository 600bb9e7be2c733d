"""The ``mock_request_log`` table: one row per logged request, newest N kept per tenant.

It is declared on the store's shared ``metadata``, so ``Database.create_schema()`` creates it when
this module was imported first (``mock_ic.app`` imports the middleware, hence this module, before
it builds a runtime). :func:`ensure_table` covers a database whose schema was created without it.
"""

from __future__ import annotations

import threading
import weakref

import sqlalchemy as sa

from mock_ic.store.engine import Database
from mock_ic.store.tables import metadata

request_log = sa.Table(
    "mock_request_log", metadata,
    # AUTOINCREMENT on SQLite: ids are never reused, even after the newest rows were cleared.
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("tenant", sa.String(64), nullable=False),
    sa.Column("started", sa.String(32), nullable=False),  # 2025-01-31T12:00:00.123Z
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("scheme", sa.String(16), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("path", sa.Text, nullable=False),  # as the client sent it (before the app-scoped rewrite)
    sa.Column("query", sa.Text, nullable=False),  # raw query string, redacted; "" when none
    sa.Column("http_version", sa.String(8), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),  # 0: no answer was sent (connection dropped)
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("operation_id", sa.String(128)),
    sa.Column("request_headers", sa.Text, nullable=False),  # JSON [[name, value], ...], redacted
    sa.Column("request_body", sa.Text),  # None: no body was read
    sa.Column("request_size", sa.Integer, nullable=False),  # bytes, before truncation
    sa.Column("response_headers", sa.Text, nullable=False),
    sa.Column("response_body", sa.Text),
    sa.Column("response_size", sa.Integer, nullable=False),
    sa.Index("ix_mock_request_log_tenant_id", "tenant", "id"),
    sqlite_autoincrement=True,
)

_ready: weakref.WeakSet[Database] = weakref.WeakSet()
_ready_lock = threading.Lock()


def ensure_table(db: Database) -> None:
    """Create the table if this database lacks it (once per Database object; cheap afterwards)."""
    if db in _ready:
        return
    with _ready_lock:
        if db in _ready:
            return
        with db.write() as conn:
            request_log.create(conn, checkfirst=True)
        _ready.add(db)
