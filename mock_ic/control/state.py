"""A tenant's state as a whole: export, reset to the seeded district, named snapshots and restore.

Everything happens in one write transaction, so a reader sees the old state or the new one, never
a half-restored district. Snapshots live in the database (table ``mock_snapshots``), so they survive
a restart and every worker sees them.
"""

from __future__ import annotations

from datetime import date
from typing import Any, BinaryIO

import orjson

from mock_ic.control import seed, seeding
from mock_ic.control.tenants import Tenant
from mock_ic.store import documents, snapshots
from mock_ic.store.engine import Database
from mock_ic.store.tables import KINDS


class UnknownSnapshot(KeyError):
    pass


def export(db: Database, tenant: str) -> dict[str, list[dict[str, Any]]]:
    """Every document of the tenant, by kind, each list ordered by sourcedId."""
    with db.read() as conn:
        return documents.all_docs(conn, tenant)


def export_json(db: Database, tenant: str, out: BinaryIO) -> None:
    """What :func:`export` returns, as ``{"appName": ..., "documents": {kind: [...]}}`` JSON written to ``out``
    from the stored texts a batch at a time, in one read transaction (a consistent export in bounded memory)."""
    out.write(b'{"appName":' + orjson.dumps(tenant) + b',"documents":{')
    with db.read() as conn:
        for index, kind in enumerate(KINDS):
            out.write((b"," if index else b"") + orjson.dumps(kind) + b":[")
            first = True
            for texts in documents.stored_texts(conn, tenant, kind):
                out.write((b"" if first else b",") + ",".join(texts).encode())
                first = False
            out.write(b"]")
    out.write(b"}}")


def replace_documents(db: Database, tenant: str, district: dict[str, list[dict[str, Any]]]) -> int:
    """Drop every document of the tenant and load ``district`` instead, atomically."""
    with db.write() as conn:
        documents.drop_tenant(conn, tenant)
        count = documents.bulk_load(conn, tenant, district)
        db.analyze(conn)
        return count


def reset(db: Database, tenant: Tenant, today: date | None = None, progress: seeding.Progress | None = None) -> int:
    """Back to the district the tenant's recipe generates (same seed -> the same documents), streamed into the
    store in one transaction (mock_ic/control/seeding.py)."""
    recipe = seed.from_stored(tenant.recipe)
    with db.write() as conn:
        documents.drop_tenant(conn, tenant.app_name)
        count = seeding.load(conn, tenant.app_name, recipe, today=today or date.today(), progress=progress)
        db.analyze(conn)
        return count


def save_snapshot(db: Database, tenant: str, name: str) -> dict[str, Any]:
    """Copy every document of the tenant as snapshot ``name`` (inside the database: bounded memory)."""
    with db.write() as conn:
        created, count = snapshots.save(conn, tenant, name)
    return {"name": name, "createdAt": created, "documents": count}


def list_snapshots(db: Database, tenant: str) -> list[dict[str, str]]:
    with db.read() as conn:
        return [{"name": name, "createdAt": created} for name, created in snapshots.listed(conn, tenant)]


def restore_snapshot(db: Database, tenant: str, name: str) -> int:
    """The tenant's documents become the snapshot's, in one transaction, a batch of documents at a time."""
    with db.write() as conn:
        if not snapshots.exists(conn, tenant, name):
            raise UnknownSnapshot(name)
        documents.drop_tenant(conn, tenant)
        count = sum(documents.bulk_load_stored(conn, tenant, kind, texts) for kind, texts in snapshots.batches(
            conn, tenant, name))
        db.analyze(conn)
        return count
