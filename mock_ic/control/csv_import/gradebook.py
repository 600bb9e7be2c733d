"""Grade-book rows -> canonical 1.2 documents: categories, line items and results.

A column one version lacks reads as empty, so one builder serves both versions.
"""

from __future__ import annotations

from mock_ic.control.csv_import.cells import Cells, Doc, compact
from mock_ic.control.seed import ref

SCORE_STATUSES = ("exempt", "fully graded", "not submitted", "partially graded", "submitted")
_RESULT_FLAGS = ("inProgress", "incomplete", "late", "missing")


def category(c: Cells) -> Doc:
    """``metadata.ic.class`` cannot come from the binding (a category there has no class): only an
    explicit metadata.ic.class column sets it; otherwise the category belongs to no class."""
    doc = c.common("categories")
    doc |= {"title": c.text("title"), "weight": c.number("weight")}
    return compact(doc)


def line_item(c: Cells) -> Doc:
    """1.1 gradingPeriodSourcedId -> gradingPeriod; 1.2 academicSessionSourcedId -> academicSession (and
    gradingPeriod too when that session is a grading period, for IC-LI-GRADING-WINDOW). Dates become
    date-times; the school is the class's unless 1.2 names one."""
    doc = c.common("lineItems")
    klass = c.ref("classSourcedId", "classes")
    doc |= {"title": c.text("title"), "description": c.text("description"),
            "assignDate": c.moment("assignDate"), "dueDate": c.moment("dueDate"), "class": klass,
            "school": c.ref("schoolSourcedId", "orgs"), "category": c.ref("categorySourcedId", "categories"),
            "gradingPeriod": c.ref("gradingPeriodSourcedId", "academicSessions")}
    session = c.ref("academicSessionSourcedId", "academicSessions")
    if session and c.ctx.raw("academicSessions", session["sourcedId"], "type").lower() == "gradingperiod":
        doc["gradingPeriod"] = session
    doc |= {"academicSession": session,
            "resultValueMin": c.number("resultValueMin"), "resultValueMax": c.number("resultValueMax")}
    if klass and not doc["school"]:
        school = c.ctx.raw("classes", klass["sourcedId"], "schoolSourcedId")
        doc["school"] = ref("orgs", school) if school else None
    return compact(doc)


def result(c: Cells) -> Doc:
    """The class is the line item's (1.2 may repeat it; a different one is refused)."""
    doc = c.common("results")
    line_item = c.ref("lineItemSourcedId", "lineItems")
    item_class = c.ctx.raw("lineItems", line_item["sourcedId"], "classSourcedId") if line_item else ""
    klass = c.ref("classSourcedId", "classes")
    if klass and item_class and klass["sourcedId"] != item_class:
        c.problem("classSourcedId", f"class {klass['sourcedId']!r} is not the class {item_class!r} of lineItem "
                                    f"{c.row.get('lineItemSourcedId')!r}")
    doc |= {"lineItem": line_item, "student": c.ref("studentSourcedId", "users"),
            "class": klass or (ref("classes", item_class) if item_class else None),
            "scoreStatus": c.enum("scoreStatus", SCORE_STATUSES), "score": c.number("score"),
            "textScore": c.text("textScore"), "scoreDate": c.day("scoreDate"), "comment": c.text("comment")}
    doc |= {name: c.flag(name) for name in _RESULT_FLAGS}
    return compact(doc)
