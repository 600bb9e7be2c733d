"""The provisioning state file: what the previous run told Canvas, so this run can say what changes.

Per target (connection version + OneRoster root URL) it keeps every row the previous run wrote (by
file and key), the academic sessions it saw (so a term that disappears can be named) and the term mode
it used. ``history`` holds the newest run summaries. Written atomically (a temporary file renamed over
the old one): a run that is killed leaves the previous state, never half a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import state_file
from conformance.provisioning.mapping import FILES, Rows

FORMAT = "mock-ic/provisioning-state"
VERSION = 1
HISTORY_KEPT = 30
SESSION_FIELDS = ("type", "title", "startDate", "endDate", "schoolYear", "parent")



@dataclass
class TargetState:
    """What the previous run sent to one connection's Canvas."""

    rows: Rows = field(default_factory=lambda: {name: {} for name in FILES})
    sessions: dict[str, dict[str, str]] = field(default_factory=dict)  # sourcedId -> SESSION_FIELDS
    terms_mode: str | None = None

    @property
    def empty(self) -> bool:
        return not any(self.rows.values())

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "sessions": self.sessions, "termsMode": self.terms_mode}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TargetState:
        rows = {name: dict((data.get("rows") or {}).get(name) or {}) for name in FILES}
        return cls(rows, dict(data.get("sessions") or {}), data.get("termsMode"))


def session_summary(session: dict[str, Any]) -> dict[str, str]:
    """The fields of an academic session the next run needs to name it when it is gone."""
    summary = {key: str(session.get(key) or "") for key in SESSION_FIELDS if key != "parent"}
    summary["parent"] = str((session.get("parent") or {}).get("sourcedId") or "")
    return summary


@dataclass
class ProvisioningState:
    path: Path | None
    targets: dict[str, TargetState] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | None) -> ProvisioningState:
        """The state at ``path`` (empty when the file does not exist yet); ``None``: in memory only."""
        data = None if path is None else state_file.read(path, FORMAT, "provisioning state")
        if data is None:
            return cls(path)
        targets = {key: TargetState.from_dict(value) for key, value in (data.get("targets") or {}).items()}
        return cls(path, targets, list(data.get("history") or []))

    def target(self, key: str) -> TargetState:
        return self.targets.setdefault(key, TargetState())

    def add_summary(self, summary: dict[str, Any]) -> None:
        self.history = [*self.history, summary][-HISTORY_KEPT:]

    def save(self) -> None:
        if self.path is None:
            return
        data = {"format": FORMAT, "version": VERSION,
                "targets": {key: target.to_dict() for key, target in self.targets.items()}, "history": self.history}
        state_file.write(self.path, data)

