"""Collection queries: limit/offset/sort/orderBy/filter/fields -> SQL; X-Total-Count and Link.

OR-PAGING, OR-FILTER, OR-SORT, OR-FIELDS. Filtering, sorting, counting and paging happen in the
database, over indexed columns where the field has one, else over the JSON document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from mock_ic.errors import InvalidData, InvalidFilterField, InvalidSelectionField, InvalidSortField
from mock_ic.oneroster import filters
from mock_ic.oneroster.schemas import Shape, properties
from mock_ic.store.tables import KINDS, class_terms, user_orgs

DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class Warning_:
    """A 1.1 warning (unknown sort or selection field answered 200 with a statusInfoSet)."""

    code_minor: str
    description: str


@dataclass(frozen=True)
class ListParams:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    sort: str | None = None
    descending: bool = False
    filter: str | None = None
    fields: tuple[str, ...] | None = None


def list_params(*, limit: Any = None, offset: Any = None, sort: str | None = None,
                order_by: str | None = None, filter_: str | None = None, fields: str | None = None,
                cap: int) -> ListParams:
    """Validate the query parameters (OR-PAGING): a limit above the cap is clamped, not refused."""
    lim = _integer("limit", limit, DEFAULT_LIMIT, minimum=1)
    off = _integer("offset", offset, 0, minimum=0)
    if order_by not in (None, "", "asc", "desc"):
        raise InvalidData(f"orderBy must be 'asc' or 'desc', got {order_by!r}")
    return ListParams(
        limit=min(lim, cap),
        offset=off,
        sort=sort or None,
        descending=order_by == "desc",
        filter=filter_ if filter_ not in (None, "") else None,
        fields=split_fields(fields),
    )


def _integer(name: str, value: Any, default: int, *, minimum: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidData(f"{name} must be an integer, got {value!r}") from None
    if number < minimum:
        raise InvalidData(f"{name} must be at least {minimum}, got {number}")
    return number


def split_fields(fields: str | None) -> tuple[str, ...] | None:
    if fields is None or not fields.strip():
        return None
    return tuple(dict.fromkeys(f.strip() for f in fields.split(",") if f.strip()))


# --- fields of a kind --------------------------------------------------------------------------

_REF_PARTS = ("sourcedId", "href", "type")


@cache
def _columns_by_path(kind: str, version: str) -> dict[str, str]:
    """Document path of a reference column -> column name (e.g. 'class.sourcedId' -> 'class')."""
    out: dict[str, str] = {"sourcedId": "sourced_id", "status": "status", "dateLastModified": "date_last_modified"}
    if version == "1.1" and kind == "users":
        out |= {"sourcedId": "legacy_id", "role": "role"}  # IC-IDS: 1.1 user ids carry the role prefix
    props = properties(kind, version)
    for column, path in KINDS[kind].paths.items():
        top = path.split(".")[0]
        if top in props and props[top].shape is Shape.REF:
            out[f"{path}.sourcedId"] = column
        elif top in props and props[top].shape in (Shape.STRING, Shape.DATE):
            out[path] = column
    return out


@cache
def filterable_fields(kind: str, version: str = "1.2") -> tuple[str, ...]:
    """Field names a filter or sort may name: scalars, reference parts, string lists, link paths."""
    names: list[str] = []
    for name, prop in properties(kind, version).items():
        if prop.shape in (Shape.STRING, Shape.NUMBER, Shape.DATE, Shape.STRING_LIST):
            names.append(name)
        elif prop.shape is Shape.REF:
            names.extend(f"{name}.{part}" for part in _REF_PARTS)
    if kind == "classes":
        names.append("terms.sourcedId")
    if kind == "users":
        names.extend(["roles.role", "roles.org.sourcedId"] if version == "1.2" else ["orgs.sourcedId"])
    return tuple(names)


def resolve_field(kind: str, name: str, version: str = "1.2") -> filters.Field | None:
    """The SQL expression behind a field name, or None when the kind has no such field."""
    table = KINDS[kind].table
    if version == "1.1" and (legacy := _legacy_user_field(kind, name)) is not None:
        return legacy
    column = _columns_by_path(kind, version).get(name)
    kind_of = _field_kind(kind, name, version)
    if column is not None:
        return filters.Field(table.c[column], kind_of)
    if name.startswith("metadata.") and filters.is_identifier_path(name):
        return filters.Field(filters.json_text(table.c.doc, name.split(".")), filters.FieldKind.STRING)
    if name not in filterable_fields(kind, version):
        return None
    link = _link_field(kind, name)
    if link is not None:
        return link
    path = name.split(".")
    prop = properties(kind, version)[path[0]]
    if prop.shape is Shape.STRING_LIST:
        return filters.Field(filters.json_text(table.c.doc, path), filters.FieldKind.STRING, many=True,
                             doc=table.c.doc, path=tuple(path))
    if prop.shape is Shape.NUMBER:
        return filters.Field(filters.json_number(table.c.doc, path), filters.FieldKind.NUMBER)
    return filters.Field(filters.json_text(table.c.doc, path), kind_of)


def _field_kind(kind: str, name: str, version: str) -> filters.FieldKind:
    prop = properties(kind, version).get(name.split(".")[0])
    if prop is None:
        return filters.FieldKind.STRING
    if prop.shape is Shape.NUMBER and "." not in name:
        return filters.FieldKind.NUMBER
    if prop.shape is Shape.DATE:
        return filters.FieldKind.DATE
    return filters.FieldKind.STRING


def _link_field(kind: str, name: str) -> filters.Field | None:
    """Array-of-reference fields answered from the link tables (class terms, user roles)."""
    table = KINDS[kind].table
    if kind == "classes" and name == "terms.sourcedId":
        return filters.Field(class_terms.c.term_id, filters.FieldKind.STRING, many=True,
                             link=(class_terms, class_terms.c.class_id, table.c.sourced_id))
    if kind == "users" and name in ("roles.role", "roles.org.sourcedId", "orgs.sourcedId"):
        column = user_orgs.c.role if name == "roles.role" else user_orgs.c.org_id
        return filters.Field(column, filters.FieldKind.STRING, many=True,
                             link=(user_orgs, user_orgs.c.user_id, table.c.sourced_id))
    return None


_USER_REF_COLUMNS = {("enrollments", "user.sourcedId"): "user", ("results", "student.sourcedId"): "student"}


def _legacy_user_field(kind: str, name: str) -> filters.Field | None:
    """1.1 references to users compare with the prefixed 1.1 id (IC-IDS), looked up in SQL."""
    column = _USER_REF_COLUMNS.get((kind, name))
    if column is None:
        return None
    users, table = KINDS["users"].table, KINDS[kind].table
    legacy = (sa.select(users.c.legacy_id)
              .where(users.c.tenant == table.c.tenant, users.c.sourced_id == table.c[column])
              .scalar_subquery())
    return filters.Field(legacy, filters.FieldKind.STRING)


# --- building the SQL --------------------------------------------------------------------------

def filter_clause(kind: str, text: str, version: str = "1.2") -> sa.ColumnElement[bool]:
    try:
        node = filters.parse_filter(text)
        return filters.compile_filter(node, lambda name: resolve_field(kind, name, version),
                                      filterable_fields(kind, version))
    except filters.UnknownFilterField as exc:
        raise InvalidFilterField(exc.message) from None
    except filters.FilterError as exc:
        raise InvalidFilterField(exc.message) from None


def sort_expression(kind: str, sort: str, *, version: str) -> tuple[sa.ColumnElement[Any] | None, Warning_ | None]:
    """The ORDER BY expression for a sort field; unknown: 1.2 -> 400, 1.1 -> unsorted + warning."""
    sortable = sortable_fields(kind, version)
    if sort not in sortable:
        message = f"Unknown sort field {sort!r} for {kind}; sortable fields: {', '.join(sortable)}"
        if version == "1.1":
            return None, Warning_("invalid_sort_field", message)
        raise InvalidSortField(message)
    field = resolve_field(kind, sort, version)
    assert field is not None
    return field.expr, None


# The three lists below are what each collection's `sort`, `fields` and `filter` parameters admit in
# openapi/ (a 1.2 sort enum, a fields pattern, a filter pattern): tests/test_contract_params.py
# generates those parameters from these functions and keeps the specs equal to them.

@cache
def sortable_fields(kind: str, version: str = "1.2") -> tuple[str, ...]:
    """Fields a collection can be sorted by (OR-SORT): the filterable fields with one value per object."""
    return tuple(f for f in filterable_fields(kind, version) if not _is_many(kind, f, version))


@cache
def selectable_fields(kind: str, version: str = "1.2") -> tuple[str, ...]:
    """Fields a ``fields`` selection may name (OR-FIELDS): the top-level fields of the kind's response schema."""
    return tuple(properties(kind, version))


@cache
def numeric_filter_fields(kind: str, version: str = "1.2") -> tuple[str, ...]:
    """Filterable fields compared as numbers (OR-FILTER): their value must be a number, and ``~`` does not apply."""
    return tuple(f for f in filterable_fields(kind, version)
                 if (field := resolve_field(kind, f, version)) is not None and not field.many
                 and field.kind is filters.FieldKind.NUMBER)


def _is_many(kind: str, name: str, version: str) -> bool:
    field = resolve_field(kind, name, version)
    return field is None or field.many


def selection(kind: str, fields: Sequence[str] | None, *,
              version: str) -> tuple[tuple[str, ...] | None, Warning_ | None]:
    """Validate ``fields`` (OR-FIELDS): 1.2 -> 400 on an unknown field; 1.1 -> all fields + warning."""
    if not fields:
        return None, None
    known = selectable_fields(kind, version)
    unknown = [f for f in fields if f not in known]
    if unknown:
        message = f"Unknown field(s) {', '.join(map(repr, unknown))} in fields; allowed: {', '.join(known)}"
        if version == "1.1":
            return None, Warning_("invalid_selection_field", message)
        raise InvalidSelectionField(message)
    return tuple(fields), None


@dataclass(frozen=True)
class Page:
    select: sa.Select[Any]
    count: sa.Select[Any]


def page_query(kind: str, tenant: str, where: Sequence[sa.ColumnElement[bool]], params: ListParams,
               order: sa.ColumnElement[Any] | None, version: str = "1.2") -> Page:
    table = KINDS[kind].table
    conditions = [table.c.tenant == tenant, *where]
    if params.filter:
        conditions.append(filter_clause(kind, params.filter, version))
    ordering: list[Any] = []
    if order is not None:
        ordering.append(order.desc() if params.descending else order.asc())
    ordering.append(table.c.sourced_id.desc() if params.descending and order is not None else table.c.sourced_id)
    select = (sa.select(table.c.doc).where(*conditions).order_by(*ordering)
              .limit(params.limit).offset(params.offset))
    count = sa.select(sa.func.count()).select_from(table).where(*conditions)
    return Page(select, count)


def link_header(url: str, query: dict[str, str], params: ListParams, total: int) -> str:
    """RFC 8288 Link with first, last, and next/prev where they exist (OR-PAGING)."""

    def link(offset: int, rel: str) -> str:
        q = {k: v for k, v in query.items() if k not in ("limit", "offset")}
        q.update(limit=str(params.limit), offset=str(offset))
        return f'<{url}?{urlencode(q)}>; rel="{rel}"'

    last = max(0, ((total - 1) // params.limit) * params.limit) if total else 0
    parts = [link(0, "first")]
    if params.offset > 0:
        parts.append(link(max(0, params.offset - params.limit), "prev"))
    if params.offset + params.limit < total:
        parts.append(link(params.offset + params.limit, "next"))
    parts.append(link(last, "last"))
    return ", ".join(parts)

