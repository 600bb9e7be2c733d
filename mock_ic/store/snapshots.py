"""Named snapshots of a tenant's documents (table ``mock_snapshots``), kept in the database so they survive a
restart and every worker sees them. What goes into one and how it is restored is mock_ic.control.state's.
"""

from __future__ import annotations

import zlib
from typing import Any

import orjson
import sqlalchemy as sa

from mock_ic.store.documents import now_stamp
from mock_ic.store.tables import snapshots

District = dict[str, list[dict[str, Any]]]


def save(conn: sa.Connection, tenant: str, name: str, district: District) -> str:
    """Store ``district`` (documents by kind) as the tenant's snapshot ``name``, replacing one of that
    name; returns its createdAt stamp."""
    data = zlib.compress(orjson.dumps(district))
    conn.execute(sa.delete(snapshots).where(snapshots.c.tenant == tenant, snapshots.c.name == name))
    created = now_stamp()
    conn.execute(sa.insert(snapshots).values(tenant=tenant, name=name, created_at=created, data=data))
    return created


def listed(conn: sa.Connection, tenant: str) -> list[tuple[str, str]]:
    """(name, createdAt) of each of the tenant's snapshots, by name."""
    rows = conn.execute(sa.select(snapshots.c.name, snapshots.c.created_at)
                        .where(snapshots.c.tenant == tenant).order_by(snapshots.c.name))
    return [(name, created) for name, created in rows]


def load(conn: sa.Connection, tenant: str, name: str) -> District | None:
    """The documents of snapshot ``name`` by kind, or None when the tenant has no such snapshot."""
    data = conn.execute(sa.select(snapshots.c.data)
                        .where(snapshots.c.tenant == tenant, snapshots.c.name == name)).scalar_one_or_none()
    return None if data is None else orjson.loads(zlib.decompress(data))


def drop_tenant(conn: sa.Connection, tenant: str) -> None:
    """Every snapshot of the tenant (when the tenant itself goes)."""
    conn.execute(sa.delete(snapshots).where(snapshots.c.tenant == tenant))
