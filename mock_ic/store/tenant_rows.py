"""The ``mock_tenants`` table: one row per tenant (IC-TENANT), the source of truth every worker's
in-memory registry (mock_ic.control.tenants) is loaded from. Rows are plain dicts keyed by column name.

Every function that writes the table also bumps the tenants generation (``server_meta``) in the same
transaction, so no tenant write can leave the other workers' registries believing they are current.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from mock_ic.store import server_meta
from mock_ic.store.tables import tenants


def all_rows(conn: sa.Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(sa.select(tenants)).mappings()]


def exists(conn: sa.Connection, app_name: str) -> bool:
    return conn.execute(sa.select(tenants.c.app_name).where(tenants.c.app_name == app_name)).first() is not None


def clashes(conn: sa.Connection, app_name: str, client_id: str) -> bool:
    """Whether a tenant already has this appName or this clientId (both are unique)."""
    found = conn.execute(sa.select(tenants.c.app_name).where(
        (tenants.c.app_name == app_name) | (tenants.c.client_id == client_id))).first()
    return found is not None


def names(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.select(tenants.c.app_name).order_by(tenants.c.app_name)).scalars())


def generation(conn: sa.Connection) -> int:
    """How many times the table has been written (0 before the first write)."""
    return server_meta.generation(conn, server_meta.TENANTS_GENERATION)


def insert(conn: sa.Connection, row: dict[str, Any]) -> None:
    conn.execute(sa.insert(tenants).values(**row))
    server_meta.bump(conn, server_meta.TENANTS_GENERATION)


def set_settings(conn: sa.Connection, app_name: str, settings: dict[str, Any]) -> bool:
    """Whether the tenant was there to update."""
    updated = conn.execute(sa.update(tenants).where(tenants.c.app_name == app_name).values(settings=settings))
    server_meta.bump(conn, server_meta.TENANTS_GENERATION)
    return updated.rowcount > 0


def delete(conn: sa.Connection, app_name: str) -> None:
    conn.execute(sa.delete(tenants).where(tenants.c.app_name == app_name))
    server_meta.bump(conn, server_meta.TENANTS_GENERATION)
