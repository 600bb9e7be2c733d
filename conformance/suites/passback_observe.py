"""What the sandbox class holds after a sync, as the passback suite compares it.

Two views of the same objects, both keyed by the reference client's own (unprefixed) ids so that two
syncs under different sandbox prefixes compare equal when they wrote the same things:

- the OneRoster reads any target answers: the class's line items and results;
- on a mock-ic target, also the teacher's grade book (IC-VIEW, ``target.admin.gradebook``): each column
  with its category, each cell with what the teacher sees.

Timestamps IC sets itself (``dateLastModified``) are left out: they change on every write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from conformance.client import OneRosterClient
from conformance.suites.passback_oracle import Cell
from conformance.suites.passback_sandbox import SandboxedClient

LEGACY_USER = re.compile(r"s(\d+)")  # IC-IDS: a 1.1 student is s<person id>, the 1.2 one <person id>


@dataclass(frozen=True)
class SeenLineItem:
    title: str
    due: datetime | None
    max_points: float | None
    category: str | None
    grading_period: str | None
    status: str | None


@dataclass(frozen=True)
class SeenResult:
    line_item: str
    student: str
    score: float | None
    score_status: str | None
    text_score: str | None
    late: str | None
    missing: str | None


@dataclass(frozen=True)
class SeenColumn:
    title: str
    due: datetime | None
    max_points: float | None
    category: str | None  # the sourcedId of the category the teacher sees it under
    category_title: str | None


@dataclass(frozen=True)
class Seen:
    line_items: dict[str, SeenLineItem]
    results: dict[str, SeenResult]
    columns: dict[str, SeenColumn] | None  # None: the target has no teacher view to read
    cells: dict[tuple[str, str], Cell] | None  # (line item, student) -> what the teacher sees


def canvas_user_id(sourced_id: str, version: str) -> str:
    """The user as Canvas holds them: the 1.2 sourcedId (a 1.1 connection prefixes s, IC-IDS)."""
    match = LEGACY_USER.fullmatch(sourced_id)
    return match.group(1) if version == "1.1" and match else sourced_id


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _ref(value: Any) -> str | None:
    return str(value["sourcedId"]) if isinstance(value, dict) and "sourcedId" in value else None


def observe(client: OneRosterClient, admin: Any, sandboxed: SandboxedClient, class_id: str) -> Seen:
    """The sandbox class's objects of ``sandboxed`` (its prefix), read through ``client`` (and ``admin``)."""
    version = client.version
    line_items = {
        sandboxed.local(str(item["sourcedId"])): SeenLineItem(
            str(item.get("title")), _moment(item.get("dueDate")), _number(item.get("resultValueMax")),
            _ref(item.get("category")), _ref(item.get("gradingPeriod")), item.get("status"))
        for item in client.class_line_items(class_id) if sandboxed.owns(str(item.get("sourcedId")))}
    results = {
        sandboxed.local(str(item["sourcedId"])): SeenResult(
            sandboxed.local(_ref(item.get("lineItem")) or ""), canvas_user_id(_ref(item.get("student")) or "", version),
            _number(item.get("score")), item.get("scoreStatus"), item.get("textScore"),
            item.get("late") if version == "1.2" else None, item.get("missing") if version == "1.2" else None)
        for item in client.class_results(class_id) if sandboxed.owns(str(item.get("sourcedId")))}
    if admin is None:
        return Seen(line_items, results, None, None)
    columns, cells = teacher_view(admin.gradebook(class_id), sandboxed, version)
    return Seen(line_items, results, columns, cells)


def teacher_view(view: dict[str, Any], sandboxed: SandboxedClient, version: str
                 ) -> tuple[dict[str, SeenColumn], dict[tuple[str, str], Cell]]:
    """The columns and non-empty cells of ``sandboxed``'s line items in a mock-ic teacher view (IC-VIEW)."""
    columns: dict[str, SeenColumn] = {}
    for category in view.get("categories", []):
        for column in category.get("lineItems", []):
            if sandboxed.owns(str(column.get("sourcedId"))):
                columns[sandboxed.local(str(column["sourcedId"]))] = SeenColumn(
                    str(column.get("title")), _moment(column.get("dueDate")), _number(column.get("maxPoints")),
                    category.get("sourcedId"), category.get("title"))
    cells: dict[tuple[str, str], Cell] = {}
    for student in view.get("students", []):
        for column_id, cell in (student.get("cells") or {}).items():
            if not sandboxed.owns(str(column_id)):
                continue
            shown = Cell(str(cell.get("display") or ""), _number(cell.get("score")), _number(cell.get("extraCredit")),
                         frozenset(cell.get("flags") or ()), cell.get("scoreStatus"))
            if cell.get("resultSourcedId") is not None or shown != Cell("", None, None, frozenset(), None):
                key = (sandboxed.local(str(column_id)), canvas_user_id(str(student.get("sourcedId")), version))
                cells[key] = shown
    return columns, cells
