"""This run against the previous one: what Canvas creates, updates and deletes, with a reason for each deletion.

Canvas knows a row again by its key (SIS id; an enrollment by course, section, user and role). A row the
previous run sent that the pull no longer holds is "missing from the pull": it is written once more with
a removing status (deleted; a student enrollment the drop status) so Canvas removes it, then forgotten.
A row whose status now removes it (``tobedeleted``, an enrollment that ended early) is a deletion with
the mapping's reason. A removed row that comes back is an update, like any row whose columns changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.provisioning.mapping import FILES, REMOVED, Mapped, Row, Rows, removal

MISSING = "missing from the pull"
ACTIONS = ("created", "updated", "deleted")


@dataclass(frozen=True)
class Change:
    file: str
    key: str
    action: str  # one of ACTIONS
    name: str
    reason: str = ""  # deletions only
    fields: tuple[str, ...] = ()  # updates: the columns that changed

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"file": f"{self.file}.csv", "key": self.key, "action": self.action, "name": self.name}
        if self.reason:
            data["reason"] = self.reason
        if self.fields:
            data["fields"] = list(self.fields)
        return data


@dataclass
class Outcome:
    rows: Rows  # what to write: this run's rows and the removals of vanished ones
    changes: list[Change] = field(default_factory=list)
    kept: Rows = field(default_factory=dict)  # what the next run compares with
    reasons: dict[tuple[str, str], str] = field(default_factory=dict)  # every removed row written, and why

    def of(self, file: str, action: str) -> list[Change]:
        return [c for c in self.changes if c.file == file and c.action == action]


def compare(previous: Rows, mapped: Mapped, drop_status: str) -> Outcome:
    rows: Rows = {file: dict(mapped.rows[file]) for file in FILES}
    outcome = Outcome(rows, kept={file: dict(mapped.rows[file]) for file in FILES}, reasons=dict(mapped.reasons))
    for file in FILES:
        before = previous.get(file) or {}
        for key, row in mapped.rows[file].items():
            change = _change(file, key, before.get(key), row, mapped.reasons.get((file, key), ""))
            if change is not None:
                outcome.changes.append(change)
        for key in sorted(set(before) - set(mapped.rows[file])):
            old = before[key]
            if old.get("status") in REMOVED:
                continue  # removed already: nothing left to tell Canvas
            status, reason = _vanished(file, old, drop_status)
            rows[file][key] = {**old, "status": status}
            outcome.reasons[(file, key)] = reason
            outcome.changes.append(Change(file, key, "deleted", display_name(file, old), reason))
    outcome.changes.sort(key=lambda c: (FILES.index(c.file), ACTIONS.index(c.action), c.key))
    return outcome


def _change(file: str, key: str, old: Row | None, new: Row, reason: str) -> Change | None:
    name = display_name(file, new)
    if old is None:
        return Change(file, key, "created", name) if new["status"] not in REMOVED else None
    if old.get("status") not in REMOVED and new["status"] in REMOVED:
        return Change(file, key, "deleted", name, reason)
    changed = tuple(column for column in new if old.get(column) != new[column])
    return Change(file, key, "updated", name, fields=changed) if changed else None


def _vanished(file: str, row: Row, drop_status: str) -> tuple[str, str]:
    if file == "enrollments":
        return removal(row["role"], drop_status, MISSING)
    return "deleted", MISSING


def display_name(file: str, row: Row) -> str:
    if file == "courses":
        return row["long_name"]
    if file == "users":
        return f"{row['first_name']} {row['last_name']}".strip() or row["login_id"]
    if file == "enrollments":
        return f"{row['role']} {row['user_id']} in {row['section_id']}"
    return row["name"]
