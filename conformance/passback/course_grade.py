"""A student's current grade in a Canvas course, as Canvas's gradebook computes it (the "Total" column).

Written from Canvas's own grade calculator (canvas-lms ``ui/shared/grading/CourseGradeCalculator.ts`` and
``AssignmentGroupGradeCalculator.ts``: the *current* grade, which leaves ungraded work out):

- an assignment counts unless it is unpublished, omitted from the final grade, not graded (``not_graded``
  submission type or grading type), or not assigned to the student (only visible to overrides of other
  sections or students);
- a submission counts when it has a score and is not excused or pending review; its points possible are the
  assignment's. Within an assignment group the group's score is its counted scores over their points
  possible (extra credit included: a score may exceed its points);
- **points** (the course's ``apply_assignment_group_weights`` off): the grade is every counted score over
  every counted point possible, in percent;
- **weighted groups** (on): each group with points possible counts with its ``group_weight``: the grade is
  the sum of weight * group score, divided by the sum of those groups' weights when that is below 100 (so
  weights of groups without graded work are shared out), undivided when it is 100 or more; no such group, or
  weights summing to 0: no grade;
- rounded to two decimals, as Canvas shows it. No counted work: no grade (None).

Not modelled, because the course file does not carry them (the SIS and Submissions APIs do not return them):
assignment group drop rules (drop lowest/highest), grading periods and their weights, final grade overrides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from conformance.passback.canvas import Assignment, CanvasCourse, Student, Submission

NOT_GRADED = "not_graded"


@dataclass(frozen=True)
class GroupTotal:
    score: float
    possible: float
    weight: float


def counts_for(assignment: Assignment, student: Student) -> bool:
    """Does the assignment count in the student's grade (published, graded, in the final grade, assigned)?"""
    if not assignment.published or assignment.omit_from_final_grade:
        return False
    if assignment.grading_type == NOT_GRADED or NOT_GRADED in assignment.submission_types:
        return False
    if assignment.only_visible_to_overrides:
        in_section = bool(set(student.section_ids) & set(assignment.section_ids))
        return in_section or student.id in assignment.user_override_ids
    return True


def _counted(submission: Submission | None) -> bool:
    return (submission is not None and submission.score is not None and not submission.excused
            and submission.workflow_state != "pending_review")


def group_totals(course: CanvasCourse, student: Student) -> list[GroupTotal]:
    """Per assignment group, the student's counted score and points possible, and the group's weight."""
    mine = {s.assignment_id: s for s in course.submissions if s.user_id == student.id}
    totals: dict[int, list[float]] = {}
    weights: dict[int, float] = {}
    for assignment in course.assignments:
        if not counts_for(assignment, student):
            continue
        submission = mine.get(assignment.id)
        weights[assignment.group.id] = assignment.group.group_weight or 0.0
        if not _counted(submission):
            continue
        assert submission is not None and submission.score is not None
        total = totals.setdefault(assignment.group.id, [0.0, 0.0])
        total[0] += submission.score
        total[1] += assignment.points_possible or 0.0
    return [GroupTotal(score, possible, weights[group]) for group, (score, possible) in totals.items()]


def current_grade(course: CanvasCourse, student: Student) -> float | None:
    """The student's current grade in percent (two decimals), or None when nothing counts yet."""
    groups = group_totals(course, student)
    if course.apply_assignment_group_weights:
        return _weighted(groups)
    possible = sum(g.possible for g in groups)
    return _rounded(100 * sum(g.score for g in groups) / possible) if possible > 0 else None


def _weighted(groups: Iterable[GroupTotal]) -> float | None:
    relevant = [g for g in groups if g.possible > 0]
    full_weight = sum(g.weight for g in relevant)
    if not relevant or full_weight == 0:
        return None
    grade = sum(g.score / g.possible * g.weight for g in relevant)
    if full_weight < 100:
        grade = grade * 100 / full_weight
    return _rounded(grade)


def _rounded(value: float) -> float:
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
