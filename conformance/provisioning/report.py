"""The run report: what Canvas would create, update and delete, and the warnings, as JSON and as tables."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from conformance.provisioning.diff import ACTIONS, Change
from conformance.provisioning.failure_modes import ProvisioningWarning
from conformance.provisioning.mapping import FILES

SHOWN_ROWS = 25  # deletions and warnings printed; the JSON report and diff.csv hold all
_DRY_RUN_VERBS = {"created": "to create", "updated": "to update", "deleted": "to delete"}


@dataclass
class ProvisioningReport:
    target: str
    version: str
    scope: str
    terms: str
    drop_status: str
    today: date
    first_run: bool
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished: datetime | None = None
    rows: dict[str, int] = field(default_factory=dict)  # file -> rows written
    changes: list[Change] = field(default_factory=list)
    warnings: list[ProvisioningWarning] = field(default_factory=list)
    requests: int = 0
    retries: int = 0
    out_dir: str | None = None  # None: a dry run wrote nothing

    def count(self, file: str, action: str) -> int:
        return sum(1 for c in self.changes if c.file == file and c.action == action)

    def total(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def message(self) -> str:
        verbs = _DRY_RUN_VERBS if self.out_dir is None else {action: action for action in ACTIONS}
        counts = "No changes" if not self.changes else ", ".join(
            f"{self.total(action)} {verbs[action]}" for action in ACTIONS)
        warned = f"; {len(self.warnings)} warning(s)" if self.warnings else ""
        first = " (first run: everything is new)" if self.first_run and self.changes else ""
        return f"{counts}{first}{warned}"

    def finish(self) -> None:
        self.finished = datetime.now(UTC)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "target": self.target, "version": self.version, "scope": self.scope, "terms": self.terms,
            "dropStatus": self.drop_status, "today": self.today.isoformat(), "firstRun": self.first_run,
            "started": _iso(self.started), "finished": _iso(self.finished) if self.finished else None,
            "message": self.message, "outDir": self.out_dir,
            "files": {f"{file}.csv": {"rows": self.rows.get(file, 0),
                                      **{action: self.count(file, action) for action in ACTIONS}} for file in FILES},
            "requests": self.requests, "retries": self.retries,
            "changes": [c.to_dict() for c in self.changes],
            "warnings": [w.to_dict() for w in self.warnings],
        }

    def summary(self) -> dict[str, Any]:
        """The state file's history entry: the counts, not every change."""
        data = self.to_dict()
        return {key: data[key] for key in ("id", "started", "terms", "scope", "message", "files")}

    def print(self, console: Console) -> None:
        console.print(f"[bold]Provisioning[/bold] from {self.target} (OneRoster {self.version}, {self.scope} pull, "
                      f"{self.terms} terms): [bold]{self.message}[/bold]")
        console.print(self._counts())
        deleted = [c for c in self.changes if c.action == "deleted"]
        if deleted:
            console.print(_table(f"Deleted ({len(deleted)})", ("file", "SIS id", "name", "reason"),
                                 [(f"{c.file}.csv", c.key, c.name, c.reason) for c in deleted]))
        if self.warnings:
            console.print(_table(f"Warnings ({len(self.warnings)})", ("warning", "objects", "what it means"),
                                 [(w.title, _objects(w), w.message) for w in self.warnings]))
        where = f"written to {self.out_dir}" if self.out_dir else "not written (dry run)"
        console.print(f"Canvas SIS import CSVs, diff.csv and report.json {where}; {self.requests} HTTP request(s)"
                      + (f", {self.retries} retried" if self.retries else ""))

    def _counts(self) -> Table:
        table = Table(title="Canvas SIS import")
        for column in ("file", "rows", *ACTIONS):
            table.add_column(column, justify="left" if column == "file" else "right")
        for file in FILES:
            table.add_row(f"{file}.csv", str(self.rows.get(file, 0)),
                          *(str(self.count(file, action)) for action in ACTIONS))
        return table


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> Table:
    table = Table(title=title + (f", the first {SHOWN_ROWS}" if len(rows) > SHOWN_ROWS else ""))
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows[:SHOWN_ROWS]:
        table.add_row(*row)
    return table


def _objects(warning: ProvisioningWarning) -> str:
    parts = []
    for kind, ids in warning.objects.items():
        if ids:
            shown = ", ".join(ids[:3]) + (f" +{len(ids) - 3}" if len(ids) > 3 else "")
            parts.append(f"{kind} {shown}")
    return "; ".join(parts) or "-"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
