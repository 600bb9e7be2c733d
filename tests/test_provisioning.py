"""The reference provisioning client (issue 19, docs/provisioning.md): Canvas's nightly roster pull from IC.

Against the mock: both term modes on the demo district write CSVs that pass a validator written from
Canvas's "SIS CSV Format" rules, and a second run reports no change; each provisioning scenario makes the
next run report its warning and the create/delete diff it implies; the kit's rostering suite and this
client agree on what the roster holds; the command's report is snapshot-tested. Without a server: the
mapping's decisions (drops, teachers, dates, duplicates) and the state file. Each scenario test has its own
small tenant, so scenarios never leak; the demo tenant is shared by the tests that only read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.client import OneRosterClient
from conformance.provisioning.csv_files import read_import
from conformance.provisioning.diff import MISSING, compare
from conformance.provisioning.failure_modes import TITLES, ProvisioningWarning, find
from conformance.provisioning.mapping import Options, map_roster, user_roles
from conformance.provisioning.provision import provision
from conformance.provisioning.pull import Roster, pull
from conformance.provisioning.report import ProvisioningReport
from conformance.provisioning.state import ProvisioningState, TargetState
from conformance.state_file import StateFileError
from conformance.suites.rostering_ids import discover
from conformance.suites.rostering_strategies import COLLECTIONS
from mock_ic.cli import main
from mock_ic.control.seed import generate, load_recipe
from mock_ic.testing import MockIC, free_port
from tests.test_banner import assert_snapshot

BUNDLE = Path(__file__).resolve().parents[1] / "fixtures" / "csv" / "oneroster-1.2-small.zip"
SMALL = {"schools": 2, "students": 24, "teachers": 4, "courses": 4, "classes": 6}


def half_year_recipe() -> dict[str, Any]:
    """A small district with a class held only in the first half of the year (Q1 or Q2; the generator
    makes a few such sections), so that provisioning-partial-year removes a class: the first seed that has one."""
    for seed in range(1, 200):
        recipe = {"schools": 1, "students": 24, "teachers": 3, "courses": 3, "classes": 8, "seed": seed}
        district = generate(load_recipe(recipe), today=date.today())
        terms = sorted((s for s in district["academicSessions"] if s["type"] == "term"), key=lambda s: s["startDate"])
        first_half = {t["sourcedId"] for t in terms[:2]}
        if any({t["sourcedId"] for t in c["terms"]} <= first_half for c in district["classes"]):
            return recipe
    raise AssertionError("no small district with a first-half class among 200 seeds")


# --- a validator of Canvas's SIS CSV rules ------------------------------------------------------------
# Written from Instructure's "SIS CSV Format" page (developerdocs.instructure.com/services/canvas/sis/
# file.sis_csv): the columns each file may have, the required ones, each status enum, role names, and
# ISO 8601 timestamps YYYY-MM-DDTHH:MM:SSZ; an enrollment's start_date only with its end_date.

KNOWN = {
    "accounts": {"account_id", "parent_account_id", "name", "status", "integration_id"},
    "terms": {"term_id", "name", "status", "integration_id", "date_override_enrollment_type", "start_date",
              "end_date"},
    "courses": {"course_id", "short_name", "long_name", "account_id", "term_id", "status", "integration_id",
                "start_date", "end_date", "course_format", "blueprint_course_id", "grade_passback_setting",
                "homeroom_course"},
    "sections": {"section_id", "course_id", "name", "status", "integration_id", "start_date", "end_date"},
    "users": {"user_id", "integration_id", "login_id", "password", "ssha_password", "authentication_provider_id",
              "first_name", "last_name", "full_name", "sortable_name", "short_name", "email", "pronouns",
              "declared_user_type", "status"},
    "enrollments": {"course_id", "root_account", "start_date", "end_date", "user_id", "user_integration_id", "role",
                    "role_id", "section_id", "status", "associated_user_id", "limit_section_privileges", "notify",
                    "temporary_enrollment_source_user_id"},
}
REQUIRED = {  # columns that must be in the header; a value is required too, but parent_account_id may be blank
    "accounts": ("account_id", "parent_account_id", "name", "status"), "terms": ("term_id", "name", "status"),
    "courses": ("course_id", "short_name", "long_name", "status"), "sections": ("section_id", "course_id", "name",
                                                                                "status"),
    "users": ("user_id", "login_id", "status"), "enrollments": ("user_id", "role", "status"),
}
STATUSES = {
    "accounts": {"active", "deleted"}, "terms": {"active", "deleted"},
    "courses": {"active", "deleted", "completed", "published"}, "sections": {"active", "deleted"},
    "users": {"active", "suspended", "deleted"},
    "enrollments": {"active", "deleted", "completed", "inactive", "deleted_last_completed"},
}
ROLES = {"student", "teacher", "ta", "observer", "designer"}
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def canvas_csv_problems(files: dict[str, list[dict[str, str]]]) -> list[str]:
    problems: list[str] = []
    ids: dict[str, set[str]] = {}
    for name, rows in files.items():
        header = set(rows[0]) if rows else set()
        if rows and not header <= KNOWN[name]:
            problems.append(f"{name}.csv: columns Canvas does not know: {sorted(header - KNOWN[name])}")
        if rows and not set(REQUIRED[name]) <= header:
            problems.append(f"{name}.csv: required columns missing: {sorted(set(REQUIRED[name]) - header)}")
        key = {"enrollments": ("course_id", "section_id", "user_id", "role")}.get(name, (f"{name[:-1]}_id",))
        keys = [tuple(row[k] for k in key) for row in rows]
        if len(keys) != len(set(keys)):
            problems.append(f"{name}.csv: a key twice ({key})")
        ids[name] = {row[key[0]] for row in rows} if name != "enrollments" else set()
        for n, row in enumerate(rows, start=2):
            problems += _row_problems(name, n, row)
    for n, row in enumerate(files["accounts"], start=2):
        earlier = {r["account_id"] for r in files["accounts"][:n - 2]}
        if row["parent_account_id"] and row["parent_account_id"] not in earlier:
            problems.append(f"accounts.csv line {n}: the parent must come first")
    problems += _reference_problems(files, ids)
    return problems


def _row_problems(name: str, line: int, row: dict[str, str]) -> list[str]:
    where = f"{name}.csv line {line}"
    found = [f"{where}: {column} is required" for column in REQUIRED[name]
             if column != "parent_account_id" and not row.get(column)]
    if row.get("status") not in STATUSES[name]:
        found.append(f"{where}: status {row.get('status')!r} not one of {sorted(STATUSES[name])}")
    found += [f"{where}: {column} {row[column]!r} is not YYYY-MM-DDTHH:MM:SSZ" for column in ("start_date", "end_date")
              if row.get(column) and not STAMP.match(row[column])]
    if name == "enrollments":
        if not (row.get("course_id") or row.get("section_id")):
            found.append(f"{where}: course_id or section_id is required")
        if row["role"] not in ROLES:
            found.append(f"{where}: role {row['role']!r} is not a built-in Canvas role")
        if bool(row.get("start_date")) != bool(row.get("end_date")):
            found.append(f"{where}: a start_date takes effect only with an end_date, and the reverse")
    return found


def _reference_problems(files: dict[str, list[dict[str, str]]], ids: dict[str, set[str]]) -> list[str]:
    found = []
    section_course = {row["section_id"]: row["course_id"] for row in files["sections"]}
    for row in files["courses"]:
        if row["account_id"] and row["account_id"] not in ids["accounts"]:
            found.append(f"courses.csv: course {row['course_id']} names an unknown account {row['account_id']}")
        if row["term_id"] and row["term_id"] not in ids["terms"]:
            found.append(f"courses.csv: course {row['course_id']} names an unknown term {row['term_id']}")
    found += [f"sections.csv: section {row['section_id']} names an unknown course" for row in files["sections"]
              if row["course_id"] not in ids["courses"]]
    for row in files["enrollments"]:
        if row["user_id"] not in ids["users"] or section_course.get(row["section_id"]) != row["course_id"]:
            found.append(f"enrollments.csv: {row} names an unknown user, section or course")
    return found


# --- running the client -------------------------------------------------------------------------------

def client_for(ic: MockIC, version: str = "1.2") -> OneRosterClient:
    return OneRosterClient(base_url=ic.rostering_url if version == "1.2" else ic.v1p1_url, token_url=ic.token_url,
                           client_id=ic.client_id, client_secret=ic.client_secret, version=version,
                           vendor_key=ic.vendor_key, vendor_secret=ic.vendor_secret,  # the suite reads line items
                           backoff_factor=0.01, max_backoff=0.05, timeout=20.0)


class Runs:
    """Provisioning runs of one tenant through one state file, each written to a directory of its own."""

    def __init__(self, ic: MockIC, tmp_path: Path, *, version: str = "1.2", **options: Any) -> None:
        self.ic, self.tmp, self.version = ic, tmp_path, version
        self.state = ProvisioningState.load(tmp_path / "state.json")
        self.options = Options(**options)
        self.count = 0

    def run(self, scope: str = "bulk") -> tuple[ProvisioningReport, dict[str, list[dict[str, str]]]]:
        self.count += 1
        out = self.tmp / f"run{self.count}"
        with client_for(self.ic, self.version) as client:
            report = provision(client, self.state, self.options, scope=scope, out_dir=out)
        files = read_import(out)
        assert canvas_csv_problems(files) == []
        return report, files


def keys(report: ProvisioningReport, file: str, action: str) -> set[str]:
    return {c.key for c in report.changes if c.file == file and c.action == action}


def named(report: ProvisioningReport, name: str) -> list[ProvisioningWarning]:
    return [w for w in report.warnings if w.name == name]


def enrollment_key(class_id: str, user_id: str, role: str) -> str:
    return f"{class_id}|{class_id}|{user_id}|{role}"


@pytest.fixture(scope="module")
def demo() -> Iterator[MockIC]:
    """The demo district, read only by the tests that use it."""
    with MockIC() as instance:
        yield instance


@pytest.fixture
def small() -> Iterator[MockIC]:
    with MockIC(recipe=SMALL) as instance:
        yield instance


# --- the demo district, both term modes ------------------------------------------------------------------

@pytest.mark.parametrize("terms", ["consolidated", "per-grading-period"])
def test_provisioning_demo_district_writes_valid_canvas_csvs_then_a_second_run_reports_no_change(
        demo: MockIC, tmp_path: Path, terms: str) -> None:
    runs = Runs(demo, tmp_path, terms=terms)
    first, files = runs.run()
    assert first.first_run and first.warnings == []
    assert {c.action for c in first.changes} == {"created"}
    with client_for(demo) as client:
        total = {path: int(client._request("GET", path, params={"limit": 1}).headers["X-Total-Count"])
                 for path in ("schools", "gradingPeriods", "classes", "students", "teachers", "enrollments")}
    assert {name: len(rows) for name, rows in files.items()} == {
        "accounts": total["schools"], "terms": 1 if terms == "consolidated" else total["gradingPeriods"],
        "courses": total["classes"], "sections": total["classes"], "users": total["students"] + total["teachers"],
        "enrollments": total["enrollments"]}
    assert all(row["status"] == "active" for rows in files.values() for row in rows)
    courses = files["courses"]
    if terms == "consolidated":
        assert {row["term_id"] for row in courses} == {files["terms"][0]["term_id"]}
        assert all(not row["start_date"] for row in courses)
    else:  # every course in a grading period of its own school, its dates those of its class's terms
        school_of = {row["account_id"]: row["name"] for row in files["accounts"]}
        term_name = {row["term_id"]: row["name"] for row in files["terms"]}
        assert all(term_name[row["term_id"]].endswith(f"({school_of[row['account_id']]})") for row in courses)
        assert all(row["start_date"] < row["end_date"] for row in courses)
    second, again = runs.run()
    assert second.changes == [] and second.warnings == [] and second.message == "No changes"
    assert again == files


def test_provisioning_the_kits_rostering_suite_and_the_client_agree_on_the_roster(demo: MockIC,
                                                                                  tmp_path: Path) -> None:
    """What the rostering suite reads (its collections, paged as its oracle lists them, and its central class
    found as the suite finds it) is what the client gives Canvas: schools, classes, users, enrollments."""
    _, files = Runs(demo, tmp_path).run()
    with client_for(demo) as client:
        suite = {path: list(client.paginate(path.lstrip("/"), key, page_size=5000))
                 for path, key in COLLECTIONS.items()}
        enrollments = list(client.paginate("enrollments", "enrollments", page_size=5000))
        known = discover(client)
        central = known.params["classSourcedId"]
        students = {u["sourcedId"] for u in client.class_students(central)}
        teachers = {u["sourcedId"] for u in client.class_teachers(central)}
    schools = {o["sourcedId"] for o in suite["/orgs"] if o["type"] == "school"}
    assert schools == {r["account_id"] for r in files["accounts"]}
    assert {c["sourcedId"] for c in suite["/classes"]} == {r["course_id"] for r in files["courses"]} == {
        r["section_id"] for r in files["sections"]}
    assert {u["sourcedId"] for u in suite["/users"] if user_roles(u) & {"student", "teacher"}} == {
        r["user_id"] for r in files["users"]}
    assert {(e["class"]["sourcedId"], e["user"]["sourcedId"], e["role"]) for e in enrollments} == {
        (r["section_id"], r["user_id"], r["role"]) for r in files["enrollments"]}
    in_central = {(r["user_id"], r["role"]) for r in files["enrollments"]
                  if r["section_id"] == central and r["status"] == "active"}
    assert {u for u, role in in_central if role == "student"} == students
    assert {u for u, role in in_central if role == "teacher"} == teachers
    assert known.params["schoolSourcedId"] in {r["account_id"] for r in files["accounts"]}


def test_provisioning_bulk_and_per_school_pulls_give_the_same_csvs(small: MockIC, tmp_path: Path) -> None:
    bulk = Runs(small, tmp_path / "bulk", terms="per-grading-period").run("bulk")
    per_school = Runs(small, tmp_path / "per-school", terms="per-grading-period").run("per-school")
    assert per_school[1] == bulk[1]
    assert per_school[0].requests > bulk[0].requests  # school by school, term by term


def test_provisioning_1p1_keeps_role_prefixed_ids_and_leaves_out_enrollments_of_hidden_users(tmp_path: Path) -> None:
    """IC-IDS: 1.1 user ids carry their role prefix; IC-USERS: a 1.1 connection hides users without a portal
    account, so their enrollments name users the pull does not hold (left out, with a warning)."""
    with MockIC(recipe={**SMALL, "no_portal_account_ratio": 0.2}) as ic:
        report, files = Runs(ic, tmp_path, version="1.1").run()
        with client_for(ic) as client:
            hidden = {u["metadata"]["ic"]["legacySourcedId"] for u in client.paginate("users", "users")
                      if u["metadata"]["ic"]["portalAccount"] == "false"}
    users = {row["user_id"] for row in files["users"]}
    assert hidden and users and all(u[0] in "st" and u[1:].isdigit() for u in users)
    assert not hidden & users
    warned = named(report, "unknown-reference")
    assert warned and {w.objects["users"][0] for w in warned} <= hidden
    assert all("portal account" in w.message for w in warned)


# --- each provisioning scenario on the next run ------------------------------------------------------------

def test_provisioning_resectioned_class_is_a_new_course_and_a_deleted_one(small: MockIC, tmp_path: Path) -> None:
    runs = Runs(small, tmp_path)
    _, before = runs.run()
    applied = small.admin.scenario("provisioning-resectioned-class")
    [(old, new)] = applied["data"]["resection_classes"]["classes"].items()
    report, files = runs.run()
    [warning] = report.warnings
    assert warning.name == "resectioned-class" and warning.title == applied["title"]
    assert warning.objects["classes"] == (old, new)
    old_roster = {(r["user_id"], r["role"]) for r in before["enrollments"] if r["section_id"] == old}
    assert set(warning.objects["users"]) == {u for u, role in old_roster if role == "student"}
    for file in ("courses", "sections"):
        assert keys(report, file, "created") == {new} and keys(report, file, "deleted") == {old}
    assert keys(report, "enrollments", "created") == {enrollment_key(new, u, r) for u, r in old_roster}
    assert keys(report, "enrollments", "deleted") == {enrollment_key(old, u, r) for u, r in old_roster}
    assert {c.file for c in report.changes} == {"courses", "sections", "enrollments"}
    assert not keys(report, "enrollments", "updated")
    status = {r["user_id"] + r["role"]: r["status"] for r in files["enrollments"] if r["section_id"] == old}
    assert {s for key, s in status.items() if key.endswith("student")} == {"inactive"}  # a dropped student
    assert {s for key, s in status.items() if key.endswith("teacher")} == {"deleted"}  # an unenrolled teacher


def test_provisioning_mid_year_drop_makes_enrollments_inactive(small: MockIC, tmp_path: Path) -> None:
    with client_for(small) as client:  # the drop day is yesterday, or the first day of school before it begins
        first_day = min(e["beginDate"] for e in client.paginate("enrollments", "enrollments"))
    today = max(date.today(), date.fromisoformat(first_day) + timedelta(days=1))
    runs = Runs(small, tmp_path, today=today)
    runs.run()
    applied = small.admin.scenario("provisioning-mid-year-drop")
    ends_on = applied["data"]["drop_students_mid_year"]["endsOn"]
    assert ends_on == (today - timedelta(days=1)).isoformat()
    with client_for(small) as client:
        dropped = {(e["class"]["sourcedId"], e["user"]["sourcedId"]) for e in client.paginate("enrollments",
                                                                                              "enrollments")
                   if e["endDate"] == ends_on}
    assert len(dropped) == applied["data"]["drop_students_mid_year"]["changed"] > 0
    report, files = runs.run()
    assert keys(report, "enrollments", "deleted") == {enrollment_key(c, u, "student") for c, u in dropped}
    assert {c.action for c in report.changes} == {"deleted"}
    assert all(c.reason.startswith(f"dropped: the enrollment ended on {ends_on}, before its class ends")
               for c in report.changes)
    assert {w.name for w in report.warnings} == {"mid-year-drop"}
    assert {w.title for w in report.warnings} == {applied["title"]}
    assert {(w.objects["classes"][0], u) for w in report.warnings for u in w.objects["users"]} == dropped
    status = {(r["section_id"], r["user_id"]): r["status"] for r in files["enrollments"] if r["role"] == "student"}
    assert {status[pair] for pair in dropped} == {"inactive"}


def test_provisioning_partial_year_deletes_what_the_pull_no_longer_holds(tmp_path: Path) -> None:
    with MockIC(recipe=half_year_recipe()) as ic:
        runs = Runs(ic, tmp_path, terms="per-grading-period")
        _, before = runs.run()
        applied = ic.admin.scenario("provisioning-partial-year")
        report, _ = runs.run()
    summary = applied["data"]["drop_first_half_terms"]
    gone = set(summary["classesRemoved"])
    assert gone
    [warning] = report.warnings
    assert warning.name == "partial-year" and warning.title == applied["title"]
    assert set(warning.objects["courses"]) == gone and set(warning.objects["terms"]) == set(summary["termsRemoved"])
    assert "gone since the last run" in warning.message
    for file in ("courses", "sections"):
        assert keys(report, file, "deleted") == gone
    assert keys(report, "terms", "deleted") == {t for t in summary["termsRemoved"] if t.endswith("-GP")}
    assert keys(report, "enrollments", "deleted") == {
        enrollment_key(r["section_id"], r["user_id"], r["role"]) for r in before["enrollments"]
        if r["section_id"] in gone}
    assert all(c.reason.endswith(MISSING) for c in report.changes if c.action == "deleted")
    assert not [c for c in report.changes if c.action == "created"]
    spanning = keys(report, "courses", "updated")  # classes that also run in the later terms move term
    assert spanning and not spanning & gone


def test_provisioning_duplicate_current_enrollment_sends_one(small: MockIC, tmp_path: Path) -> None:
    runs = Runs(small, tmp_path)
    runs.run()
    applied = small.admin.scenario("provisioning-duplicate-enrollment")
    report, files = runs.run()
    records = applied["data"]["reenroll_students"]["secondRecords"]
    warned = named(report, "duplicate-current-enrollment")
    assert records > 0 and len(warned) == records and len(report.warnings) == records
    assert {w.title for w in warned} == {applied["title"]}
    assert all(len(w.objects["enrollments"]) == 2 for w in warned)
    assert not [c for c in report.changes if c.action in ("created", "deleted")]
    pairs = [(r["section_id"], r["user_id"], r["role"]) for r in files["enrollments"]]
    assert len(pairs) == len(set(pairs))


# --- the mapping's decisions, without a server ------------------------------------------------------------------

def _ref(kind: str, sid: str) -> dict[str, str]:
    return {"sourcedId": sid, "type": kind}


def tiny_roster(*enrollments: dict[str, Any]) -> Roster:
    year = {"sourcedId": "Y", "status": "active", "type": "schoolYear", "title": "2026-27", "startDate": "2026-08-01",
            "endDate": "2027-06-30", "schoolYear": "2027"}
    terms = [{"sourcedId": t, "status": "active", "type": "term", "title": t, "startDate": s, "endDate": e,
              "schoolYear": "2027", "parent": _ref("academicSession", "Y")}
             for t, s, e in (("S1", "2026-08-01", "2027-01-14"), ("S2", "2027-01-15", "2027-06-30"))]
    periods = [{**t, "sourcedId": f"{t['sourcedId']}-GP", "type": "gradingPeriod",
                "parent": _ref("academicSession", t["sourcedId"])} for t in terms]
    users = [{"sourcedId": u, "status": "active", "username": u, "givenName": u.upper(), "familyName": "X",
              "roles": [{"roleType": "primary", "role": role, "org": _ref("org", "1")}]}
             for u, role in (("t1", "teacher"), ("s1", "student"), ("s2", "student"))]
    return Roster("1.2", schools=[{"sourcedId": "1", "status": "active", "name": "One School", "type": "school"}],
                  sessions=[year, *terms, *periods],
                  classes=[{"sourcedId": "C", "status": "active", "title": "Algebra - 1", "classCode": "ALG-1",
                            "school": _ref("org", "1"), "terms": [_ref("academicSession", "S1"),
                                                                  _ref("academicSession", "S2")]}],
                  users=users, enrollments=list(enrollments))


def enrollment(sid: str, user: str, role: str = "student", **values: Any) -> dict[str, Any]:
    return {"sourcedId": sid, "status": "active", "user": _ref("user", user), "class": _ref("class", "C"),
            "role": role, "beginDate": "2026-08-01", "endDate": "2027-06-30", **values}


def mapped_run(roster: Roster, previous: TargetState | None = None, **options: Any) -> tuple[Any, Any, list[Any]]:
    opts = Options(**{"today": date(2026, 12, 5), **options})
    mapped = map_roster(roster, opts)
    previous = previous or TargetState()
    outcome = compare(previous.rows, mapped, opts.drop_status)
    return mapped, outcome, find(roster, mapped, outcome, previous.sessions)


def test_provisioning_mapping_drops_unenrolled_teachers_dates_and_duplicates() -> None:
    roster = tiny_roster(enrollment("t-1", "t1", "teacher", status="tobedeleted"),
                         enrollment("s-1", "s1", endDate="2026-11-30"),
                         enrollment("s-2", "s2", beginDate=None),
                         enrollment("s-2b", "s2", beginDate="2026-12-01"))
    mapped, _, warnings = mapped_run(roster, drop_status="deleted_last_completed")
    rows = mapped.rows["enrollments"]
    assert rows[enrollment_key("C", "t1", "teacher")]["status"] == "deleted"  # an unenrolled teacher
    assert mapped.reasons[("enrollments", enrollment_key("C", "t1", "teacher"))].startswith("teacher unenrolled")
    assert rows[enrollment_key("C", "s1", "student")]["status"] == "deleted_last_completed"  # the drop status
    kept = rows[enrollment_key("C", "s2", "student")]
    assert kept["start_date"] == "2026-12-01T00:00:00Z" and kept["end_date"] == "2027-06-30T23:59:59Z"
    assert {w.name for w in warnings} == {"duplicate-current-enrollment"}
    assert warnings[0].objects["enrollments"] == ("s-2b", "s-2")
    undated = tiny_roster(enrollment("s-9", "s2", endDate=None))
    mapped, _, warnings = mapped_run(undated)
    row = mapped.rows["enrollments"][enrollment_key("C", "s2", "student")]
    assert row["start_date"] == row["end_date"] == ""  # Canvas takes the two together
    assert [(w.name, w.objects["enrollments"]) for w in warnings] == [("enrollment-without-dates", ("s-9",))]
    assert set(TITLES) >= {w.name for w in warnings}


def test_provisioning_a_vanished_row_is_removed_once_then_forgotten() -> None:
    roster = tiny_roster(enrollment("s-1", "s1"), enrollment("t-1", "t1", "teacher"))
    _, first, _ = mapped_run(roster)
    previous = TargetState(first.kept, {})
    roster.enrollments = []
    _, second, _ = mapped_run(roster, previous)
    assert {(c.key, c.reason) for c in second.changes} == {
        (enrollment_key("C", "s1", "student"), f"dropped: {MISSING}"),
        (enrollment_key("C", "t1", "teacher"), f"teacher unenrolled: {MISSING}")}
    assert second.rows["enrollments"][enrollment_key("C", "s1", "student")]["status"] == "inactive"
    _, third, _ = mapped_run(roster, TargetState(second.kept, {}))
    assert third.changes == [] and third.rows["enrollments"] == {}


def test_provisioning_state_file_round_trip_and_foreign_files(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = ProvisioningState.load(path)
    state.target("1.2 http://x/ims/oneroster").rows["users"]["u1"] = {"user_id": "u1", "status": "active"}
    state.save()
    again = ProvisioningState.load(path)
    assert again.target("1.2 http://x/ims/oneroster").rows["users"] == {"u1": {"user_id": "u1", "status": "active"}}
    path.write_text('{"format": "mock-ic/passback-state"}', encoding="utf-8")
    with pytest.raises(StateFileError, match="not a mock-ic provisioning state file"):
        ProvisioningState.load(path)


# --- the command ----------------------------------------------------------------------------------------------------

def provision_cli(ic: MockIC, *args: str) -> int:
    return main(["provision", "--base-url", ic.rostering_url, "--token-url", ic.token_url, "--client-id", ic.client_id,
                 "--client-secret", ic.client_secret, *args])


@pytest.fixture
def bundle() -> Iterator[MockIC]:
    """A tenant holding the static OneRoster 1.2 CSV bundle of fixtures/csv/: its ids, names and dates never
    follow the generator or today, so a report of it can be a snapshot."""
    with MockIC(recipe={"schools": 1, "students": 1, "teachers": 1, "courses": 1, "classes": 1}) as ic:
        answer = requests.post(f"{ic.base_url}/_mock/tenants/{ic.app_name}/import", data=BUNDLE.read_bytes(),
                               headers={"Content-Type": "application/zip"}, timeout=60)
        assert answer.status_code == 200, answer.text
        yield ic


def test_provisioning_command_report_after_a_resectioned_class(bundle: MockIC, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    common = ("--state", str(tmp_path / "state.json"), "--out", str(tmp_path / "out"), "--today", "2026-12-05")
    assert provision_cli(bundle, *common, "--quiet") == 0
    assert capsys.readouterr().out == "116 created, 0 updated, 0 deleted (first run: everything is new)\n"
    bundle.admin.scenario("provisioning-resectioned-class")
    assert provision_cli(bundle, *common, "--dry-run", "--quiet", "--strict") == 1  # writes nothing, keeps the state
    assert capsys.readouterr().out == "11 to create, 0 to update, 11 to delete; 1 warning(s)\n"
    assert provision_cli(bundle, *common) == 0
    out = capsys.readouterr().out
    masked = re.sub(r"http://127\.0\.0\.1:\d+/\S+/ims/oneroster", "<BASE>", out).replace(str(tmp_path), "<TMP>")
    assert_snapshot("provision-resectioned-class.txt", masked)
    assert provision_cli(bundle, *common, "--strict", "--quiet") == 0  # nothing changed since: no warning
    assert capsys.readouterr().out == "No changes\n"
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "accounts.csv", "terms.csv", "courses.csv", "sections.csv", "users.csv", "enrollments.csv", "diff.csv",
        "report.json"}
    assert canvas_csv_problems(read_import(tmp_path / "out")) == []


def test_provisioning_command_failures_exit_2_or_3_and_write_nothing(small: MockIC, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out, state = tmp_path / "out", tmp_path / "state.json"
    assert provision_cli(small, "--page-size", "0") == 3
    assert "--page-size must be at least 1, got 0" in capsys.readouterr().err
    dead = f"http://127.0.0.1:{free_port()}"
    code = main(["provision", "--base-url", f"{dead}/ims/oneroster", "--token-url", f"{dead}/token", "--retries", "0",
                 "--state", str(state), "--out", str(out)])
    assert code == 3 and "no OneRoster server answers" in capsys.readouterr().err
    small.admin.scenario("exchange-error")  # every OneRoster call 503: the token works, the pull fails
    assert provision_cli(small, "--retries", "0", "--state", str(state), "--out", str(out)) == 2
    assert "the pull failed, nothing was written" in capsys.readouterr().err
    assert not out.exists() and not state.exists()


def test_provisioning_command_help(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main(["provision", "--help"])
    assert_snapshot("provision-help.txt", capsys.readouterr().out)


def test_provisioning_pull_refuses_an_unknown_scope(small: MockIC) -> None:
    with client_for(small) as client, pytest.raises(ValueError, match="scope must be one of"):
        pull(client, "per-district")
