"""The sync report: Canvas's sync history entry for one sync, as JSON and as a table.

Status: ``success`` (no error), ``partial`` (errors, and something was sent), ``failed`` (errors and
nothing sent, or the course could not sync at all). Each error and warning carries one of the ten
Canvas SIS error titles (:mod:`conformance.passback.sis_errors`) and what it concerns.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from conformance.passback.sis_errors import Title


@dataclass
class SyncIssue:
    title: Title | None  # None: not an SIS error (a course that cannot sync at all, a notice of the sync's own)
    message: str
    section: str | None = None  # section SIS id = IC class sourcedId
    assignment_id: int | None = None
    assignment: str | None = None  # its name
    student: str | None = None  # SIS user id
    status: int | None = None
    code_minor: str | None = None
    description: str | None = None  # the server's own words

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["title"] = str(self.title) if self.title else None
        return data


@dataclass
class Counts:
    assignments_extracted: int = 0
    assignments_eligible: int = 0
    assignments_filtered: Counter[str] = field(default_factory=Counter)  # reason code -> assignments
    grades_extracted: int = 0
    grades_filtered: Counter[str] = field(default_factory=Counter)  # reason -> grades
    line_items_sent: int = 0
    grades_sent: int = 0
    grades_unchanged: int = 0
    grades_failed: int = 0


@dataclass
class SyncReport:
    course_id: int
    target: str
    mode: str  # "normal", "remaster", "dry-run"
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished: datetime | None = None
    since: datetime | None = None
    counts: Counts = field(default_factory=Counts)
    errors: list[SyncIssue] = field(default_factory=list)
    warnings: list[SyncIssue] = field(default_factory=list)
    requests: int = 0
    retries: int = 0
    message: str = ""
    planned: list[dict[str, Any]] = field(default_factory=list)  # dry run: what would be sent
    resent_sections: list[str] = field(default_factory=list)  # their line items were gone: sent again in full

    @property
    def status(self) -> str:
        if not self.errors:
            return "success"
        return "partial" if self.counts.line_items_sent or self.counts.grades_sent else "failed"

    @property
    def exit_code(self) -> int:
        return {"success": 0, "partial": 1, "failed": 2}[self.status]

    @property
    def seconds(self) -> float:
        end = self.finished or datetime.now(UTC)
        return (end - self.started).total_seconds()

    def finish(self) -> None:
        self.finished = datetime.now(UTC)
        if not self.message:
            self.message = self._summary()

    def _summary(self) -> str:
        c = self.counts
        if self.status == "success" and not c.line_items_sent and not c.grades_sent:
            return "No changes: nothing to send"
        summary = (f"{c.line_items_sent} line item(s) and {c.grades_sent} grade(s) sent, {c.grades_unchanged} "
                   f"unchanged, {len(self.errors)} error(s)")
        if self.resent_sections:
            summary += f"; {len(self.resent_sections)} section(s) resent: their line items were gone"
        return summary

    def to_dict(self) -> dict[str, Any]:
        c = self.counts
        return {
            "id": self.id, "courseId": self.course_id, "target": self.target, "mode": self.mode,
            "status": self.status, "message": self.message,
            "started": _iso(self.started), "finished": _iso(self.finished) if self.finished else None,
            "seconds": round(self.seconds, 3), "since": _iso(self.since) if self.since else None,
            "counts": {
                "assignmentsExtracted": c.assignments_extracted, "assignmentsEligible": c.assignments_eligible,
                "assignmentsFiltered": dict(sorted(c.assignments_filtered.items())),
                "gradesExtracted": c.grades_extracted, "gradesFiltered": dict(sorted(c.grades_filtered.items())),
                "lineItemsSent": c.line_items_sent, "gradesSent": c.grades_sent,
                "gradesUnchanged": c.grades_unchanged, "gradesFailed": c.grades_failed,
            },
            "requests": self.requests, "retries": self.retries,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
            **({"planned": self.planned} if self.planned else {}),
            **({"resentSections": self.resent_sections} if self.resent_sections else {}),
        }

    def print(self, console: Console) -> None:
        c = self.counts
        console.print(f"[bold]Sync {self.id}[/bold] ({self.mode}) of course {self.course_id} to {self.target}: "
                      f"[bold]{self.status}[/bold] in {self.seconds:.1f} s — {self.message}")
        counts = Table(title="Counts", show_header=False)
        for label, value in (
            ("assignments extracted / eligible", f"{c.assignments_extracted} / {c.assignments_eligible}"),
            ("assignments filtered", _reasons(c.assignments_filtered)),
            ("grades extracted", str(c.grades_extracted)),
            ("grades filtered", _reasons(c.grades_filtered)),
            ("line items sent", str(c.line_items_sent)),
            ("grades sent / unchanged / failed", f"{c.grades_sent} / {c.grades_unchanged} / {c.grades_failed}"),
            ("HTTP requests (retries)", f"{self.requests} ({self.retries})"),
        ):
            counts.add_row(label, value)
        console.print(counts)
        if self.planned:
            console.print(_plan_table(self.planned))
        for kind, issues in (("Errors", self.errors), ("Warnings", self.warnings)):
            if issues:
                console.print(_issue_table(kind, issues))


def _reasons(counter: Counter[str]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in sorted(counter.items())) or "none"


def _issue_table(kind: str, issues: list[SyncIssue]) -> Table:
    table = Table(title=kind)
    for column in ("title", "section", "assignment", "student", "HTTP", "message"):
        table.add_column(column, overflow="fold")
    for issue in issues:
        table.add_row(str(issue.title or "-"), issue.section or "-", issue.assignment or "-", issue.student or "-",
                      str(issue.status or "-"), issue.message)
    return table


def _plan_table(planned: list[dict[str, Any]]) -> Table:
    table = Table(title="Would send")
    for column in ("section", "assignment", "line item", "PUT line item", "grades", "unchanged"):
        table.add_column(column, overflow="fold")
    for row in planned:
        table.add_row(row["section"], row["assignment"], row["lineItem"], "yes" if row["sendLineItem"] else "no",
                      str(row["grades"]), str(row["unchanged"]))
    return table


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
