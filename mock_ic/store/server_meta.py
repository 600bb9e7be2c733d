"""Server-wide values shared by every worker through the database (table ``mock_server_meta``)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from mock_ic.store.tables import server_meta


def setdefault(conn: sa.Connection, key: str, make: Callable[[], str]) -> str:
    """The stored value of ``key``; when there is none, ``make()`` is stored and returned. Call it in a
    ``Database.write()`` transaction, so that workers starting together agree on one value."""
    value = conn.execute(sa.select(server_meta.c.value).where(server_meta.c.key == key)).scalar()
    if value is None:
        value = make()
        conn.execute(sa.insert(server_meta).values(key=key, value=value))
    return value
