"""Collection queries: limit/offset/sort/orderBy/filter/fields, X-Total-Count and Link; where each field lives.

OR-PAGING, OR-FILTER, OR-SORT, OR-FIELDS. What the parameters mean, and every difference between 1.1 and
1.2 in querying, is here: which fields a kind has and where each is stored (an indexed column, a path
into the JSON document, a link table, the 1.1 user id), what sorts and selections 1.1 forgives, and
what a connection sees (IC-USERS, IC-SCHOOL-SCOPE). The store turns these descriptions into SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from mock_ic.errors import InvalidData, InvalidFilterField, InvalidSelectionField, InvalidSortField
from mock_ic.ic import school_scope, users
from mock_ic.oneroster import filters
from mock_ic.oneroster.schemas import Shape, properties
from mock_ic.store.fields import Column, DocPath, LinkColumn, Location, UserLegacyId, field_of
from mock_ic.store.filter_sql import FieldKind
from mock_ic.store.scopes import Scope
from mock_ic.store.tables import KINDS

if TYPE_CHECKING:
    from mock_ic.store.filter_sql import Condition, Field

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


def field_location(kind: str, name: str, version: str = "1.2") -> Location | None:
    """Where a field name of a kind is stored, or None when the kind has no such field."""
    if version == "1.1" and (column := _USER_REF_COLUMNS.get((kind, name))) is not None:
        return UserLegacyId(column)  # IC-IDS: 1.1 references to users carry the role prefix
    column = _columns_by_path(kind, version).get(name)
    if column is not None:
        return Column(column, _field_kind(kind, name, version))
    if name.startswith("metadata.") and filters.is_identifier_path(name):
        return DocPath(tuple(name.split(".")))
    if name not in filterable_fields(kind, version):
        return None
    link = _LINK_COLUMNS.get((kind, name))
    if link is not None:
        return LinkColumn(link)
    path = tuple(name.split("."))
    prop = properties(kind, version)[path[0]]
    if prop.shape is Shape.STRING_LIST:
        return DocPath(path, many=True)
    if prop.shape is Shape.NUMBER:
        return DocPath(path, FieldKind.NUMBER)
    return DocPath(path, _field_kind(kind, name, version))


def _field_kind(kind: str, name: str, version: str) -> FieldKind:
    prop = properties(kind, version).get(name.split(".")[0])
    if prop is None:
        return FieldKind.STRING
    if prop.shape is Shape.NUMBER and "." not in name:
        return FieldKind.NUMBER
    if prop.shape is Shape.DATE:
        return FieldKind.DATE
    return FieldKind.STRING


# Array-of-reference fields answered from the link tables (class terms, user roles): their column.
_LINK_COLUMNS = {("classes", "terms.sourcedId"): "term_id", ("users", "roles.role"): "role",
                 ("users", "roles.org.sourcedId"): "org_id", ("users", "orgs.sourcedId"): "org_id"}

# 1.1 references to users, by the kind's column that holds the canonical user id.
_USER_REF_COLUMNS = {("enrollments", "user.sourcedId"): "user", ("results", "student.sourcedId"): "student"}


# --- filters, sorts, selections ----------------------------------------------------------------

def filter_clause(kind: str, text: str, version: str = "1.2") -> Condition:
    """The compiled ``filter`` (OR-FILTER); a malformed one, or one naming an unknown field -> 400."""
    def resolve(name: str) -> Field | None:
        location = field_location(kind, name, version)
        return None if location is None else field_of(kind, location)

    try:
        return filters.compile_filter(filters.parse_filter(text), resolve, filterable_fields(kind, version))
    except filters.UnknownFilterField as exc:
        raise InvalidFilterField(exc.message) from None
    except filters.FilterError as exc:
        raise InvalidFilterField(exc.message) from None


def sort_expression(kind: str, sort: str, *, version: str) -> tuple[Location | None, Warning_ | None]:
    """Where the sort field lives; unknown: 1.2 -> 400, 1.1 -> unsorted + warning (OR-SORT)."""
    sortable = sortable_fields(kind, version)
    if sort not in sortable:
        message = f"Unknown sort field {sort!r} for {kind}; sortable fields: {', '.join(sortable)}"
        if version == "1.1":
            return None, Warning_("invalid_sort_field", message)
        raise InvalidSortField(message)
    return field_location(kind, sort, version), None


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
                 if (location := field_location(kind, f, version)) is not None and not location.many
                 and location.kind is FieldKind.NUMBER)


def _is_many(kind: str, name: str, version: str) -> bool:
    location = field_location(kind, name, version)
    return location is None or location.many


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


# --- what a connection sees --------------------------------------------------------------------

Visibility = Callable[[str], tuple[Scope, ...]]  # kind -> the scopes of the rows a connection sees


def visibility(version: str, schools: Sequence[str] | None) -> Visibility:
    """What a connection sees of each kind: IC-USERS (no-show enrollments never, users without an enabled
    portal account not in 1.1) and IC-SCHOOL-SCOPE (nothing of the schools outside ``schools``)."""
    allowed = None if schools is None else tuple(schools)
    return lambda kind: _visible(kind, version, allowed)


@lru_cache(maxsize=1024)
def _visible(kind: str, version: str, schools: tuple[str, ...] | None) -> tuple[Scope, ...]:
    return (*school_scope.scope(kind, schools), *users.visible(kind, version))


# --- paging --------------------------------------------------------------------------------------

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

