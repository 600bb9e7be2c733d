"""Grade-book rows -> canonical 1.2 documents: categories, line items and results; on 1.2 also score scales,
assessment line items and assessment results (IC-ASSESS-1P2).

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


def score_scale(c: Cells) -> Doc:
    """The binding's orgSourcedId has no place in the REST object (a scale belongs to its class): ignored."""
    doc = c.common("scoreScales")
    doc |= {"title": c.text("title"), "type": c.text("type"), "course": c.ref("courseSourcedId", "courses"),
            "class": c.ref("classSourcedId", "classes"), "scoreScaleValue": c.score_scale_values("scoreScaleValue")}
    return compact(doc)


def assessment_line_item(c: Cells) -> Doc:
    """As through the API: a class is required (IC-LI-CLASS), a parent is of the same class and not the item."""
    doc = c.common("assessmentLineItems")
    klass = c.ref("classSourcedId", "classes")
    parent = c.ref("parentAssessmentLineItemSourcedId", "assessmentLineItems")
    if parent and parent["sourcedId"] == c.given_id:
        c.problem("parentAssessmentLineItemSourcedId", f"{c.given_id!r} cannot be its own parent")
    elif parent and klass:
        parent_class = c.ctx.raw("assessmentLineItems", parent["sourcedId"], "classSourcedId")
        if parent_class and parent_class != klass["sourcedId"]:
            c.problem("parentAssessmentLineItemSourcedId",
                      f"parent assessmentLineItem {parent['sourcedId']!r} belongs to class {parent_class!r}, not "
                      f"to class {klass['sourcedId']!r}")
    doc |= {"title": c.text("title"), "description": c.text("description"), "class": klass,
            "parentAssessmentLineItem": parent, "scoreScale": c.ref("scoreScaleSourcedId", "scoreScales"),
            "resultValueMin": c.number("resultValueMin"), "resultValueMax": c.number("resultValueMax")}
    return compact(doc)


def assessment_result(c: Cells) -> Doc:
    doc = c.common("assessmentResults")
    doc |= {"assessmentLineItem": c.ref("assessmentLineItemSourcedId", "assessmentLineItems"),
            "student": c.ref("studentSourcedId", "users"), "score": c.number("score"), "textScore": c.text("textScore"),
            "scoreDate": c.day("scoreDate"), "scoreScale": c.ref("scoreScaleSourcedId", "scoreScales"),
            "scorePercentile": c.number("scorePercentile"),
            "scoreStatus": c.enum("scoreStatus", SCORE_STATUSES), "comment": c.text("comment")}
    doc |= {name: c.flag(name) for name in _RESULT_FLAGS}
    return compact(doc)
