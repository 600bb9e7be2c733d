"""A tenant's state as a whole: export, reset to the seeded district, named snapshots and restore.

Everything happens in one write transaction, so a reader sees the old state or the new one, never
a half-restored district. Snapshots live in the database (table ``mock_snapshots``), so they survive
a restart and every worker sees them.
"""

from __future__ import annotations

import zlib
from datetime import date
from typing import Any

import orjson
import sqlalchemy as sa

from mock_ic.control import seed
from mock_ic.control.tenants import Tenant
from mock_ic.store import documents
from mock_ic.store.engine import Database
from mock_ic.store.tables import snapshots


class UnknownSnapshot(KeyError):
    pass


def export(db: Database, tenant: str) -> dict[str, list[dict[str, Any]]]:
    """Every document of the tenant, by kind, each list ordered by sourcedId."""
    with db.read() as conn:
        return documents.all_docs(conn, tenant)


def seeded_district(tenant: Tenant, today: date | None = None) -> dict[str, list[dict[str, Any]]]:
    recipe = tenant.recipe["name"] if set(tenant.recipe) == {"name"} else tenant.recipe
    return seed.generate(seed.load_recipe(recipe), today=today or date.today())


def replace_documents(db: Database, tenant: str, district: dict[str, list[dict[str, Any]]]) -> int:
    """Drop every document of the tenant and load ``district`` instead, atomically."""
    with db.write() as conn:
        documents.drop_tenant(conn, tenant)
        count = documents.bulk_load(conn, tenant, district)
        db.analyze(conn)
        return count


def reset(db: Database, tenant: Tenant, today: date | None = None) -> int:
    """Back to the district the tenant's recipe generates (same seed -> the same documents)."""
    return replace_documents(db, tenant.app_name, seeded_district(tenant, today))


def save_snapshot(db: Database, tenant: str, name: str) -> dict[str, Any]:
    with db.write() as conn:
        district = documents.all_docs(conn, tenant)
        data = zlib.compress(orjson.dumps(district))
        conn.execute(sa.delete(snapshots).where(snapshots.c.tenant == tenant, snapshots.c.name == name))
        created = documents.now_stamp()
        conn.execute(sa.insert(snapshots).values(tenant=tenant, name=name, created_at=created, data=data))
    return {"name": name, "createdAt": created, "documents": sum(len(v) for v in district.values())}


def list_snapshots(db: Database, tenant: str) -> list[dict[str, str]]:
    with db.read() as conn:
        rows = conn.execute(sa.select(snapshots.c.name, snapshots.c.created_at)
                            .where(snapshots.c.tenant == tenant).order_by(snapshots.c.name))
        return [{"name": name, "createdAt": created} for name, created in rows]


def restore_snapshot(db: Database, tenant: str, name: str) -> int:
    with db.write() as conn:
        data = conn.execute(sa.select(snapshots.c.data)
                            .where(snapshots.c.tenant == tenant, snapshots.c.name == name)).scalar_one_or_none()
        if data is None:
            raise UnknownSnapshot(name)
        district = orjson.loads(zlib.decompress(data))
        documents.drop_tenant(conn, tenant)
        return documents.bulk_load(conn, tenant, district)

