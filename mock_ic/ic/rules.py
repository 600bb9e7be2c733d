"""Infinite Campus grade-passback rules, each registered under its ID in IC_BEHAVIOUR.md (RULE-SWITCH).

Each check takes the normalised (canonical, 1.2-shaped) document about to be stored and the facts
the store supplies (inside the caller's write transaction), and either adjusts the document
(derivations IC does itself) or raises ``Unprocessable`` / ``Forbidden`` with a message a person can
act on: what was wrong, the value, and the limit or the allowed values. Nothing is written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mock_ic.errors import Forbidden, Unprocessable
from mock_ic.ic import grading_tasks, score_scales
from mock_ic.ic.registry import define
from mock_ic.store.facts import Facts
from mock_ic.store.refs import ref

if TYPE_CHECKING:
    from mock_ic.ic.settings import TenantSettings

UNCATEGORIZED = "11111111-1111-1111-1111-111111111111"  # IC-LI-CATEGORY-1P1


@dataclass(frozen=True)
class RuleContext:
    facts: Facts
    version: str  # "1.1" | "1.2"
    settings: TenantSettings

    def enabled(self, rule_id: str) -> bool:
        return self.settings.rules.get(rule_id, True)


# --- line items ------------------------------------------------------------------------------------

LI_CLASS = define("IC-LI-CLASS", "A line item's class must exist and be visible to the connection",
                  switchable=False)
TITLE_LENGTH = define("IC-LI-TITLE-LEN", "A title longer than the connection's limit is refused (or truncated)",
                      settings=("title_max_length_v1p1", "title_max_length_v1p2", "title_over_limit"))
DUP_TITLE = define("IC-LI-DUP-TITLE", "No two active line items of a class share a title",
                   settings=("duplicate_title_check",))
DUE_DATE = define("IC-LI-DUE-DATE", "The due date falls inside one of the class's terms; the grading period "
                  "is derived from it")
GRADING_WINDOW = define("IC-LI-GRADING-WINDOW", "Nothing lands in a grading period whose window is closed",
                        settings=("closed_grading_periods",))
CATEGORY_1P1 = define("IC-LI-CATEGORY-1P1", "On 1.1 every line item is filed under Uncategorized")
CATEGORY_1P2 = define("IC-LI-CATEGORY-1P2", "On 1.2 a line item needs one of its class's categories")
LI_OWNER = define("IC-LI-OWNER", "Line items made inside IC are read-only for a vendor")
LI_DELETE = define("IC-LI-DELETE", "A deleted line item takes its results with it", switchable=False)


@LI_CLASS.check
def require_class(ctx: RuleContext, class_id: str, what: str, visible: bool) -> dict[str, Any]:
    """IC-LI-CLASS: the class exists and is one the connection may see (IC-SCHOOL-SCOPE)."""
    klass = ctx.facts.get("classes", class_id)
    if klass is None or not visible:
        raise Unprocessable(f"{what} refers to class {class_id!r}, which does not exist")
    return klass


def title_limit(ctx: RuleContext) -> int:
    s = ctx.settings
    return s.title_max_length_v1p1 if ctx.version == "1.1" else s.title_max_length_v1p2


@TITLE_LENGTH.check
def check_title_length(ctx: RuleContext, doc: dict[str, Any]) -> None:
    """IC-LI-TITLE-LEN (and IC-TITLE-OVER): 30 characters on 1.2 connections, 50 on 1.1, per tenant."""
    limit = title_limit(ctx)
    title = doc["title"]
    if len(title) <= limit:
        return
    if ctx.settings.title_over_limit == "truncate":
        doc["title"] = title[:limit]
        return
    raise Unprocessable(f"lineItem.title {title!r} is {len(title)} characters long; Infinite Campus allows at most "
                        f"{limit} on this OneRoster {ctx.version} connection")


def _title_key(title: str) -> str:
    return title.strip().casefold()


@DUP_TITLE.check
def check_duplicate_title(ctx: RuleContext, doc: dict[str, Any]) -> None:
    """IC-LI-DUP-TITLE: no two active line items of a class share a title (case-insensitive, trimmed)."""
    if not ctx.settings.duplicate_title_check or doc["status"] != "active":
        return
    key = _title_key(doc["title"])
    for other in ctx.facts.of_class("lineItems", doc["class"]["sourcedId"], active=True, except_id=doc["sourcedId"]):
        if _title_key(other["title"]) == key:
            raise Unprocessable(
                f"An assignment named {other['title']!r} already exists in class {doc['class']['sourcedId']!r} "
                f"(lineItem {other['sourcedId']!r}); Infinite Campus does not allow two assignments with the same "
                f"name in a section")


def _grading_period_for(ctx: RuleContext, term: dict[str, Any], day: str) -> str | None:
    """The grading period under the term whose dates hold ``day`` (IC uses terms as grading periods)."""
    for period in ctx.facts.grading_periods_of_term(term["sourcedId"]):
        if period["startDate"] <= day <= period["endDate"]:
            return period["sourcedId"]
    return None


@DUE_DATE.check
def check_due_date(ctx: RuleContext, doc: dict[str, Any]) -> None:
    """IC-LI-DUE-DATE: the due date falls inside one of the class's terms (end dates inclusive, as IC's
    calendars); without a gradingPeriod, IC takes the grading period of the term holding the due date."""
    day = doc["dueDate"][:10]
    terms = ctx.facts.terms_of_class(doc["class"]["sourcedId"])
    holding = next((t for t in terms if t["startDate"] <= day <= t["endDate"]), None)
    if holding is None:
        spans = ", ".join(f"{t['title']} {t['startDate']}..{t['endDate']}" for t in terms) or "none"
        raise Unprocessable(f"Assignment dates error: lineItem.dueDate {doc['dueDate']} is outside every term of "
                            f"class {doc['class']['sourcedId']!r} (terms: {spans})")
    if "gradingPeriod" not in doc:
        period = _grading_period_for(ctx, holding, day)
        if period is not None:
            doc["gradingPeriod"] = ref("academicSessions", period)
    doc.setdefault("academicSession", ref("academicSessions", holding["sourcedId"]))


@GRADING_WINDOW.check
def check_grading_window(ctx: RuleContext, line_item: dict[str, Any]) -> None:
    """IC-LI-GRADING-WINDOW: nothing lands in a grading period whose window is closed (a grading task's window
    is its term's grading period's: IC-GRADING-TASK)."""
    period = (line_item.get("gradingPeriod") or {}).get("sourcedId")
    if not period or period not in ctx.settings.closed_grading_periods:
        return
    if grading_tasks.is_grading_task(line_item):
        raise Unprocessable(f"The grading window of grading task {line_item['title']!r} (lineItem "
                            f"{line_item['sourcedId']!r}, grading period {period!r}) is closed: no grade can be "
                            f"posted to it until it is reopened")
    raise Unprocessable(f"The grading window of grading period {period!r} is closed: line item "
                        f"{line_item['sourcedId']!r} and its scores cannot be changed until it is reopened")


@CATEGORY_1P1.check
def file_under_uncategorized(ctx: RuleContext, doc: dict[str, Any]) -> None:
    """IC-LI-CATEGORY-1P1: whatever was sent on 1.1, IC files the item under Uncategorized until the teacher
    moves it."""
    if ctx.version == "1.1":
        doc["category"] = ref("categories", UNCATEGORIZED)


@CATEGORY_1P2.check
def check_category(ctx: RuleContext, doc: dict[str, Any]) -> None:
    """IC-LI-CATEGORY-1P2: one of the class's categories, never the 1.1 placeholder."""
    if ctx.version != "1.2":
        return
    class_id = doc["class"]["sourcedId"]
    categories = ctx.facts.of_class("categories", class_id)
    chosen = (doc.get("category") or {}).get("sourcedId")
    if chosen and chosen != UNCATEGORIZED and any(c["sourcedId"] == chosen for c in categories):
        return
    available = "; ".join(f"{c['title']} ({c['sourcedId']})" for c in sorted(categories, key=lambda c: c["sourcedId"]))
    problem = ("is required" if not chosen else
               f"{chosen!r} is the 1.1 Uncategorized placeholder, not a category" if chosen == UNCATEGORIZED else
               f"{chosen!r} is not a category of class {class_id!r}")
    raise Unprocessable(f"lineItem.category {problem}; categories of class {class_id!r}: {available or 'none'}")


def ic_origin(doc: dict[str, Any]) -> Any:
    ic = (doc.get("metadata") or {}).get("ic")
    return ic.get("origin") if isinstance(ic, dict) else None


@LI_OWNER.check
def check_line_item_owner(ctx: RuleContext, sourced_id: str, existing: dict[str, Any],
                          label: str = "Line item") -> None:
    """IC-LI-OWNER: line items (and assessment line items) made inside Infinite Campus are read-only for a
    vendor."""
    if ic_origin(existing) == "campus":
        raise Forbidden(f"{label} {sourced_id!r} was created in Infinite Campus and is read-only for vendors")


def check_line_item(ctx: RuleContext, doc: dict[str, Any]) -> None:
    """Every IC rule of a line item write, in the order IC reports them."""
    check_title_length(ctx, doc)
    file_under_uncategorized(ctx, doc)
    check_category(ctx, doc)
    check_due_date(ctx, doc)
    check_grading_window(ctx, doc)
    check_duplicate_title(ctx, doc)


# --- categories ------------------------------------------------------------------------------------

CAT_OWNER = define("IC-CAT-OWNER", "Categories made inside IC are read-only for a vendor; a vendor's category "
                   "keeps its class and weight, and is not deleted while active line items use it")


@CAT_OWNER.check
def check_category_owner(ctx: RuleContext, sourced_id: str, existing: dict[str, Any]) -> None:
    """IC-CAT-OWNER: categories are the teacher's grading setup. Only a category a vendor made
    (``metadata.ic.origin = "vendor"``) is the vendor's: seeded and imported ones carry no such mark."""
    if ic_origin(existing) != "vendor":
        raise Forbidden(f"Category {sourced_id!r} was created in Infinite Campus (the teacher's grading setup) and "
                        f"is read-only for vendors; only categories a vendor created can be replaced or deleted")


def _category_class(doc: dict[str, Any]) -> Any:
    ic = (doc.get("metadata") or {}).get("ic")
    return ic.get("class") if isinstance(ic, dict) else None


@CAT_OWNER.check
def keep_category_link(ctx: RuleContext, doc: dict[str, Any], existing: dict[str, Any]) -> None:
    """IC-CAT-OWNER: a vendor's category replaced by PUT stays in its class and keeps its weight.

    A spec-valid 1.2 body carries neither (the 1EdTech Category has no class; weight is optional, and
    1.1 has no weight at all), so both come from the stored category when the body leaves them out.
    A body naming another class is refused: the class's line items would be left with a category
    that is not one of their class's (IC-LI-CATEGORY-1P2).
    """
    stored_class = _category_class(existing)
    sent_class = _category_class(doc)
    if stored_class and sent_class is None:
        doc["metadata"]["ic"]["class"] = stored_class
    elif stored_class and sent_class != stored_class:
        raise Unprocessable(f"Category {doc['sourcedId']!r} belongs to class {stored_class!r} and cannot move to "
                            f"class {sent_class!r} (category.metadata.ic.class); create a new category in that "
                            f"class instead")
    if "weight" not in doc and "weight" in existing:
        doc["weight"] = existing["weight"]


@CAT_OWNER.check
def check_category_unused(ctx: RuleContext, category: dict[str, Any]) -> None:
    """IC-CAT-OWNER: a category cannot be deleted while active line items still use it."""
    using = ctx.facts.active_line_items_of_category(category["sourcedId"])
    if not using:
        return
    raise Unprocessable(f"Category {category['sourcedId']!r} is still the category of {len(using)} active line "
                        f"item(s): {_some(using)}; delete them or give them another category first (nothing was "
                        f"deleted)")


def _some(ids: list[str], shown: int = 20) -> str:
    """The first ``shown`` ids, quoted, and how many more there are."""
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(repr(sid) for sid in ids[:shown]) + more


# --- results ---------------------------------------------------------------------------------------

RES_UPSERT = define("IC-RES-UPSERT", "A result needs an existing line item and a student actively enrolled in "
                    "its class")
EXTRA_CREDIT = define("IC-RES-EXTRA-CREDIT", "Scores above the maximum are extra credit; negative scores are "
                      "refused")
FLAGS = define("IC-RES-FLAGS", "1.1 results carry no late/missing flags (Canvas does not pass them there)")


@RES_UPSERT.always
def require_line_item(ctx: RuleContext, line_item_id: str, visible: bool) -> dict[str, Any]:
    """IC-RES-UPSERT: the line item exists (the result takes its class from it, so this always runs)."""
    line_item = ctx.facts.get("lineItems", line_item_id)
    if line_item is None or not visible:
        raise Unprocessable(f"result refers to lineItem {line_item_id!r}, which does not exist")
    return line_item


@RES_UPSERT.check
def require_enrolled(ctx: RuleContext, student_id: str, class_id: str) -> None:
    """IC-RES-UPSERT: the student is actively enrolled as a student in the line item's class."""
    if not ctx.facts.is_enrolled_student(student_id, class_id):
        raise Unprocessable(f"Student {student_id!r} is not actively enrolled as a student in class {class_id!r}")


# kind -> (dependent kind -> the dependent's reference column naming the deleted object)
_DELETED_WITH: dict[str, dict[str, str]] = {
    "lineItems": {"results": "line_item"},
    "assessmentLineItems": {"assessmentResults": "assessment_line_item"},  # IC-ASSESS-1P2, as line items
}


@LI_DELETE.always
def deleted_with(ctx: RuleContext, kind: str) -> dict[str, str]:
    """What goes when an object of ``kind`` is deleted: kind -> the reference column naming it (the
    store's indexed column). Not switchable: results of a deleted line item would point at nothing."""
    return _DELETED_WITH.get(kind, {})


def negative_score(score: float | None, field: str) -> str | None:
    """What is wrong with a negative score (IC-RES-EXTRA-CREDIT), in one wording for vendors and teachers."""
    if score is None or score >= 0:
        return None
    return (f"{field} {score:g} is negative; Infinite Campus accepts scores from 0 upward "
            f"(scores above resultValueMax count as extra credit)")


@EXTRA_CREDIT.check
def check_score(ctx: RuleContext, doc: dict[str, Any], field: str = "result.score") -> None:
    problem = negative_score(doc.get("score"), field)
    if problem:
        raise Unprocessable(problem)


@FLAGS.check
def drop_1p1_flags(ctx: RuleContext, doc: dict[str, Any]) -> None:
    if ctx.version == "1.1":
        for name in ("late", "missing", "inProgress", "incomplete", "textScore"):
            doc.pop(name, None)  # not part of 1.1: Canvas does not pass late designations there


def check_result(ctx: RuleContext, doc: dict[str, Any], line_item: dict[str, Any]) -> None:
    """IC-RES-EXTRA-CREDIT (negative scores refused), IC-RES-FLAGS on 1.1, IC-LI-GRADING-WINDOW, and
    IC-GRADING-TASK (a grade posted to a grading task)."""
    check_score(ctx, doc)
    drop_1p1_flags(ctx, doc)
    check_grading_window(ctx, line_item)
    post_grade(ctx, doc, line_item)


# --- grades posted to grading tasks -----------------------------------------------------------------

GRADING_TASK = define("IC-GRADING-TASK", "A grade posted to a grading task is a percent and/or a score of the "
                      "task's score group: a percent alone gets the score of its minimum percent, a score alone "
                      "must be one of the group's and leaves the percent empty",
                      settings=("grading_task_both_given", "grading_task_text_score"))
_SCORE_FIELD = f"result.metadata.{grading_tasks.SCORE_GRADE}"


@GRADING_TASK.check
def post_grade(ctx: RuleContext, doc: dict[str, Any], line_item: dict[str, Any]) -> None:
    """IC-GRADING-TASK: every result says whether it is an assignment's
    (``metadata.ext_infiniteCampus_isAssignmentResult``); one posted to a grading task gets its score from its
    percent, or is a score of the task's score group (mock_ic/ic/grading_tasks.py). On 1.2 the result also
    names the score group (``scoreScale``) and, unless the tenant says otherwise, carries the score in
    ``textScore``, which a vendor may send it in."""
    task = grading_tasks.is_grading_task(line_item)
    metadata = {**(doc.get("metadata") or {}), grading_tasks.IS_ASSIGNMENT_RESULT: "false" if task else "true"}
    doc["metadata"] = metadata
    if not task:
        return
    scale_id = grading_tasks.score_group_id(line_item)
    group = grading_tasks.score_group(ctx.facts.get("scoreScales", scale_id) if scale_id else None)
    text_score = ctx.version == "1.2" and ctx.settings.grading_task_text_score
    score = _posted_score(doc, metadata.get(grading_tasks.SCORE_GRADE), text_score)
    percent = doc.get("score")
    if percent is None and score is None:
        raise Unprocessable(f"A grade posted to {_task_named(line_item)} needs a percent (result.score) or a score "
                            f"({_SCORE_FIELD}){_scores_of(group)}")
    if group is None:
        if score is not None:
            raise Unprocessable(f"{_SCORE_FIELD} {score!r} cannot be posted to {_task_named(line_item)}: it has no "
                                f"score group to hold it; send the percent alone (result.score)")
        return
    metadata[grading_tasks.SCORE_GRADE] = _grade(ctx, group, percent, score, line_item)
    if doc.get("scoreStatus") == "not submitted":
        doc["scoreStatus"] = "fully graded"  # a posted grade is a grade
    if ctx.version == "1.2":
        doc["scoreScale"] = ref("scoreScales", group.sourced_id)
        if text_score:
            doc["textScore"] = metadata[grading_tasks.SCORE_GRADE]


def _posted_score(doc: dict[str, Any], sent: Any, text_score: bool) -> str | None:
    """The score sent: ``metadata.ext_infiniteCampus_scoreGrade`` (a number stands for its text: 4 -> "4"),
    else on 1.2 ``textScore``; both, naming different scores, are refused."""
    if isinstance(sent, int | float) and not isinstance(sent, bool):
        sent = f"{sent:g}"
    if sent is not None and not isinstance(sent, str):
        raise Unprocessable(f"{_SCORE_FIELD} must be a score of the task's score group as a string, got {sent!r}")
    text = doc.get("textScore") if text_score else None
    if sent is None or text is None:
        return sent if sent is not None else text
    if sent.strip().casefold() != text.strip().casefold():
        raise Unprocessable(f"result.textScore {text!r} and {_SCORE_FIELD} {sent!r} name different scores; "
                            f"send the score once")
    return sent


def _grade(ctx: RuleContext, group: grading_tasks.ScoreGroup, percent: float | None, sent: str | None,
           line_item: dict[str, Any]) -> str:
    """The score stored: the group's spelling of the score sent, or the score of the percent (tenant setting
    ``grading_task_both_given`` when both came)."""
    chosen = group.find(sent) if sent is not None else None
    if sent is not None and chosen is None:
        raise Unprocessable(f"{_SCORE_FIELD} {sent!r} is not a score of {_task_named(line_item)}; "
                            f"{group.describe()}")
    derived = group.for_percent(percent) if percent is not None else None
    if percent is not None and derived is None:
        lowest = group.items[-1]
        raise Unprocessable(f"result.score {percent:g} (a percent) is below every minimum percent of "
                            f"{_task_named(line_item)}, the lowest being {lowest.score} from {lowest.minimum:g}%; "
                            f"{group.describe()}")
    if chosen is None:
        return derived or ""
    if derived is None or derived == chosen or ctx.settings.grading_task_both_given == "keep":
        return chosen
    if ctx.settings.grading_task_both_given == "percent":
        return derived
    raise Unprocessable(f"{_SCORE_FIELD} {chosen!r} and result.score {percent:g} disagree: {percent:g}% is "
                        f"{derived!r} in {group.describe()} (tenant setting grading_task_both_given: reject)")


def _task_named(line_item: dict[str, Any]) -> str:
    return f"grading task {line_item['title']!r} (lineItem {line_item['sourcedId']!r})"


def _scores_of(group: grading_tasks.ScoreGroup | None) -> str:
    return f"; {group.describe()}" if group is not None else ""


# --- assessments (1.2 only: IC-LI-1P1-ONLY) ---------------------------------------------------------

ASSESS = define("IC-ASSESS-1P2", "An assessment result needs an existing assessment line item, a student enrolled "
                "in its class and a score within the score scale named; a parent assessment line item or a score "
                "scale named must exist")


@ASSESS.always
def require_assessment_line_item(ctx: RuleContext, line_item_id: str, visible: bool) -> dict[str, Any]:
    """IC-ASSESS-1P2: the assessment line item exists (the result's class is its class, so this always runs)."""
    line_item = ctx.facts.get("assessmentLineItems", line_item_id)
    if line_item is None or not visible:
        raise Unprocessable(f"assessmentResult refers to assessmentLineItem {line_item_id!r}, which does not exist")
    return line_item


@ASSESS.check
def require_score_scale(ctx: RuleContext, what: str, scale_id: str, scale: dict[str, Any] | None) -> None:
    """IC-ASSESS-1P2: a score scale named exists (``scale`` is what the connection sees of it)."""
    if scale is None:
        raise Unprocessable(f"{what}.scoreScale refers to scoreScale {scale_id!r}, which does not exist")


@ASSESS.check
def require_parent_assessment(ctx: RuleContext, doc: dict[str, Any], parent: dict[str, Any] | None) -> None:
    """IC-ASSESS-1P2: a parentAssessmentLineItem exists, in the same class, and is not the item itself or one
    of its own descendants (``parent`` is what the connection sees of it)."""
    parent_id = doc["parentAssessmentLineItem"]["sourcedId"]
    if parent is None:
        raise Unprocessable(f"assessmentLineItem.parentAssessmentLineItem refers to assessmentLineItem "
                            f"{parent_id!r}, which does not exist")
    class_id, parent_class = doc["class"]["sourcedId"], (parent.get("class") or {}).get("sourcedId")
    if parent_class != class_id:
        raise Unprocessable(f"assessmentLineItem.parentAssessmentLineItem {parent_id!r} belongs to class "
                            f"{parent_class!r}, not to this assessment line item's class {class_id!r}")
    ancestor: dict[str, Any] | None = parent
    seen: set[str] = set()
    while ancestor is not None and ancestor["sourcedId"] not in seen:
        if ancestor["sourcedId"] == doc["sourcedId"]:
            raise Unprocessable(f"assessmentLineItem.parentAssessmentLineItem {parent_id!r} would make assessment "
                                f"line item {doc['sourcedId']!r} its own ancestor")
        seen.add(ancestor["sourcedId"])
        above = (ancestor.get("parentAssessmentLineItem") or {}).get("sourcedId")
        ancestor = ctx.facts.get("assessmentLineItems", above) if above else None


@ASSESS.check
def require_enrolled_in_assessment_class(ctx: RuleContext, student_id: str, line_item: dict[str, Any]) -> None:
    """IC-ASSESS-1P2: the student is actively enrolled as a student in the assessment line item's class (every
    one written through the API has a class; one without could only come from elsewhere and names no class)."""
    class_id = (line_item.get("class") or {}).get("sourcedId")
    if class_id and not ctx.facts.is_enrolled_student(student_id, class_id):
        raise Unprocessable(f"Student {student_id!r} is not actively enrolled as a student in class {class_id!r} "
                            f"of assessmentLineItem {line_item['sourcedId']!r}")


@ASSESS.check
def check_within_score_scale(ctx: RuleContext, doc: dict[str, Any], scale: dict[str, Any] | None) -> None:
    """IC-ASSESS-1P2: score and textScore lie within the score scale (the result's, else its line item's);
    mock_ic/ic/score_scales.py says what "within" means."""
    if scale is None:
        return
    problem = None
    if doc.get("score") is not None:
        problem = score_scales.score_problem(scale, doc["score"], "assessmentResult.score")
    if problem is None and doc.get("textScore") is not None:
        problem = score_scales.text_score_problem(scale, doc["textScore"], "assessmentResult.textScore")
    if problem:
        raise Unprocessable(problem)


@ASSESS.check
def check_no_child_assessments(ctx: RuleContext, line_item: dict[str, Any]) -> None:
    """IC-ASSESS-1P2: an assessment line item is not deleted while active ones name it as their parent."""
    children = ctx.facts.active_referring("assessmentLineItems", "parent", line_item["sourcedId"])
    if children:
        raise Unprocessable(f"Assessment line item {line_item['sourcedId']!r} is the parentAssessmentLineItem of "
                            f"{len(children)} active assessment line item(s): {_some(children)}; delete them or give "
                            f"them another parent first (nothing was deleted)")


def check_assessment_result(ctx: RuleContext, doc: dict[str, Any], line_item: dict[str, Any],
                            scale: dict[str, Any] | None) -> None:
    """Every IC rule of an assessment result write: IC-ASSESS-1P2 (enrolment, score scale) and
    IC-RES-EXTRA-CREDIT (no negative score). Grading windows do not apply: an assessment line item has no
    grading period."""
    require_enrolled_in_assessment_class(ctx, doc["student"]["sourcedId"], line_item)
    check_score(ctx, doc, "assessmentResult.score")
    check_within_score_scale(ctx, doc, scale)
