"""OR-FILTER (and the OR-ERRORS messages it feeds): the filter parser and its SQL compiler.

The SQL is run on a real database, an in-memory SQLite one and a PostgreSQL one (tests/conftest.py), and
checked against a plain-Python evaluator written here, independently of ``mock_ic.oneroster.filters``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateIndex

from mock_ic.oneroster.filters import (
    MAX_PREDICATES,
    Conjunction,
    FilterError,
    FilterSyntaxError,
    Node,
    Predicate,
    UnknownFilterField,
    canonical_datetime,
    compile_filter,
    is_identifier_path,
    parse_filter,
)
from mock_ic.store.filter_sql import Field, FieldKind, json_array_contains, json_number, json_text

OPS = ("=", "!=", ">", ">=", "<", "<=", "~")


# --- the parser ----------------------------------------------------------------------------------

@pytest.mark.parametrize("op", OPS)
def test_or_filter_parses_each_operator(op: str) -> None:
    assert parse_filter(f"title{op}'Algebra'") == Predicate("title", op, "Algebra")


def test_or_filter_and_joins_predicates() -> None:
    assert parse_filter("status='active' AND title='x'") == Conjunction(
        "AND", (Predicate("status", "=", "active"), Predicate("title", "=", "x")))


def test_or_filter_or_joins_predicates() -> None:
    assert parse_filter("title='a' OR title='b' OR title='c'") == Conjunction(
        "OR", (Predicate("title", "=", "a"), Predicate("title", "=", "b"), Predicate("title", "=", "c")))


def test_or_filter_and_binds_tighter_than_or() -> None:
    a, b, c, d = (Predicate(f, "=", "1") for f in "abcd")
    assert parse_filter("a='1' OR b='1' AND c='1'") == Conjunction("OR", (a, Conjunction("AND", (b, c))))
    assert parse_filter("a='1' AND b='1' OR c='1' AND d='1'") == Conjunction(
        "OR", (Conjunction("AND", (a, b)), Conjunction("AND", (c, d))))


def test_or_filter_dotted_field_paths() -> None:
    assert parse_filter("class.sourcedId='c1'") == Predicate("class.sourcedId", "=", "c1")
    assert parse_filter("metadata.ic.origin~'vendor'") == Predicate("metadata.ic.origin", "~", "vendor")


def test_or_filter_doubled_quote_is_one_quote() -> None:
    assert parse_filter("familyName='O''Brien'") == Predicate("familyName", "=", "O'Brien")
    assert parse_filter("title=''''") == Predicate("title", "=", "'")
    assert parse_filter("title=''") == Predicate("title", "=", "")


def test_or_filter_value_may_contain_keywords_and_operators() -> None:
    assert parse_filter("title='a AND b=''c'' OR d'") == Predicate("title", "=", "a AND b='c' OR d")


@pytest.mark.parametrize("text", [
    "title = 'x'", "title\t>=\t'x'", "  title='x'  ", "title='x'   AND   title = 'x'",
])
def test_or_filter_tolerates_whitespace(text: str) -> None:
    node = parse_filter(text)
    predicates = node.terms if isinstance(node, Conjunction) else (node,)
    assert all(p == Predicate("title", p.op, "x") for p in predicates)


def test_or_filter_syntax_error_message_shape() -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter("title='x")
    assert caught.value.message == (
        "Malformed filter \"title='x\" at position 6: unterminated value; "
        "expected <field><op>'<value>' joined by ' AND ' or ' OR '")
    assert isinstance(caught.value, FilterError) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize(("text", "position", "problem"), [
    ("", 0, "the filter is empty"),
    ("   ", 0, "the filter is empty"),
    ("title='x", 6, "unterminated value"),
    ("title='it''s", 6, "unterminated value"),
    ("title=='x'", 5, "unknown operator '=='"),
    ("title<>'x'", 5, "unknown operator '<>'"),
    ("='x'", 0, "missing field name before '='"),
    ("title='x' OR ='y'", 13, "missing field name before '='"),
    ("class..sourcedId='x'", 5, "empty segment in field name 'class.'"),
    ("title", 5, "expected an operator"),
    ("title like 'x'", 6, "expected an operator"),
    ("title=", 6, "missing value after operator '='"),
    ("title=x", 6, "the value must be in single quotes"),
    ('title="x"', 6, "double quotes are not accepted"),
    ("title='x' AND", 10, "'AND' must be followed by a predicate"),
    ("title='x' OR   ", 10, "'OR' must be followed by a predicate"),
    ("AND title='x'", 0, "expected a predicate, found the keyword 'AND'"),
    ("title='x' AND AND title='y'", 14, "expected a predicate, found the keyword 'AND'"),
    ("title='x' and title='y'", 10, "upper-case"),
    ("title='x'AND title='y'", 9, "need a space on both sides"),
    ("title='x' title='y'", 10, "expected ' AND ', ' OR ' or the end of the filter"),
    ("(title='x')", 0, "parentheses are not supported"),
    ("title-x='y'", 5, "expected an operator"),
])
def test_or_filter_malformed_is_a_syntax_error(text: str, position: int, problem: str) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter(text)
    error = caught.value
    assert error.position == position
    assert problem in error.problem
    assert f'"{text}"' in error.message  # the offending text is quoted
    assert "expected <field><op>'<value>'" in error.message


def test_or_filter_too_many_predicates_is_a_filter_error() -> None:
    parse_filter(" OR ".join(["title='x'"] * MAX_PREDICATES))
    with pytest.raises(FilterError, match="more than"):
        parse_filter(" OR ".join(["title='x'"] * (MAX_PREDICATES + 1)))


def test_or_filter_identifier_paths() -> None:
    assert is_identifier_path("metadata.ic.legacySourcedId")
    assert is_identifier_path("a_1")
    for bad in ("", "a.", ".a", "a..b", "a-b", "a'b", "a b", "a.$"):
        assert not is_identifier_path(bad)


# --- round trip: AST -> text -> AST --------------------------------------------------------------

ROUND_TRIP_FIELDS = ("title", "sourcedId", "class.sourcedId", "metadata.ic.origin", "a_1.b2")


def _and(terms: list[Predicate]) -> Node:
    return terms[0] if len(terms) == 1 else Conjunction("AND", tuple(terms))


def _or(terms: list[Node]) -> Node:
    return terms[0] if len(terms) == 1 else Conjunction("OR", tuple(terms))


def trees(predicates: st.SearchStrategy[Predicate]) -> st.SearchStrategy[Node]:
    """Filter trees in the parser's normal form: an OR of AND groups, groups of one collapsed."""
    groups = st.lists(predicates, min_size=1, max_size=3).map(_and)
    return st.lists(groups, min_size=1, max_size=3).map(_or)


PADDING = st.sampled_from(["", " ", "  ", "\t"])
JOINER_SPACE = st.sampled_from([" ", "  "])


@st.composite
def rendered(draw: st.DrawFn, node: Node) -> str:
    """Filter text for a tree, written independently of the parser, with varied whitespace."""
    if isinstance(node, Predicate):
        before, after = draw(PADDING), draw(PADDING)
        quoted = node.value.replace("'", "''")
        return f"{node.field}{before}{node.op}{after}'{quoted}'"
    joiner = draw(JOINER_SPACE)
    return f"{joiner}{node.op}{joiner}".join(draw(rendered(term)) for term in node.terms)


round_trip_predicates = st.builds(
    Predicate, st.sampled_from(ROUND_TRIP_FIELDS), st.sampled_from(OPS),
    st.one_of(st.text(), st.text(alphabet="'%_\\ AND OR=<>~\"é中", max_size=12)))


@given(data=st.data(), node=trees(round_trip_predicates))
def test_or_filter_round_trips_through_text(data: st.DataObject, node: Node) -> None:
    text = data.draw(rendered(node))
    padding = data.draw(st.sampled_from(["", " "]))
    assert parse_filter(padding + text + padding) == node


@given(st.text(alphabet="ab.='\" ANDOR!<>~()\t", max_size=30) | st.text(max_size=30))
def test_or_filter_arbitrary_text_parses_or_raises_filter_error(text: str) -> None:
    try:
        parse_filter(text)
    except FilterError as error:
        assert error.message  # never another exception type: the server must answer 400, not 500


# --- compiling: a real SQLite database against a Python oracle ----------------------------------

METADATA = sa.MetaData()
DOCS = sa.Table(
    "docs", METADATA,
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Column("sourced_id", sa.String(16), nullable=False),
    sa.Column("date_last_modified", sa.String(32), nullable=False),
    sa.Column("doc", sa.JSON, nullable=False),
    sa.PrimaryKeyConstraint("tenant", "sourced_id"),
)
TERMS = sa.Table(
    "doc_terms", METADATA,
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Column("doc_id", sa.String(16), nullable=False),
    sa.Column("term_id", sa.String(16), nullable=False),
)


@dataclass(frozen=True)
class Spec:
    """How the test stores a field: a column, a JSON path, a JSON array, or the link table."""

    kind: str = "string"  # string | number | date
    column: str | None = None
    path: tuple[str, ...] = ()
    many: str | None = None  # None | "json" | "json-explicit" | "link"


SPECS: dict[str, Spec] = {
    "sourcedId": Spec(column="sourced_id"),
    "dateLastModified": Spec(kind="date", column="date_last_modified"),
    "title": Spec(path=("title",)),
    "class.sourcedId": Spec(path=("class", "sourcedId")),
    "metadata.ic.origin": Spec(path=("metadata", "ic", "origin")),
    "score": Spec(kind="number", path=("score",)),
    "dueDate": Spec(kind="date", path=("dueDate",)),
    "grades": Spec(path=("grades",), many="json"),
    "subjects": Spec(path=("subjects",), many="json-explicit"),
    "terms.sourcedId": Spec(many="link"),
}
KINDS = {"string": FieldKind.STRING, "number": FieldKind.NUMBER, "date": FieldKind.DATE}


def resolve(name: str) -> Field | None:
    """The test's stand-in for the query layer's resolver."""
    spec = SPECS.get(name)
    if spec is None:
        return None
    kind = KINDS[spec.kind]
    if spec.column is not None:
        return Field(DOCS.c[spec.column], kind)
    if spec.many == "link":
        return Field(TERMS.c.term_id, many=True, link=(TERMS, TERMS.c.doc_id, DOCS.c.sourced_id))
    if spec.many == "json-explicit":
        return Field(json_text(DOCS.c.doc, spec.path), many=True, doc=DOCS.c.doc, path=spec.path)
    if spec.many == "json":
        return Field(json_text(DOCS.c.doc, spec.path), many=True)
    if kind is FieldKind.NUMBER:
        return Field(json_number(DOCS.c.doc, spec.path), kind)
    return Field(json_text(DOCS.c.doc, spec.path), kind)


def where(text: str) -> sa.ColumnElement[bool]:
    return compile_filter(parse_filter(text), resolve, SPECS)


@dataclass(frozen=True)
class Row:
    sourced_id: str
    date_last_modified: str
    doc: dict[str, Any]
    terms: list[str] = field(default_factory=list)
    other_tenant_terms: list[str] = field(default_factory=list)  # tenant B's row with this sourcedId


@pytest.fixture(scope="module")
def engine(new_database: Callable[[], str | None]) -> Iterator[sa.Engine]:
    """An in-memory SQLite database, or a PostgreSQL one (tests/conftest.py)."""
    url = new_database()
    eng = sa.create_engine(url) if url else sa.create_engine("sqlite://", poolclass=StaticPool)
    METADATA.create_all(eng)
    yield eng
    eng.dispose()


def store(conn: sa.Connection, rows: list[Row]) -> None:
    """Store ``rows`` for tenant A, and same-id rows with other terms for tenant B."""
    conn.execute(TERMS.delete())
    conn.execute(DOCS.delete())
    for tenant, tenant_rows in (("A", rows), ("B", _shadows(rows))):
        if tenant_rows:
            conn.execute(DOCS.insert(), [
                {"tenant": tenant, "sourced_id": r.sourced_id, "date_last_modified": r.date_last_modified,
                 "doc": r.doc} for r in tenant_rows])
        links = [{"tenant": tenant, "doc_id": r.sourced_id, "term_id": t}
                 for r in tenant_rows for t in r.terms]
        if links:
            conn.execute(TERMS.insert(), links)


def _shadows(rows: list[Row]) -> list[Row]:
    """Tenant B rows with the same sourcedIds: a link join without the tenant would see their terms."""
    return [Row(r.sourced_id, r.date_last_modified, {}, r.other_tenant_terms) for r in rows]


def select_ids(conn: sa.Connection, text: str) -> set[str]:
    return set(conn.scalars(sa.select(DOCS.c.sourced_id).where(DOCS.c.tenant == "A", where(text))))


def select_ids_each(conn: sa.Connection, texts: list[str]) -> list[set[str]]:
    """Many filters in one query, each as a ``CASE WHEN <filter> THEN 1 ELSE 0 END`` column: the
    CASE, like WHERE, takes NULL as false, so a column holds exactly the rows WHERE would return."""
    columns = [sa.case((where(text), 1), else_=0) for text in texts]
    rows = conn.execute(sa.select(DOCS.c.sourced_id, *columns).where(DOCS.c.tenant == "A")).all()
    return [{row[0] for row in rows if row[i + 1]} for i in range(len(texts))]


def matching(engine: sa.Engine, rows: list[Row], text: str) -> set[str]:
    with engine.begin() as conn:
        store(conn, rows)
        return select_ids(conn, text)


# -- the oracle

def _ascii_lower(text: str) -> str:
    # SQLite's built-in lower() folds ASCII letters only; the oracle models the database under test.
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, ">": operator.gt,
    ">=": operator.ge, "<": operator.lt, "<=": operator.le,
}


def _dig(doc: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def _oracle_date(value: str) -> str:
    """Date-times in the stored form (UTC, milliseconds, Z); anything else as written."""
    if len(value) < 16 or value[10] not in "T ":
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _test(actual: Any, op: str, wanted: Any) -> bool:
    if op == "~":
        return _ascii_lower(wanted) in _ascii_lower(actual)
    return _COMPARE[op](actual, wanted)


def _elements(row: Row, spec: Spec) -> list[str]:
    if spec.many == "link":
        return row.terms
    value = _dig(row.doc, spec.path)
    return [e for e in value if isinstance(e, str)] if isinstance(value, list) else []


def _scalar(row: Row, spec: Spec) -> Any:
    if spec.column is not None:
        return getattr(row, spec.column)
    value = _dig(row.doc, spec.path)
    if spec.kind == "number":
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None
    return value if isinstance(value, str) else None


def holds(row: Row, node: Node) -> bool:
    if isinstance(node, Conjunction):
        results = [holds(row, term) for term in node.terms]
        return all(results) if node.op == "AND" else any(results)
    spec = SPECS[node.field]
    if spec.many:
        elements = _elements(row, spec)
        if node.op == "!=":
            return node.value not in elements
        return any(_test(e, node.op, node.value) for e in elements)
    actual = _scalar(row, spec)
    if actual is None:  # missing: only '!=' holds
        return node.op == "!="
    wanted: Any = node.value
    if spec.kind == "number":
        wanted = float(node.value)
    elif spec.kind == "date" and node.op != "~":
        wanted = _oracle_date(node.value)
    return _test(actual, node.op, wanted)


# -- generated data

ALPHABET = "aAbZz'%_\\/ éÉ-"
POOL = ["a", "A", "ab", "Ab", "a%", "a%b", "a_b", "a-b", "aZb", "a\\b", "é", "É", "O'B", "", "%", "_"]
strings = st.one_of(st.sampled_from(POOL), st.text(alphabet=ALPHABET, max_size=4))
INSTANTS = ["2026-01-01T10:00:00.000Z", "2026-01-01T10:00:00.500Z", "2026-01-01T09:59:59.999Z",
            "2026-01-02T00:00:00.000Z", "2025-12-31T23:59:59.000Z"]
DATES = ["2026-01-01", "2026-01-02", "2025-12-31"]
date_values = st.sampled_from(INSTANTS + DATES + [
    "2026-01-01T10:00:00Z", "2026-01-01T12:00:00+02:00", "2026-01-01 10:00:00.5", "2026-01-01T10:00",
    "2026-01", "2026-01-01T10", "2026",
])
number_values = st.sampled_from(["0", "1", "-1", "2", "2.0", "0.5", "+3", "-1.5e0", ".5", "2.25", " 2 "])
TERM_IDS = ["t1", "t2", "T1", "t%"]
terms = st.lists(st.sampled_from(TERM_IDS), max_size=3, unique=True)

MISSING = object()


def maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Absent, JSON null, or a value."""
    return st.one_of(st.just(MISSING), st.none(), value)


string_lists = st.one_of(st.lists(strings, max_size=3), st.just("a"), st.just({"a": "a"}))


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    parts = {
        "title": draw(maybe(strings)),
        "class": draw(maybe(st.one_of(st.builds(lambda s: {"sourcedId": s}, maybe(strings)), strings))),
        "metadata": draw(maybe(st.one_of(st.builds(lambda s: {"ic": {"origin": s}}, maybe(strings)),
                                         st.just({"ic": "flat"})))),
        "score": draw(maybe(st.one_of(st.integers(-3, 3), st.sampled_from([0.5, -1.5, 2.25, 2.0]),
                                      st.just("2"), st.booleans()))),
        "dueDate": draw(maybe(st.sampled_from(INSTANTS + DATES))),
        "grades": draw(maybe(string_lists)),
        "subjects": draw(maybe(string_lists)),
    }
    return {k: _drop_missing(v) for k, v in parts.items() if v is not MISSING}


def _drop_missing(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_missing(v) for k, v in value.items() if v is not MISSING}
    return value


@st.composite
def rows(draw: st.DrawFn) -> list[Row]:
    docs = draw(st.lists(documents(), max_size=8))
    return [Row(f"r{i}", draw(st.sampled_from(INSTANTS)), doc, draw(terms), draw(terms))
            for i, doc in enumerate(docs)]


contains_values = st.one_of(st.sampled_from(["_", "%", "a_b", "a%", "\\", "é", "A", "b"]), strings)


def operators_for(name: str) -> tuple[str, ...]:
    return tuple(o for o in OPS if o != "~") if SPECS[name].kind == "number" else OPS


def values_for(name: str, op: str | None = None) -> st.SearchStrategy[str]:
    spec = SPECS[name]
    if spec.kind == "number":
        return number_values
    if spec.many == "link":
        return st.sampled_from([*TERM_IDS, "t", "T"])
    if spec.kind == "date" and op != "~":
        return date_values
    return contains_values if op in ("~", None) else strings


@st.composite
def filter_predicates(draw: st.DrawFn) -> Predicate:
    name = draw(st.sampled_from(sorted(SPECS)))
    op = draw(st.sampled_from(operators_for(name)))
    return Predicate(name, op, draw(values_for(name, op)))


def plain(predicate: Predicate) -> str:
    quoted = predicate.value.replace("'", "''")
    return f"{predicate.field}{predicate.op}'{quoted}'"


FIELD_VALUES = st.fixed_dictionaries({name: values_for(name) for name in sorted(SPECS)})
@st.composite
def tree_and_text(draw: st.DrawFn) -> tuple[Node, str]:
    node = draw(trees(filter_predicates()))
    return node, draw(rendered(node))


@given(stored=rows(), values=FIELD_VALUES, filters=st.lists(tree_and_text(), min_size=1, max_size=3))
def test_or_filter_sql_matches_python_oracle(engine: sa.Engine, stored: list[Row], values: dict[str, str],
                                             filters: list[tuple[Node, str]]) -> None:
    """OR-FILTER: for STRING, NUMBER, DATE and array fields, missing fields, '~' with % and _,
    the rows SQLite returns are exactly those the plain-Python evaluator accepts.

    Each example stores one data set, runs every operator on every field (one drawn value per
    field) and a few random AND/OR trees against it, so even a small example budget reaches every
    field kind and operator, while few draws keep shrinking a failure quick.
    """
    singles = [Predicate(name, op, values[name]) for name in sorted(SPECS) for op in operators_for(name)]
    texts = [plain(node) for node in singles]
    with engine.begin() as conn:
        store(conn, stored)
        for node, text, got in zip(singles, texts, select_ids_each(conn, texts), strict=True):
            assert got == {r.sourced_id for r in stored if holds(r, node)}, text
        for node, text in filters:  # these go through WHERE, as the query layer uses them
            assert select_ids(conn, text) == {r.sourced_id for r in stored if holds(r, node)}, text


# -- examples

def _row(sid: str, doc: dict[str, Any], *, dlm: str = INSTANTS[0], terms_: Sequence[str] = (),
         other_tenant_terms: Sequence[str] = ()) -> Row:
    return Row(sid, dlm, doc, list(terms_), list(other_tenant_terms))


def test_or_filter_contains_is_case_insensitive(engine: sa.Engine) -> None:
    stored = [_row("1", {"title": "Algebra II"}), _row("2", {"title": "Geometry"}), _row("3", {})]
    assert matching(engine, stored, "title~'ALG'") == {"1"}
    assert matching(engine, stored, "title~'e'") == {"1", "2"}


def test_or_filter_contains_treats_wildcards_literally(engine: sa.Engine) -> None:
    stored = [_row("1", {"title": "100% done"}), _row("2", {"title": "100 x done"}),
              _row("3", {"title": "a_b"}), _row("4", {"title": "axb"}), _row("5", {"title": "a\\b"})]
    assert matching(engine, stored, "title~'0% d'") == {"1"}
    assert matching(engine, stored, "title~'a_b'") == {"3"}
    assert matching(engine, stored, "title~'a\\b'") == {"5"}
    assert matching(engine, stored, "title~'%'") == {"1"}


def test_or_filter_missing_field_never_matches_except_not_equal(engine: sa.Engine) -> None:
    """NULL semantics: a missing or null field fails =, <, >, ~ and passes != (the negation of =)."""
    stored = [_row("1", {"title": "x"}), _row("2", {}), _row("3", {"title": None})]
    assert matching(engine, stored, "title='x'") == {"1"}
    assert matching(engine, stored, "title!='x'") == {"2", "3"}
    assert matching(engine, stored, "title!='y'") == {"1", "2", "3"}
    assert matching(engine, stored, "title>''") == {"1"}
    assert matching(engine, stored, "title~''") == {"1"}


def test_or_filter_dotted_path_into_reference(engine: sa.Engine) -> None:
    stored = [_row("1", {"class": {"sourcedId": "c1"}}), _row("2", {"class": {"sourcedId": "c2"}}),
              _row("3", {"class": "c1"})]
    assert matching(engine, stored, "class.sourcedId='c1'") == {"1"}


def test_or_filter_number_field_compares_numerically(engine: sa.Engine) -> None:
    stored = [_row("1", {"score": 9}), _row("2", {"score": 10}), _row("3", {"score": 9.5}),
              _row("4", {"score": "10"}), _row("5", {})]
    assert matching(engine, stored, "score>'9'") == {"2", "3"}  # as strings, '10' < '9'
    assert matching(engine, stored, "score='10.0'") == {"2"}
    assert matching(engine, stored, "score!='10'") == {"1", "3", "4", "5"}


@pytest.mark.parametrize("value", ["abc", "", "1e999", "nan", "inf", "1,5", "0x10"])
def test_or_filter_non_numeric_value_on_number_field_is_rejected(value: str) -> None:
    with pytest.raises(FilterError) as caught:
        where(f"score>'{value}'")
    assert not isinstance(caught.value, FilterSyntaxError)
    assert "'score'" in caught.value.message and repr(value) in caught.value.message


def test_or_filter_contains_on_number_field_is_rejected() -> None:
    with pytest.raises(FilterError, match="numeric field 'score'"):
        where("score~'1'")


def test_or_filter_unknown_field_lists_allowed_fields() -> None:
    with pytest.raises(UnknownFilterField) as caught:
        compile_filter(parse_filter("title='x' AND nope.x='y'"), resolve,
                       ["title", "score", "class.sourcedId"])
    error = caught.value
    assert error.field == "nope.x"
    assert error.allowed == ["class.sourcedId", "score", "title"]
    assert "'nope.x'" in error.message and "class.sourcedId, score, title" in error.message
    assert isinstance(error, FilterError)


def test_or_filter_array_field_some_element_semantics(engine: sa.Engine) -> None:
    stored = [_row("1", {"grades": ["09", "10"]}), _row("2", {"grades": ["11"]}), _row("3", {"grades": []}),
              _row("4", {}), _row("5", {"grades": None}), _row("6", {"grades": "09"})]
    assert matching(engine, stored, "grades='09'") == {"1"}
    assert matching(engine, stored, "grades!='09'") == {"2", "3", "4", "5", "6"}
    assert matching(engine, stored, "grades~'1'") == {"1", "2"}
    assert matching(engine, stored, "grades>'10'") == {"2"}


def test_or_filter_link_field_is_scoped_to_the_tenant(engine: sa.Engine) -> None:
    """IC-TENANT: tenant B's link rows for the same sourcedId must not leak into tenant A's filter."""
    stored = [_row("1", {}, terms_=["t1"], other_tenant_terms=["t2"]),
              _row("2", {}, other_tenant_terms=["t1", "t2"])]
    assert matching(engine, stored, "terms.sourcedId='t1'") == {"1"}
    assert matching(engine, stored, "terms.sourcedId='t2'") == set()
    assert matching(engine, stored, "terms.sourcedId!='t1'") == {"2"}


@pytest.mark.parametrize(("value", "canonical"), [
    ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00.000Z"),
    ("2026-01-01T10:00:00.5Z", "2026-01-01T10:00:00.500Z"),
    ("2026-01-01T12:00:00+02:00", "2026-01-01T10:00:00.000Z"),
    ("2026-01-01 10:00", "2026-01-01T10:00:00.000Z"),
    ("2026-01-01T10:00:00.123456", "2026-01-01T10:00:00.123Z"),
    ("2026-01-01", "2026-01-01"),
    ("2026-01", "2026-01"),
    ("2026-13-01T10:00:00Z", "2026-13-01T10:00:00Z"),
    ("yesterday", "yesterday"),
])
def test_or_filter_date_values_take_the_stored_form(value: str, canonical: str) -> None:
    assert canonical_datetime(value) == canonical


def test_or_filter_delta_sync_on_date_last_modified(engine: sa.Engine) -> None:
    """dateLastModified>'...Z' without milliseconds still finds a row written later in that second."""
    stored = [_row("old", {}, dlm="2025-12-31T23:59:59.000Z"),
              _row("same", {}, dlm="2026-01-01T10:00:00.000Z"),
              _row("later", {}, dlm="2026-01-01T10:00:00.500Z")]
    assert matching(engine, stored, "dateLastModified>'2026-01-01T10:00:00Z'") == {"later"}
    assert matching(engine, stored, "dateLastModified>='2026-01-01T10:00:00Z'") == {"same", "later"}
    assert matching(engine, stored, "dateLastModified>'2026-01-01'") == {"same", "later"}
    assert matching(engine, stored, "dateLastModified~'T10'") == {"same", "later"}


def test_or_filter_many_predicates_run(engine: sa.Engine) -> None:
    """The predicate cap keeps SQLite under its expression-depth limit."""
    stored = [_row("1", {"title": "x"})]
    text = " OR ".join(f"title='{i}' AND score>'{i}'" for i in range(MAX_PREDICATES // 2))
    assert matching(engine, stored, text) == set()


# --- rendering: literal JSON paths, indexes, PostgreSQL ------------------------------------------

def test_or_filter_sqlite_renders_json_paths_as_literals() -> None:
    """DESIGN Store facts: a bound JSON path defeats expression indexes, so paths are literal SQL."""
    compiled = where("class.sourcedId='c1' AND score>'2' AND grades='09'").compile(dialect=sqlite.dialect())
    sql = str(compiled)
    assert "json_extract(docs.doc, '$.class.sourcedId')" in sql
    assert "json_type(docs.doc, '$.score')" in sql
    assert "json_each(" in sql
    assert sorted(map(str, compiled.params.values())) == ["09", "2.0", "c1"]


@pytest.mark.sqlite_only  # EXPLAIN QUERY PLAN is SQLite's
def test_or_filter_sqlite_expression_index_is_used(engine: sa.Engine) -> None:
    index = sa.Index("ix_docs_title", DOCS.c.tenant, json_text(DOCS.c.doc, ["title"]))
    assert "json_extract(doc, '$.title')" in str(CreateIndex(index).compile(dialect=sqlite.dialect()))
    query = sa.select(DOCS.c.sourced_id).where(DOCS.c.tenant == "A", where("title='x'"))
    with engine.begin() as conn:
        index.create(conn)
        try:
            compiled = query.compile(conn)
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", ("A", "x")).all()
        finally:
            index.drop(conn)
    assert any("ix_docs_title" in str(step) for step in plan), plan


def test_or_filter_statement_cache_keeps_paths_apart(engine: sa.Engine) -> None:
    """The JSON path is part of the compiled-statement cache key: same shape, other path, other SQL."""
    stored = [_row("1", {"title": "x", "other": "y"})]
    matching(engine, stored, "title='x'")
    with engine.connect() as conn:
        for path, expected in ((["title"], ["1"]), (["other"], []), (["title"], ["1"])):
            query = sa.select(DOCS.c.sourced_id).where(json_text(DOCS.c.doc, path) == "x")
            assert list(conn.scalars(query)) == expected


def test_or_filter_postgresql_rendering() -> None:
    """PostgreSQL (compile only): ->> for text, json_typeof-guarded casts and json_array_elements_text."""
    text = "class.sourcedId='c1' AND score>'2' AND grades='09' AND title~'a_' AND title!='z'"
    compiled = where(text).compile(dialect=postgresql.dialect())
    sql = str(compiled)
    assert "(docs.doc -> 'class' ->> 'sourcedId') = " in sql
    assert "CASE WHEN json_typeof(docs.doc -> 'score') = 'number' THEN CAST((docs.doc ->> 'score') AS " in sql
    assert "json_array_elements_text(CASE json_typeof(docs.doc -> 'grades') WHEN 'array'" in sql
    assert "lower((docs.doc ->> 'title')) LIKE lower(" in sql
    assert "IS DISTINCT FROM" in sql
    assert "$." not in sql and "json_extract" not in sql
    assert sorted(map(str, compiled.params.values())) == ["%a\\_%", "09", "2.0", "c1", "z"]


def test_or_filter_postgresql_index_ddl_matches_query_expression() -> None:
    index = sa.Index("ix_docs_title", DOCS.c.tenant, json_text(DOCS.c.doc, ["title"]))
    assert "(doc ->> 'title')" in str(CreateIndex(index).compile(dialect=postgresql.dialect()))


def test_or_filter_json_array_contains_helper_both_dialects() -> None:
    expr = json_array_contains(DOCS.c.doc, ["subjects"], "Math", "!=")
    assert str(expr.compile(dialect=sqlite.dialect())).startswith("NOT (EXISTS (SELECT")
    assert "json_array_elements_text" in str(expr.compile(dialect=postgresql.dialect()))


@pytest.mark.parametrize("path", [[], ["a'b"], ["a.b"], ["a", ""], ["$"], ["a b"]])
def test_or_filter_json_paths_reject_unsafe_segments(path: list[str]) -> None:
    with pytest.raises(ValueError, match="JSON path"):
        json_text(DOCS.c.doc, path)
