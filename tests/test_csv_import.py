"""The OneRoster CSV bundle importer (mock_ic/control/csv_import): the fixture bundles, IC-IDS, IC-USERS, IC-TERMS,
the all-or-nothing validation, and that row order never matters.

The fixture zips are read as committed; broken bundles are made here, by editing the fixture files.
"""

from __future__ import annotations

import copy
import csv
import io
import random
import re
import zipfile
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from referencing.jsonschema import DRAFT202012

from mock_ic.control import seed
from mock_ic.control.csv_import import CsvImportError, Problem, import_bundle, importer, rostering
from mock_ic.oneroster import v1p1
from mock_ic.resources import fixtures_dir, openapi_dir
from mock_ic.store import documents
from mock_ic.store.engine import Database

Doc = dict[str, Any]
District = dict[str, list[Doc]]
Files = dict[str, bytes]

TODAY = date(2026, 10, 1)
MIDNIGHT = "2026-10-01T00:00:00.000Z"
VERSIONS = ("1.1", "1.2")
CSV_DIR = fixtures_dir() / "csv"
REF_KINDS = {"org": "orgs", "academicSession": "academicSessions", "course": "courses", "class": "classes",
             "user": "users", "category": "categories", "lineItem": "lineItems", "scoreScale": "scoreScales",
             "assessmentLineItem": "assessmentLineItems"}
GRADEBOOK_KINDS = {"categories", "lineItems", "results", "scoreScales", "assessmentLineItems", "assessmentResults"}
ROSTER_KINDS = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments", "demographics")
SCHOOL_OF_SESSION = {"2101": "101", "3101": "101", "3102": "101", "2102": "102", "3103": "102", "3104": "102"}


def zip_path(version: str) -> Path:
    return CSV_DIR / f"oneroster-{version}-small.zip"


def folder(version: str) -> Path:
    return CSV_DIR / f"oneroster-{version}-small"


@cache
def _imported(version: str) -> District:
    return import_bundle(zip_path(version), today=TODAY)


def imported(version: str) -> District:
    """The fixture bundle's documents (imported once; each caller gets its own copy)."""
    return copy.deepcopy(_imported(version))


def by_id(district: District, kind: str) -> dict[str, Doc]:
    return {doc["sourcedId"]: doc for doc in district[kind]}


# --------------------------------------------------------------------------------------------------
# Editing bundles: the fixture's files, changed cell by cell, zipped in memory


def fixture_files(version: str) -> Files:
    return {path.name: path.read_bytes() for path in sorted(folder(version).iterdir())}


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(), newline="")))


def to_csv(table: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    return out.getvalue().encode()


def edited(files: Files, name: str, change: Callable[[list[list[str]]], None]) -> Files:
    table = rows(files[name])
    change(table)
    return {**files, name: to_csv(table)}


def with_cell(files: Files, name: str, line: int, column: str, value: str) -> Files:
    """``line`` counts the header as line 1, as the importer's problems do."""
    def change(table: list[list[str]]) -> None:
        table[line - 1][table[0].index(column)] = value
    return edited(files, name, change)


def line_of(files: Files, name: str, sourced_id: str) -> int:
    return next(index + 1 for index, row in enumerate(rows(files[name])) if row[0] == sourced_id)


def pack(files: Files, root: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(root + name, data)
    return out.getvalue()


def problems_of(data: bytes | Path) -> list[Problem]:
    with pytest.raises(CsvImportError) as raised:
        import_bundle(data, today=TODAY)
    return raised.value.problems


# --------------------------------------------------------------------------------------------------
# The fixture bundles


@pytest.mark.parametrize("version", VERSIONS)
def test_fixture_zip_is_its_folder_with_fixed_timestamps(version: str) -> None:
    """The committed zip holds exactly the committed CSV folder, with reproducible entries."""
    with zipfile.ZipFile(zip_path(version)) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
        stamps = {info.date_time for info in archive.infolist()}
        names = [info.filename for info in archive.infolist()]
    assert entries == fixture_files(version)
    assert stamps == {(1980, 1, 1, 0, 0, 0)}
    assert names == sorted(names)


@pytest.mark.parametrize("version", VERSIONS)
def test_fixture_imports_with_the_counts_of_its_csv_files(version: str) -> None:
    district = imported(version)
    assert set(district) == set(seed.KINDS)
    files = fixture_files(version)
    for kind in seed.KINDS:
        name = f"{kind}.csv"
        expected = len(rows(files[name])) - 1 if name in files else 0
        assert len(district[kind]) == expected, kind
    counts = {kind: len(docs) for kind, docs in district.items()}
    assert counts == {"orgs": 3, "academicSessions": 10, "courses": 4, "classes": 6, "users": 36, "enrollments": 67,
                      "demographics": 2, "categories": 3 if version == "1.1" else 4, "lineItems": 3, "results": 7,
                      # IC-LI-1P1-ONLY: score scales and assessments in the 1.2 bundle only
                      "scoreScales": 0 if version == "1.1" else 2, "assessmentLineItems": 0 if version == "1.1" else 3,
                      "assessmentResults": 0 if version == "1.1" else 5}


@pytest.mark.parametrize("version", VERSIONS)
def test_zip_folder_and_file_object_import_alike(version: str) -> None:
    data = zip_path(version).read_bytes()
    district = imported(version)
    assert import_bundle(folder(version), today=TODAY) == district
    assert import_bundle(io.BytesIO(data), today=TODAY) == district
    assert import_bundle(data, today=TODAY) == district
    assert import_bundle(pack(fixture_files(version), root="export/"), today=TODAY) == district


# --------------------------------------------------------------------------------------------------
# Schema validity, independently of the importer's own check (as tests/test_seed.py does it)

OUTPUT_SCHEMAS = {
    "orgs": ("oneroster-v1p2-rostering.yaml", "OrgDType"),
    "academicSessions": ("oneroster-v1p2-rostering.yaml", "AcademicSessionDType"),
    "courses": ("oneroster-v1p2-rostering.yaml", "CourseDType"),
    "classes": ("oneroster-v1p2-rostering.yaml", "ClassDType"),
    "users": ("oneroster-v1p2-rostering.yaml", "UserDType"),
    "enrollments": ("oneroster-v1p2-rostering.yaml", "EnrollmentDType"),
    "demographics": ("oneroster-v1p2-rostering.yaml", "DemographicsDType"),
    "categories": ("oneroster-v1p2-gradebook.yaml", "CategoryDType"),
    "lineItems": ("oneroster-v1p2-gradebook.yaml", "LineItemDType"),
    "results": ("oneroster-v1p2-gradebook.yaml", "ResultDType"),
    "scoreScales": ("oneroster-v1p2-gradebook.yaml", "ScoreScaleDType"),
    "assessmentLineItems": ("oneroster-v1p2-gradebook.yaml", "AssessmentLineItemDType"),
    "assessmentResults": ("oneroster-v1p2-gradebook.yaml", "AssessmentResultDType"),
}
FORMATS = jsonschema.FormatChecker(
    [name for name in jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers if name != "uri"])


@cache
def spec_text(spec_file: str) -> dict[str, Any]:
    return yaml.safe_load((openapi_dir() / spec_file).read_text(encoding="utf-8"))


@cache
def output_validator(spec_file: str, component: str) -> jsonschema.Draft202012Validator:
    uri = f"urn:mock-ic:{spec_file}"
    spec = spec_text(spec_file)
    registry = referencing.Registry().with_resource(uri, DRAFT202012.create_resource(spec))
    return jsonschema.Draft202012Validator({"$ref": f"{uri}#/components/schemas/{component}"},
                                           registry=registry, format_checker=FORMATS)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_document_is_a_valid_output_object(version: str) -> None:
    for kind, docs in imported(version).items():
        for doc in docs:
            errors = [error.message for error in output_validator(*OUTPUT_SCHEMAS[kind]).iter_errors(doc)]
            assert not errors, f"{kind} {doc['sourcedId']}: {errors}"


def refs_in(value: Any) -> list[dict[str, str]]:
    if isinstance(value, list):
        return [ref for item in value for ref in refs_in(item)]
    if not isinstance(value, dict):
        return []
    if {"href", "sourcedId", "type"} <= value.keys():
        return [value]
    return [ref for item in value.values() for ref in refs_in(item)]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_reference_is_complete_and_resolves(version: str) -> None:
    district = imported(version)
    ids = {kind: {doc["sourcedId"] for doc in docs} for kind, docs in district.items()}
    for kind, docs in district.items():
        for doc in docs:
            for ref in refs_in(doc):
                target = REF_KINDS[ref["type"]]
                service = "gradebook" if target in GRADEBOOK_KINDS else "rostering"
                assert ref["href"] == f"/ims/oneroster/{service}/v1p2/{target}/{ref['sourcedId']}", ref
                assert ref["sourcedId"] in ids[target], f"{kind} {doc['sourcedId']} -> missing {ref}"


# --------------------------------------------------------------------------------------------------
# Mapping rules


def test_ic_ids_1p1_prefixed_user_ids_become_person_ids() -> None:
    """IC-IDS: s…/t… ids lose the prefix and keep it in legacySourcedId; other ids stay as they are."""
    users = by_id(imported("1.1"), "users")
    given = [row[0] for row in rows(fixture_files("1.1")["users.csv"])[1:]]
    assert {"s1001", "t501", "900", "9001"} <= set(given)
    for sourced_id in given:
        match = re.fullmatch(r"[st](\d+)", sourced_id)
        canonical = match.group(1) if match else sourced_id
        assert users[canonical]["metadata"]["ic"]["legacySourcedId"] == sourced_id


def test_ic_ids_1p1_enrollment_of_s1001_refers_to_user_1001() -> None:
    district = imported("1.1")
    enrollments = [e for e in district["enrollments"] if e["user"]["sourcedId"] == "1001"]
    assert {e["class"]["sourcedId"] for e in enrollments} == {"5101", "5103"}
    assert by_id(district, "users")["1001"]["metadata"]["ic"]["legacySourcedId"] == "s1001"
    assert not any(e["user"]["sourcedId"].startswith(("s", "t")) for e in district["enrollments"])


def test_ic_ids_1p1_results_agents_and_demographics_follow_the_user_ids() -> None:
    district = imported("1.1")
    assert by_id(district, "results")["res-0001"]["student"]["sourcedId"] == "1001"
    assert [a["sourcedId"] for a in by_id(district, "users")["9001"]["agents"]] == ["1001"]
    assert sorted(by_id(district, "demographics")) == ["1001", "1016"]


def test_ic_ids_1p2_legacy_id_is_the_role_prefix_and_the_id() -> None:
    users = by_id(imported("1.2"), "users")
    legacy = {sid: user["metadata"]["ic"]["legacySourcedId"] for sid, user in users.items()}
    assert (legacy["1001"], legacy["501"], legacy["900"], legacy["9001"]) == ("s1001", "t501", "900", "9001")
    assert legacy == by_id_legacy(imported("1.1"))


def by_id_legacy(district: District) -> dict[str, str]:
    return {user["sourcedId"]: user["metadata"]["ic"]["legacySourcedId"] for user in district["users"]}


def roles_of(user: Doc) -> list[tuple[str, str, str]]:
    return [(role["roleType"], role["role"], role["org"]["sourcedId"]) for role in user["roles"]]


@pytest.mark.parametrize("version", VERSIONS)
def test_roles_primary_at_the_first_org_and_administrators_by_org_type(version: str) -> None:
    """1.1 role + orgSourcedIds, or 1.2 roles.csv: the same roles; administrator -> district/site."""
    users = by_id(imported(version), "users")
    assert roles_of(users["504"]) == [("primary", "teacher", "102"), ("secondary", "teacher", "101")]
    assert users["504"]["primaryOrg"]["sourcedId"] == "102"
    assert roles_of(users["900"]) == [("primary", "districtAdministrator", "100"),
                                      ("secondary", "siteAdministrator", "101")]
    assert roles_of(users["1001"]) == [("primary", "student", "101")]


@pytest.mark.parametrize("version", VERSIONS)
def test_ic_users_portal_account_follows_enabled_user(version: str) -> None:
    users = imported(version)["users"]
    without = [u["sourcedId"] for u in users if u["metadata"]["ic"]["portalAccount"] == "false"]
    assert without == ["1030"]
    assert all(u["enabledUser"] == ("false" if u["sourcedId"] == "1030" else "true") for u in users)


@pytest.mark.parametrize("version", VERSIONS)
def test_ic_terms_every_session_gets_its_schools_calendar(version: str) -> None:
    """Terms from the classes that use them; school years from their terms; grading periods from their term."""
    for session in imported(version)["academicSessions"]:
        expected = SCHOOL_OF_SESSION[session["sourcedId"].removesuffix("-GP")]
        assert session["metadata"]["ic"]["school"] == expected, session["sourcedId"]


def test_ic_terms_a_term_no_class_uses_takes_the_school_of_its_school_year() -> None:
    files = fixture_files("1.1")
    for class_id in ("5101", "5103"):  # now only 5102 (school 101) meets in a term of school year 2101: 3101
        files = cell("classes.csv", class_id, "termSourcedIds", "3101")(files)
    sessions = by_id(import_bundle(pack(files), today=TODAY), "academicSessions")
    assert [sessions[sid]["metadata"]["ic"]["school"] for sid in ("2101", "3102", "3102-GP")] == ["101"] * 3


def test_ic_terms_a_session_of_several_schools_or_of_none_has_no_school() -> None:
    files = cell("classes.csv", "5201", "termSourcedIds", "3101,3103,3104")(fixture_files("1.1"))
    files = edited(files, "academicSessions.csv", lambda table: table.append(
        ["2999", "", "", "Summer School", "schoolYear", "2027-07-01", "2027-07-31", "", "2027"]))
    sessions = by_id(import_bundle(pack(files), today=TODAY), "academicSessions")
    # 3101 now has classes of schools 101 and 102, and so has school year 2101 below it; 2999 has none.
    for sid in ("3101", "3101-GP", "2101", "2999"):
        assert "metadata" not in sessions[sid], sid
    assert [sessions[sid]["metadata"]["ic"]["school"] for sid in ("3102", "3102-GP", "3103")] == ["101", "101", "102"]


@pytest.mark.parametrize("version", VERSIONS)
def test_children_lists_are_built_from_parents(version: str) -> None:
    district = imported(version)
    children = {doc["sourcedId"]: [c["sourcedId"] for c in doc.get("children", [])]
                for kind in ("orgs", "academicSessions") for doc in district[kind]}
    assert children["100"] == ["101", "102"]
    assert children["2101"] == ["3101", "3102"]
    assert children["3101"] == ["3101-GP"]
    assert children["3101-GP"] == [] and children["101"] == []


def test_1p1_and_1p2_fixtures_hold_the_same_roster() -> None:
    """One district in both bindings: the rostering documents agree, apart from 1.2-only user fields."""
    only_1p2 = {"preferredFirstName", "pronouns"}
    old, new = imported("1.1"), imported("1.2")
    for kind in ROSTER_KINDS:
        new_docs = [{k: v for k, v in doc.items() if k not in only_1p2} for doc in new[kind]]
        assert in_id_order({kind: old[kind]}) == in_id_order({kind: new_docs}), kind
    assert by_id(new, "users")["1025"]["preferredFirstName"] == "Kate"


@pytest.mark.parametrize("version", VERSIONS)
def test_blank_date_last_modified_is_midnight_of_today_and_given_ones_are_normalised(version: str) -> None:
    district = imported(version)
    assert {org["dateLastModified"] for org in district["orgs"]} == {"2026-07-15T12:00:00.000Z"}
    assert {doc["dateLastModified"] for doc in district["users"]} == {MIDNIGHT}
    assert {doc["status"] for docs in district.values() for doc in docs} == {"active"}


def test_line_items_1p1_grading_period_dates_and_school_of_the_class() -> None:
    item = by_id(imported("1.1"), "lineItems")["5101310101"]
    assert (item["assignDate"], item["dueDate"]) == ("2026-09-01T00:00:00.000Z", "2026-09-08T00:00:00.000Z")
    assert item["gradingPeriod"]["sourcedId"] == "3101-GP" and "academicSession" not in item
    assert item["school"]["sourcedId"] == "101"
    assert (item["resultValueMin"], item["resultValueMax"]) == (0.0, 20.0)


def test_line_items_1p2_academic_session_and_its_grading_period() -> None:
    items = by_id(imported("1.2"), "lineItems")
    assert items["5101310101"]["academicSession"]["sourcedId"] == "3101"
    assert "gradingPeriod" not in items["5101310101"]  # a term is not a grading period
    assert items["5201310301"]["academicSession"]["sourcedId"] == "3103-GP"
    assert items["5201310301"]["gradingPeriod"]["sourcedId"] == "3103-GP"


def test_results_take_the_class_of_their_line_item() -> None:
    for version in VERSIONS:
        results = by_id(imported(version), "results")
        assert results["res-0006"]["class"]["sourcedId"] == "5201"
        assert results["res-0004"]["scoreStatus"] == "exempt" and "score" not in results["res-0004"]
    results = by_id(imported("1.2"), "results")
    assert (results["res-0003"]["late"], results["res-0005"]["textScore"]) == ("true", "B+")


def test_ic_assess_1p2_bundle_score_scales_assessment_line_items_and_results() -> None:
    """scoreScales.csv as the 1.2 binding has it (values as {LHS:RHS} entries, the org ignored), and mock-ic's
    assessmentLineItems.csv and assessmentResults.csv, laid out as the binding lays out line items and results."""
    district = imported("1.2")
    scale = by_id(district, "scoreScales")["7101"]
    assert (scale["title"], scale["type"], scale["class"]["sourcedId"], scale["course"]["sourcedId"]) == (
        "Standards 1-4", "standards", "5101", "4101")
    assert scale["scoreScaleValue"] == [{"itemValueLHS": lhs, "itemValueRHS": rhs} for lhs, rhs in (
        ("1", "Beginning"), ("2", "Developing"), ("3", "Proficient"), ("4", "Exceeds"))]
    assert "org" not in scale and "course" not in by_id(district, "scoreScales")["7201"]
    items = by_id(district, "assessmentLineItems")
    assert items["8102"]["parentAssessmentLineItem"]["sourcedId"] == "8101" and "parentAssessmentLineItem" not in items[
        "8101"]
    assert (items["8101"]["scoreScale"]["sourcedId"], items["8101"]["resultValueMax"]) == ("7101", 4.0)
    assert items["8101"]["description"] == "District fall benchmark" and "description" not in items["8102"]
    results = by_id(district, "assessmentResults")
    first = results["ares-0001"]
    assert (first["assessmentLineItem"]["sourcedId"], first["student"]["sourcedId"], first["score"],
            first["textScore"], first["scoreDate"]) == ("8101", "1001", 3.0, "Proficient", "2026-09-20")
    assert results["ares-0002"]["scorePercentile"] == 82.0 and results["ares-0004"]["comment"] == "Retake offered"
    assert (results["ares-0005"]["scoreStatus"], results["ares-0005"]["missing"]) == ("not submitted", "true")
    assert "score" not in results["ares-0005"]


def test_categories_have_a_class_only_from_a_metadata_column() -> None:
    assert all("metadata" not in category for category in imported("1.1")["categories"])
    categories = by_id(imported("1.2"), "categories")
    assert categories["6101"]["metadata"]["ic"]["class"] == "5101" and categories["6101"]["weight"] == 40.0


@pytest.mark.parametrize("version", VERSIONS)
def test_bulk_load_into_sqlite_accepts_the_import(tmp_path: Path, version: str) -> None:
    district = imported(version)
    db = Database("sqlite:///" + str(tmp_path / "csv.db"))
    db.create_schema()
    try:
        with db.write() as conn:
            loaded = documents.bulk_load(conn, "csv", district)
        with db.read() as conn:
            stored = documents.all_docs(conn, "csv")
            assert v1p1.canonical_user_id(conn, "csv", "s1001") == "1001"  # IC-IDS through the store
            assert v1p1.legacy_ids(conn, "csv", ["501"]) == {"501": "t501"}
    finally:
        db.dispose()
    assert loaded == sum(len(docs) for docs in district.values())
    assert in_id_order(stored) == in_id_order(district)


# --------------------------------------------------------------------------------------------------
# Validation: every problem names its file, line and column; nothing partial is returned


def cell(name: str, sourced_id: str, column: str, value: str) -> Callable[[Files], Files]:
    return lambda files: with_cell(files, name, line_of(files, name, sourced_id), column, value)


def drop_column(name: str, column: str) -> Callable[[Files], Files]:
    def change(table: list[list[str]]) -> None:
        index = table[0].index(column)
        for row in table:
            del row[index]
    return lambda files: edited(files, name, change)


def add_column(name: str, column: str) -> Callable[[Files], Files]:
    def change(table: list[list[str]]) -> None:
        for index, row in enumerate(table):
            row.append(column if index == 0 else "x")
    return lambda files: edited(files, name, change)


def extra_cell(name: str, line: int) -> Callable[[Files], Files]:
    return lambda files: edited(files, name, lambda table: table[line - 1].append("surplus"))


def drop_rows(name: str, test: Callable[[list[str]], bool]) -> Callable[[Files], Files]:
    def change(table: list[list[str]]) -> None:
        table[1:] = [row for row in table[1:] if not test(row)]
    return lambda files: edited(files, name, change)


def without_file(name: str) -> Callable[[Files], Files]:
    return lambda files: {key: value for key, value in files.items() if key != name}


def manifest(prop: str, value: str) -> Callable[[Files], Files]:
    def change(table: list[list[str]]) -> None:
        next(row for row in table if row[0] == prop)[1] = value
    return lambda files: edited(files, "manifest.csv", change)


def manifest_with(files: Files, line: str) -> Files:
    """The manifest with one more ``propertyName,value`` line at its end."""
    return {**files, "manifest.csv": files["manifest.csv"] + line.encode() + b"\n"}


def raw(name: str, data: bytes) -> Callable[[Files], Files]:
    return lambda files: {**files, name: data}


PROBLEMS = [  # (id, version, change, (file, line, column, message fragment))
    ("dangling-class", "1.1", lambda f: with_cell(f, "enrollments.csv", 7, "classSourcedId", "nope"),
     ("enrollments.csv", 7, "classSourcedId", "unknown class 'nope'")),
    ("dangling-user-1p1", "1.1", cell("enrollments.csv", "s70003", "userSourcedId", "s9999"),
     ("enrollments.csv", 11, "userSourcedId", "unknown user 's9999'")),
    ("dangling-term", "1.2", cell("classes.csv", "5102", "termSourcedIds", "3101,9999"),
     ("classes.csv", 3, "termSourcedIds", "unknown academicSession '9999'")),
    ("dangling-category", "1.2", cell("lineItems.csv", "5101310102", "categorySourcedId", "6001"),
     ("lineItems.csv", 3, "categorySourcedId", "unknown category '6001'")),
    ("no-manifest", "1.1", without_file("manifest.csv"), ("manifest.csv", None, None, "no manifest.csv")),
    ("unknown-version", "1.1", manifest("oneroster.version", "2.0"),
     ("manifest.csv", 3, "value", "unknown oneroster.version '2.0'; expected one of: 1.0, 1.1, 1.2")),
    ("delta-file", "1.2", manifest("file.enrollments", "delta"),
     ("manifest.csv", 11, "value", "file.enrollments is 'delta': only bulk bundles can be imported")),
    ("bad-manifest-mode", "1.1", manifest("file.demographics", "some"),
     ("manifest.csv", 10, "value", "bad value 'some' for file.demographics; expected one of: absent, bulk, delta")),
    ("required-file-missing", "1.1", without_file("classes.csv"),
     ("classes.csv", None, None, "the bundle has no such file")),
    ("required-file-absent", "1.2", manifest("file.roles", "absent"),
     ("manifest.csv", 20, "value", "a roster needs roles.csv")),
    ("unlisted-file", "1.1", drop_rows("manifest.csv", lambda row: row[0] == "file.demographics"),
     ("manifest.csv", None, None, "holds demographics.csv but manifest.csv does not list it")),
    ("not-utf8", "1.1", raw("orgs.csv", "sourcedId,name,type\n1,Caf\xe9,school\n".encode("latin-1")),
     ("orgs.csv", 2, None, "not UTF-8 text")),
    ("missing-column", "1.1", drop_column("classes.csv", "title"),
     ("classes.csv", 1, "title", "the required column is missing")),
    ("unknown-column", "1.2", add_column("users.csv", "nickname"), ("users.csv", 1, "nickname", "unknown column")),
    ("cell-count", "1.1", extra_cell("courses.csv", 4), ("courses.csv", 4, None, "11 cells, but the header has 10")),
    ("empty-required", "1.1", cell("users.csv", "t502", "givenName", ""),
     ("users.csv", 3, "givenName", "a value is required")),
    ("bad-enum", "1.1", cell("classes.csv", "5101", "classType", "lecture"),
     ("classes.csv", 2, "classType", "bad value 'lecture'; expected one of: homeroom, scheduled, or ext:<name>")),
    ("bad-1p1-role", "1.1", cell("users.csv", "t501", "role", "districtAdministrator"),
     ("users.csv", 2, "role", "expected one of: administrator, aide, guardian, parent, proctor")),
    ("bad-date", "1.1", cell("enrollments.csv", "t80004", "beginDate", "09/01/2026"),
     ("enrollments.csv", 5, "beginDate", "bad date '09/01/2026'; expected YYYY-MM-DD")),
    ("bad-date-time", "1.2", cell("lineItems.csv", "5101310101", "dueDate", "2026-09-31"),
     ("lineItems.csv", 2, "dueDate", "bad date-time '2026-09-31'")),
    ("bad-number", "1.1", cell("results.csv", "res-0002", "score", "A+"),
     ("results.csv", 3, "score", "bad number 'A+'")),
    ("bad-user-ids", "1.1", cell("users.csv", "t501", "userIds", "staffNumber=E501"),
     ("users.csv", 2, "userIds", "bad userIds 'staffNumber=E501'; expected {type:identifier}")),
    ("bad-school-year", "1.1", cell("academicSessions.csv", "2101", "schoolYear", "2026-27"),
     ("academicSessions.csv", 2, "schoolYear", "bad schoolYear '2026-27'")),
    ("end-before-start", "1.1", cell("academicSessions.csv", "3101", "endDate", "2026-07-31"),
     ("academicSessions.csv", 3, "endDate", "endDate 2026-07-31 is before startDate 2026-08-01")),
    ("duplicate-id", "1.1", cell("demographics.csv", "s1016", "sourcedId", "s1001"),
     ("demographics.csv", 3, "sourcedId", "duplicate sourcedId 's1001' (first on line 2)")),
    ("duplicate-user-id", "1.1", cell("users.csv", "900", "sourcedId", "s1001"),
     ("users.csv", 36, "sourcedId", "duplicate sourcedId 's1001' (first on line 6)")),
    ("ic-ids-same-person", "1.1", cell("users.csv", "900", "sourcedId", "t1001"),
     ("users.csv", 36, "sourcedId", "sourcedId 't1001' becomes '1001' under IC-IDS, as 's1001' on line 6 does")),
    ("org-twice", "1.1", cell("users.csv", "t504", "orgSourcedIds", "102,101,102"),
     ("users.csv", 5, "orgSourcedIds", "'102' is listed twice")),
    ("user-without-role", "1.2", drop_rows("roles.csv", lambda row: row[3] == "502"),
     ("users.csv", 3, "sourcedId", "user '502' has no role in roles.csv")),
    ("broken-roles-header", "1.2", drop_column("roles.csv", "role"),
     ("roles.csv", 1, "role", "the required column is missing")),  # and no "user has no role" for every user
    ("second-primary-role", "1.2", cell("roles.csv", "504-101", "roleType", "primary"),
     ("roles.csv", 6, "roleType", "user '504' has a second primary role")),
    ("result-of-another-class", "1.2", cell("results.csv", "res-0001", "classSourcedId", "5102"),
     ("results.csv", 2, "classSourcedId", "class '5102' is not the class '5101' of lineItem '5101310101'")),
    ("own-parent", "1.1", cell("orgs.csv", "101", "parentSourcedId", "101"),
     ("orgs.csv", 3, "parentSourcedId", "'101' cannot be its own parent")),
    ("score-scales-in-a-1p1-bundle", "1.1", lambda f: manifest_with(f, "file.scoreScales,bulk"),
     ("manifest.csv", 19, "value", "file.scoreScales is marked bulk, but a OneRoster 1.1 bundle has no scoreScales")),
    ("bad-score-scale-value", "1.2", cell("scoreScales.csv", "7201", "scoreScaleValue", "0=0%,100=100%"),
     ("scoreScales.csv", 3, "scoreScaleValue", "bad scoreScaleValue '0=0%,100=100%'; expected {itemValueLHS:")),
    ("score-scale-without-class", "1.2", cell("scoreScales.csv", "7101", "classSourcedId", ""),
     ("scoreScales.csv", 2, "classSourcedId", "a value is required")),
    ("dangling-score-scale", "1.2", cell("assessmentLineItems.csv", "8201", "scoreScaleSourcedId", "7999"),
     ("assessmentLineItems.csv", 4, "scoreScaleSourcedId", "unknown scoreScale '7999'")),
    ("assessment-own-parent", "1.2",
     cell("assessmentLineItems.csv", "8101", "parentAssessmentLineItemSourcedId", "8101"),
     ("assessmentLineItems.csv", 2, "parentAssessmentLineItemSourcedId", "'8101' cannot be its own parent")),
    ("assessment-parent-of-another-class", "1.2",
     cell("assessmentLineItems.csv", "8201", "parentAssessmentLineItemSourcedId", "8101"),
     ("assessmentLineItems.csv", 4, "parentAssessmentLineItemSourcedId",
      "parent assessmentLineItem '8101' belongs to class '5101', not to class '5201'")),
    ("dangling-assessment-line-item", "1.2",
     cell("assessmentResults.csv", "ares-0003", "assessmentLineItemSourcedId", "8999"),
     ("assessmentResults.csv", 4, "assessmentLineItemSourcedId", "unknown assessmentLineItem '8999'")),
    ("assessment-result-without-date", "1.2", cell("assessmentResults.csv", "ares-0004", "scoreDate", ""),
     ("assessmentResults.csv", 5, "scoreDate", "a value is required")),
    ("legacy-id-clash", "1.2", lambda f: cell("users.csv", "1001", "agentSourcedIds", "s1001")(
        cell("roles.csv", "9001-101", "userSourcedId", "s1001")(cell("users.csv", "9001", "sourcedId", "s1001")(f))),
     ("users.csv", 37, "sourcedId", "user 's1001' would have the 1.1 id 's1001' (metadata.ic.legacySourcedId) "
                                    "of user '1001'")),
]


@pytest.mark.parametrize(("version", "change", "expected"), [case[1:] for case in PROBLEMS],
                         ids=[case[0] for case in PROBLEMS])
def test_each_problem_is_reported_with_file_line_and_column(
        version: str, change: Callable[[Files], Files], expected: tuple[str, int | None, str | None, str]) -> None:
    found = problems_of(pack(change(fixture_files(version))))
    assert len(found) == 1, [str(p) for p in found]
    problem = found[0]
    assert (problem.file, problem.line, problem.column) == expected[:3], str(problem)
    assert expected[3] in problem.message, str(problem)


def test_not_a_zip_is_one_problem() -> None:
    [problem] = problems_of(b"PK but not really a zip")
    assert problem.file == "<bundle>" and "not a readable zip file" in problem.message


def test_the_brief_example_reads_as_expected() -> None:
    files = with_cell(fixture_files("1.1"), "enrollments.csv", 7, "classSourcedId", "nope")
    with pytest.raises(CsvImportError) as raised:
        import_bundle(pack(files), today=TODAY)
    assert "enrollments.csv line 7, column classSourcedId: unknown class 'nope'" in str(raised.value)


def test_several_problems_are_reported_together_in_file_order() -> None:
    files = fixture_files("1.1")
    files = with_cell(files, "enrollments.csv", 7, "classSourcedId", "nope")
    files = with_cell(files, "users.csv", 3, "givenName", "")
    files = with_cell(files, "classes.csv", 2, "classType", "lecture")
    files = with_cell(files, "classes.csv", 2, "periods", "")  # not a problem: periods are optional
    found = problems_of(pack(files))
    assert [(p.file, p.line, p.column) for p in found] == [
        ("classes.csv", 2, "classType"), ("users.csv", 3, "givenName"), ("enrollments.csv", 7, "classSourcedId")]
    assert str(CsvImportError(found)).startswith("3 problems in the OneRoster CSV bundle:")


def test_a_schema_failure_is_reported_on_the_row_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    """The final strict-schema check: a document a builder got wrong names its CSV line and column."""
    def wrong_class(cells: Any) -> Any:
        return {**rostering.klass(cells), "terms": []}
    monkeypatch.setitem(importer.BUILDERS["1.1"], "classes", wrong_class)
    found = problems_of(zip_path("1.1"))
    assert len(found) == 6
    assert (found[0].file, found[0].line, found[0].column) == ("classes.csv", 2, "termSourcedIds")
    assert "not valid OneRoster 1.2 at terms" in found[0].message


def test_a_bad_row_yields_nothing_and_a_broken_header_is_reported_once() -> None:
    files = drop_column("enrollments.csv", "role")(fixture_files("1.1"))
    files = with_cell(files, "users.csv", 3, "role", "coach")
    found = problems_of(pack(files))
    assert [(p.file, p.line, p.column) for p in found] == [("users.csv", 3, "role"), ("enrollments.csv", 1, "role")]


# --------------------------------------------------------------------------------------------------
# Row order never matters


def shuffled(files: Files, rnd: random.Random) -> Files:
    def change(table: list[list[str]]) -> None:
        body = table[1:]
        rnd.shuffle(body)
        table[1:] = body
    return {name: to_csv(_changed(rows(data), change)) for name, data in files.items()}


def _changed(table: list[list[str]], change: Callable[[list[list[str]]], None]) -> list[list[str]]:
    change(table)
    return table


def in_id_order(district: District) -> District:
    return {kind: sorted(docs, key=lambda doc: doc["sourcedId"]) for kind, docs in district.items()}


# Each example imports a whole bundle (~0.1 s, most of it the strict-schema check), so fewer than the profile's.
@settings(max_examples=10)
@given(version=st.sampled_from(VERSIONS), rnd=st.randoms(use_true_random=False))
def test_shuffling_the_rows_of_every_csv_gives_the_same_documents(version: str, rnd: random.Random) -> None:
    district = import_bundle(pack(shuffled(fixture_files(version), rnd)), today=TODAY)
    assert in_id_order(district) == in_id_order(imported(version))


ODD_VALUES = ["", "nope", "s1001", "1001", "101", "3101-GP", "2026-02-30", "TRUE", "ext:x", "a,,b", "{a:b}", '"',
              "é", "1e999", "metadata.ic"]


@settings(max_examples=10)
@given(version=st.sampled_from(VERSIONS), where=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6),
                                                          st.integers(0, 10**6)), value=st.sampled_from(ODD_VALUES))
def test_any_edited_cell_gives_documents_or_a_csv_import_error(version: str, where: tuple[int, int, int],
                                                               value: str) -> None:
    """The admin endpoint turns CsvImportError into a 4xx: nothing else may escape (OR-ERRORS: no 500s)."""
    files = fixture_files(version)
    name = sorted(files)[where[0] % len(files)]
    table = rows(files[name])
    row = table[where[1] % len(table)]
    row[where[2] % len(row)] = value
    try:
        district = import_bundle(pack({**files, name: to_csv(table)}), today=TODAY)
    except CsvImportError as error:
        assert error.problems and all(isinstance(problem, Problem) for problem in error.problems)
    else:
        assert set(district) == set(seed.KINDS)
