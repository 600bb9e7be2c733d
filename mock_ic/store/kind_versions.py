"""A version number per tenant and kind (table ``mock_kind_versions``), moved in the transaction of every write of
that kind's documents (``store/documents.py`` is the one write path). A reader that remembers something about a
query of the kind (its total, where its pages end: ``store/listing.py``) may use it while the version it saw
still holds, whichever server wrote since.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from mock_ic.store.tables import kind_versions

_STATE = sa.select(kind_versions.c.version, kind_versions.c.rows).where(
    kind_versions.c.tenant == sa.bindparam("b_tenant"), kind_versions.c.kind == sa.bindparam("b_kind"))


def state(conn: sa.Connection, tenant: str, kind: str) -> tuple[int, int]:
    """(version, rows) of the kind in the tenant: (0, 0) before its first write."""
    found = conn.execute(_STATE, {"b_tenant": tenant, "b_kind": kind}).first()
    return (0, 0) if found is None else (int(found[0]), int(found[1]))


def bump(conn: sa.Connection, tenant: str, kind: str, added: int = 0) -> None:
    """The tenant's documents of ``kind`` changed, ``added`` rows more (or fewer): one atomic upsert, so two
    writers never share a number nor lose a count."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(kind_versions)
    conn.execute(insert.values(tenant=tenant, kind=kind, version=1, rows=max(added, 0)).on_conflict_do_update(
        index_elements=[kind_versions.c.tenant, kind_versions.c.kind],
        set_={"version": kind_versions.c.version + 1, "rows": kind_versions.c.rows + added}))


def drop_tenant(conn: sa.Connection, tenant: str) -> None:
    """Every kind of the tenant was emptied: no rows; a fresh start at version 0 would reuse old numbers, so bump."""
    conn.execute(sa.update(kind_versions).where(kind_versions.c.tenant == tenant)
                 .values(version=kind_versions.c.version + 1, rows=0))
