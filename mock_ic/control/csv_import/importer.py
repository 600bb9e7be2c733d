"""The import itself, in two passes over the bundle's files, so that a district's bundle (a million
results) imports in memory that does not grow with its big files.

Pass 1 (``_index``) reads every file's ids. The files other rows point into (orgs, sessions, courses,
classes, users, categories, line items, score scales, assessment line items: ``REFERENCED``) keep their
ids in memory, with the few cells other rows read (cells.KEPT); nobody points into the others
(enrollments, demographics, roles, results, assessment results), so their ids only go through a
``Ledger``, which finds repeated ids holding a bucket of them at a time.

Pass 2 (``_Job.build``) reads the rows again, builds each row's document and checks its references
and, last, the strict 1.2 schema. The big kinds (``STREAMED``) go to a sink a batch at a time:
``import_bundle`` keeps them, ``load_bundle`` writes them into the store inside one transaction. The
small kinds are kept whole until the end, to derive what the CSV binding leaves implicit (children
lists, the school of each academic session).

All-or-nothing: documents are returned (or committed) only when no problem was found anywhere. Once one
is found nothing more goes to the sink, and the rest is only read to report every problem.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from mock_ic.control.csv_import import gradebook, rostering, schema
from mock_ic.control.csv_import.bundle import BUNDLE, MANIFEST, Bundle, Row, Table, Unreadable, open_bundle
from mock_ic.control.csv_import.cells import KEPT, Cells, Context, Doc, canonical_user_id, id_key, set_ic
from mock_ic.control.csv_import.ledger import Ledger, LineSet
from mock_ic.control.csv_import.problems import CsvImportError, Problem, Problems
from mock_ic.control.seed import KINDS, ref
from mock_ic.store import documents
from mock_ic.store.engine import Database

Builder = Callable[[Cells], Doc | None]
Sink = Callable[[str, list[Doc]], object]  # a batch of valid documents of one kind
Built = tuple[Doc, int]  # a document and the line it came from

# Order matters: roles.csv fills the users' roles before users.csv is read.
_ROSTER: dict[str, Builder] = {"orgs": rostering.org, "academicSessions": rostering.academic_session,
                               "courses": rostering.course, "classes": rostering.klass}
_REST: dict[str, Builder] = {"enrollments": rostering.enrollment, "demographics": rostering.demographics,
                             "categories": gradebook.category, "lineItems": gradebook.line_item,
                             "results": gradebook.result}
BUILDERS: dict[str, dict[str, Builder]] = {
    "1.1": {**_ROSTER, "users": rostering.user_1p1, **_REST},
    "1.2": {**_ROSTER, "roles": rostering.role, "users": rostering.user_1p2, **_REST,
            "scoreScales": gradebook.score_scale, "assessmentLineItems": gradebook.assessment_line_item,
            "assessmentResults": gradebook.assessment_result},  # 1.2 only (IC-LI-1P1-ONLY)
}
_FILE_ORDER = {name: index for index, name in enumerate(
    (BUNDLE, MANIFEST, *(f"{name}.csv" for name in BUILDERS["1.2"])))}
# The files whose ids other rows name (Cells.ref, refs, resolve, raw): their ids stay in memory.
REFERENCED = frozenset({"orgs", "academicSessions", "courses", "classes", "users", "categories", "lineItems",
                        "scoreScales", "assessmentLineItems"})
# The kinds of a district's big files: built, checked and handed on a batch at a time.
STREAMED = frozenset({"users", "enrollments", "demographics", "results", "assessmentResults"})
BATCH = 2_000
_NO_CELLS: dict[str, str] = {}  # the cells kept of a users.csv row, say: one empty dict for all (never written)


def import_bundle(data: bytes | Path | BinaryIO, *, today: date | None = None) -> dict[str, list[Doc]]:
    """A OneRoster CSV bundle (zip with manifest.csv) -> canonical 1.2 documents by kind (mock_ic.control.seed.KINDS).

    Bulk mode only. The version comes from manifest.csv's oneroster.version (1.0/1.1 or 1.2). Blank
    dateLastModified cells become midnight UTC of ``today`` (default: the current date), so the same
    bundle and day give the same documents. Raises CsvImportError listing every problem found.
    A folder holding the bundle's files (unzipped) is read as well.

    Every document is returned at once: for bundles that fit in memory. ``load_bundle`` streams a
    district's into the store.
    """
    out: dict[str, list[Doc]] = {kind: [] for kind in KINDS}
    with _prepared(data, today) as job:
        job.build(lambda kind, docs: out[kind].extend(docs))
    return out


def load_bundle(db: Database, tenant: str, data: bytes | Path | BinaryIO, *, today: date | None = None) -> int:
    """The tenant's documents become ``import_bundle``'s, written a batch at a time inside one write
    transaction (the tenant's documents dropped first, as mock_ic.control.state.replace_documents does).
    Returns the number of documents. Raises CsvImportError as import_bundle does; the transaction then
    rolls back, so a refused bundle changes nothing. A bundle pass 1 already refuses opens no transaction.
    """
    with _prepared(data, today) as job:
        if job.ctx.problems:
            job.build(None)  # raises, with every problem
        with db.write() as conn:
            documents.drop_tenant(conn, tenant)
            count = job.build(lambda kind, docs: documents.bulk_load(conn, tenant, {kind: docs}))
            db.analyze(conn)
    return count


@contextmanager
def _prepared(data: bytes | Path | BinaryIO, today: date | None) -> Iterator[_Job]:
    """The bundle open and indexed (pass 1), ready to build (pass 2)."""
    problems = Problems(_FILE_ORDER)
    try:
        with open_bundle(data, problems) as bundle:
            if bundle is None:
                raise problems.error()
            ctx = Context(bundle.version, f"{(today or date.today()).isoformat()}T00:00:00.000Z", problems,
                          unchecked=set(bundle.unreadable))
            yield _Job(ctx, bundle, _index(ctx, bundle))
    except Unreadable as unreadable:
        raise CsvImportError([unreadable.problem]) from None


# --------------------------------------------------------------------------------------------------
# Pass 1: the ids


def _index(ctx: Context, bundle: Bundle) -> dict[str, LineSet]:
    """Every file's ids (so references can be checked in any order); returns each file's rows that repeat an id.

    users.csv goes first: the canonical ids of 1.1 demographics follow the users' (IC-IDS).
    """
    repeated: dict[str, LineSet] = {}
    for name in sorted(bundle.tables, key=lambda name: name != "users"):
        table = bundle.tables[name]
        if "sourcedId" not in table.header:
            ctx.unchecked.add(name)
            continue
        index = _index_in_memory if name in REFERENCED else _index_in_ledger
        repeated[name] = index(ctx, bundle, table)
    return repeated


def _index_in_memory(ctx: Context, bundle: Bundle, table: Table) -> LineSet:
    """A referenced file: each id as given -> its first row (line and KEPT cells); users also map to canonical ids."""
    name, repeated = table.spec.name, LineSet()
    given_ids = ctx.ids.setdefault(name, {})
    mapped = name == "users" and ctx.version == "1.1"  # the only ids IC-IDS changes: s1001 and 1001 are one
    owners: dict[str, tuple[str, int]] = {}  # mapped: canonical id -> (id as given, line) of its row
    kept = [(column, _column(table, column)) for column in KEPT.get(name, ()) if column in table.header]
    for line, given, cells in _ids(bundle, table):
        canonical = canonical_user_id(ctx.version, given) if mapped else given
        first = (given, given_ids[given].line) if given in given_ids else owners.get(canonical)
        if first is not None:
            _repeat(ctx, table, line, given, canonical, first)
            repeated.add(line)
            continue
        values = {column: cells[index] for column, index in kept if index < len(cells)} if kept else _NO_CELLS
        given_ids[given] = Row(line, values)
        if mapped:
            owners[canonical] = (given, line)
            if canonical != given:  # Context.canonical reads an id missing here as itself
                ctx.user_ids[given] = canonical
    return repeated


def _index_in_ledger(ctx: Context, bundle: Bundle, table: Table) -> LineSet:
    """A file nobody references: its ids only go through a Ledger, to find the rows that repeat one."""
    name, repeated = table.spec.name, LineSet()
    with Ledger(table.size) as ledger:
        for line, given, _ in _ids(bundle, table):
            ledger.add(ctx.canonical(name, given), given, line)
        for line, given, canonical, *first in ledger.repeats():
            _repeat(ctx, table, line, given, canonical, (first[0], first[1]))
            repeated.add(line)
    return repeated


def _ids(bundle: Bundle, table: Table) -> Iterator[tuple[int, str, list[str]]]:
    """(line, sourcedId as given, cells) of each row that has a sourcedId."""
    column = _column(table, "sourcedId")
    for line, cells in bundle.records(table):
        if column < len(cells) and cells[column]:
            yield line, cells[column], cells


def _column(table: Table, column: str) -> int:
    """Where a row's cell of ``column`` is (a column given twice: the last, as Row.values has it)."""
    return len(table.header) - 1 - table.header[::-1].index(column)


def _repeat(ctx: Context, table: Table, line: int, given: str, canonical: str, first: tuple[str, int]) -> None:
    first_given, first_line = first
    if first_given == given:
        message = f"duplicate sourcedId {given!r} (first on line {first_line})"
    else:
        message = (f"sourcedId {given!r} becomes {canonical!r} under IC-IDS, as {first_given!r} on line "
                   f"{first_line} does; the ids must name different people")
    ctx.problems.append(Problem(table.spec.file, line, "sourcedId", message))


# --------------------------------------------------------------------------------------------------
# Pass 2: the documents


@dataclass
class _Job:
    ctx: Context
    bundle: Bundle
    repeated: dict[str, LineSet]

    def build(self, sink: Sink | None) -> int:
        """Every row's document, checked, to ``sink`` while no problem is found; returns how many went to it.
        Raises CsvImportError when any problem was found."""
        out = _Checked(self.ctx, sink)
        small: dict[str, tuple[Table, list[Built]]] = {}
        for name, build in BUILDERS[self.ctx.version].items():
            table = self.bundle.tables.get(name)
            if table is None or not table.usable:
                continue
            built = self._documents(build, table)
            if name in STREAMED:
                for batch in _batches(built, BATCH):
                    out.add(name, table, batch)
            else:
                small[name] = (table, list(built))
            self.ctx.roles_read |= name == "roles"
        _derive({name: [doc for doc, _ in docs] for name, (_, docs) in small.items()})
        for name, (table, docs) in small.items():
            out.add(name, table, docs)
        return out.finish()

    def _documents(self, build: Builder, table: Table) -> Iterator[Built]:
        """The document of every row without problems (a row with one yields nothing, the import fails)."""
        repeated = self.repeated.get(table.spec.name, LineSet())
        for row in self.bundle.rows(table):
            if not row.complete or row.line in repeated:
                continue
            start = len(self.ctx.problems)
            doc = build(Cells(self.ctx, table, row))
            if doc is not None and len(self.ctx.problems) == start:
                yield doc, row.line


def _batches(built: Iterable[Built], size: int) -> Iterator[list[Built]]:
    items = iter(built)
    while batch := list(islice(items, size)):
        yield batch


@dataclass
class _Checked:
    """The last checks of built documents (IC-IDS legacy ids, then the schema), and the sink they pass to
    while nothing failed."""

    ctx: Context
    sink: Sink | None
    legacy: dict[str, str] = field(default_factory=dict)  # IC-IDS: legacySourcedId -> the user who has it
    schema: Problems = field(init=False)  # reported only when nothing else went wrong
    count: int = 0

    def __post_init__(self) -> None:
        self.schema = self.ctx.problems.local()

    def add(self, kind: str, table: Table, built: list[Built]) -> None:
        if kind == "users":
            self._check_legacy_ids(table, built)
        if self.ctx.problems:  # the schema would mostly repeat them (a field left out after a bad cell)
            return
        for doc, line in built:
            self.schema.extend(schema.problems(kind, doc, table, line))
        if self.sink is not None and not self.schema and built:
            self.sink(kind, [doc for doc, _ in built])
            self.count += len(built)

    def finish(self) -> int:
        if self.ctx.problems:
            raise self.ctx.problems.error()
        if self.schema:
            raise self.schema.error()
        return self.count

    def _check_legacy_ids(self, table: Table, built: list[Built]) -> None:
        """IC-IDS: 1.1 requests name users by metadata.ic.legacySourcedId, so no two users may share one."""
        for doc, line in built:
            legacy = doc["metadata"]["ic"]["legacySourcedId"]
            if legacy in self.legacy:
                self.ctx.problems.append(Problem(table.spec.file, line, "sourcedId",
                                                 f"user {doc['sourcedId']!r} would have the 1.1 id {legacy!r} "
                                                 f"(metadata.ic.legacySourcedId) of user {self.legacy[legacy]!r}"))
            self.legacy[legacy] = doc["sourcedId"]


# --------------------------------------------------------------------------------------------------
# What the binding leaves implicit (small kinds only)


def _derive(small: dict[str, list[Doc]]) -> None:
    _link_children(small.get("orgs", []), "orgs")
    _link_children(small.get("academicSessions", []), "academicSessions")
    _session_schools(small.get("academicSessions", []), small.get("classes", []))


def _link_children(docs: list[Doc], kind: str) -> None:
    """The binding only has parentSourcedId: each parent lists its children, in id order."""
    by_id = {doc["sourcedId"]: doc for doc in docs}
    children: dict[str, list[str]] = defaultdict(list)
    for doc in docs:
        parent = doc.get("parent", {}).get("sourcedId")
        if parent in by_id:
            children[parent].append(doc["sourcedId"])
    for parent, ids in children.items():
        by_id[parent]["children"] = [ref(kind, sourced_id) for sourced_id in sorted(ids, key=id_key)]


def _session_schools(sessions: list[Doc], classes: list[Doc]) -> None:
    """``metadata.ic.school``: IC terms belong to one school's calendar, but the binding has no such link.

    A session takes the school of the classes using it; one no class uses takes the school its
    descendants agree on (a school year, from its terms), else its nearest ancestor's (a grading
    period, from its term). A session of several schools, or none, is left without: the store's
    school column is then null.
    """
    by_id = {doc["sourcedId"]: doc for doc in sessions}
    direct: dict[str, set[str]] = defaultdict(set)
    for klass in classes:
        for term in klass["terms"]:
            direct[term["sourcedId"]].add(klass["school"]["sourcedId"])
    children: dict[str, list[str]] = defaultdict(list)
    for doc in sessions:
        if doc.get("parent", {}).get("sourcedId") in by_id:
            children[doc["parent"]["sourcedId"]].append(doc["sourcedId"])
    derived = {sid: direct[sid] or _below(sid, children, direct) for sid in by_id}
    for sid, doc in by_id.items():
        schools = derived[sid] or next((derived[up] for up in _ancestors(sid, by_id) if derived[up]), set())
        if len(schools) == 1:
            set_ic(doc, "school", next(iter(schools)))


def _below(sid: str, children: dict[str, list[str]], direct: dict[str, set[str]]) -> set[str]:
    found: set[str] = set()
    stack, seen = list(children[sid]), {sid}
    while stack:
        child = stack.pop()
        if child not in seen:
            seen.add(child)
            found |= direct[child]
            stack += children[child]
    return found


def _ancestors(sid: str, by_id: dict[str, Doc]) -> Iterator[str]:
    seen = {sid}
    parent = by_id[sid].get("parent", {}).get("sourcedId")
    while parent in by_id and parent not in seen:  # a cycle of parents ends the walk
        yield parent
        seen.add(parent)
        parent = by_id[parent].get("parent", {}).get("sourcedId")
