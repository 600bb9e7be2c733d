"""The store's schema, managed by Alembic: :func:`upgrade` brings any database to the newest revision.

Driven from code (no ``alembic.ini``): :func:`config` points Alembic at this directory and hands
``env.py`` the connection to migrate through ``config.attributes``. Revisions are
``versions/NNNN_slug.py`` with revision id ``NNNN``, one after the other (README.md here says how to
add one); the newest file name is the head, so the start-up check needs neither Alembic nor the
scripts: one ``SELECT`` of ``alembic_version``.

Three cases, in one write transaction (SQLite ``BEGIN IMMEDIATE``, PostgreSQL an advisory
transaction lock), so processes starting together on one database migrate it once:

- empty database: every migration runs, from ``0001_baseline``;
- a database made before Alembic managed the schema (``mock_tenants`` there, no ``alembic_version``):
  adopted at the baseline (its tables are today's baseline tables; the baseline creates only those
  missing, e.g. the request log, which old releases made only when ``mock_ic.requestlog`` was
  imported), then upgraded;
- a database at head: nothing (the check above, outside any write lock).
"""

from __future__ import annotations

import re
import threading
from contextlib import AbstractContextManager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa

if TYPE_CHECKING:
    from alembic.config import Config


class Transactions(Protocol):
    """What an upgrade needs of a database (mock_ic.store.engine.Database, which imports this module)."""

    def read(self) -> AbstractContextManager[sa.Connection]: ...

    def write(self) -> AbstractContextManager[sa.Connection]: ...

HERE = Path(__file__).resolve().parent
VERSIONS = HERE / "versions"
VERSION_TABLE = "alembic_version"
BASELINE = "0001"
FILE_NAME = re.compile(r"(\d{4})_\w+\.py")
# Every release before Alembic made this table (with all the others, in one create_all).
PRE_ALEMBIC_TABLE = "mock_tenants"
# pg_advisory_xact_lock key of schema upgrades ("mockic" in ASCII): one upgrader per database at a time.
PG_LOCK_KEY = 0x6D6F636B6963
# Alembic's ``context`` and ``op`` are process-wide proxies: one migration run at a time per process.
_RUNNING = threading.Lock()


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer mock-ic than this one."""


@cache
def head() -> str:
    """The newest revision id: the highest ``NNNN`` of ``versions/NNNN_slug.py``."""
    return max(m.group(1) for p in VERSIONS.iterdir() if (m := FILE_NAME.fullmatch(p.name)))


def config(connection: sa.Connection | None = None) -> Config:
    """An Alembic configuration over this directory; ``env.py`` migrates ``connection``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")  # versions/0002_add_a_column.py
    cfg.attributes["connection"] = connection
    return cfg


def current(conn: sa.Connection) -> str | None:
    """The database's revision; None when Alembic never ran on it."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def upgrade(db: Transactions) -> None:
    """Bring the database to head; a database already there costs one cheap read."""
    with db.read() as conn:
        if current(conn) == head():
            return
    from alembic import command

    with _RUNNING, db.write() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_LOCK_KEY)))
        revision = current(conn)  # again, now that this process holds the write lock
        if revision == head():
            return
        if revision is not None and revision > head():
            raise SchemaTooNew(f"the database's schema is at revision {revision}, newer than this mock-ic knows "
                               f"({head()}): run a newer mock-ic on it, or use another data dir or database")
        cfg = config(conn)
        cfg.attributes["adopt"] = revision is None and sa.inspect(conn).has_table(PRE_ALEMBIC_TABLE)
        command.upgrade(cfg, "head")
