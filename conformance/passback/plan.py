"""Plan a sync: what Canvas would send, decided from the course file and the sync state alone.

A plan never talks to the server (``--dry-run`` prints it). For each eligible assignment and each
section it applies to, it holds one line item (a stable sourcedId derived from course, assignment
and section, so re-running never duplicates) and the grades to send, each as the OneRoster result
body of the connection's version. A normal sync takes the grades changed in the 30 days before the
sync's ``now``; a remaster takes every grade and ignores what the sync state says was sent.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from conformance.passback.canvas import Assignment, CanvasCourse, Section, Student, Submission
from conformance.passback.eligibility import (
    EligibilitySettings,
    Reason,
    course_reasons,
    eligible_assignments,
    learning_mastery_reasons,
)
from conformance.passback.state import TargetState

NORMAL_WINDOW = timedelta(days=30)  # Canvas's normal sync: grades changed in the last 30 days
TEXT_GRADED = frozenset({"letter_grade", "gpa_scale"})  # sent as textScore, without a score


@dataclass(frozen=True)
class SyncOptions:
    """What to sync. ``now`` defaults to the course file's ``exported_at`` (the moment the file shows),
    ``since`` to 30 days before ``now``; ``sections`` and ``assignments`` select by id, SIS id or name."""

    version: str = "1.2"
    remaster: bool = False
    now: datetime | None = None
    since: datetime | None = None
    sections: frozenset[str] | None = None
    assignments: frozenset[str] | None = None
    settings: EligibilitySettings | None = None


@dataclass
class GradePlan:
    result_id: str
    student: Student
    submission: Submission
    body: dict[str, Any]  # the result, without dateLastModified (set when sent)
    digest: str  # result_digest(body): what the sync state remembers once it is sent

    def point_at(self, line_item_id: str) -> None:
        """Send it to another line item (an IC assignment adopted by title + due date)."""
        self.body["lineItem"] = {"sourcedId": line_item_id}
        self.digest = result_digest(self.body)


@dataclass
class LineItemPlan:
    """One Canvas assignment in one section = one IC line item, and its grades to send."""

    assignment: Assignment
    section: Section
    stable_id: str  # line_item_id(course, assignment, section): the key of the sync state
    line_item_id: str  # the IC sourcedId used: the stable id, or an IC assignment adopted earlier
    title: str
    due_at: datetime | None
    digest: str  # of the Canvas side of the line item: title, due date, points, group, section
    send_line_item: bool  # new or changed since the last sync (or a remaster)
    grades: list[GradePlan] = field(default_factory=list)
    unchanged: int = 0  # grades already sent with the same content

    @property
    def class_id(self) -> str:
        return self.section.sis_section_id or ""

    @property
    def key(self) -> str:
        return f"{self.assignment.id}@{self.section.id}"


@dataclass
class Plan:
    course: CanvasCourse
    options: SyncOptions
    now: datetime
    since: datetime | None  # None for a remaster
    items: list[LineItemPlan]
    course_reasons: list[Reason]
    filtered_assignments: list[tuple[Assignment, Reason]]
    filtered_grades: Counter[str]  # reason code -> grades not sent for it
    assignments_extracted: int
    assignments_eligible: int
    grades_extracted: int
    warnings: list[tuple[LineItemPlan, Student, str]] = field(default_factory=list)

    @property
    def grades_to_send(self) -> int:
        return sum(len(item.grades) for item in self.items)

    @property
    def grades_unchanged(self) -> int:
        return sum(item.unchanged for item in self.items)

    @property
    def nothing_to_send(self) -> bool:
        return not any(item.send_line_item or item.grades for item in self.items)


def line_item_id(course: CanvasCourse, assignment: Assignment, section: Section) -> str:
    """Stable: the same course, assignment and section always give the same IC line item."""
    return f"canvas-{course.id}-a{assignment.id}-s{section.id}"


def result_id(course: CanvasCourse, assignment: Assignment, section: Section, student: Student) -> str:
    return f"canvas-{course.id}-a{assignment.id}-s{section.id}-u{student.id}"


def digest(value: Any) -> str:
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def result_digest(body: dict[str, Any]) -> str:
    """What makes a grade "changed": the result as sent, but not its scoreDate (no grading time known
    means the sync's "now", which must not make an unchanged grade look new)."""
    return digest({k: v for k, v in body.items() if k != "scoreDate"})


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_plan(course: CanvasCourse, options: SyncOptions, state: TargetState,
              resend: frozenset[str] = frozenset()) -> Plan:
    """The plan. ``resend``: class sourcedIds (section SIS ids) planned as a remaster whatever the
    options say: every line item and every grade, neither the state nor ``since`` consulted (the
    sync found that the server lost what the state says was sent there)."""
    now = options.now or course.exported_at
    since = None if options.remaster else (options.since or now - NORMAL_WINDOW)
    reasons = course_reasons(course)
    eligible, filtered = eligible_assignments(course, options.settings)
    filtered = filtered + [(None, r) for r in learning_mastery_reasons(course)]  # type: ignore[list-item]
    selected = _selected(eligible, options.assignments)
    plan = Plan(course, options, now, since, [], reasons, filtered, Counter(), len(course.assignments),
                0 if reasons else len(selected), 0)
    if reasons:
        return plan
    for assignment in selected:
        for section in _selected_sections(course, assignment, options.sections):
            plan.items.append(_item(plan, assignment, section, state, section.sis_section_id in resend))
    return plan


def _selected(assignments: Iterable[Assignment], wanted: frozenset[str] | None) -> list[Assignment]:
    if wanted is None:
        return list(assignments)
    return [a for a in assignments if str(a.id) in wanted or a.name in wanted]


def _selected_sections(course: CanvasCourse, assignment: Assignment, wanted: frozenset[str] | None) -> list[Section]:
    sections = [s for s in course.sections_of(assignment) if s.sis_section_id]
    if wanted is None:
        return sections
    return [s for s in sections if {str(s.id), s.sis_section_id, s.name} & wanted]


def _item(plan: Plan, assignment: Assignment, section: Section, state: TargetState, resend: bool) -> LineItemPlan:
    course, version = plan.course, plan.options.version
    remaster = plan.options.remaster or resend
    since = None if resend else plan.since
    due_at = assignment.due_at_for(section.id)
    canvas_side = {"title": assignment.name, "due": iso(due_at) if due_at else None,
                   "points": assignment.points_possible, "group": assignment.group.name,
                   "section": section.sis_section_id, "version": version}
    item_digest = digest(canvas_side)
    item_id = line_item_id(course, assignment, section)
    item = LineItemPlan(assignment, section, item_id, state.line_item_id(item_id), assignment.name, due_at, item_digest,
                        send_line_item=remaster or state.line_item_digest(item_id) != item_digest)
    students = {s.id: s for s in course.students if section.id in s.section_ids}
    for submission in course.submissions_of(assignment.id):
        student = students.get(submission.user_id)
        if student is None or not _has_something_to_send(submission):
            continue
        plan.grades_extracted += 1
        if not student.sis_user_id:
            plan.filtered_grades["student_no_sis_id"] += 1
            plan.warnings.append((item, student, f"Student {student.name!r} (Canvas user {student.id}) has no SIS "
                                                 "id: the grade cannot be sent to Infinite Campus"))
            continue
        if since is not None and _changed_at(submission) is not None and _changed_at(submission) < since:
            plan.filtered_grades["older_than_since"] += 1
            continue
        rid = result_id(course, assignment, section, student)
        body = result_body(version, assignment, submission, student, rid, item.line_item_id, plan.now)
        body_digest = result_digest(body)
        if not remaster and state.result_digest(rid) == body_digest:
            item.unchanged += 1
            continue
        item.grades.append(GradePlan(rid, student, submission, body, body_digest))
    return item


def _has_something_to_send(submission: Submission) -> bool:
    """A grade, an excuse, or a missing mark: what a Canvas sync extracts."""
    return (submission.has_grade or submission.excused or submission.missing
            or (submission.workflow_state == "graded" and bool(submission.grade)))


def _changed_at(submission: Submission) -> datetime | None:
    return submission.graded_at or submission.submitted_at


def result_body(version: str, assignment: Assignment, submission: Submission, student: Student, rid: str,
                line_item: str, now: datetime) -> dict[str, Any]:
    """The OneRoster result Canvas sends for one submission (docs/passback.md, "What is sent")."""
    body: dict[str, Any] = {
        "sourcedId": rid,
        "status": "active",
        "lineItem": {"sourcedId": line_item},
        "student": {"sourcedId": student.sis_user_id},
        "scoreDate": iso(submission.graded_at or now),
    }
    text_graded = assignment.grading_type in TEXT_GRADED
    if submission.excused:
        body["scoreStatus"] = "exempt"
    elif submission.score is not None and not text_graded:
        body["scoreStatus"] = "fully graded"
        body["score"] = submission.score
    elif text_graded and submission.grade:
        body["scoreStatus"] = "fully graded"
        body["textScore"] = submission.entered_grade or submission.grade
    else:
        body["scoreStatus"] = "not submitted"
    if version == "1.2":
        body["late"] = "true" if submission.late else "false"
        body["missing"] = "true" if submission.missing else "false"
    return body
