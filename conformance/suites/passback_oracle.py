"""What a Canvas grade sync into the sandbox class should end in: the passback suite's oracle.

Written from the catalogue (IC_BEHAVIOUR.md section 7 for the Canvas side, sections 4 and 5 for what
Infinite Campus stores, refuses and shows) and from docs/passback.md (the course file, the eligibility
rules, what is sent and the SIS error titles) — never from the reference client's code
(conformance/passback) nor the server's (mock_ic): a rule both got wrong would otherwise pass its own
test. It reads the course file as the Canvas API answers it holds and says, for a sync of one mode:

- which assignments Canvas keeps out, each with its reason code (and the Learning Mastery outcomes);
- which line items and results IC stores, each with the fields IC returns;
- which it refuses, with the rules that refuse them and the Canvas SIS error titles the refusals earn;
- what the teacher then sees in IC's grade book (IC-VIEW).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

NORMAL_WINDOW = timedelta(days=30)  # section 7: a normal sync sends grades changed in the last 30 days
ROLL_CALL_NAME = "Roll Call Attendance"
TEXT_GRADED = frozenset({"letter_grade", "gpa_scale"})  # sent as a textScore, without a score
UNCATEGORIZED = "11111111-1111-1111-1111-111111111111"  # IC-LI-CATEGORY-1P1

# The Canvas SIS error titles (docs/passback.md, "SIS error titles") the refusals below earn.
CANNOT_BE_CREATED = "Assignment Cannot Be Created"
DATES_ERROR = "Assignment Dates Error"
CANNOT_EXPORT = "Cannot Export Canvas Submission in Section"
UNABLE_TO_PROCESS_SCORE = "Unable to Process Score"


@dataclass(frozen=True)
class Term:
    sourced_id: str
    start: date
    end: date
    grading_periods: tuple[str, ...] = ()  # the term's gradingPeriod sessions (IC-TERMS)


@dataclass(frozen=True)
class ClassFacts:
    """The sandbox class as the target serves it, read before the course is generated."""

    class_id: str
    version: str
    enrolled: frozenset[str]  # its students, as Canvas holds them (1.2 user sourcedIds)
    categories: tuple[tuple[str, str], ...]  # (sourcedId, title) of its grading categories
    terms: tuple[Term, ...]
    title_limit: int  # IC-LI-TITLE-LEN: 30 on 1.2, 50 on 1.1 (IC's defaults)


@dataclass(frozen=True)
class LineItemOutcome:
    local_id: str  # the reference client's stable id: canvas-<course>-a<assignment>-s<section>
    assignment_id: int
    title: str
    due: datetime
    max_points: float
    category: str  # the category sourcedId IC files it under
    grading_periods: tuple[str, ...]  # where IC may derive its grading period from (IC-LI-DUE-DATE)


@dataclass(frozen=True)
class ResultOutcome:
    local_id: str
    line_item: str  # local id
    student: str  # Canvas's SIS user id
    score: float | None
    score_status: str
    text_score: str | None
    late: str | None  # 1.2 only: "true" / "false"
    missing: str | None


@dataclass(frozen=True)
class Failure:
    """An error the sync report must hold: one of ``titles``, for that assignment (and student)."""

    assignment_id: int
    student: str | None
    titles: frozenset[str]
    rules: tuple[str, ...]  # the behaviours that refuse it (none: Canvas's own check before any PUT)
    sent: bool  # a PUT reached the server (a later sync sends it again: nothing recorded it as sent)
    what: str  # for messages


@dataclass(frozen=True)
class Cell:
    """What the teacher sees for one result (IC-VIEW)."""

    display: str
    score: float | None
    extra_credit: float | None
    flags: frozenset[str]
    score_status: str | None


@dataclass
class Expected:
    course_reasons: list[str] = field(default_factory=list)
    filtered: set[tuple[int, str]] = field(default_factory=set)  # (assignment or outcome id, reason code)
    name_limit: int | None = None
    line_items: dict[str, LineItemOutcome] = field(default_factory=dict)
    refused_line_items: dict[str, tuple[str, ...]] = field(default_factory=dict)  # local id -> rules
    results: dict[str, ResultOutcome] = field(default_factory=dict)
    refused_results: dict[str, tuple[str, ...]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    warnings: Counter[int] = field(default_factory=Counter)  # assignment id -> students without a SIS id
    grades_filtered: Counter[str] = field(default_factory=Counter)
    grades_failed: int = 0

    @property
    def puts_retried(self) -> int:
        """The PUTs a second sync sends again: those refused (nothing else is new to it)."""
        return sum(1 for failure in self.failures if failure.sent)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def title_key(title: str) -> str:
    """IC-LI-DUP-TITLE compares titles ignoring case and surrounding blanks."""
    return title.strip().casefold()


# --- Canvas: what is sent at all (section 7; docs/passback.md "Eligibility") ---------------------

def course_reasons(doc: dict[str, Any]) -> list[str]:
    course = doc["course"]
    reasons = []
    if not course.get("sis_course_id"):
        reasons.append("course_no_sis_id")
    if course.get("workflow_state") != "available":
        reasons.append("course_unpublished")
    return reasons


def _students(doc: dict[str, Any]) -> list[tuple[dict[str, Any], set[int]]]:
    """Users with an active StudentEnrollment, with the sections of those enrolments (the Test Student
    and inactive enrolments are not students)."""
    found = []
    for user in doc["users"]:
        sections = {e.get("course_section_id") for e in user["enrollments"]
                    if e["type"] == "StudentEnrollment" and e["enrollment_state"] == "active"}
        if sections:
            found.append((user, sections))
    return found


def _assigned_sections(doc: dict[str, Any], assignment: dict[str, Any]) -> list[int]:
    """Every course section when assigned to everyone, else the sections the SIS API lists for it."""
    everyone = [s["id"] for s in doc["sections"]]
    listed = assignment.get("sections")
    if _override_only(doc, assignment) and listed is not None:
        return [s["id"] for s in listed]
    return everyone


def _override_only(doc: dict[str, Any], assignment: dict[str, Any]) -> bool:
    if "only_visible_to_overrides" in assignment:
        return bool(assignment["only_visible_to_overrides"])
    listed = assignment.get("sections")  # the SIS API lists fewer sections for an override-only one
    return listed is not None and len({s["id"] for s in listed}) < len(doc["sections"])


def section_due(assignment: dict[str, Any], section_id: int) -> datetime | None:
    """A section override's due date for its section, else the assignment's."""
    for listed in assignment.get("sections") or ():
        if listed["id"] == section_id and "override" in listed:
            return _time(listed["override"].get("due_at"))
    return _time(assignment["due_at"])


def _graded(submission: dict[str, Any]) -> bool:
    """A grade: graded with a score (excused is not one)."""
    return submission["workflow_state"] == "graded" and submission.get("score") is not None


def assignment_reasons(doc: dict[str, Any], assignment: dict[str, Any]) -> list[str]:
    settings = doc.get("account_settings") or {}
    limit = settings.get("sis_assignment_name_length_input", 255) if settings.get("sis_assignment_name_length") \
        else None
    types = assignment["submission_types"]
    not_graded = assignment.get("grading_type", "points") == "not_graded" or "not_graded" in types
    post = assignment.get("post_to_sis", True)
    reasons = []
    if not assignment.get("published", True):
        reasons.append("assignment_unpublished")
    if not post:
        reasons.append("post_to_sis_off")
    if not_graded:
        reasons.append("not_graded")
    if "attendance" in types or (assignment["name"] == ROLL_CALL_NAME and "external_tool" in types):
        reasons.append("attendance")
    if _override_only(doc, assignment) or assignment.get("user_overrides"):
        reasons.append("differentiated")
    if post:  # the name and due date rules are Canvas's checks of "Sync to SIS" assignments
        if (settings.get("sis_require_assignment_due_date") and not not_graded
                and any(section_due(assignment, s) is None for s in _assigned_sections(doc, assignment))):
            reasons.append("due_date_missing")
        if limit is not None and len(assignment["name"]) > limit:
            reasons.append("name_too_long")
    submissions = [s for s in doc["submissions"] if s["assignment_id"] == assignment["id"]]
    if not not_graded and not any(_graded(s) for s in submissions):
        reasons.append("no_graded_submissions")
    return reasons


def _sendable(submission: dict[str, Any]) -> bool:
    """A grade, an excuse or a missing mark: what a sync extracts."""
    return (_graded(submission) or bool(submission.get("excused")) or bool(submission.get("missing"))
            or (submission["workflow_state"] == "graded" and bool(submission.get("grade"))))


def result_fields(version: str, assignment: dict[str, Any], submission: dict[str, Any]
                  ) -> tuple[float | None, str, str | None, str | None, str | None]:
    """(score, scoreStatus, textScore, late, missing) of the result Canvas sends (docs/passback.md)."""
    score, text = None, None
    if submission.get("excused"):
        status = "exempt"
    elif submission.get("score") is not None and assignment.get("grading_type") not in TEXT_GRADED:
        status, score = "fully graded", float(submission["score"])
    elif assignment.get("grading_type") in TEXT_GRADED and submission.get("grade"):
        status, text = "fully graded", submission.get("entered_grade") or submission["grade"]
    else:
        status = "not submitted"
    if version != "1.2":
        # Canvas passes no late/missing designations on 1.1 (IC-RES-FLAGS), and a 1.1 result has no
        # textScore (the 1EdTech 1.1 binding added it in 1.2): a letter grade lands as a blank cell.
        return score, status, None, None, None
    return (score, status, text, "true" if submission.get("late") else "false",
            "true" if submission.get("missing") else "false")


# --- Infinite Campus: what it stores and refuses (sections 4 and 5) -------------------------------

def _line_item_rules(facts: ClassFacts, title: str, due: datetime | None, active: set[str]) -> list[tuple[str, str]]:
    """(rule, title earned) of every IC rule refusing the line item."""
    refused = []
    if len(title) > facts.title_limit:
        refused.append(("IC-LI-TITLE-LEN", CANNOT_BE_CREATED))
    if due is None or _term_of(facts, due) is None:
        refused.append(("IC-LI-DUE-DATE", DATES_ERROR))
    if title_key(title) in active:
        refused.append(("IC-LI-DUP-TITLE", CANNOT_BE_CREATED))
    return refused


def _term_of(facts: ClassFacts, due: datetime) -> Term | None:
    day = due.date()
    return next((term for term in facts.terms if term.start <= day <= term.end), None)


def _category(facts: ClassFacts, group: str) -> str | None:
    """1.1: IC files every vendor line item under Uncategorized; 1.2: the category titled like the group."""
    if facts.version == "1.1":
        return UNCATEGORIZED
    return next((sid for sid, title in facts.categories if title.strip().casefold() == group.strip().casefold()),
                None)


def expected_sync(doc: dict[str, Any], facts: ClassFacts, *, remaster: bool) -> Expected:
    """The outcome of one sync of ``doc`` into an empty sandbox class (or, for a remaster, into one a
    sync of the same titles and due dates filled: each line item replaces itself)."""
    expected = Expected(course_reasons=course_reasons(doc))
    settings = doc.get("account_settings") or {}
    if settings.get("sis_assignment_name_length"):
        expected.name_limit = settings.get("sis_assignment_name_length_input", 255)
    for outcome in (doc.get("outcome_rollups") or {}).get("linked", {}).get("outcomes", []):
        expected.filtered.add((outcome["id"], "learning_mastery"))
    eligible = []
    for assignment in doc["assignments"]:
        reasons = assignment_reasons(doc, assignment)
        expected.filtered |= {(assignment["id"], reason) for reason in reasons}
        if not reasons:
            eligible.append(assignment)
    if expected.course_reasons:
        return expected
    since = None if remaster else datetime.fromisoformat(doc["exported_at"]) - NORMAL_WINDOW
    course_id = doc["course"]["id"]
    synced = [s for s in doc["sections"] if s.get("sis_section_id") == facts.class_id]
    active: set[str] = set()  # titles of the class's active line items the sync made (IC-LI-DUP-TITLE)
    for assignment in eligible:
        for section in synced:
            if section["id"] in _assigned_sections(doc, assignment):
                _line_item(expected, doc, facts, assignment, section["id"], f"canvas-{course_id}-a{assignment['id']}"
                           f"-s{section['id']}", active, since)
    return expected


def _line_item(expected: Expected, doc: dict[str, Any], facts: ClassFacts, assignment: dict[str, Any],
               section_id: int, local_id: str, active: set[str], since: datetime | None) -> None:
    title, due = assignment["name"], section_due(assignment, section_id)
    grades = _grades(expected, doc, facts, assignment, section_id, local_id, since)
    category = _category(facts, assignment["assignment_group"]["name"])
    what = f"line item {title!r} (Canvas assignment {assignment['id']})"
    if category is None:  # Canvas's own check: "Grading category ... not found", nothing PUT
        expected.failures.append(Failure(assignment["id"], None, frozenset({CANNOT_BE_CREATED}), (), False, what))
        expected.grades_failed += len(grades)
        return
    refused = _line_item_rules(facts, title, due, active)
    if refused:
        rules = tuple(rule for rule, _ in refused)
        expected.refused_line_items[local_id] = rules
        expected.failures.append(Failure(assignment["id"], None, frozenset(t for _, t in refused), rules, True, what))
        expected.grades_failed += len(grades)
        return
    assert due is not None
    active.add(title_key(title))
    term = _term_of(facts, due)
    expected.line_items[local_id] = LineItemOutcome(
        local_id, assignment["id"], title, due, float(assignment["points_possible"] or 0), category,
        term.grading_periods if term else ())
    for result in grades:
        refused_result = []
        if result.student not in facts.enrolled:
            refused_result.append(("IC-RES-UPSERT", CANNOT_EXPORT))
        if result.score is not None and result.score < 0:
            refused_result.append(("IC-RES-EXTRA-CREDIT", UNABLE_TO_PROCESS_SCORE))
        if refused_result:
            rules = tuple(rule for rule, _ in refused_result)
            expected.refused_results[result.local_id] = rules
            expected.failures.append(Failure(assignment["id"], result.student, frozenset(t for _, t in refused_result),
                                             rules, True, f"result of student {result.student} for {what}"))
            expected.grades_failed += 1
        else:
            expected.results[result.local_id] = result


def _grades(expected: Expected, doc: dict[str, Any], facts: ClassFacts, assignment: dict[str, Any], section_id: int,
            local_id: str, since: datetime | None) -> list[ResultOutcome]:
    """The results Canvas sends for the assignment in that section (a normal sync: changed since ``since``)."""
    submissions = {s["user_id"]: s for s in doc["submissions"] if s["assignment_id"] == assignment["id"]}
    grades = []
    for user, sections in _students(doc):
        submission = submissions.get(user["id"])
        if section_id not in sections or submission is None or not _sendable(submission):
            continue
        if not user.get("sis_user_id"):  # a warning: "Cannot Export Canvas Submission in Section", not sent
            expected.warnings[assignment["id"]] += 1
            expected.grades_filtered["student_no_sis_id"] += 1
            continue
        changed = _time(submission.get("graded_at")) or _time(submission.get("submitted_at"))
        if since is not None and changed is not None and changed < since:
            expected.grades_filtered["older_than_since"] += 1
            continue
        score, status, text, late, missing = result_fields(facts.version, assignment, submission)
        grades.append(ResultOutcome(f"{local_id}-u{user['id']}", local_id, user["sis_user_id"], score, status, text,
                                    late, missing))
    return grades


# --- what the teacher sees (IC-VIEW) ---------------------------------------------------------------

def expected_cell(result: ResultOutcome, max_points: float) -> Cell:
    """IC-RES-DECIMAL: the grid shows the whole-number part; IC-RES-EXTRA-CREDIT: a score above the
    maximum shows the maximum, the excess as extra credit; IC-RES-BLANK: no score, a blank cell;
    IC-RES-FLAGS: exempt X, and on 1.2 late L and missing M."""
    flags = set()
    if result.score_status == "exempt":
        flags.add("X")
    if result.late == "true":
        flags.add("L")
    if result.missing == "true":
        flags.add("M")
    if result.score is None:
        return Cell("", None, None, frozenset(flags), result.score_status)
    extra = result.score - max_points if result.score > max_points else None
    shown = min(result.score, max_points)
    return Cell(str(math.floor(shown)), result.score, extra, frozenset(flags), result.score_status)
