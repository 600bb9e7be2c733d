"""The teacher's view of one class's grade book in Infinite Campus (IC-VIEW).

What a teacher sees is not what the API returns: the grid shows the whole-number part of a score
(IC-RES-DECIMAL), caps it at the maximum and marks the rest as extra credit (IC-RES-EXTRA-CREDIT),
leaves a result without a numeric score blank (IC-RES-BLANK) and shows flag letters
(IC-RES-FLAGS). Grading tasks and standards are not assignments: their posted grades, percent and score,
are a column group of their own (IC-GRADING-TASK). The cell functions are pure; :func:`gradebook_view`
gathers one class from the store's facts (a handful of indexed queries by class column or primary key,
never a scan of the tenant).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from mock_ic.errors import UnknownObject
from mock_ic.ic import grading_tasks
from mock_ic.ic.rules import UNCATEGORIZED  # IC-LI-CATEGORY-1P1: the 1.1 placeholder category
from mock_ic.store import class_lists, tenant_rows
from mock_ic.store.facts import Facts

if TYPE_CHECKING:
    from mock_ic.store import Connection

UNCATEGORIZED_TITLE = "Uncategorized"

Doc = dict[str, Any]


# --- one cell ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One grid cell: what the teacher sees (display, flags) and the detail behind it."""

    display: str
    score: float | None = None
    extra_credit: float | None = None
    flags: tuple[str, ...] = ()
    score_status: str | None = None
    comment: str | None = None
    result_sourced_id: str | None = None

    def as_json(self) -> Doc:
        return {
            "display": self.display,
            "score": self.score,
            "extraCredit": self.extra_credit,
            "flags": list(self.flags),
            "scoreStatus": self.score_status,
            "comment": self.comment,
            "resultSourcedId": self.result_sourced_id,
        }


EMPTY_CELL = Cell(display="")


def whole_part(value: float) -> str:
    """IC-RES-DECIMAL: the grid shows the whole-number part, truncated toward zero (10.5 -> "10", 0.9 -> "0")."""
    return str(math.trunc(value))


def extra_credit(score: float, max_points: float | None) -> float | None:
    """IC-RES-EXTRA-CREDIT: the part of a score above the line item's maximum (30 of 20 -> 10), else None.

    Computed in decimal so that 20.1 of 20 is 0.1, not 0.10000000000000142.
    """
    if max_points is None or score <= max_points:
        return None
    return float(Decimal(repr(score)) - Decimal(repr(max_points)))


def flags_of(score_status: str | None, late: str | None, missing: str | None) -> tuple[str, ...]:
    """IC-RES-FLAGS: exempt -> X, late "true" -> L, missing "true" -> M, in that order.

    The 1.1 connection never stores ``late`` (IC-RES-FLAGS on 1.1), so 1.1 results never show L.
    """
    marks = (("X", score_status == "exempt"), ("L", late == "true"), ("M", missing == "true"))
    return tuple(letter for letter, on in marks if on)


def display_cell(score: float | None, max_points: float | None, score_status: str | None,
                 late: str | None = None, missing: str | None = None) -> Cell:
    """The grid cell of one result (IC-RES-DECIMAL, IC-RES-EXTRA-CREDIT, IC-RES-BLANK, IC-RES-FLAGS).

    ``score`` stays the exact stored value: the grid rounds down, the detail shows 10.5.
    """
    flags = flags_of(score_status, late, missing)
    if score is None:  # IC-RES-BLANK: no numeric score (missing, letter or text score) shows blank
        return Cell(display="", flags=flags, score_status=score_status)
    bonus = extra_credit(score, max_points)
    shown = max_points if bonus is not None and max_points is not None else score
    return Cell(display=whole_part(shown), score=score, extra_credit=bonus, flags=flags, score_status=score_status)


def result_cell(result: Doc, max_points: float | None) -> Cell:
    score = result.get("score")
    cell = display_cell(None if score is None else float(score), max_points, result.get("scoreStatus"),
                        result.get("late"), result.get("missing"))
    return replace(cell, comment=result.get("comment"), result_sourced_id=result["sourcedId"])


# --- one class -----------------------------------------------------------------------------------

def require_tenant(conn: Connection, tenant: str) -> None:
    """The database, not a worker's tenant cache, decides: another worker may have made the tenant."""
    if not tenant_rows.exists(conn, tenant):
        raise UnknownObject(f"Unknown tenant {tenant!r}")


def require_class(conn: Connection, tenant: str, class_id: str) -> Doc:
    require_tenant(conn, tenant)
    klass = Facts(conn, tenant).get("classes", class_id)
    if klass is None:
        raise UnknownObject(f"Unknown class {class_id!r} in tenant {tenant!r}")
    return klass


def class_students(conn: Connection, tenant: str, class_id: str) -> list[Doc]:
    """The class's actively enrolled students, no-shows excluded (IC-USERS), by family then given name."""
    return sorted(Facts(conn, tenant).students_of_class(class_id), key=_name_key)


def _name_key(user: Doc) -> tuple[str, str, str]:
    return (user.get("familyName", "").casefold(), user.get("givenName", "").casefold(), user["sourcedId"])


def column(line_item: Doc) -> Doc:
    origin = (line_item.get("metadata") or {}).get("ic", {}).get("origin")
    return {
        "sourcedId": line_item["sourcedId"],
        "title": line_item["title"],
        "dueDate": line_item["dueDate"],
        "gradingPeriod": (line_item.get("gradingPeriod") or {}).get("sourcedId"),
        "maxPoints": line_item.get("resultValueMax"),
        "origin": "campus" if origin == "campus" else "vendor",
    }


def group_columns(categories: list[Doc], line_items: list[Doc]) -> list[Doc]:
    """IC-VIEW: columns grouped by category, Uncategorized first, then the class's categories in
    sourcedId order (the order ``GET /classes/{id}/categories`` lists them); inside a group by due
    date, then title. An item whose category is the 1.1 placeholder (IC-LI-CATEGORY-1P1) or not a
    category of this class has nowhere else to go in IC, so it is Uncategorized too."""
    known = {c["sourcedId"] for c in categories}
    groups: dict[str, list[Doc]] = {UNCATEGORIZED: [], **{c["sourcedId"]: [] for c in categories}}
    for item in line_items:
        category = (item.get("category") or {}).get("sourcedId")
        groups[category if category in known else UNCATEGORIZED].append(item)
    titled = [{"sourcedId": c["sourcedId"], "title": c["title"]} for c in categories]
    # The placeholder group only exists when something is in it; empty real categories stay listed.
    if groups[UNCATEGORIZED]:
        titled.insert(0, {"sourcedId": UNCATEGORIZED, "title": UNCATEGORIZED_TITLE})
    return [
        {**group, "lineItems": [column(i) for i in sorted(groups[group["sourcedId"]], key=_column_key)]}
        for group in titled
    ]


def _column_key(line_item: Doc) -> tuple[str, str, str]:
    return (line_item["dueDate"], line_item["title"].casefold(), line_item["sourcedId"])


def latest_results(results: list[Doc]) -> dict[tuple[str, str], Doc]:
    """(lineItem, student) -> result. IC keeps one score per student and assignment; when a vendor
    wrote two results for the same pair, the one written last is what the teacher sees."""
    chosen: dict[tuple[str, str], Doc] = {}
    for result in sorted(results, key=lambda r: r["dateLastModified"]):
        chosen[(result["lineItem"]["sourcedId"], result["student"]["sourcedId"])] = result
    return chosen


def student_row(student: Doc, columns: list[Doc], results: dict[tuple[str, str], Doc],
                tasks: Sequence[Doc] = ()) -> Doc:
    cells = {}
    for col in columns:
        result = results.get((col["sourcedId"], student["sourcedId"]))
        cells[col["sourcedId"]] = (EMPTY_CELL if result is None else result_cell(result, col["maxPoints"])).as_json()
    return {
        "sourcedId": student["sourcedId"],
        "name": f"{student.get('familyName', '')}, {student.get('givenName', '')}",
        "cells": cells,
        "taskGrades": {task["sourcedId"]: task_cell(results.get((task["sourcedId"], student["sourcedId"])))
                       for task in tasks},
    }


# --- grading tasks (IC-GRADING-TASK) ----------------------------------------------------------------

def task_column(task: Doc, group: grading_tasks.ScoreGroup | None, closed_grading_periods: Collection[str]) -> Doc:
    """A grading task or standard as the teacher's grid heads it: its window and its score group."""
    return {
        "sourcedId": task["sourcedId"],
        "title": task["title"],
        "dueDate": task["dueDate"],
        "gradingPeriod": grading_tasks.grading_period_of(task),
        "standard": grading_tasks.is_standard(task),
        "windowOpen": grading_tasks.window_open(task, closed_grading_periods),
        "scoreGroup": None if group is None else {
            "sourcedId": group.sourced_id, "title": group.title,
            "scores": [{"score": item.score, "minPercent": item.minimum} for item in group.items]},
    }


def task_cell(result: Doc | None) -> Doc:
    """A posted task grade as the teacher sees it: the percent (the result's score) and the score."""
    if result is None:
        return {"percent": None, "score": None, "scoreStatus": None, "comment": None, "resultSourcedId": None}
    percent = result.get("score")
    score = (result.get("metadata") or {}).get(grading_tasks.SCORE_GRADE)
    return {"percent": None if percent is None else float(percent), "score": score if isinstance(score, str) else None,
            "scoreStatus": result.get("scoreStatus"), "comment": result.get("comment"),
            "resultSourcedId": result["sourcedId"]}


def _task_key(task: Doc) -> tuple[str, bool, str, str]:
    """By due date; the one-time (final) task after the term's own; then by title."""
    one_time = (task.get("metadata") or {}).get(grading_tasks.IS_ONE_TIME) == "true"
    return (task["dueDate"], one_time, task["title"].casefold(), task["sourcedId"])


def task_columns(facts: Facts, tasks: list[Doc], closed_grading_periods: Collection[str]) -> list[Doc]:
    groups: dict[str, grading_tasks.ScoreGroup | None] = {}
    for task in tasks:
        scale_id = grading_tasks.score_group_id(task)
        if scale_id and scale_id not in groups:
            groups[scale_id] = grading_tasks.score_group(facts.get("scoreScales", scale_id))
    return [task_column(task, groups.get(grading_tasks.score_group_id(task) or ""), closed_grading_periods)
            for task in sorted(tasks, key=_task_key)]


def gradebook_view(conn: Connection, tenant: str, class_id: str, grading_period: str | None = None,
                   closed_grading_periods: Collection[str] = ()) -> Doc:
    """IC-VIEW: the teacher's grid of one class, as served by ``GET /_mock/tenants/{app}/classes/{id}/gradebook``.

    ``grading_period``: only the line items of that grading period of the class (the teacher's period
    filter); ``gradingPeriods`` lists the class's periods to choose from, earliest first.
    ``closed_grading_periods``: the tenant's closed windows, which close the tasks posted in them.
    """
    klass = require_class(conn, tenant, class_id)
    facts = Facts(conn, tenant)
    periods = class_grading_periods(facts, class_id)
    if grading_period is not None and grading_period not in {p["sourcedId"] for p in periods}:
        known = ", ".join(f"{p['sourcedId']} ({p['title']})" for p in periods) or "none"
        raise UnknownObject(f"Class {class_id!r} has no grading period {grading_period!r}; its periods: {known}")
    line_items = [item for item in facts.of_class("lineItems", class_id, active=True)
                  if grading_period is None or (item.get("gradingPeriod") or {}).get("sourcedId") == grading_period]
    tasks = [item for item in line_items if grading_tasks.is_grading_task(item)]
    assignments = [item for item in line_items if not grading_tasks.is_grading_task(item)]
    categories = group_columns(facts.of_class("categories", class_id, active=True), assignments)
    columns = [col for group in categories for col in group["lineItems"]]
    task_heads = task_columns(facts, tasks, closed_grading_periods)
    results = latest_results(facts.of_class("results", class_id, active=True))
    students = class_students(conn, tenant, class_id)
    return {
        "class": {"sourcedId": klass["sourcedId"], "title": klass["title"],
                  "school": klass["school"]["sourcedId"]},
        "gradingPeriods": periods,
        "gradingPeriod": grading_period,
        "categories": categories,
        "gradingTasks": task_heads,
        "students": [student_row(s, columns, results, task_heads) for s in students],
    }


def class_grading_periods(facts: Facts, class_id: str) -> list[Doc]:
    """The grading periods of the class's terms, earliest first (the grade book's period filter)."""
    periods = [period for term in facts.terms_of_class(class_id) for period in facts.grading_periods_of_term(
        term["sourcedId"])]
    return [{"sourcedId": p["sourcedId"], "title": p["title"], "startDate": p["startDate"], "endDate": p["endDate"]}
            for p in sorted(periods, key=lambda p: (p["startDate"], p["sourcedId"]))]


def class_list(conn: Connection, tenant: str) -> list[Doc]:
    """The class picker: every class with its school, teachers, terms, roster size (actively enrolled
    students, no-shows excluded: IC-USERS) and its count of vendor line items, by school name, title."""
    require_tenant(conn, tenant)
    listed = [{"sourcedId": row.sourced_id, "title": row.title, "school": row.school_id,
               "schoolName": row.school_name, "students": row.students, "vendorLineItems": row.vendor_line_items,
               "teachers": [{"sourcedId": sid, "name": name} for sid, name in row.teachers],
               "terms": [{"sourcedId": sid, "title": title} for sid, title in row.terms]}
              for row in class_lists.class_rows(conn, tenant)]
    return sorted(listed, key=lambda c: (c["schoolName"].casefold(), c["title"].casefold(), c["sourcedId"]))


def tenant_names(conn: Connection) -> list[str]:
    return tenant_rows.names(conn)
