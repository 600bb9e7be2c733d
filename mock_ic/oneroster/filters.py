"""The OneRoster ``filter`` query parameter: a parser and a compiler to SQLAlchemy (OR-FILTER).

Grammar (OR-FILTER)::

    filter    := and-group (' OR ' and-group)*
    and-group := predicate (' AND ' predicate)*          -- AND binds tighter than OR
    predicate := field [ws] op [ws] "'" value "'"
    field     := segment ('.' segment)*,  segment := [A-Za-z0-9_]+
    op        := '=' | '!=' | '>' | '>=' | '<' | '<=' | '~'
    value     := any characters; a single quote inside is written doubled ('O''Brien')

``AND``/``OR`` are upper-case and need whitespace on both sides; there are no parentheses.
Anything else raises :class:`FilterSyntaxError`, which the query layer answers as 400
``invalid_filter_field`` (OR-ERRORS).

Compiled semantics (see :func:`compile_filter`):

* STRING fields compare as strings; ``~`` is a case-insensitive "contains" in which ``%``, ``_``
  and ``\\`` of the value are literal.
* NUMBER fields compare numerically; a non-numeric value is a :class:`FilterError`.
* DATE fields compare as ISO-8601 strings; a date-time value is first put in the stored form
  (UTC, milliseconds, ``Z``) so ``dateLastModified>'2026-01-01T10:00:00Z'`` means what it says.
* A missing (absent or JSON ``null``) field never satisfies ``=``, ``>``, ``~``, ...; it always
  satisfies ``!=``: ``!=`` is exactly the negation of ``=``, on scalar and array fields alike.
* Array fields (``Field.many``): ``=``/``~``/``<``/... mean "some element ...", ``!=`` means
  "no element equals".

JSON paths are rendered as SQL literals, never bound parameters, so expression indexes built from
:func:`json_text` match the queries (DESIGN.md, Store facts).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Literal, NoReturn

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

__all__ = [
    "MAX_PREDICATES",
    "OPERATORS",
    "Conjunction",
    "Field",
    "FieldKind",
    "FilterError",
    "FilterSyntaxError",
    "Node",
    "Predicate",
    "UnknownFilterField",
    "canonical_datetime",
    "compile_filter",
    "is_identifier_path",
    "json_array_contains",
    "json_number",
    "json_text",
    "parse_filter",
]

OPERATORS: tuple[str, ...] = ("=", "!=", ">", ">=", "<", "<=", "~")

# SQLite's default expression depth is 1000 and a chain of n ORs nests n deep: refuse long filters
# with a clear 400 instead of letting the database fail with a 500.
MAX_PREDICATES = 500

EXPECTED_FORM = "expected <field><op>'<value>' joined by ' AND ' or ' OR '"


# --- errors ----------------------------------------------------------------------------------------

class FilterError(ValueError):
    """A filter the server cannot apply; ``message`` is written for the client (OR-FILTER)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FilterSyntaxError(FilterError):
    """The filter text does not follow the grammar; says where, what, and the expected form."""

    def __init__(self, text: str, position: int, problem: str) -> None:
        self.text = text
        self.position = position
        self.problem = problem
        super().__init__(f'Malformed filter "{text}" at position {position}: {problem}; {EXPECTED_FORM}')


class UnknownFilterField(FilterError):
    """The filter names a field the collection does not have; lists the fields it has."""

    def __init__(self, field: str, allowed: Sequence[str]) -> None:
        self.field = field
        self.allowed = sorted(allowed)
        super().__init__(f"Unknown filter field {field!r}; filterable fields: {', '.join(self.allowed)}")


# --- the syntax tree -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Predicate:
    field: str
    op: str
    value: str


@dataclass(frozen=True)
class Conjunction:
    op: Literal["AND", "OR"]
    terms: tuple[Node, ...]


Node = Predicate | Conjunction


# --- parsing ---------------------------------------------------------------------------------------

_SEGMENT = r"[A-Za-z0-9_]+"
_FIELD_RE = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})*")
_SEGMENT_RE = re.compile(_SEGMENT)
_OPERATOR_RE = re.compile(r"[=!<>~]+")
_WHITESPACE = " \t\r\n"
_KEYWORDS = ("AND", "OR")


def is_identifier_path(name: str) -> bool:
    """True for a dotted field name whose segments are [A-Za-z0-9_]+ (safe to render as a JSON path)."""
    return _FIELD_RE.fullmatch(name) is not None


def parse_filter(text: str) -> Node:
    """Parse a OneRoster filter expression (OR-FILTER) into a tree.

    One predicate comes back as a :class:`Predicate`; several are flattened into an ``OR`` of
    ``AND`` groups (a group of one is its predicate).
    """
    return _Parser(text).parse()


class _Parser:
    """A hand-written scanner: the grammar is tiny and the error messages must point at a position."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self) -> Node:
        if not self.text.strip(_WHITESPACE):
            self.fail("the filter is empty", 0)
        self.skip_whitespace()
        groups: list[list[Predicate]] = [[]]
        count = 0
        while True:
            groups[-1].append(self.predicate())
            count += 1
            if count > MAX_PREDICATES:
                raise FilterError(f"Filter has more than {MAX_PREDICATES} predicates; split the request")
            keyword = self.keyword()
            if keyword is None:
                break
            if keyword == "OR":
                groups.append([])
        ands: list[Node] = [g[0] if len(g) == 1 else Conjunction("AND", tuple(g)) for g in groups]
        return ands[0] if len(ands) == 1 else Conjunction("OR", tuple(ands))

    # -- pieces

    def predicate(self) -> Predicate:
        start = self.pos
        match = _FIELD_RE.match(self.text, self.pos)
        if match is None:
            self.fail_field()
        field = match.group()
        self.pos = match.end()
        self.skip_whitespace()
        op_match = _OPERATOR_RE.match(self.text, self.pos)
        if op_match is None:
            if self.text.startswith(".", self.pos):
                self.fail(f"empty segment in field name {self.text[start:self.pos + 1]!r}")
            if field in _KEYWORDS:
                self.fail(f"expected a predicate, found the keyword {field!r}", start)
            self.fail(f"expected an operator ({' '.join(OPERATORS)}) after field {field!r}, "
                      f"found {self.snippet()}")
        op = op_match.group()
        if op not in OPERATORS:
            self.fail(f"unknown operator {op!r} (operators are {' '.join(OPERATORS)})", op_match.start())
        self.pos = op_match.end()
        self.skip_whitespace()
        return Predicate(field, op, self.value(op))

    def fail_field(self) -> NoReturn:
        if self.pos >= len(self.text):
            self.fail("expected a predicate, found the end of the filter")
        char = self.text[self.pos]
        if char in "=!<>~":
            self.fail(f"missing field name before {char!r}")
        if char in "()":
            self.fail(f"found {char!r}: parentheses are not supported")
        self.fail(f"expected a field name (letters, digits, '_' and '.'), found {self.snippet()}")

    def value(self, op: str) -> str:
        if self.pos >= len(self.text):
            self.fail(f"missing value after operator {op!r}")
        if self.text[self.pos] != "'":
            found = self.snippet()
            hint = "double quotes are not accepted, " if self.text[self.pos] == '"' else ""
            self.fail(f"{hint}the value must be in single quotes, found {found}")
        opening = self.pos
        chunks: list[str] = []
        pos = opening + 1
        while True:
            quote = self.text.find("'", pos)
            if quote < 0:
                self.fail("unterminated value", opening)
            chunks.append(self.text[pos:quote])
            if self.text.startswith("''", quote):  # a doubled quote is one quote of the value
                chunks.append("'")
                pos = quote + 2
                continue
            self.pos = quote + 1
            return "".join(chunks)

    def keyword(self) -> str | None:
        """After a value: the end of the filter, or ' AND '/' OR ' followed by another predicate."""
        before = self.pos
        self.skip_whitespace()
        if self.pos >= len(self.text):
            return None
        spaced_before = self.pos > before
        for keyword in _KEYWORDS:
            end = self.pos + len(keyword)
            if not self.text.startswith(keyword, self.pos):
                continue
            if spaced_before and (end == len(self.text) or self.text[end] in _WHITESPACE):
                at = self.pos
                self.pos = end
                self.skip_whitespace()
                if self.pos >= len(self.text):
                    self.fail(f"{keyword!r} must be followed by a predicate", at)
                return keyword
        self.fail(f"expected ' AND ', ' OR ' or the end of the filter after a value, found {self.snippet()}"
                  f"{self.keyword_hint()}")

    def keyword_hint(self) -> str:
        rest = self.text[self.pos:]
        for keyword in _KEYWORDS:
            if rest[:len(keyword)].upper() == keyword:
                return " (AND/OR are upper-case and need a space on both sides)"
        return ""

    # -- helpers

    def skip_whitespace(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
            self.pos += 1

    def snippet(self) -> str:
        """The text from the current position, quoted and cut short, for error messages."""
        rest = self.text[self.pos:]
        if not rest:
            return "the end of the filter"
        return repr(rest if len(rest) <= 20 else rest[:20] + "...")

    def fail(self, problem: str, position: int | None = None) -> NoReturn:
        raise FilterSyntaxError(self.text, self.pos if position is None else position, problem)


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
    """What a filter field name resolves to (returned by the query layer's ``resolve``).

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


# --- compiling -------------------------------------------------------------------------------------

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}

_NUMBER_RE = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def compile_filter(node: Node, resolve: Callable[[str], Field | None],
                   allowed: Iterable[str]) -> ColumnElement[bool]:
    """The WHERE clause for a parsed filter (OR-FILTER).

    ``resolve`` maps a field name to its :class:`Field`, or None when the collection has no such
    field, which raises :class:`UnknownFilterField` listing ``allowed`` (sorted).
    """
    return _compile(node, resolve, sorted(allowed))


def _compile(node: Node, resolve: Callable[[str], Field | None], allowed: list[str]) -> ColumnElement[bool]:
    if isinstance(node, Conjunction):
        if not node.terms:
            raise ValueError("a Conjunction needs at least one term")
        parts = [_compile(term, resolve, allowed) for term in node.terms]
        return sa.and_(*parts) if node.op == "AND" else sa.or_(*parts)
    if node.op not in OPERATORS:
        raise FilterError(f"Unknown operator {node.op!r} (operators are {' '.join(OPERATORS)})")
    field = resolve(node.field)
    if field is None:
        raise UnknownFilterField(node.field, allowed)
    return _predicate(field, node)


def _predicate(field: Field, predicate: Predicate) -> ColumnElement[bool]:
    if field.many:  # arrays hold strings: their elements compare as strings whatever the kind
        return _many(field, predicate)
    if field.kind is FieldKind.NUMBER:
        return _scalar(field.expr, predicate.op, _number(predicate))
    value = predicate.value
    if field.kind is FieldKind.DATE and predicate.op != "~":
        value = canonical_datetime(value)
    return _scalar(field.expr, predicate.op, value)


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


def _number(predicate: Predicate) -> float:
    if predicate.op == "~":
        raise FilterError(f"Operator '~' (contains) does not apply to the numeric field {predicate.field!r}; "
                          f"use one of = != > >= < <=")
    text = predicate.value.strip()
    number = float(text) if _NUMBER_RE.fullmatch(text) else math.nan
    if not math.isfinite(number):
        raise FilterError(f"Field {predicate.field!r} is numeric; "
                          f"the value {predicate.value!r} is not a number")
    return number


def canonical_datetime(value: str) -> str:
    """A date-time value in the stored form ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC); others unchanged.

    Stored date-times carry milliseconds, and ``'.'`` sorts before ``'Z'``: compared raw,
    ``'...T10:00:00.500Z' > '...T10:00:00Z'`` would be false and a delta sync would miss the row.
    A date-time without an offset is taken as UTC; a plain date stays a plain date (it sorts before
    every time of that day, so ``dateLastModified>'2026-01-01'`` includes all of 1 January).
    """
    if not _DATETIME_RE.match(value):
        return value
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return value
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
            f"{moment.second:02d}.{moment.microsecond // 1000:03d}Z")


def _many(field: Field, predicate: Predicate) -> ColumnElement[bool]:
    if field.link is not None:
        return _link_predicate(field.expr, field.link, predicate)
    doc, path = _array_source(field)
    return json_array_contains(doc, path, predicate.value, predicate.op)


def _array_source(field: Field) -> tuple[ColumnElement[Any], tuple[str, ...]]:
    if field.doc is not None and field.path:
        return field.doc, tuple(field.path)
    if isinstance(field.expr, JsonText):
        return field.expr.doc, field.expr.path
    raise TypeError("a many=True Field needs link=, doc= and path=, or a json_text() expr")


def _link_predicate(value: ColumnElement[Any], link: LinkSpec, predicate: Predicate) -> ColumnElement[bool]:
    """EXISTS over a link table (e.g. class terms); '!=' is NOT EXISTS of '='."""
    table, foreign_key, parent_key = link
    joins = [foreign_key == parent_key, *_same_tenant(table, parent_key)]
    if predicate.op == "!=":
        return ~sa.exists().where(*joins, value == predicate.value)
    return sa.exists().where(*joins, _scalar(value, predicate.op, predicate.value))


def _same_tenant(table: sa.Table, parent_key: ColumnElement[Any]) -> list[ColumnElement[bool]]:
    """Link rows belong to the parent's tenant too (IC-TENANT): sourcedIds are only unique per tenant."""
    parent = getattr(parent_key, "table", None)
    if "tenant" in table.c and parent is not None and "tenant" in getattr(parent, "c", {}):
        return [table.c.tenant == parent.c.tenant]
    return []
