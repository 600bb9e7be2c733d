"""Reading a kind's documents under scopes: a sorted, counted page (one object: store/documents.py).

Filtering, sorting, counting and paging are SQL over the indexed columns (DESIGN.md, Store facts):
``sourced_id`` is always the last tie-breaker, so pages are stable and come straight off the
``(tenant, column, sourced_id)`` indexes. Which rows and in what order is decided above
(``mock_ic/oneroster/``) and arrives here as scopes, a compiled filter and a field location.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa

from mock_ic.store.fields import Location, field_of
from mock_ic.store.filter_sql import Condition
from mock_ic.store.scopes import Scope, conditions
from mock_ic.store.tables import TABLES


@dataclass(frozen=True)
class Page:
    texts: list[str]  # the stored JSON texts, in order
    total: int  # rows matching, all pages together (X-Total-Count)


def read_page(conn: sa.Connection, tenant: str, kind: str, scopes: Sequence[Scope],
              path: Mapping[str, str] | None = None, *, filter_: Condition | None = None,
              order: Location | None = None, descending: bool = False, limit: int, offset: int = 0) -> Page:
    """One page of the tenant's ``kind`` rows within ``scopes`` and ``filter_``, sorted by ``order``."""
    table = TABLES[kind]
    where = [table.c.tenant == tenant, *conditions(kind, tenant, scopes, path)]
    if filter_ is not None:
        where.append(filter_)
    ordering: list[Any] = []
    if order is not None:
        expr = field_of(kind, order).expr
        ordering.append(expr.desc() if descending else expr.asc())
    ordering.append(table.c.sourced_id.desc() if descending and order is not None else table.c.sourced_id)
    # One row more than the page: when it does not come, this page is the last and tells the total
    # without a COUNT (a full last page included, e.g. 100 line items read with limit=100).
    select = sa.select(table.c.doc).where(*where).order_by(*ordering).limit(limit + 1).offset(offset)
    texts = list(conn.execute(select).scalars())
    if len(texts) <= limit and (texts or offset == 0):
        return Page(texts, offset + len(texts))
    texts = texts[:limit]
    total = conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
    return Page(texts, int(total))


# One object by id runs on every single read and parent check: its statement is built once per kind
# with bound parameters (building and cache-keying a Core statement costs ~0.15 ms, more than running it).
_TENANT, _SID = sa.bindparam("b_tenant"), sa.bindparam("b_sid")


@cache
def _by_id(kind: str) -> sa.ColumnElement[bool]:
    table = TABLES[kind]
    return sa.and_(table.c.tenant == _TENANT, table.c.sourced_id == _SID)
