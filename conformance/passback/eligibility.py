"""What Canvas sends to Infinite Campus: the eligibility rules of a Canvas grade sync (docs/passback.md, "Eligibility").

Canvas decides before IC sees anything. Each rule that fails is a :class:`Reason` with a stable code (the sync
report and tests key on it) and Canvas's own wording where Canvas or its Infinite Campus guides publish one, so a
report reads like the Canvas sync history a teacher would see. Every failing rule is reported, not just the first:
a teacher fixing an assignment wants the whole list.

Rules that Canvas only checks for assignments set to "Sync to SIS" (name length, due date) are only checked
when post_to_sis is on, as Canvas's AssignmentUtil does. Muted/hidden assignments are eligible like any other,
and assignment group weights play no part (Canvas does not send them).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from conformance.passback.canvas import Assignment, CanvasCourse

# Canvas's Roll Call Attendance tool creates an external-tool assignment of this name; older Canvas courses
# marked attendance with the submission type "attendance" (Assignment#attendance?).
ROLL_CALL_NAME = "Roll Call Attendance"


class ReasonCode(StrEnum):
    """Stable ids of the reasons; StrEnum so a code compares equal to its plain string."""

    COURSE_NO_SIS_ID = "course_no_sis_id"
    COURSE_UNPUBLISHED = "course_unpublished"
    ASSIGNMENT_UNPUBLISHED = "assignment_unpublished"
    POST_TO_SIS_OFF = "post_to_sis_off"
    NOT_GRADED = "not_graded"
    ATTENDANCE = "attendance"
    DIFFERENTIATED = "differentiated"
    DUE_DATE_MISSING = "due_date_missing"
    NAME_TOO_LONG = "name_too_long"
    NO_GRADED_SUBMISSIONS = "no_graded_submissions"
    LEARNING_MASTERY = "learning_mastery"


# Canvas's wording: the assignment model's validation messages, the SIS API's error, and the sentences of
# Instructure's Infinite Campus guides ("How do I sync my course gradebook from Canvas to Infinite Campus SIS?",
# "Instructor FAQ: Canvas and Infinite Campus", "How do I set up an assignment to be sent to Infinite Campus").
MESSAGES: dict[ReasonCode, str] = {
    ReasonCode.COURSE_NO_SIS_ID: "Your course must have a SIS ID in Canvas to pass grades to Infinite Campus.",
    ReasonCode.COURSE_UNPUBLISHED: "Grade data is not available for non-published courses",
    ReasonCode.ASSIGNMENT_UNPUBLISHED: "The course and any assignments must be published.",
    ReasonCode.POST_TO_SIS_OFF: "Assignments must be set to sync to Infinite Campus (Sync to SIS is off).",
    ReasonCode.NOT_GRADED: "Non-graded assignment types cannot be synced to Infinite Campus.",
    ReasonCode.ATTENDANCE: "The Attendance assignment is not included in an Infinite Campus sync.",
    ReasonCode.DIFFERENTIATED: "Infinite Campus does not support GPB for differentiated assignments.",
    ReasonCode.DUE_DATE_MISSING: "Due at cannot be blank when Post to Sis is checked",
    ReasonCode.NAME_TOO_LONG: "The title cannot be longer than {limit} characters",
    ReasonCode.NO_GRADED_SUBMISSIONS: "Assignments must have at least one student grade entered.",
    ReasonCode.LEARNING_MASTERY: "Learning Mastery Gradebook data is not included in an Infinite Campus sync.",
}


@dataclass(frozen=True, slots=True)
class Reason:
    """Why something is not sent: ``code`` for programs, ``message`` for people."""

    code: ReasonCode
    message: str
    assignment_id: int | None = None
    outcome_id: int | None = None  # learning_mastery reasons name the outcome (a Learning Mastery column)


@dataclass(frozen=True, slots=True)
class EligibilitySettings:
    """The account settings the rules read. ``from_course`` takes the course file's; keyword arguments
    override them, e.g. to check a course against a district that limits names to 30 characters."""

    name_length_limit: int | None = None  # None: the account does not limit names
    require_due_date: bool = False

    @classmethod
    def from_course(cls, course: CanvasCourse, **overrides: Any) -> EligibilitySettings:
        account = course.account_settings
        # replace() refuses unknown names, so a misspelt override fails loudly.
        return replace(cls(account.name_length_limit, account.sis_require_assignment_due_date), **overrides)


def _reason(code: ReasonCode, assignment: Assignment | None = None, **fill: object) -> Reason:
    return Reason(code, MESSAGES[code].format(**fill), assignment.id if assignment else None)


def course_reasons(course: CanvasCourse) -> list[Reason]:
    """Why nothing of the course can be synced (empty: the course may sync)."""
    reasons = []
    if not course.sis_course_id:
        reasons.append(_reason(ReasonCode.COURSE_NO_SIS_ID))
    if not course.published:
        reasons.append(_reason(ReasonCode.COURSE_UNPUBLISHED))
    return reasons


def is_attendance(assignment: Assignment) -> bool:
    """The Attendance assignment: Roll Call's external-tool assignment, or the legacy "attendance" type."""
    types = assignment.submission_types
    return "attendance" in types or (assignment.name == ROLL_CALL_NAME and "external_tool" in types)


def assignment_reasons(course: CanvasCourse, assignment: Assignment,
                       settings: EligibilitySettings | None = None) -> list[Reason]:
    """Why this assignment is not sent (empty: eligible). Course-level reasons are not repeated here."""
    settings = settings if settings is not None else EligibilitySettings.from_course(course)
    reasons = []
    if not assignment.published:
        reasons.append(_reason(ReasonCode.ASSIGNMENT_UNPUBLISHED, assignment))
    if not assignment.post_to_sis:
        reasons.append(_reason(ReasonCode.POST_TO_SIS_OFF, assignment))
    not_graded = assignment.grading_type == "not_graded" or "not_graded" in assignment.submission_types
    if not_graded:
        reasons.append(_reason(ReasonCode.NOT_GRADED, assignment))
    if is_attendance(assignment):
        reasons.append(_reason(ReasonCode.ATTENDANCE, assignment))
    if assignment.only_visible_to_overrides or assignment.user_override_ids:
        reasons.append(_reason(ReasonCode.DIFFERENTIATED, assignment))
    if assignment.post_to_sis:
        if settings.require_due_date and not not_graded and _lacks_due_date(course, assignment):
            reasons.append(_reason(ReasonCode.DUE_DATE_MISSING, assignment))
        limit = settings.name_length_limit
        if limit is not None and len(assignment.name) > limit:
            reasons.append(_reason(ReasonCode.NAME_TOO_LONG, assignment, limit=limit))
    # A not-graded assignment has no grades by definition: one reason is enough.
    if not not_graded and not any(s.has_grade for s in course.submissions_of(assignment.id)):
        reasons.append(_reason(ReasonCode.NO_GRADED_SUBMISSIONS, assignment))
    return reasons


def _lacks_due_date(course: CanvasCourse, assignment: Assignment) -> bool:
    """Some student it applies to has no due date: the assignment's, or a section override's without one
    (Canvas's guide: "a due date that is the same for all students in the section")."""
    sections = course.sections_of(assignment)
    if not sections:
        return assignment.due_at is None
    return any(assignment.due_at_for(section.id) is None for section in sections)


def learning_mastery_reasons(course: CanvasCourse) -> list[Reason]:
    """One reason per Learning Mastery Gradebook column (course outcome): outcome scores are never sent."""
    return [Reason(ReasonCode.LEARNING_MASTERY, MESSAGES[ReasonCode.LEARNING_MASTERY], outcome_id=outcome.id)
            for outcome in course.outcomes]


def eligible_assignments(course: CanvasCourse, settings: EligibilitySettings | None = None
                         ) -> tuple[list[Assignment], list[tuple[Assignment, Reason]]]:
    """The assignments a sync may send, and every (assignment, reason) that keeps the others out, in file order."""
    settings = settings if settings is not None else EligibilitySettings.from_course(course)
    eligible: list[Assignment] = []
    skipped: list[tuple[Assignment, Reason]] = []
    for assignment in course.assignments:
        reasons = assignment_reasons(course, assignment, settings)
        if reasons:
            skipped.extend((assignment, reason) for reason in reasons)
        else:
            eligible.append(assignment)
    return eligible, skipped
