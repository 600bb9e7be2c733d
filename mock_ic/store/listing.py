"""Reading a kind's documents under scopes: a sorted, counted page (one object: store/documents.py).

Filtering, sorting, counting and paging are SQL over the indexed columns (DESIGN.md, Store facts):
``sourced_id`` is always the last tie-breaker, so pages are stable and come straight off the
``(tenant, column, sourced_id)`` indexes. Which rows and in what order is decided above
(``mock_ic/oneroster/``) and arrives here as scopes, a compiled filter and a field location.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sqlalchemy as sa

from mock_ic.store import kind_versions
from mock_ic.store.fields import Column, Location, field_of
from mock_ic.store.filter_sql import Condition
from mock_ic.store.scopes import Scope, conditions
from mock_ic.store.tables import TABLES


@dataclass(frozen=True)
class Page:
    texts: list[str]  # the stored JSON texts, in order
    total: int  # rows matching, all pages together (X-Total-Count)
    # How the page was found: "first" (offset 0), "keyset" (from where the previous page ended), "seek" (from its
    # first key, found through the index), "offset" (reading past the others) or "end" (past the known total, no
    # read). Answers never depend on it; tests and the benchmark read it to show which path served a page.
    read_by: str = "first"


SEEK_FROM = 2_000  # a cold page from this offset on is found by its first key, not by reading past the others
_NOT_NULL = frozenset({"sourced_id", "status", "date_last_modified"})  # sort columns a key comparison can use


def read_page(conn: sa.Connection, tenant: str, kind: str, scopes: Sequence[Scope],
              path: Mapping[str, str] | None = None, *, filter_: Condition | None = None,
              order: Location | None = None, descending: bool = False, limit: int, offset: int = 0) -> Page:
    """One page of the tenant's ``kind`` rows within ``scopes`` and ``filter_``, sorted by ``order``.

    OneRoster pages by offset; deep offsets and totals are what cost at a million rows (DESIGN.md, "Store
    facts"), so a page after the first is read, when it can be, from where the previous page of the same
    query ended (a key comparison on the index: *keyset*), else, from ``SEEK_FROM`` on, from its first key
    found through the index alone (*seek*); the total is counted once per query and version of the kind
    (``store/kind_versions.py``). Both are remembered per process (:data:`MEMORY`) and used only while the
    kind's counter the query depends on is the one they were read at, so every page is exactly the OFFSET
    page of the data as it is now, whoever wrote since: the kind's ``version`` (every write), except for a
    list of the whole kind in sourcedId order, whose rows and their places only a write that adds or
    removes rows can change (``membership``): a walk of all results goes on by keyset while scores are PUT.
    """
    table = TABLES[kind]
    narrowing = conditions(kind, tenant, scopes, path)
    if filter_ is not None:
        narrowing.append(filter_)
    where = [table.c.tenant == tenant, *narrowing]
    shape = _Shape(whole=not narrowing, fixed=not narrowing and _in_sourced_id_order(order))
    sort = field_of(kind, order).expr if order is not None else None
    keys = _sort_keys(table, sort, order, descending)
    ordering: list[Any] = []
    if sort is not None:
        ordering.append(sort.desc() if descending else sort.asc())
    ordering.append(table.c.sourced_id.desc() if descending and sort is not None else table.c.sourced_id)
    read_by = "first"
    if offset == 0:
        rows = _rows(conn, table, keys, where, ordering, limit)
        if len(rows) <= limit:  # the last page: the total without a COUNT
            return Page([row[0] for row in rows], len(rows))
        memo = MEMORY.entry(conn, tenant, kind, where, ordering, shape)
    else:
        memo = MEMORY.entry(conn, tenant, kind, where, ordering, shape)
        if memo.total is not None and offset >= memo.total:  # past the end (a walk's last request): no read
            return Page([], memo.total, "end")
        start = memo.ends.get(offset) if keys is not None else None
        if start is None and keys is not None and offset >= SEEK_FROM:
            read_by, start = "seek", _seek(conn, table, keys, where, ordering, offset)
            if start is None:  # past the end
                return Page([], _total(conn, table, where, memo), read_by)
            rows = _rows(conn, table, keys, [*where, _from(keys, start, descending, inclusive=True)], ordering, limit)
        elif start is not None:
            read_by = "keyset"
            rows = _rows(conn, table, keys, [*where, _from(keys, start, descending, inclusive=False)], ordering, limit)
        else:
            read_by = "offset"
            rows = _rows(conn, table, keys, where, ordering, limit, offset)
        if len(rows) <= limit and rows:
            total = offset + len(rows)
            memo.total = total
            return Page([row[0] for row in rows], total, read_by)
    rows = rows[:limit]
    if keys is not None and rows:
        memo.remember_end(offset + len(rows), tuple(rows[-1][1:]))
    return Page([row[0] for row in rows], _total(conn, table, where, memo), read_by)


@dataclass(frozen=True)
class _Shape:
    """What a write must change to move a query's rows: ``whole``, no scope nor filter (every row of the kind
    counts: the total is the kind's row count); ``fixed``, also in sourcedId order, so that only a row added or
    removed moves any row to another page (a sourcedId never changes; see ``store/kind_versions.py``)."""

    whole: bool
    fixed: bool


def _in_sourced_id_order(order: Location | None) -> bool:
    return order is None or (isinstance(order, Column) and order.name == "sourced_id")


def _sort_keys(table: sa.Table, sort: Any, order: Location | None, descending: bool) -> list[Any] | None:
    """The columns a page's position is a key of (the sort column, then sourcedId), or None when rows cannot be
    compared by key (a sort on a JSON path or a nullable column: those page by OFFSET)."""
    if sort is None:
        return [table.c.sourced_id]
    if isinstance(order, Column) and order.name in _NOT_NULL:
        return [sort, table.c.sourced_id]
    return None


def _rows(conn: sa.Connection, table: sa.Table, keys: list[Any] | None, where: list[Any], ordering: list[Any],
          limit: int, offset: int = 0) -> list[Any]:
    """Up to ``limit + 1`` rows (one more than the page: when it does not come, this page is the last), each
    the stored text and the row's key."""
    select = sa.select(table.c.doc, *(keys or ())).where(*where).order_by(*ordering).limit(limit + 1)
    return list(conn.execute(select.offset(offset) if offset else select))


def _seek(conn: sa.Connection, table: sa.Table, keys: list[Any], where: list[Any], ordering: list[Any],
          offset: int) -> tuple[Any, ...] | None:
    """The key of the row at ``offset``, read through the index alone (no document is fetched on the way)."""
    found = conn.execute(sa.select(*keys).where(*where).order_by(*ordering).limit(1).offset(offset)).first()
    return None if found is None else tuple(found)


def _from(keys: list[Any], start: tuple[Any, ...], descending: bool, *, inclusive: bool) -> Any:
    """Rows from the key ``start`` on, in the page's order (a row-value comparison the index answers)."""
    left, right = sa.tuple_(*keys), sa.tuple_(*(sa.literal(value) for value in start))
    if len(keys) == 1:
        left, right = keys[0], sa.literal(start[0])
    if descending and len(keys) > 1:
        return left <= right if inclusive else left < right
    return left >= right if inclusive else left > right


def _total(conn: sa.Connection, table: sa.Table, where: list[Any], memo: _Memo) -> int:
    if memo.total is None:
        memo.total = int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())
    return memo.total


@dataclass
class _Memo:
    """What one query of one kind is known to give at one value of the kind's counter it depends on."""

    version: int  # that counter's value (``_Shape``: the kind's version, or its membership)
    total: int | None = None
    ends: dict[int, tuple[Any, ...]] = field(default_factory=dict)  # offset a page ended at -> its last key

    def remember_end(self, offset: int, key: tuple[Any, ...]) -> None:
        if len(self.ends) >= _ENDS_PER_QUERY:
            self.ends.pop(next(iter(self.ends)))
        self.ends[offset] = key


_ENDS_PER_QUERY = 4_096  # a walk of 4M rows in pages of 1,000
_QUERIES = 512


class QueryMemory:
    """Per process: query -> :class:`_Memo`, least recently used first out. A query is its database, tenant,
    kind and its SQL with the values bound into it (the scopes, filter and order)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._memos: OrderedDict[tuple[Any, ...], _Memo] = OrderedDict()

    def entry(self, conn: sa.Connection, tenant: str, kind: str, where: list[Any], ordering: list[Any],
              shape: _Shape) -> _Memo:
        """The query's memo at the kind's counter this query depends on (a new one when that counter moved)."""
        state = kind_versions.state(conn, tenant, kind)
        counter = state.membership if shape.fixed else state.version
        compiled = sa.select(sa.literal(1)).where(*where).order_by(*ordering).compile(conn)
        key = (str(conn.engine.url), tenant, kind, str(compiled),
               tuple(sorted((name, repr(value)) for name, value in compiled.params.items())))
        with self._lock:
            memo = self._memos.get(key)
            if memo is None or memo.version != counter:
                # A list of the whole kind (no scope, no filter) counts every row: the stored count.
                memo = self._memos[key] = _Memo(counter, state.rows if shape.whole else None)
            self._memos.move_to_end(key)
            while len(self._memos) > _QUERIES:
                self._memos.popitem(last=False)
            return memo

    def clear(self) -> None:
        with self._lock:
            self._memos.clear()


MEMORY = QueryMemory()


# One object by id runs on every single read and parent check: its statement is built once per kind
# with bound parameters (building and cache-keying a Core statement costs ~0.15 ms, more than running it).
_TENANT, _SID = sa.bindparam("b_tenant"), sa.bindparam("b_sid")


@cache
def _by_id(kind: str) -> sa.ColumnElement[bool]:
    table = TABLES[kind]
    return sa.and_(table.c.tenant == _TENANT, table.c.sourced_id == _SID)
