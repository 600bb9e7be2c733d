"""The OneRoster ``filter`` query parameter: its grammar, and what each predicate means (OR-FILTER).

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

Compiled semantics (see :func:`compile_filter`; the SQL is ``mock_ic/store/filter_sql.py``'s):

* STRING fields compare as strings; ``~`` is a case-insensitive "contains" in which ``%``, ``_``
  and ``\\`` of the value are literal.
* NUMBER fields compare numerically; a non-numeric value is a :class:`FilterError`.
* DATE fields compare as ISO-8601 strings; a date-time value is first put in the stored form
  (UTC, milliseconds, ``Z``) so ``dateLastModified>'2026-01-01T10:00:00Z'`` means what it says.
* A missing (absent or JSON ``null``) field never satisfies ``=``, ``>``, ``~``, ...; it always
  satisfies ``!=``: ``!=`` is exactly the negation of ``=``, on scalar and array fields alike.
* Array fields (``Field.many``): ``=``/``~``/``<``/... mean "some element ...", ``!=`` means
  "no element equals".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, NoReturn

from mock_ic.store import filter_sql
from mock_ic.store.filter_sql import FieldKind

if TYPE_CHECKING:
    from mock_ic.store.filter_sql import Condition, Field

__all__ = [
    "MAX_PREDICATES",
    "OPERATORS",
    "Conjunction",
    "FilterError",
    "FilterSyntaxError",
    "Node",
    "Predicate",
    "UnknownFilterField",
    "canonical_datetime",
    "compile_filter",
    "is_identifier_path",
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


# --- compiling: what each predicate means, its SQL from the store --------------------------------

_NUMBER_RE = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def compile_filter(node: Node, resolve: Callable[[str], Field | None], allowed: Iterable[str]) -> Condition:
    """The WHERE clause for a parsed filter (OR-FILTER).

    ``resolve`` maps a field name to its SQL :class:`~mock_ic.store.filter_sql.Field`, or None when the
    collection has no such field, which raises :class:`UnknownFilterField` listing ``allowed`` (sorted).
    Values are checked and put in the field's form here; the store only writes the SQL.
    """
    return _compile(node, resolve, sorted(allowed))


def _compile(node: Node, resolve: Callable[[str], Field | None], allowed: list[str]) -> Condition:
    if isinstance(node, Conjunction):
        if not node.terms:
            raise ValueError("a Conjunction needs at least one term")
        parts = [_compile(term, resolve, allowed) for term in node.terms]
        return filter_sql.all_of(parts) if node.op == "AND" else filter_sql.any_of(parts)
    if node.op not in OPERATORS:
        raise FilterError(f"Unknown operator {node.op!r} (operators are {' '.join(OPERATORS)})")
    field = resolve(node.field)
    if field is None:
        raise UnknownFilterField(node.field, allowed)
    return filter_sql.predicate(field, node.op, _value(field, node))


def _value(field: Field, predicate: Predicate) -> str | float:
    """The predicate's value as the field compares it."""
    if field.many:  # arrays hold strings: their elements compare as strings whatever the kind
        return predicate.value
    if field.kind is FieldKind.NUMBER:
        return _number(predicate)
    if field.kind is FieldKind.DATE and predicate.op != "~":
        return canonical_datetime(predicate.value)
    return predicate.value


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
