"""The import itself: index every file's ids, build each row's document, derive what the CSV binding
leaves implicit (children lists, the school of each academic session), then check the whole
against the strict 1.2 schema.

All-or-nothing: documents are returned only when no problem was found anywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import BinaryIO

from mock_ic.control.csv_import import gradebook, rostering, schema
from mock_ic.control.csv_import.bundle import BUNDLE, MANIFEST, Bundle, Row, Table, read_bundle
from mock_ic.control.csv_import.cells import Cells, Context, Doc, canonical_user_id, id_key, set_ic
from mock_ic.control.csv_import.problems import CsvImportError, Problem
from mock_ic.control.seed import KINDS, ref

Builder = Callable[[Cells], Doc | None]
Built = tuple[str, Doc, Table, Row]  # kind, document, and where it came from

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


def import_bundle(data: bytes | Path | BinaryIO, *, today: date | None = None) -> dict[str, list[Doc]]:
    """A OneRoster CSV bundle (zip with manifest.csv) -> canonical 1.2 documents by kind (mock_ic.control.seed.KINDS).

    Bulk mode only. The version comes from manifest.csv's oneroster.version (1.0/1.1 or 1.2). Blank
    dateLastModified cells become midnight UTC of ``today`` (default: the current date), so the same
    bundle and day give the same documents. Raises CsvImportError listing every problem found.
    A folder holding the bundle's files (unzipped) is read as well.
    """
    problems: list[Problem] = []
    bundle = read_bundle(data, problems)
    if bundle is None:
        raise CsvImportError(problems)
    ctx = Context(bundle.version, f"{(today or date.today()).isoformat()}T00:00:00.000Z", problems,
                  unchecked=set(bundle.unreadable))
    duplicates = _index(ctx, bundle)
    built = list(_build(ctx, bundle, duplicates))
    out: dict[str, list[Doc]] = {kind: [] for kind in KINDS}
    for kind, doc, _, _ in built:
        out[kind].append(doc)
    _link_children(out["orgs"], "orgs")
    _link_children(out["academicSessions"], "academicSessions")
    _session_schools(out["academicSessions"], out["classes"])
    _check_legacy_ids(ctx, built)
    if not problems:  # otherwise the schema would mostly repeat them (a field left out after a bad cell)
        for kind, doc, table, row in built:
            problems.extend(schema.problems(kind, doc, table, row))
    if problems:
        raise CsvImportError(sorted(problems, key=lambda p: (_FILE_ORDER.get(p.file, len(_FILE_ORDER)), p.line or 0)))
    return out


def _index(ctx: Context, bundle: Bundle) -> set[tuple[str, int]]:
    """Every file's ids (so references can be checked in any order); returns the rows that repeat an id.

    users.csv goes first: the canonical ids of 1.1 demographics follow the users' (IC-IDS).
    """
    repeated: set[tuple[str, int]] = set()
    for name in sorted(bundle.tables, key=lambda name: name != "users"):
        table = bundle.tables[name]
        if "sourcedId" not in table.header:
            ctx.unchecked.add(name)
            continue
        given_ids = ctx.ids.setdefault(name, {})
        owners: dict[str, Row] = {}  # canonical id -> its row
        for row in table.rows:
            given = row.get("sourcedId")
            if not given:
                continue
            canonical = canonical_user_id(ctx.version, given) if name == "users" else ctx.canonical(name, given)
            first = given_ids.get(given) or owners.get(canonical)
            if first is not None:
                ctx.problems.append(Problem(table.spec.file, row.line, "sourcedId", _repeat(given, canonical, first)))
                repeated.add((name, row.line))
                continue
            given_ids[given] = owners[canonical] = row
            if name == "users":
                ctx.user_ids[given] = canonical
    return repeated


def _repeat(given: str, canonical: str, first: Row) -> str:
    if first.get("sourcedId") == given:
        return f"duplicate sourcedId {given!r} (first on line {first.line})"
    return (f"sourcedId {given!r} becomes {canonical!r} under IC-IDS, as {first.get('sourcedId')!r} on line "
            f"{first.line} does; the ids must name different people")


def _build(ctx: Context, bundle: Bundle, repeated: set[tuple[str, int]]) -> Iterator[Built]:
    """The document of every row without problems (a row with one yields nothing, the import fails)."""
    for name, build in BUILDERS[ctx.version].items():
        table = bundle.tables.get(name)
        if table is None or not table.usable:
            continue
        for row in table.rows:
            if not row.complete or (name, row.line) in repeated:
                continue
            start = len(ctx.problems)
            doc = build(Cells(ctx, table, row))
            if doc is not None and len(ctx.problems) == start:
                yield name, doc, table, row
        ctx.roles_read |= name == "roles"


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


def _check_legacy_ids(ctx: Context, built: list[Built]) -> None:
    """IC-IDS: 1.1 requests name users by metadata.ic.legacySourcedId, so no two users may share one."""
    owners: dict[str, str] = {}
    for kind, doc, table, row in built:
        if kind != "users":
            continue
        legacy = doc["metadata"]["ic"]["legacySourcedId"]
        if legacy in owners:
            ctx.problems.append(Problem(table.spec.file, row.line, "sourcedId",
                                        f"user {doc['sourcedId']!r} would have the 1.1 id {legacy!r} "
                                        f"(metadata.ic.legacySourcedId) of user {owners[legacy]!r}"))
        owners[legacy] = doc["sourcedId"]
