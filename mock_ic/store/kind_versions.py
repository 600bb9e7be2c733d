"""Two counters per tenant and kind (table ``mock_kind_versions``), moved in the transaction of every write of that
kind's documents (``store/documents.py`` is the one write path), and the kind's row count.

- ``version`` moves on every write. A reader that remembers something about a query of the kind (its total, where
  its pages end: ``store/listing.py``) may use it while the version it saw still holds, whichever server wrote since.
- ``membership`` moves on every write except an update *in place*: one that replaced documents that were there and
  added or removed none. The rows of the whole kind, in sourcedId order, are then the same rows in the same places
  (a sourcedId never changes; lists of the whole kind hide no status), so what a reader remembers about that one
  query shape stays true while ``membership`` holds, and a walk of all results is not broken by every new score.
  Anything a write may do to other queries (a sort or filter column, a scope's column changed) moves ``version``.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from mock_ic.store.tables import kind_versions

_STATE = sa.select(kind_versions.c.version, kind_versions.c.membership, kind_versions.c.rows).where(
    kind_versions.c.tenant == sa.bindparam("b_tenant"), kind_versions.c.kind == sa.bindparam("b_kind"))


class KindState(NamedTuple):
    version: int  # moved by every write
    membership: int  # moved by every write that may add or remove rows
    rows: int  # how many documents of the kind the tenant has


def state(conn: sa.Connection, tenant: str, kind: str) -> KindState:
    """The kind's counters and row count in the tenant: all 0 before its first write."""
    found = conn.execute(_STATE, {"b_tenant": tenant, "b_kind": kind}).first()
    return KindState(0, 0, 0) if found is None else KindState(int(found[0]), int(found[1]), int(found[2]))


def bump(conn: sa.Connection, tenant: str, kind: str, added: int = 0, *, in_place: bool = False) -> None:
    """The tenant's documents of ``kind`` changed, ``added`` rows more (or fewer): one atomic upsert, so two
    writers never share a number nor lose a count.

    ``in_place``: the write only replaced documents that were there (no row added, none removed), so
    ``membership`` stays. Conservative by default: a caller that does not say so moves both counters.
    """
    assert not (in_place and added), (kind, added)  # an update in place adds no row
    step = 0 if in_place else 1
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(kind_versions)
    conn.execute(insert.values(tenant=tenant, kind=kind, version=1, membership=1, rows=max(added, 0))
                 .on_conflict_do_update(
                     index_elements=[kind_versions.c.tenant, kind_versions.c.kind],
                     set_={"version": kind_versions.c.version + 1, "membership": kind_versions.c.membership + step,
                           "rows": kind_versions.c.rows + added}))


def drop_tenant(conn: sa.Connection, tenant: str) -> None:
    """Every kind of the tenant was emptied: no rows; a fresh start at 0 would reuse old numbers, so bump both."""
    conn.execute(sa.update(kind_versions).where(kind_versions.c.tenant == tenant)
                 .values(version=kind_versions.c.version + 1, membership=kind_versions.c.membership + 1, rows=0))
