"""The warnings: each failure mode districts report of Canvas's provisioning from IC, named, with its objects.

* ``resectioned-class`` — a class is gone and a class of the same school and name is new: IC's scheduling
  wizard gave the section a new sourcedId, so Canvas makes a new course and deletes the old one.
* ``partial-year`` — the pull's terms do not cover the school year, or terms of the last run are gone:
  the SIS returned part of the year, and Canvas deletes what a pull does not hold.
* ``duplicate-current-enrollment`` — more than one current enrollment of one user in one class.
* ``enrollment-without-dates`` — a live enrollment without both beginDate and endDate.
* ``mid-year-drop`` — a student left a class that goes on: the enrollment becomes inactive.
* ``unknown-reference`` — an enrollment names a class or user the pull does not hold.

docs/provisioning.md ("Warnings") says what each means and what to do about it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from conformance.provisioning.diff import MISSING, Change, Outcome
from conformance.provisioning.mapping import REMOVED, Doc, Duplicate, Mapped, day, ref_id
from conformance.provisioning.pull import Roster

TITLES = {
    "resectioned-class": "Re-sectioned class",
    "partial-year": "Partial school year",
    "duplicate-current-enrollment": "More than one current enrollment",
    "enrollment-without-dates": "Enrollment without begin/end dates",
    "mid-year-drop": "Mid-year drop",
    "unknown-reference": "Enrollment of an object missing from the pull",
}
GRACE_DAYS = 14  # terms may start or end a little inside their school year (choice)
SHOWN_IDS = 5  # ids named in a message; the objects list them all


@dataclass(frozen=True)
class ProvisioningWarning:
    name: str  # a key of TITLES
    message: str
    objects: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> sourcedIds

    @property
    def title(self) -> str:
        return TITLES[self.name]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "message": self.message,
                "objects": {kind: list(ids) for kind, ids in self.objects.items()}}


def find(roster: Roster, mapped: Mapped, outcome: Outcome,
         previous_sessions: dict[str, dict[str, str]]) -> list[ProvisioningWarning]:
    return [*resectioned(outcome), *partial_year(roster, outcome, previous_sessions), *duplicates(mapped),
            *undated(mapped), *drops(outcome), *unknown_references(mapped, roster.version)]


def _ids(ids: list[str] | tuple[str, ...]) -> str:
    shown = ", ".join(ids[:SHOWN_IDS])
    return f"{shown}, ... ({len(ids)} in all)" if len(ids) > SHOWN_IDS else shown


def _students(outcome: Outcome, section: str, *, live: bool) -> set[str]:
    return {row["user_id"] for row in outcome.rows["enrollments"].values()
            if row["section_id"] == section and row["role"] == "student"
            and (not live or row["status"] not in REMOVED)}


# --- resectioned-class ----------------------------------------------------------------------------

def resectioned(outcome: Outcome) -> list[ProvisioningWarning]:
    courses = outcome.rows["courses"]
    created = [courses[c.key] for c in outcome.of("courses", "created")]
    found = []
    for change in outcome.of("courses", "deleted"):
        old = courses[change.key]
        for new in created:
            if new["account_id"] == old["account_id"] and (new["short_name"] == old["short_name"]
                                                            or new["long_name"] == old["long_name"]):
                found.append(_resectioned(outcome, change, old, new))
    return found


def _resectioned(outcome: Outcome, change: Change, old: dict[str, str], new: dict[str, str]) -> ProvisioningWarning:
    moved = sorted(_students(outcome, old["course_id"], live=False) & _students(outcome, new["course_id"], live=True))
    return ProvisioningWarning("resectioned-class", (
        f"Class {old['course_id']} ({old['long_name']}) is gone ({change.reason}) and class {new['course_id']} "
        f"({new['long_name']}) of the same school and name is new: IC re-sectioned it (its scheduling wizard gives "
        f"the section a new sectionID, so a new sourcedId). Canvas creates course {new['course_id']} and deletes "
        f"course {old['course_id']}; the work of the {len(moved)} student(s) who moved (submissions, grades) stays "
        f"in the deleted course."), {"classes": (old["course_id"], new["course_id"]), "users": tuple(moved)})


# --- partial-year -----------------------------------------------------------------------------------

def partial_year(roster: Roster, outcome: Outcome,
                 previous_sessions: dict[str, dict[str, str]]) -> list[ProvisioningWarning]:
    sessions = {str(s["sourcedId"]): s for s in roster.sessions}
    parents = {sid: ref_id(s, "parent") or "" for sid, s in sessions.items()}
    parents.update({sid: s["parent"] for sid, s in previous_sessions.items() if sid not in parents})
    problems: list[str] = []
    years: list[str] = []
    gone_terms: list[str] = []
    for year in (s for s in roster.sessions if s.get("type") == "schoolYear" and s.get("status") != "tobedeleted"):
        year_id = str(year["sourcedId"])
        gone = sorted(sid for sid, s in previous_sessions.items() if sid not in sessions
                      and s["type"] in ("term", "gradingPeriod") and _year_of(sid, parents) == year_id)
        coverage = _coverage_problem(year, [s for s in roster.sessions if s.get("type") == "term"
                                            and ref_id(s, "parent") == year_id and s.get("status") != "tobedeleted"])
        if coverage or gone:
            years.append(year_id)
            gone_terms += gone
            named = ", ".join(previous_sessions[sid]["title"] or sid for sid in gone)
            problems.append(f"{year.get('title') or year_id}: " + "; ".join(
                part for part in (coverage, f"gone since the last run: {named}" if gone else "") if part))
    if not problems:
        return []
    deleted = [c for c in outcome.changes if c.action == "deleted" and c.reason.endswith(MISSING)]
    counts = defaultdict(int)
    for change in deleted:
        counts[change.file] += 1
    consequence = ", ".join(f"{n} {file}" for file, n in counts.items()) or "nothing yet"
    courses = tuple(c.key for c in deleted if c.file == "courses")
    return [ProvisioningWarning("partial-year", (
        f"The SIS returned part of the school year only ({' | '.join(problems)}). Canvas deletes what a pull "
        f"does not hold: this run deletes {consequence} (and the students' work in those courses). Check the "
        f"connection's data extract (it should hold the whole current school year) before importing."),
        {"schoolYears": tuple(years), "terms": tuple(gone_terms), "courses": courses})]


def _year_of(session_id: str, parents: dict[str, str]) -> str:
    """The school year above a term or grading period: the top of its parents, as the pull or the last run
    knew them."""
    current = session_id
    for _ in range(len(parents) + 1):
        parent = parents.get(current, "")
        if not parent:
            return current
        current = parent
    return current  # a loop of parents: give up where it stands


def _coverage_problem(year: Doc, terms: list[Doc]) -> str:
    start, end = day(year.get("startDate")), day(year.get("endDate"))
    if not (start and end):
        return ""
    if not terms:
        return "no term at all"
    first = min(d for t in terms if (d := day(t.get("startDate")))) if any(t.get("startDate") for t in terms) else end
    last = max(d for t in terms if (d := day(t.get("endDate")))) if any(t.get("endDate") for t in terms) else start
    gap_before = (date.fromisoformat(first) - date.fromisoformat(start)).days
    gap_after = (date.fromisoformat(end) - date.fromisoformat(last)).days
    if gap_before > GRACE_DAYS or gap_after > GRACE_DAYS:
        return f"its terms cover {first} to {last} of {start} to {end}"
    return ""


# --- enrollments ---------------------------------------------------------------------------------------

def duplicates(mapped: Mapped) -> list[ProvisioningWarning]:
    return [_duplicate(d) for d in mapped.duplicates]


def _duplicate(d: Duplicate) -> ProvisioningWarning:
    began = f", on {d.kept_begins}" if d.kept_begins else ""
    return ProvisioningWarning("duplicate-current-enrollment", (
        f"User {d.user_id} has {len(d.others) + 1} current enrollments in class {d.class_id} as {d.role} "
        f"({_ids([d.kept, *d.others])}): Canvas keeps one enrollment per user, section and role, so the rows would "
        f"overwrite each other. This run sends {d.kept} (it began last{began}) and leaves out {_ids(d.others)}; the "
        f"SIS should serve only the current record."),
        {"users": (d.user_id,), "classes": (d.class_id,), "enrollments": (d.kept, *d.others)})


def undated(mapped: Mapped) -> list[ProvisioningWarning]:
    return [ProvisioningWarning("enrollment-without-dates", (
        f"{len(ids)} enrollment(s) in class {class_id} have no beginDate or no endDate ({_ids(ids)}): they are sent "
        f"without dates, so Canvas cannot end them by date and sees a drop only when the record goes. Canvas's "
        f"rostering best practices ask for both dates on every enrollment, even when they equal the term's."),
        {"classes": (class_id,), "enrollments": tuple(ids)}) for class_id, ids in sorted(mapped.undated.items())]


def drops(outcome: Outcome) -> list[ProvisioningWarning]:
    """Students made inactive this run in a class that goes on (a class that is itself removed is not a drop)."""
    sections = outcome.rows["sections"]
    by_class: dict[str, list[str]] = defaultdict(list)
    status: dict[str, str] = {}
    for change in outcome.of("enrollments", "deleted"):
        row = outcome.rows["enrollments"][change.key]
        section = sections.get(row["section_id"])
        if row["role"] == "student" and section is not None and section["status"] not in REMOVED:
            by_class[row["section_id"]].append(row["user_id"])
            status[row["section_id"]] = row["status"]
    return [ProvisioningWarning("mid-year-drop", (
        f"{len(users)} student(s) dropped class {class_id} ({sections[class_id]['name']}) while it goes on "
        f"({_ids(users)}): their enrollments become {status[class_id]} in Canvas. Their work stays in the course "
        f"but they no longer take part, and grades for them no longer pass back to IC (Canvas: \"Cannot Export "
        f"Canvas Submission in Section\")."), {"classes": (class_id,), "users": tuple(sorted(users))})
        for class_id, users in sorted(by_class.items())]


def unknown_references(mapped: Mapped, version: str) -> list[ProvisioningWarning]:
    found = []
    for (kind, missing), enrollments in sorted(mapped.dangling.items()):
        what = "class" if kind == "classes" else "user"
        hint = (" (an IC 1.1 connection hides users without an enabled portal account, IC-USERS)"
                if kind == "users" and version == "1.1" else "")
        found.append(ProvisioningWarning("unknown-reference", (
            f"{len(enrollments)} enrollment(s) name {what} {missing}, which the pull does not hold{hint}: they are "
            f"left out, as Canvas would refuse a row whose {'course' if what == 'class' else what} it does not "
            f"know ({_ids(enrollments)})."), {kind: (missing,), "enrollments": tuple(enrollments)}))
    return found
