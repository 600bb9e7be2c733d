"""``Database.transact``: a write that lost a race with another server runs again from the start, so the race
never reaches a client as a 500 (issue 14); any other error is raised at once. On SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from mock_ic.store import server_meta
from mock_ic.store.engine import WRITE_ATTEMPTS, Database


def _lost_race(db: Database) -> sa.exc.DBAPIError:
    """What the driver raises when the transaction lost a race: SQLite still locked after its busy timeout,
    PostgreSQL a serialisation failure (SQLSTATE 40001)."""
    orig: Exception = (sqlite3.OperationalError("database is locked") if db.is_sqlite
                       else psycopg.errors.SerializationFailure("could not serialize access"))
    return sa.exc.OperationalError("UPDATE ...", None, orig)


def _stored(db: Database) -> list[str]:
    with db.read() as conn:
        return [key for key in ("try-1", "try-2", "try-3") if server_meta.value(conn, key) is not None]


def test_transact_runs_a_write_that_lost_a_race_again_and_keeps_only_the_last_attempt(store_db: Database) -> None:
    attempts: list[int] = []

    def work(conn: sa.Connection) -> str:
        attempts.append(len(attempts) + 1)
        server_meta.put(conn, f"try-{attempts[-1]}", "written")
        if len(attempts) < 3:
            raise _lost_race(store_db)
        return "done"

    assert store_db.transact(work) == "done"
    assert attempts == [1, 2, 3]
    assert _stored(store_db) == ["try-3"]  # the lost attempts were rolled back


def test_transact_gives_up_after_its_attempts_with_the_last_error(store_db: Database) -> None:
    attempts: list[int] = []

    def work(conn: sa.Connection) -> Any:
        attempts.append(1)
        raise _lost_race(store_db)

    with pytest.raises(sa.exc.OperationalError):
        store_db.transact(work)
    assert len(attempts) == WRITE_ATTEMPTS


def test_transact_raises_any_other_error_at_once(store_db: Database) -> None:
    attempts: list[int] = []

    def work(conn: sa.Connection) -> Any:
        attempts.append(1)
        server_meta.put(conn, "try-1", "written")
        raise sa.exc.IntegrityError("INSERT ...", None, Exception("UNIQUE constraint failed"))

    with pytest.raises(sa.exc.IntegrityError):
        store_db.transact(work)
    assert attempts == [1] and _stored(store_db) == []
