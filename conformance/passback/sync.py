"""Push a plan to a OneRoster server the way Canvas does when a teacher clicks "Sync to SIS".

For each line item of the plan (one Canvas assignment in one section): read the IC class (the
section's SIS id), list its line items and match by title + due date (more than one match: Canvas's
"Multiple matches found" error and nothing is pushed for it; exactly one that is not ours: adopt
its sourcedId), choose the category (1.1: IC files every vendor line item under Uncategorized, so
the placeholder is sent; 1.2: the class's category titled like the assignment group, else Canvas's
"Grading category ... not found" error listing the available ones), PUT the line item, then PUT its
results. With ``concurrency`` N > 1 (IC asks for at most 5) up to N requests are in flight at once,
counting the sync's own reads and line item PUTs: the results of one line item are still being
sent while the next line item is read and PUT (never its results before it), so the server is
never left idle between line items. Outcomes are recorded in plan order whatever the order the
answers come in, so a report lists its errors in the same order at any concurrency. Every failure
becomes an error titled with one of the ten Canvas SIS error titles; the sync goes on with the rest.
At the overall deadline it stops and reports "Data Sync Job Timed Out" for whatever was not done.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from conformance.client import OneRosterClient
from conformance.client_errors import DeadlineExceeded, NotFound, OneRosterError
from conformance.passback.canvas import CanvasCourse
from conformance.passback.plan import GradePlan, LineItemPlan, Plan, SyncOptions, iso, make_plan
from conformance.passback.report import Counts, SyncIssue, SyncReport
from conformance.passback.sis_errors import Operation, Title, title_of
from conformance.passback.state import SyncState, TargetState
from conformance.state_file import target_key

UNCATEGORIZED = "11111111-1111-1111-1111-111111111111"  # IC's 1.1 placeholder category (IC-LI-CATEGORY-1P1)
MAX_CONCURRENCY = 5  # IC's consumer guidelines (IC-LOAD)

Progress = Callable[[int], None]  # called with the number of grades just handled


class _TimedOut(Exception):
    """The sync's deadline passed: stop, report what remains."""


@dataclass
class _ClassInfo:
    school: dict[str, Any] | None
    categories: list[dict[str, Any]] | None = None
    line_items: list[dict[str, Any]] | None = None
    roster_ids: set[str] | None = None  # 1.1: the user sourcedIds of the class's students


@dataclass
class _Pending:
    """A result PUT sent (or about to be) whose outcome is not recorded yet."""

    index: int  # of its line item in the plan
    item: LineItemPlan
    grade: GradePlan
    outcome: Future[OneRosterError | None]


@dataclass
class Pusher:
    client: OneRosterClient
    plan: Plan
    state: TargetState
    report: SyncReport
    concurrency: int = 1
    progress: Progress | None = None
    _classes: dict[str, _ClassInfo | None] = field(default_factory=dict)
    _pending: deque[_Pending] = field(default_factory=deque)
    _failed: set[str] = field(default_factory=set)  # result and line item ids whose failure is reported
    _pool: ThreadPoolExecutor | None = None
    _slots: threading.BoundedSemaphore | None = None  # one per request in flight

    def run(self) -> None:
        items = self.plan.items
        if self.concurrency > 1:
            self._slots = threading.BoundedSemaphore(self.concurrency)
            self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="passback")
        index = 0
        try:
            for index, item in enumerate(items):
                if item.send_line_item or item.grades:
                    self._push(index, item)
            self._record(block=True)
        except _TimedOut:
            first = min([index] + [p.index for p in self._pending])  # earlier items are complete
            self._record(block=True, timed_out=True)
            for left in items[first:]:
                self._timed_out(left)
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)

    @contextmanager
    def _slot(self) -> Iterator[None]:
        """One of the ``concurrency`` requests in flight, for a call the sync makes itself."""
        if self._slots is None:
            yield
            return
        with self._slots:
            yield

    # -- one line item ---------------------------------------------------------------------------

    def _push(self, index: int, item: LineItemPlan) -> None:
        info = self._class_info(item)
        if info is None:
            self._fail_grades(item)
            return
        if item.send_line_item and not self._put_line_item(item, info):
            self._fail_grades(item)
            return
        self._put_results(index, item, info)

    def _class_info(self, item: LineItemPlan) -> _ClassInfo | None:
        class_id = item.class_id
        if class_id not in self._classes:
            try:
                with self._slot():
                    klass = self.client.get_class(class_id)
                self._classes[class_id] = _ClassInfo(school=klass.get("school"))
            except OneRosterError as exc:
                self._error(item, Operation.ROSTER, exc, message=f"Could not read class {class_id!r} in "
                            f"Infinite Campus for section {item.section.name!r}: {exc.description}")
                self._classes[class_id] = None
        return self._classes[class_id]

    def _put_line_item(self, item: LineItemPlan, info: _ClassInfo) -> bool:
        sourced_id = self._matching_line_item(item, info)
        category = self._category(item, info) if sourced_id is not None else None
        if sourced_id is None or category is None:
            return False
        try:
            with self._slot():
                self.client.put_line_item(sourced_id, self._line_item_body(item, info, sourced_id, category))
        except OneRosterError as exc:
            self._error(item, Operation.LINE_ITEM_PUT, exc)
            return False
        if sourced_id != item.line_item_id:
            for grade in item.grades:  # the results point at the adopted line item
                grade.point_at(sourced_id)
            item.line_item_id = sourced_id
        self.state.line_item_sent(item.stable_id, sourced_id, item.digest)
        self.report.counts.line_items_sent += 1
        return True

    def _matching_line_item(self, item: LineItemPlan, info: _ClassInfo) -> str | None:
        """Canvas looks before it creates: the IC assignments of the class with the same title and due date."""
        if info.line_items is None:
            info.line_items = self._read(item, Operation.LINE_ITEMS, self.client.class_line_items)
            if info.line_items is None:
                return None
        ours = {item.line_item_id, item.stable_id}
        if any(li.get("sourcedId") in ours for li in info.line_items):
            return item.line_item_id
        matches = [li for li in info.line_items if _same_assignment(li, item)]
        if len(matches) > 1:
            due = item.due_at.date().isoformat() if item.due_at else "(no due date)"
            ids = ", ".join(str(li.get("sourcedId")) for li in matches)
            self._issue(item, Title.ASSIGNMENT_CANNOT_BE_CREATED,
                        f'Multiple matches found for "{item.title}" due on {due} in OneRoster. ({ids})')
            return None
        if matches:
            return str(matches[0]["sourcedId"])
        return item.line_item_id

    def _category(self, item: LineItemPlan, info: _ClassInfo) -> str | None:
        if self.client.version == "1.1":
            return UNCATEGORIZED
        if info.categories is None:
            info.categories = self._read(item, Operation.CATEGORIES, self.client.class_categories)
            if info.categories is None:
                return None
        wanted = item.assignment.group.name.strip().casefold()
        for category in info.categories:
            if str(category.get("title", "")).strip().casefold() == wanted:
                return str(category["sourcedId"])
        available = ", ".join(f'"{c.get("title")}"' for c in info.categories) or "none"
        self._issue(item, Title.ASSIGNMENT_CANNOT_BE_CREATED,
                    f'Grading category "{item.assignment.group.name}" not found in Infinite Campus for section '
                    f'{item.class_id!r}. Available categories: {available}')
        return None

    def _read(self, item: LineItemPlan, operation: Operation,
              call: Callable[[str], list[dict[str, Any]]]) -> list[dict[str, Any]] | None:
        """A read of the class before the PUT; None (and an error titled for that step) when it fails."""
        try:
            with self._slot():
                return call(item.class_id)
        except OneRosterError as exc:
            self._error(item, operation, exc)
            return None

    def _line_item_body(self, item: LineItemPlan, info: _ClassInfo, sourced_id: str, category: str) -> dict[str, Any]:
        assignment = item.assignment
        assign_date = assignment.unlock_at or assignment.created_at or item.due_at or self.plan.now
        body: dict[str, Any] = {
            "sourcedId": sourced_id,
            "status": "active",
            "dateLastModified": _now(),
            "title": item.title,
            "description": f"Canvas assignment {assignment.id} ({self.plan.course.name})",
            "assignDate": iso(min(assign_date, item.due_at) if item.due_at else assign_date),
            "dueDate": iso(item.due_at) if item.due_at else None,
            "class": {"sourcedId": item.class_id},
            "category": {"sourcedId": category},
            "resultValueMin": 0.0,
            "resultValueMax": float(assignment.points_possible or 0.0),
        }
        if self.client.version == "1.2" and info.school:
            body["school"] = {"sourcedId": info.school.get("sourcedId")}
        return {k: v for k, v in body.items() if v is not None}

    # -- results -------------------------------------------------------------------------------

    def _put_results(self, index: int, item: LineItemPlan, info: _ClassInfo) -> None:
        if not item.grades:
            return
        if self.client.version == "1.1":
            self._use_v1p1_student_ids(item, info)
        pool, slots = self._pool, self._slots
        for grade in item.grades:
            outcome: Future[OneRosterError | None]
            if pool is None or slots is None:
                outcome = Future()
                outcome.set_result(self._send_result(grade))
            else:
                slots.acquire()  # released when the answer is in: at most `concurrency` in flight
                outcome = pool.submit(self._send_result, grade)
                outcome.add_done_callback(lambda _: slots.release())
            self._pending.append(_Pending(index, item, grade, outcome))
            self._record(block=False)

    def _use_v1p1_student_ids(self, item: LineItemPlan, info: _ClassInfo) -> None:
        if info.roster_ids is None:
            roster = self._read(item, Operation.ROSTER, self.client.class_students) or []
            info.roster_ids = {str(u.get("sourcedId")) for u in roster}
        for grade in item.grades:
            grade.body["student"] = {"sourcedId": v1p1_student_id(str(grade.body["student"]["sourcedId"]),
                                                                  info.roster_ids)}

    def _send_result(self, grade: GradePlan) -> OneRosterError | None:
        """The result PUT (in a pool thread when concurrent): its failure, None when it was stored."""
        try:
            self.client.put_result(grade.result_id, {**grade.body, "dateLastModified": _now()})
        except OneRosterError as exc:
            return exc
        return None

    def _record(self, *, block: bool, timed_out: bool = False) -> None:
        """Record the outcomes of the result PUTs in the order they were planned: those answered
        (all of them when ``block``). A deadline passed raises _TimedOut, unless ``timed_out`` (the
        sync is already stopping: what was stored is still recorded, the rest left to _timed_out)."""
        pending = self._pending
        while pending and (block or pending[0].outcome.done()):
            head = pending[0]
            failure = head.outcome.result()
            if isinstance(failure, DeadlineExceeded):
                if not timed_out:
                    raise _TimedOut
                pending.popleft()
                continue
            pending.popleft()
            if failure is None:
                self.state.result_sent(head.grade.result_id, head.grade.digest)
                self.report.counts.grades_sent += 1
            else:
                self.report.counts.grades_failed += 1
                self._failed.add(head.grade.result_id)
                self._error(head.item, Operation.RESULT_PUT, failure, student=head.grade.student.sis_user_id)
            self._tick(1)

    # -- reporting -----------------------------------------------------------------------------

    def _fail_grades(self, item: LineItemPlan) -> None:
        """The line item could not be pushed (its error is reported): its grades fail with it."""
        self.report.counts.grades_failed += len(item.grades)
        self._failed.add(item.stable_id)
        self._failed.update(g.result_id for g in item.grades)
        self._tick(len(item.grades))

    def _timed_out(self, item: LineItemPlan) -> None:
        """Report what the deadline left undone of a line item: neither sent nor failed already."""
        remaining = [g for g in item.grades if self.state.result_digest(g.result_id) != g.digest
                     and g.result_id not in self._failed]
        line_item_left = (item.send_line_item and item.stable_id not in self._failed
                          and self.state.line_item_digest(item.stable_id) != item.digest)
        if not remaining and not line_item_left:
            return
        self.report.counts.grades_failed += len(remaining)
        self._issue(item, Title.DATA_SYNC_JOB_TIMED_OUT,
                    f"The sync's deadline passed before {len(remaining)} grade(s) of this assignment were sent")

    def _error(self, item: LineItemPlan, operation: Operation, exc: OneRosterError, *, student: str | None = None,
               message: str | None = None) -> None:
        if isinstance(exc, DeadlineExceeded):
            raise _TimedOut from exc
        self.report.errors.append(SyncIssue(
            title_of(operation, exc), message or exc.description, section=item.class_id,
            assignment_id=item.assignment.id, assignment=item.assignment.name, student=student, status=exc.status,
            code_minor=exc.code_minor, description=exc.description))

    def _issue(self, item: LineItemPlan, title: Title, message: str) -> None:
        self.report.errors.append(SyncIssue(title, message, section=item.class_id, assignment_id=item.assignment.id,
                                            assignment=item.assignment.name))

    def _tick(self, n: int) -> None:
        if self.progress is not None and n:
            self.progress(n)


def v1p1_student_id(sis_id: str, roster_ids: set[str]) -> str:
    """Canvas holds the 1.2 user sourcedId as the SIS user id; on 1.1 IC prefixes user ids with the role
    letter (IC-IDS: ``12345`` is ``s12345``). The class's 1.1 roster says which one it knows."""
    return f"s{sis_id}" if sis_id not in roster_ids and f"s{sis_id}" in roster_ids else sis_id


def _same_assignment(line_item: dict[str, Any], item: LineItemPlan) -> bool:
    if str(line_item.get("title", "")).strip().casefold() != item.title.strip().casefold():
        return False
    due = line_item.get("dueDate")
    if item.due_at is None or not isinstance(due, str):
        return item.due_at is None and not due
    try:
        theirs = datetime.fromisoformat(due.replace("Z", "+00:00"))
    except ValueError:
        return False
    if theirs.tzinfo is None:
        theirs = theirs.replace(tzinfo=UTC)
    return theirs.astimezone(UTC).date() == item.due_at.astimezone(UTC).date()


def _now() -> str:
    """``2026-11-25T12:00:00.123Z``: isoformat costs half of strftime, once per grade sent."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def counts_of(plan: Plan) -> Counts:
    """The counts a plan alone decides (the rest are filled while pushing)."""
    counts = Counts(assignments_extracted=plan.assignments_extracted, grades_extracted=plan.grades_extracted,
                    grades_unchanged=plan.grades_unchanged)
    counts.assignments_eligible = plan.assignments_eligible
    for _assignment, reason in plan.filtered_assignments:
        counts.assignments_filtered[str(reason.code)] += 1
    counts.grades_filtered.update(plan.filtered_grades)
    return counts


def stale_sections(client: OneRosterClient, plan: Plan, state: TargetState) -> tuple[list[str], list[SyncIssue]]:
    """Does the server still hold what the sync state says was sent? One read per section.

    For each section (IC class) with a line item the state says was sent, GET one such line item:
    one of ours rather than an adopted IC assignment when there is one (a tenant reset or a restore
    brings IC's own assignments back, never ours). 404 (or ``tobedeleted``) means the server lost
    the section's line items and grades. Returns those sections, and a notice for each of them and
    for each section that could not be checked (the sync then goes on as the state says).
    """
    probes: dict[str, LineItemPlan] = {}
    for item in plan.items:
        if state.line_item_digest(item.stable_id) is None:
            continue
        known = probes.get(item.class_id)
        if known is None or (known.line_item_id != known.stable_id and item.line_item_id == item.stable_id):
            probes[item.class_id] = item
    gone: list[str] = []
    notices: list[SyncIssue] = []
    for class_id, item in probes.items():
        section = f"section {item.section.name!r}"
        missing: NotFound | None = None
        try:
            if client.get_line_item(item.line_item_id).get("status") != "tobedeleted":
                continue
        except NotFound as exc:
            missing = exc
        except OneRosterError as exc:
            notices.append(SyncIssue(None, f"Could not check that the line items the sync state says were sent to "
                                     f"{section} are still there: {exc.description}", section=class_id,
                                     status=exc.status, code_minor=exc.code_minor, description=exc.description))
            continue
        gone.append(class_id)
        notices.append(SyncIssue(None, f"The line items the sync state says were sent to {section} are gone from "
                                 "the server: sending them and all their grades again", section=class_id,
                                 status=missing.status if missing else None,
                                 code_minor=missing.code_minor if missing else None,
                                 description=missing.description if missing else None))
    return gone, notices


def sync(course: CanvasCourse, client: OneRosterClient, state: SyncState, options: SyncOptions | None = None, *,
         dry_run: bool = False, concurrency: int = 1, deadline: float | None = None,
         progress: Callable[[Plan], Progress] | None = None) -> SyncReport:
    """Plan, then (unless ``dry_run``) push; the report is also added to the state's history and saved.

    A normal sync first checks, one read per section, that what the state says was sent is still
    on the server (:func:`stale_sections`); a section that lost it is sent again in full.
    ``deadline``: seconds the whole push may take. ``progress``: given the plan, returns the callback
    that is told how many grades were handled (the CLI's progress bar).
    """
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be 1..{MAX_CONCURRENCY} (IC asks for at most {MAX_CONCURRENCY} "
                         f"concurrent requests), got {concurrency}")
    options = replace(options or SyncOptions(), version=client.version)
    key = target_key(client.version, client.root)
    target = state.target(key)
    plan = make_plan(course, options, target)
    mode = "dry-run" if dry_run else "remaster" if options.remaster else "normal"
    report = SyncReport(course.id, key, mode, since=plan.since)
    if dry_run:
        _fill(report, plan)
        report.planned = [{"section": i.class_id, "assignment": i.assignment.name, "lineItem": i.line_item_id,
                           "sendLineItem": i.send_line_item, "grades": len(i.grades), "unchanged": i.unchanged}
                          for i in plan.items if i.send_line_item or i.grades or i.unchanged]
        report.message = (f"Dry run: would send {sum(i.send_line_item for i in plan.items)} line item(s) and "
                          f"{plan.grades_to_send} grade(s); {plan.grades_unchanged} unchanged")
    elif plan.course_reasons:
        _fill(report, plan)
    else:
        with counted(client, report, deadline):
            if not options.remaster:
                gone, notices = stale_sections(client, plan, target)
                report.warnings += notices
                if gone:
                    for item in plan.items:
                        if item.class_id in gone:
                            target.forget(item.stable_id)
                    report.resent_sections = gone
                    plan = make_plan(course, options, target, resend=frozenset(gone))
            _fill(report, plan)
            Pusher(client, plan, target, report, concurrency, progress(plan) if progress else None).run()
    return finished(report, state, dry_run)


@contextmanager
def counted(client: OneRosterClient, report: SyncReport, deadline: float | None) -> Iterator[None]:
    """Inside the block the client keeps to ``deadline``; the HTTP requests and retries it made are the report's."""
    before = (client.stats.requests, client.stats.retries)
    client.start_deadline(deadline)
    try:
        yield
    finally:
        client.start_deadline(None)
        report.requests = client.stats.requests - before[0]
        report.retries = client.stats.retries - before[1]


def finished(report: SyncReport, state: SyncState, dry_run: bool) -> SyncReport:
    """The report closed and, unless a dry run, added to the state's history and the state saved."""
    report.finish()
    if not dry_run:
        state.add_report(report.to_dict())
        state.save()
    return report


def _fill(report: SyncReport, plan: Plan) -> None:
    """What the plan alone tells the report: its counts, its warnings, the course's reasons not to sync."""
    report.counts = counts_of(plan)
    report.warnings += [SyncIssue(Title.CANNOT_EXPORT_SUBMISSION_IN_SECTION, message, section=item.class_id,
                                  assignment_id=item.assignment.id, assignment=item.assignment.name)
                        for item, _student, message in plan.warnings]
    report.errors += [SyncIssue(None, reason.message) for reason in plan.course_reasons]
