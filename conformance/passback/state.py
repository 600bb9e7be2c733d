"""The sync-state file: what was sent where, and the history of syncs.

Canvas remembers what it sent, so an unchanged grade is not sent again; this file is that memory
for the reference client. Per target (connection version + OneRoster root URL) it keeps, for each
line item it manages, the IC sourcedId in use (the stable one, or an existing IC assignment adopted
by title + due date) and a digest of what was sent, and a digest per result. ``history`` holds the
newest reports. Written atomically (a temporary file renamed over the old one), so a sync that is
killed leaves the previous state, never half a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import state_file

FORMAT = "mock-ic/passback-state"
VERSION = 1
HISTORY_KEPT = 50


@dataclass
class TargetState:
    """What was sent to one connection."""

    line_items: dict[str, dict[str, str]] = field(default_factory=dict)  # stable id -> {sourcedId, digest}
    results: dict[str, str] = field(default_factory=dict)  # result sourcedId -> digest

    def line_item_id(self, stable_id: str) -> str:
        return self.line_items.get(stable_id, {}).get("sourcedId", stable_id)

    def line_item_digest(self, stable_id: str) -> str | None:
        return self.line_items.get(stable_id, {}).get("digest")

    def line_item_sent(self, stable_id: str, sourced_id: str, digest: str) -> None:
        self.line_items[stable_id] = {"sourcedId": sourced_id, "digest": digest}

    def forget(self, stable_id: str) -> None:
        """Drop a line item and its results (they are gone from the server: they must be sent again)."""
        self.line_items.pop(stable_id, None)
        prefix = f"{stable_id}-u"  # plan.result_id: the line item's stable id, then the user
        for result_id in [r for r in self.results if r.startswith(prefix)]:
            del self.results[result_id]

    def result_digest(self, result_id: str) -> str | None:
        return self.results.get(result_id)

    def result_sent(self, result_id: str, digest: str) -> None:
        self.results[result_id] = digest


@dataclass
class SyncState:
    path: Path | None
    targets: dict[str, TargetState] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | None) -> SyncState:
        """The state at ``path`` (empty when the file does not exist yet); ``None``: in memory only."""
        data = None if path is None else state_file.read(path, FORMAT, "passback state")
        if data is None:
            return cls(path)
        targets = {key: TargetState(dict(value.get("lineItems", {})), dict(value.get("results", {})))
                   for key, value in data.get("targets", {}).items()}
        return cls(path, targets, list(data.get("history", [])))

    def target(self, key: str) -> TargetState:
        return self.targets.setdefault(key, TargetState())

    def add_report(self, report: dict[str, Any]) -> None:
        self.history = [*self.history, report][-HISTORY_KEPT:]

    def save(self) -> None:
        if self.path is None:
            return
        data = {"format": FORMAT, "version": VERSION,
                "targets": {key: {"lineItems": t.line_items, "results": t.results} for key, t in self.targets.items()},
                "history": self.history}
        state_file.write(self.path, data)

