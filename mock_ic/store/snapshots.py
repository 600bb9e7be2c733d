"""Named snapshots of a tenant's documents, kept in the database so they survive a restart and every worker sees
them: a header row in ``mock_snapshots`` and the documents as rows of ``mock_snapshot_docs``, copied inside the
database (INSERT ... SELECT per kind) and read back in batches, so a tenant of any size is snapshotted and
restored in bounded memory. Snapshots taken before migration 0006 hold their documents as one compressed blob
(``mock_snapshots.data``), still restored. When a snapshot is taken or restored is mock_ic.control.state's.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import orjson
import sqlalchemy as sa

from mock_ic.store.documents import now_stamp
from mock_ic.store.tables import TABLES, snapshot_docs, snapshots

District = dict[str, list[dict[str, Any]]]
BATCH = 5_000  # documents per batch when a snapshot is read back


def save(conn: sa.Connection, tenant: str, name: str) -> tuple[str, int]:
    """Copy the tenant's documents as its snapshot ``name``, replacing one of that name; (createdAt, documents)."""
    _delete(conn, tenant, name)
    created = now_stamp()
    conn.execute(sa.insert(snapshots).values(tenant=tenant, name=name, created_at=created, data=b""))
    columns = [snapshot_docs.c.tenant, snapshot_docs.c.name, snapshot_docs.c.kind, snapshot_docs.c.sourced_id,
               snapshot_docs.c.doc]
    for kind, table in TABLES.items():
        rows = sa.select(sa.literal(tenant), sa.literal(name), sa.literal(kind), table.c.sourced_id,
                         sa.cast(table.c.doc, sa.Text)).where(table.c.tenant == tenant)
        conn.execute(sa.insert(snapshot_docs).from_select(columns, rows))
    copied = conn.execute(sa.select(sa.func.count()).select_from(snapshot_docs).where(  # (rowcount is -1 on psycopg)
        snapshot_docs.c.tenant == tenant, snapshot_docs.c.name == name)).scalar_one()
    return created, int(copied)


def listed(conn: sa.Connection, tenant: str) -> list[tuple[str, str]]:
    """(name, createdAt) of each of the tenant's snapshots, by name."""
    rows = conn.execute(sa.select(snapshots.c.name, snapshots.c.created_at)
                        .where(snapshots.c.tenant == tenant).order_by(snapshots.c.name))
    return [(name, created) for name, created in rows]


def exists(conn: sa.Connection, tenant: str, name: str) -> bool:
    return conn.execute(sa.select(snapshots.c.name).where(snapshots.c.tenant == tenant,
                                                          snapshots.c.name == name)).first() is not None


def batches(conn: sa.Connection, tenant: str, name: str) -> Iterator[tuple[str, list[str]]]:
    """The snapshot's documents as stored texts, (kind, a batch of texts) at a time, each kind in the order it was
    copied (a restore needs no order: the lists are sorted when read)."""
    data = conn.execute(sa.select(snapshots.c.data)
                        .where(snapshots.c.tenant == tenant, snapshots.c.name == name)).scalar_one_or_none()
    if data:  # taken before migration 0006: one blob
        for kind, docs in orjson.loads(zlib.decompress(data)).items():
            if docs:
                yield kind, [orjson.dumps(doc).decode() for doc in docs]
        return
    for kind in TABLES:
        query = (sa.select(snapshot_docs.c.doc).where(snapshot_docs.c.tenant == tenant, snapshot_docs.c.name == name,
                                                      snapshot_docs.c.kind == kind).execution_options(yield_per=BATCH))
        for partition in conn.execute(query).partitions():
            yield kind, [text for (text,) in partition]


def _delete(conn: sa.Connection, tenant: str, name: str) -> None:
    conn.execute(sa.delete(snapshot_docs).where(snapshot_docs.c.tenant == tenant, snapshot_docs.c.name == name))
    conn.execute(sa.delete(snapshots).where(snapshots.c.tenant == tenant, snapshots.c.name == name))


def drop_tenant(conn: sa.Connection, tenant: str) -> None:
    """Every snapshot of the tenant (when the tenant itself goes)."""
    conn.execute(sa.delete(snapshot_docs).where(snapshot_docs.c.tenant == tenant))
    conn.execute(sa.delete(snapshots).where(snapshots.c.tenant == tenant))
