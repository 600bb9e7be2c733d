"""The SQL of OneRoster filters (OR-FILTER): JSON-path functions per dialect, and one predicate per field shape.

``mock_ic/oneroster/filters.py`` parses a filter and decides what it means (which field, which value,
numbers and dates checked and put in the stored form); it builds the WHERE clause from the functions
here, whose values arrive already checked. Semantics the SQL must keep:

* ``~`` is a case-insensitive "contains" in which ``%``, ``_`` and ``\\`` of the value are literal.
* A missing (absent or JSON ``null``) field never satisfies ``=``, ``>``, ``~``, ...; it always
  satisfies ``!=``: ``!=`` is exactly the negation of ``=``, on scalar and array fields alike.
* Array fields (``Field.many``): ``=``/``~``/``<``/... mean "some element ...", ``!=`` means
  "no element equals".

JSON paths are rendered as SQL literals, never bound parameters, so expression indexes built from
:func:`json_text` match the queries (DESIGN.md, Store facts).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

__all__ = [
    "Condition",
    "Field",
    "FieldKind",
    "JsonArrayElements",
    "JsonNumber",
    "JsonText",
    "all_of",
    "any_of",
    "json_array_contains",
    "json_number",
    "json_text",
    "predicate",
]

# A compiled WHERE condition. Code outside the store holds it without looking inside (like a Connection).
Condition = ColumnElement[bool]

_SEGMENT_RE = re.compile(r"[A-Za-z0-9_]+")


# --- JSON paths, one expression object rendered per dialect ---------------------------------------

def _checked_path(path: Sequence[str]) -> tuple[str, ...]:
    """The path as a tuple; only [A-Za-z0-9_] segments, because they are rendered into SQL literals."""
    segments = tuple(path)
    if not segments or not all(isinstance(s, str) and _SEGMENT_RE.fullmatch(s) for s in segments):
        raise ValueError(f"JSON path segments must match [A-Za-z0-9_]+, got {path!r}")
    return segments


class _JsonPathFunction(FunctionElement[Any]):
    """Base of the JSON constructs: clauses are the document and one literal per path segment.

    The segments live in the clauses (as literal SQL) so the statement cache key includes them;
    compile functions read them back through :attr:`path`.
    """

    inherit_cache = True

    def __init__(self, doc: ColumnElement[Any], path: Sequence[str]) -> None:
        self._path = _checked_path(path)
        super().__init__(doc, *(sa.literal_column(f"'{segment}'") for segment in self._path))

    @property
    def doc(self) -> ColumnElement[Any]:
        return next(iter(self.clauses))  # read from the clauses: they are what adaption/cloning rewrites

    @property
    def path(self) -> tuple[str, ...]:
        return self._path


class JsonText(_JsonPathFunction):
    """``doc.path`` as text; NULL when absent or JSON null."""

    name = "json_text"
    type = sa.String()
    inherit_cache = True


class JsonNumber(_JsonPathFunction):
    """``doc.path`` as a number when it is a JSON number; NULL otherwise (absent, null, a string)."""

    name = "json_number"
    type = sa.Float()
    inherit_cache = True


class JsonArrayElements(_JsonPathFunction):
    """The elements of the JSON array at ``doc.path`` as rows; no rows unless it is an array."""

    name = "json_array_elements"
    inherit_cache = True


def json_text(doc: ColumnElement[Any], path: Sequence[str]) -> ColumnElement[str]:
    """The text of ``doc.path`` (e.g. ``["class", "sourcedId"]``); NULL when absent.

    SQLite: ``json_extract(doc, '$.class.sourcedId')``; PostgreSQL: ``(doc -> 'class' ->> 'sourcedId')``.
    Build expression indexes from this same function so their text matches the queries.
    """
    return JsonText(doc, path)


def json_number(doc: ColumnElement[Any], path: Sequence[str]) -> ColumnElement[float]:
    """The number at ``doc.path``; NULL when absent or not a JSON number (so a stray string never
    compares as a number, and PostgreSQL never fails casting it)."""
    return JsonNumber(doc, path)


def json_array_contains(doc: ColumnElement[Any], path: Sequence[str], value: str,
                        op: str) -> ColumnElement[bool]:
    """For array-valued fields: some element of ``doc.path`` satisfies ``<element> op value``.

    ``!=`` means "no element equals" (true for a missing or empty array), so it is the exact
    negation of ``=``. SQLite iterates with ``json_each``, PostgreSQL with ``json_array_elements_text``.
    """
    elements = JsonArrayElements(doc, path).table_valued(sa.column("value", sa.String()))
    element = elements.c.value
    if op == "!=":
        return ~sa.exists().where(element == value)
    return sa.exists().where(_scalar(element, op, value))


def _sqlite_path(path: Sequence[str]) -> str:
    return "'$." + ".".join(path) + "'"


def _pg_path(doc_sql: str, path: Sequence[str], *, last: str) -> str:
    """``doc -> 'a' -> 'b'`` (last='->') or ``doc -> 'a' ->> 'b'`` (last='->>')."""
    steps = [f" -> '{s}'" for s in path[:-1]] + [f" {last} '{path[-1]}'"]
    return doc_sql + "".join(steps)


@compiles(JsonText)
def _json_text_sqlite(element: JsonText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_extract({compiler.process(element.doc, **kw)}, {_sqlite_path(element.path)})"


@compiles(JsonText, "postgresql")
def _json_text_pg(element: JsonText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({_pg_path(compiler.process(element.doc, **kw), element.path, last='->>')})"


@compiles(JsonNumber)
def _json_number_sqlite(element: JsonNumber, compiler: SQLCompiler, **kw: Any) -> str:
    doc, path = compiler.process(element.doc, **kw), _sqlite_path(element.path)
    return (f"(CASE WHEN json_type({doc}, {path}) IN ('integer', 'real') "
            f"THEN json_extract({doc}, {path}) END)")


@compiles(JsonNumber, "postgresql")
def _json_number_pg(element: JsonNumber, compiler: SQLCompiler, **kw: Any) -> str:
    doc = compiler.process(element.doc, **kw)
    return (f"(CASE WHEN json_typeof({_pg_path(doc, element.path, last='->')}) = 'number' "
            f"THEN CAST(({_pg_path(doc, element.path, last='->>')}) AS DOUBLE PRECISION) END)")


@compiles(JsonArrayElements)
def _json_array_sqlite(element: JsonArrayElements, compiler: SQLCompiler, **kw: Any) -> str:
    # json_each over a scalar yields the scalar itself; the CASE keeps non-arrays out, as on PostgreSQL.
    doc, path = compiler.process(element.doc, **kw), _sqlite_path(element.path)
    return f"json_each(CASE json_type({doc}, {path}) WHEN 'array' THEN json_extract({doc}, {path}) END)"


@compiles(JsonArrayElements, "postgresql")
def _json_array_pg(element: JsonArrayElements, compiler: SQLCompiler, **kw: Any) -> str:
    # json_array_elements_text raises on a non-array (e.g. JSON null): guard it, a filter must not 500.
    target = _pg_path(compiler.process(element.doc, **kw), element.path, last="->")
    return f"json_array_elements_text(CASE json_typeof({target}) WHEN 'array' THEN {target} END)"


# --- fields ----------------------------------------------------------------------------------------

class FieldKind(Enum):
    STRING = "string"
    NUMBER = "number"
    DATE = "date"  # DATE and DATETIME: ISO-8601 strings, which sort correctly as text


LinkSpec = tuple[sa.Table, ColumnElement[Any], ColumnElement[Any]]


@dataclass(frozen=True, eq=False)
class Field:
    """A filterable field as SQL (``mock_ic.store.fields.field_of`` makes one from a field's location).

    ``expr`` yields the field's text (a number for NUMBER). For ``many=True`` (array-valued)
    fields the elements come from one of:

    * ``link=(table, foreign_key, parent_key)``: rows of a link table whose ``foreign_key`` equals
      ``parent_key``; ``expr`` is the link table's value column;
    * ``doc`` and ``path``: the JSON array at that path of the document column;
    * neither: ``expr`` must be a :func:`json_text` expression, whose document and path are used.
    """

    expr: ColumnElement[Any]
    kind: FieldKind = FieldKind.STRING
    many: bool = False
    doc: ColumnElement[Any] | None = None
    path: tuple[str, ...] | None = None
    link: LinkSpec | None = None


# --- predicates ------------------------------------------------------------------------------------

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def predicate(field: Field, op: str, value: str | float) -> Condition:
    """``field op value``; ``value`` is already in the field's form (a float for a NUMBER field, a
    date-time in the stored form for a DATE field): the filter layer checked and converted it."""
    if field.many:  # arrays hold strings: their elements compare as strings whatever the kind
        return _many(field, op, str(value))
    return _scalar(field.expr, op, value)


def all_of(parts: Sequence[Condition]) -> Condition:
    return sa.and_(*parts)


def any_of(parts: Sequence[Condition]) -> Condition:
    return sa.or_(*parts)


def _scalar(expr: ColumnElement[Any], op: str, value: Any) -> ColumnElement[bool]:
    if op == "~":
        return _contains(expr, value)
    if op == "!=":
        # NULL (missing) != 'x' is TRUE, so '!=' is exactly NOT '=':
        # IS DISTINCT FROM, which SQLite spells IS NOT.
        return expr.is_distinct_from(value)
    return _COMPARE[op](expr, value)


def _contains(expr: ColumnElement[Any], value: str) -> ColumnElement[bool]:
    """Case-insensitive contains with the value's LIKE wildcards made literal.

    Both sides go through SQL ``lower()`` so they fold alike on each database (SQLite's built-in
    lower() folds ASCII only; PostgreSQL folds per its locale).
    """
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = sa.literal(f"%{escaped}%", sa.String())
    return sa.func.lower(expr).like(sa.func.lower(pattern), escape="\\")


def _many(field: Field, op: str, value: str) -> ColumnElement[bool]:
    if field.link is not None:
        return _link_predicate(field.expr, field.link, op, value)
    doc, path = _array_source(field)
    return json_array_contains(doc, path, value, op)


def _array_source(field: Field) -> tuple[ColumnElement[Any], tuple[str, ...]]:
    if field.doc is not None and field.path:
        return field.doc, tuple(field.path)
    if isinstance(field.expr, JsonText):
        return field.expr.doc, field.expr.path
    raise TypeError("a many=True Field needs link=, doc= and path=, or a json_text() expr")


def _link_predicate(value: ColumnElement[Any], link: LinkSpec, op: str, wanted: str) -> ColumnElement[bool]:
    """EXISTS over a link table (e.g. class terms); '!=' is NOT EXISTS of '='."""
    table, foreign_key, parent_key = link
    joins = [foreign_key == parent_key, *_same_tenant(table, parent_key)]
    if op == "!=":
        return ~sa.exists().where(*joins, value == wanted)
    return sa.exists().where(*joins, _scalar(value, op, wanted))


def _same_tenant(table: sa.Table, parent_key: ColumnElement[Any]) -> list[ColumnElement[bool]]:
    """Link rows belong to the parent's tenant too (IC-TENANT): sourcedIds are only unique per tenant."""
    parent = getattr(parent_key, "table", None)
    if "tenant" in table.c and parent is not None and "tenant" in getattr(parent, "c", {}):
        return [table.c.tenant == parent.c.tenant]
    return []
