"""Which rows of a kind a read covers, as plain data, and the SQL it compiles to.

Nested endpoints (``/classes/{classSourcedId}/students``), the parents they check and the rows a
connection may see (IC-SCHOOL-SCOPE, IC-USERS) are all written as tuples of the scopes below by the
layers that know why (``mock_ic/oneroster/endpoints.py``, ``mock_ic/ic/``); :func:`conditions` turns
them into WHERE conditions on one kind's table. Columns are the indexed columns of
``mock_ic/store/tables.py``; every row read, subqueries included, is the tenant's own (IC-TENANT).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from mock_ic.store.filter_sql import Condition
from mock_ic.store.tables import TABLES, class_terms, user_orgs


@dataclass(frozen=True)
class Eq:
    """``column`` equals the path parameter ``param`` (``Eq("class", "classSourcedId")``)."""

    column: str
    param: str


@dataclass(frozen=True)
class Const:
    """``column`` equals ``value`` (``Const("role", "student")``)."""

    column: str
    value: str


@dataclass(frozen=True)
class In:
    """``column`` is one of ``values``."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class IsNull:
    column: str


@dataclass(frozen=True)
class NotEq:
    """``column`` holds a value other than ``value`` (a NULL column does not: pair it with :class:`IsNull`)."""

    column: str
    value: str


@dataclass(frozen=True)
class AnyOf:
    """At least one of ``scopes`` holds."""

    scopes: tuple[Scope, ...]


@dataclass(frozen=True)
class Within:
    """``column`` is the ``key`` of some row of ``source`` for which every one of ``where`` holds.

    ``source`` is a kind (``"enrollments"``) or a link table (``"class_terms"``, ``"user_orgs"``);
    ``where`` is written in these same scopes, over the source's columns. E.g. the users enrolled in a
    class: ``Within("sourced_id", "enrollments", "user", (Eq("class", "classSourcedId"),))``.
    """

    column: str
    source: str
    key: str
    where: tuple[Scope, ...] = ()


Scope = Eq | Const | In | IsNull | NotEq | AnyOf | Within

_LINKS: dict[str, sa.Table] = {"class_terms": class_terms, "user_orgs": user_orgs}


def conditions(kind: str, tenant: str, scopes: Sequence[Scope],
               path: Mapping[str, str] | None = None) -> list[Condition]:
    """The WHERE conditions of ``scopes`` on ``kind``'s table; ``path`` gives the values of :class:`Eq`."""
    table = TABLES[kind]
    return [_condition(table, tenant, scope, path or {}) for scope in scopes]


def _condition(table: sa.Table, tenant: str, scope: Scope, path: Mapping[str, str]) -> Condition:
    if isinstance(scope, Eq):
        return table.c[scope.column] == path[scope.param]
    if isinstance(scope, Const):
        return table.c[scope.column] == scope.value
    if isinstance(scope, In):
        return table.c[scope.column].in_(scope.values)
    if isinstance(scope, IsNull):
        return table.c[scope.column].is_(None)
    if isinstance(scope, NotEq):
        return table.c[scope.column] != scope.value
    if isinstance(scope, AnyOf):
        return sa.or_(*(_condition(table, tenant, s, path) for s in scope.scopes))
    source = _LINKS.get(scope.source)
    if source is None:
        source = TABLES[scope.source]
    rows = sa.select(source.c[scope.key]).where(source.c.tenant == tenant,
                                                *(_condition(source, tenant, s, path) for s in scope.where))
    return table.c[scope.column].in_(rows)
