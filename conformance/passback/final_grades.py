"""``mock-ic passback --final-grades [TASK]``: post each student's current Canvas grade to an Infinite Campus
grading task (IC-GRADING-TASK), with the assignment sync's eligibility, report and sync state.

The grade is Canvas's current grade (:mod:`conformance.passback.course_grade`), sent as a percent in the
result's ``score``: Infinite Campus maps it to a score of the task's score group by minimum percent, as it
does for a percent alone. Per section (Infinite Campus class):

1. the course rules (a course without a SIS id or unpublished sends nothing) and the section selection
   (``--sections``) as for assignments; a student without a SIS id is a warning, a student with no graded
   work has no current grade and is not sent (``no_current_grade``);
2. read the class, list its line items and choose the grading task: the one whose title (any case) or
   sourcedId is ``TASK``, else the class's only task whose grading window is open
   (``ext_infiniteCampus_isGradingWindowOpen: "true"``). None, several, or a named task whose window is
   closed: one error for the section, titled "Could Not Determine Class or Grading Period", nothing sent;
3. ``PUT results/canvas-<course>-g<task>-u<user>`` for each grade not sent before with the same content
   (the sync-state file; ``--remaster`` resends every grade). A second run with no change sends nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from conformance.client import OneRosterClient
from conformance.client_errors import DeadlineExceeded, OneRosterError
from conformance.passback.canvas import CanvasCourse, Section, Student
from conformance.passback.course_grade import current_grade
from conformance.passback.eligibility import course_reasons
from conformance.passback.plan import SyncOptions, iso, result_digest
from conformance.passback.report import SyncIssue, SyncReport
from conformance.passback.sis_errors import Operation, Title, title_of
from conformance.passback.state import SyncState, TargetState
from conformance.passback.sync import counted, finished, v1p1_student_id
from conformance.state_file import target_key

WINDOW_OPEN = "ext_infiniteCampus_isGradingWindowOpen"
MODE = "final-grades"


@dataclass(frozen=True)
class FinalGrade:
    student: Student
    percent: float


@dataclass
class SectionGrades:
    section: Section
    grades: list[FinalGrade] = field(default_factory=list)

    @property
    def class_id(self) -> str:
        return self.section.sis_section_id or ""


@dataclass
class FinalPlan:
    course: CanvasCourse
    options: SyncOptions
    task: str | None  # what the user named (None: the class's only open grading task)
    now: datetime
    sections: list[SectionGrades]
    extracted: int = 0
    filtered: Counter[str] = field(default_factory=Counter)
    warnings: list[SyncIssue] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"final grades → {self.task!r}" if self.task else "final grades → the only open grading task"


def plan_final_grades(course: CanvasCourse, options: SyncOptions, task: str | None) -> FinalPlan:
    """Every selected section's students with their current grade (nothing is read from a server)."""
    plan = FinalPlan(course, options, task, options.now or course.exported_at, [])
    wanted = options.sections
    for section in course.sections:
        if not section.sis_section_id or (wanted is not None and not {str(section.id), section.sis_section_id,
                                                                       section.name} & wanted):
            continue
        grades = SectionGrades(section)
        for student in course.students_of_section(section.sis_section_id):
            plan.extracted += 1
            percent = current_grade(course, student)
            if not student.sis_user_id:
                plan.filtered["student_no_sis_id"] += 1
                plan.warnings.append(SyncIssue(Title.CANNOT_EXPORT_SUBMISSION_IN_SECTION,
                                               f"Student {student.name!r} (Canvas user {student.id}) has no SIS id: "
                                               "the grade cannot be sent to Infinite Campus",
                                               section=section.sis_section_id, assignment=plan.label))
            elif percent is None:
                plan.filtered["no_current_grade"] += 1
            else:
                grades.grades.append(FinalGrade(student, percent))
        plan.sections.append(grades)
    return plan


def final_result_id(course: CanvasCourse, task_id: str, student: Student) -> str:
    """Stable: the same course, grading task and student always give the same result."""
    return f"canvas-{course.id}-g{task_id}-u{student.id}"


def result_body(task_id: str, grade: FinalGrade, student_id: str, result_id: str, now: datetime) -> dict[str, Any]:
    """A posted final grade: the percent alone, which IC maps to a score of the task's score group."""
    return {"sourcedId": result_id, "status": "active", "lineItem": {"sourcedId": task_id},
            "student": {"sourcedId": student_id}, "scoreStatus": "fully graded", "score": grade.percent,
            "scoreDate": iso(now)}


def choose_task(line_items: list[dict[str, Any]], wanted: str | None) -> tuple[dict[str, Any] | None, str]:
    """The grading task to post to, or None and why not (names the class's tasks)."""
    tasks = [li for li in line_items if isinstance((li.get("metadata") or {}).get(WINDOW_OPEN), str)
             and li.get("status", "active") == "active"]
    listed = ", ".join(f'"{t.get("title")}"' + ("" if _open(t) else " (closed)") for t in tasks) or "none"
    if wanted:
        matches = [t for t in tasks if t.get("sourcedId") == wanted
                   or str(t.get("title", "")).strip().casefold() == wanted.strip().casefold()]
        if len(matches) != 1:
            what = "No grading task" if not matches else f"{len(matches)} grading tasks"
            return None, f'{what} named "{wanted}" in Infinite Campus; the class\'s grading tasks: {listed}'
        if not _open(matches[0]):
            return None, (f'The grading window of grading task "{matches[0].get("title")}" is closed in Infinite '
                          f'Campus: its grades cannot be posted until it is reopened')
        return matches[0], ""
    open_tasks = [t for t in tasks if _open(t)]
    if len(open_tasks) == 1:
        return open_tasks[0], ""
    what = "No grading task is open" if not open_tasks else f"{len(open_tasks)} grading tasks are open"
    return None, f"{what} in Infinite Campus: name one with --final-grades TASK (the class's grading tasks: {listed})"


def _open(task: dict[str, Any]) -> bool:
    return (task.get("metadata") or {}).get(WINDOW_OPEN) == "true"


@dataclass
class FinalPusher:
    client: OneRosterClient
    plan: FinalPlan
    state: TargetState
    report: SyncReport

    _handled: int = 0  # grades of the current section sent, unchanged or failed

    def run(self) -> None:
        for index, section in enumerate(self.plan.sections):
            self._handled = 0
            try:
                self._section(section)
            except DeadlineExceeded:
                self.report.counts.grades_failed += len(section.grades) - self._handled
                self._issue(section, Title.DATA_SYNC_JOB_TIMED_OUT, "The sync's deadline passed before the final "
                            "grades of this section were sent")
                for left in self.plan.sections[index + 1:]:
                    self._failed(left, Title.DATA_SYNC_JOB_TIMED_OUT, "The sync's deadline passed before the "
                                 "final grades of this section were sent")
                return

    def _section(self, section: SectionGrades) -> None:
        if not section.grades:
            return
        try:
            self.client.get_class(section.class_id)
            line_items = self.client.class_line_items(section.class_id)
        except DeadlineExceeded:
            raise
        except OneRosterError as exc:
            self._failed(section, title_of(Operation.ROSTER, exc), f"Could not read class {section.class_id!r} in "
                         f"Infinite Campus for section {section.section.name!r}: {exc.description}", exc)
            return
        task, why = choose_task(line_items, self.plan.task)
        if task is None:
            self._failed(section, Title.COULD_NOT_DETERMINE_CLASS_OR_GRADING_PERIOD, f"Section "
                         f"{section.section.name!r}: {why}")
            return
        roster = ({str(u.get("sourcedId")) for u in self.client.class_students(section.class_id)}
                  if self.client.version == "1.1" else set())
        for grade in section.grades:
            self._send(section, task, grade, roster)

    def _send(self, section: SectionGrades, task: dict[str, Any], grade: FinalGrade, roster: set[str]) -> None:
        task_id = str(task["sourcedId"])
        rid = final_result_id(self.plan.course, task_id, grade.student)
        sis = str(grade.student.sis_user_id)
        body = result_body(task_id, grade, v1p1_student_id(sis, roster) if roster else sis, rid, self.plan.now)
        digest = result_digest(body)
        if not self.plan.options.remaster and self.state.result_digest(rid) == digest:
            self.report.counts.grades_unchanged += 1
            self._handled += 1
            return
        try:
            self.client.put_result(rid, body)
        except DeadlineExceeded:
            raise
        except OneRosterError as exc:
            self._handled += 1
            self.report.counts.grades_failed += 1
            self.report.errors.append(SyncIssue(
                title_of(Operation.RESULT_PUT, exc), exc.description, section=section.class_id,
                assignment=str(task.get("title")), student=sis, status=exc.status, code_minor=exc.code_minor,
                description=exc.description))
            return
        self._handled += 1
        self.state.result_sent(rid, digest)
        self.report.counts.grades_sent += 1

    def _failed(self, section: SectionGrades, title: Title, message: str, exc: OneRosterError | None = None) -> None:
        """Nothing of the section can be sent: its grades fail, under one error."""
        self.report.counts.grades_failed += len(section.grades)
        self._issue(section, title, message, exc)

    def _issue(self, section: SectionGrades, title: Title, message: str, exc: OneRosterError | None = None) -> None:
        self.report.errors.append(SyncIssue(title, message, section=section.class_id, assignment=self.plan.label,
                                            status=exc.status if exc else None,
                                            code_minor=exc.code_minor if exc else None,
                                            description=exc.description if exc else None))


def sync_final_grades(course: CanvasCourse, client: OneRosterClient, state: SyncState, options: SyncOptions,
                      task: str | None = None, *, dry_run: bool = False,
                      deadline: float | None = None) -> SyncReport:
    """Plan, then (unless ``dry_run``) post; the report is added to the state's history and saved."""
    key = target_key(client.version, client.root)
    target = state.target(key)
    plan = plan_final_grades(course, options, task)
    report = SyncReport(course.id, key, "dry-run" if dry_run else MODE)
    reasons = course_reasons(course)
    report.counts.grades_extracted = plan.extracted
    report.counts.grades_filtered.update(plan.filtered)
    report.warnings += plan.warnings
    report.errors += [SyncIssue(None, reason.message) for reason in reasons]
    if dry_run:
        report.planned = [{"section": s.class_id, "assignment": plan.label, "lineItem": "(chosen when sent)",
                           "sendLineItem": False, "grades": len(s.grades), "unchanged": 0} for s in plan.sections]
        report.message = (f"Dry run: would send {sum(len(s.grades) for s in plan.sections)} final grade(s) "
                          f"({plan.label})")
    elif not reasons:
        with counted(client, report, deadline):
            FinalPusher(client, plan, target, report).run()
    return finished(report, state, dry_run)
