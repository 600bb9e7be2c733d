"""Gradebook writes: categories, line items, results, score scales, and on 1.2 assessment line items and
assessment results (IC-LI-UPSERT, IC-RES-UPSERT, IC-ASSESS-1P2).

Input is lenient (IC-LENIENT-IN): references may carry only a sourcedId, status and
dateLastModified may be missing, integers stand for floats, scoreDate may be a date-time. The
stored document is always complete and valid against the strict response schema. Every check
runs inside the caller's write transaction, so a rejected request changes nothing, and after the
tenant's grade book write lock (``store/locks.py``), so no other server's write slips in between a
check and the write it allows.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from jsonschema import ValidationError

from mock_ic.errors import InvalidData, UnknownObject, Unprocessable
from mock_ic.ic import rules, school_scope
from mock_ic.ic.settings import TenantSettings
from mock_ic.oneroster.schemas import FORMAT_EXAMPLES, output_validator
from mock_ic.store import documents, locks
from mock_ic.store.facts import Facts
from mock_ic.store.refs import ref
from mock_ic.store.tables import KINDS

if TYPE_CHECKING:
    from mock_ic.store import Connection


@dataclass(frozen=True)
class WriteContext:
    conn: Connection
    tenant: str
    version: str  # "1.1" | "1.2"
    settings: TenantSettings
    # Documents this write already read (its result's line item), so the rules do not read them again.
    read: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def rules(self) -> rules.RuleContext:
        return rules.RuleContext(Facts(self.conn, self.tenant), self.version, self.settings)


def _ref_id(body: dict[str, Any], name: str, *, required: bool, what: str) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise Unprocessable(f"{what}.{name} is required: give a reference {{\"sourcedId\": \"...\"}}")
        return None
    if not isinstance(value, dict) or not isinstance(value.get("sourcedId"), str) or not value["sourcedId"]:
        raise Unprocessable(f"{what}.{name} must be a reference object with a non-empty sourcedId, got {value!r}")
    return value["sourcedId"]


def _text(body: dict[str, Any], name: str, *, required: bool, what: str) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise Unprocessable(f"{what}.{name} is required")
        return None
    if not isinstance(value, str):
        raise Unprocessable(f"{what}.{name} must be a string, got {value!r}")
    return value


def _number(body: dict[str, Any], name: str, *, what: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unprocessable(f"{what}.{name} must be a number, got {value!r}")
    return float(value)


def _datetime(body: dict[str, Any], name: str, *, required: bool, what: str) -> str | None:
    """A date-time, normalised to UTC ``YYYY-MM-DDTHH:MM:SS.mmmZ``; a bare date means midnight UTC."""
    raw = _text(body, name, required=required, what=what)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Unprocessable(f"{what}.{name} must be an ISO-8601 date-time such as "
                            f"2026-09-15T23:59:00Z, got {raw!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


def _date(body: dict[str, Any], name: str, *, what: str) -> str | None:
    """IC-LENIENT-IN: scoreDate may come as a date-time; the stored value is its date."""
    raw = _text(body, name, required=False, what=what)
    if raw is None:
        return None
    stamp = _datetime({name: raw}, name, required=True, what=what)
    return stamp[:10] if stamp else None


def _base(body: dict[str, Any], sourced_id: str, what: str) -> dict[str, Any]:
    body_id = body.get("sourcedId")
    if body_id not in (None, sourced_id):
        raise Unprocessable(f"{what}.sourcedId {body_id!r} differs from the sourcedId in the URL {sourced_id!r}")
    status = body.get("status") or "active"
    if status not in ("active", "tobedeleted"):
        raise Unprocessable(f"{what}.status must be 'active' or 'tobedeleted', got {status!r}")
    doc: dict[str, Any] = {"sourcedId": sourced_id, "status": status, "dateLastModified": documents.now_stamp()}
    metadata = body.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise Unprocessable(f"{what}.metadata must be an object, got {metadata!r}")
        doc["metadata"] = metadata
    return doc


def _visible(ctx: WriteContext, kind: str, sourced_id: str) -> bool:
    """IC-SCHOOL-SCOPE: objects of schools outside the connection's scope are not there for it."""
    scope = school_scope.scope(kind, ctx.settings.schools)
    return not scope or documents.exists(ctx.conn, ctx.tenant, kind, sourced_id, scope)


def _visible_doc(ctx: WriteContext, kind: str, sourced_id: str) -> dict[str, Any] | None:
    """The object as the connection sees it (IC-SCHOOL-SCOPE): None when absent or outside its schools."""
    found = documents.get_doc(ctx.conn, ctx.tenant, kind, sourced_id)
    return found if found is not None and _visible(ctx, kind, sourced_id) else None


def _require_object(ctx: WriteContext, kind: str, sourced_id: str, label: str, what: str) -> dict[str, Any]:
    found = _visible_doc(ctx, kind, sourced_id)
    if found is None:
        raise Unprocessable(f"{what} refers to {label} {sourced_id!r}, which does not exist")
    return found


def _without_ic_origin(doc: dict[str, Any]) -> None:
    """A vendor cannot mark its own objects as made inside Infinite Campus."""
    ic = doc.get("metadata", {}).get("ic")
    if isinstance(ic, dict):
        ic.pop("origin", None)


def _vendor_item(body: dict[str, Any], sourced_id: str, what: str) -> dict[str, Any]:
    """What a line item and an assessment line item start with: the common fields, never IC's origin mark, a
    required title and an optional description."""
    doc = _base(body, sourced_id, what)
    _without_ic_origin(doc)
    doc["title"] = _text(body, "title", required=True, what=what)
    description = _text(body, "description", required=False, what=what)
    if description is not None:
        doc["description"] = description
    return doc


def normalise_line_item(ctx: WriteContext, sourced_id: str, body: dict[str, Any]) -> dict[str, Any]:
    what = "lineItem"
    doc = _vendor_item(body, sourced_id, what)
    due = _datetime(body, "dueDate", required=True, what=what)
    doc["assignDate"] = _datetime(body, "assignDate", required=False, what=what) or doc["dateLastModified"]
    doc["dueDate"] = due
    class_id = _ref_id(body, "class", required=True, what=what) or ""
    klass = rules.require_class(ctx.rules, class_id, what, _visible(ctx, "classes", class_id))
    doc["class"] = ref("classes", klass["sourcedId"])
    school_id = _ref_id(body, "school", required=False, what=what) or klass["school"]["sourcedId"]
    doc["school"] = ref("orgs", school_id)
    category_id = _ref_id(body, "category", required=False, what=what)
    if category_id:  # required on 1.2, replaced on 1.1: decided by IC-LI-CATEGORY-1P1 and IC-LI-CATEGORY-1P2
        doc["category"] = ref("categories", category_id)
    for name in ("gradingPeriod", "academicSession"):
        session = _ref_id(body, name, required=False, what=what)
        if session:
            doc[name] = ref("academicSessions", session)
    _add_scoring(doc, body, what)
    return doc


def _add_scoring(doc: dict[str, Any], body: dict[str, Any], what: str) -> None:
    """What a line item and an assessment line item share: a score scale, the result value range, the
    learning objectives."""
    scale = _ref_id(body, "scoreScale", required=False, what=what)
    if scale:
        doc["scoreScale"] = ref("scoreScales", scale)
    for name in ("resultValueMin", "resultValueMax"):
        value = _number(body, name, what=what)
        if value is not None:
            doc[name] = value
    if body.get("learningObjectiveSet") is not None:
        doc["learningObjectiveSet"] = body["learningObjectiveSet"]


def normalise_result(ctx: WriteContext, sourced_id: str, body: dict[str, Any]) -> dict[str, Any]:
    what = "result"
    doc = _base(body, sourced_id, what)
    line_item_id = _ref_id(body, "lineItem", required=True, what=what) or ""
    line_item = rules.require_line_item(ctx.rules, line_item_id, _visible(ctx, "lineItems", line_item_id))
    ctx.read["lineItems", line_item_id] = line_item
    student_id = _ref_id(body, "student", required=True, what=what) or ""
    class_id = line_item["class"]["sourcedId"]
    rules.require_enrolled(ctx.rules, student_id, class_id)
    doc["lineItem"] = ref("lineItems", line_item_id)
    doc["student"] = ref("users", student_id)
    doc["class"] = ref("classes", class_id)
    scale = _ref_id(body, "scoreScale", required=False, what=what)
    if scale:
        doc["scoreScale"] = ref("scoreScales", scale)
    score = _number(body, "score", what=what)
    status = _text(body, "scoreStatus", required=False, what=what)
    doc["scoreStatus"] = status or ("fully graded" if score is not None else "not submitted")
    if score is not None:
        doc["score"] = score
    for name in ("textScore", "comment", "inProgress", "incomplete", "late", "missing"):
        value = _text(body, name, required=False, what=what)
        if value is not None:
            doc[name] = value
    doc["scoreDate"] = _date(body, "scoreDate", what=what) or doc["dateLastModified"][:10]
    if body.get("learningObjectiveSet") is not None:
        doc["learningObjectiveSet"] = body["learningObjectiveSet"]
    return doc


def normalise_category(ctx: WriteContext, sourced_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """IC-CAT-OWNER: a vendor's category, marked ``metadata.ic.origin = "vendor"``; the 1EdTech Category
    has no class field, so the vendor names the class as IC stores it, in ``metadata.ic.class``."""
    what = "category"
    doc = _base(body, sourced_id, what)
    doc["title"] = _text(body, "title", required=True, what=what)
    weight = _number(body, "weight", what=what)
    if weight is not None:
        doc["weight"] = weight
    metadata = doc.get("metadata", {})
    ic = metadata.get("ic", {})
    if not isinstance(ic, dict):
        raise Unprocessable(f"{what}.metadata.ic must be an object such as {{\"class\": \"<class sourcedId>\"}}, "
                            f"got {ic!r}")
    # Copies: the caller's body stays as sent. Whatever origin was sent, this category is the vendor's.
    ic = {**ic, "origin": "vendor"}
    doc["metadata"] = {**metadata, "ic": ic}
    class_id = ic.get("class")
    if class_id is not None:
        if not isinstance(class_id, str) or not class_id:
            raise Unprocessable(f"{what}.metadata.ic.class must be the sourcedId of a class, got {class_id!r}")
        _require_object(ctx, "classes", class_id, "class", f"{what}.metadata.ic.class")
    return doc


def normalise_score_scale(ctx: WriteContext, sourced_id: str, body: dict[str, Any]) -> dict[str, Any]:
    what = "scoreScale"
    doc = _base(body, sourced_id, what)
    doc["title"] = _text(body, "title", required=True, what=what)
    doc["type"] = _text(body, "type", required=True, what=what)
    class_id = _ref_id(body, "class", required=True, what=what) or ""
    _require_object(ctx, "classes", class_id, "class", what)
    doc["class"] = ref("classes", class_id)
    course = _ref_id(body, "course", required=False, what=what)
    if course:
        doc["course"] = ref("courses", course)
    values = body.get("scoreScaleValue")
    if not isinstance(values, list) or not values or not all(
            isinstance(v, dict) and isinstance(v.get("itemValueLHS"), str) and isinstance(v.get("itemValueRHS"), str)
            for v in values):
        raise Unprocessable("scoreScale.scoreScaleValue must be a non-empty list of "
                            "{\"itemValueLHS\": \"...\", \"itemValueRHS\": \"...\"}")
    doc["scoreScaleValue"] = [{"itemValueLHS": v["itemValueLHS"], "itemValueRHS": v["itemValueRHS"]} for v in values]
    return doc


def normalise_assessment_line_item(ctx: WriteContext, sourced_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """IC-ASSESS-1P2. Unlike 1EdTech, the class is required: Infinite Campus files every score under a
    section, and the class gives the item its school (IC-LI-CLASS, IC-SCHOOL-SCOPE)."""
    what = "assessmentLineItem"
    doc = _vendor_item(body, sourced_id, what)
    class_id = _ref_id(body, "class", required=True, what=what) or ""
    klass = rules.require_class(ctx.rules, class_id, what, _visible(ctx, "classes", class_id))
    doc["class"] = ref("classes", klass["sourcedId"])
    parent = _ref_id(body, "parentAssessmentLineItem", required=False, what=what)
    if parent:  # must exist: IC-ASSESS-1P2, in apply_rules
        doc["parentAssessmentLineItem"] = ref("assessmentLineItems", parent)
    _add_scoring(doc, body, what)
    return doc


def normalise_assessment_result(ctx: WriteContext, sourced_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """IC-ASSESS-1P2: the assessment line item must exist; the enrolment and the score scale are checked by
    apply_rules."""
    what = "assessmentResult"
    doc = _base(body, sourced_id, what)
    line_item_id = _ref_id(body, "assessmentLineItem", required=True, what=what) or ""
    line_item = rules.require_assessment_line_item(ctx.rules, line_item_id,
                                                   _visible(ctx, "assessmentLineItems", line_item_id))
    ctx.read["assessmentLineItems", line_item_id] = line_item
    student_id = _ref_id(body, "student", required=True, what=what) or ""
    doc["assessmentLineItem"] = ref("assessmentLineItems", line_item_id)
    doc["student"] = ref("users", student_id)
    score = _number(body, "score", what=what)
    if score is not None:
        doc["score"] = score
    text_score = _text(body, "textScore", required=False, what=what)
    if text_score is not None:
        doc["textScore"] = text_score
    doc["scoreDate"] = _date(body, "scoreDate", what=what) or doc["dateLastModified"][:10]
    scale = _ref_id(body, "scoreScale", required=False, what=what)
    if scale:
        doc["scoreScale"] = ref("scoreScales", scale)
    percentile = _number(body, "scorePercentile", what=what)
    if percentile is not None:
        doc["scorePercentile"] = percentile
    status = _text(body, "scoreStatus", required=False, what=what)
    doc["scoreStatus"] = status or ("fully graded" if score is not None or text_score is not None else "not submitted")
    comment = _text(body, "comment", required=False, what=what)
    if comment is not None:
        doc["comment"] = comment
    if body.get("learningObjectiveSet") is not None:
        doc["learningObjectiveSet"] = body["learningObjectiveSet"]
    for name in ("inProgress", "incomplete", "late", "missing"):
        value = _text(body, name, required=False, what=what)
        if value is not None:
            doc[name] = value
    return doc


NORMALISERS: dict[str, Callable[[WriteContext, str, dict[str, Any]], dict[str, Any]]] = {
    "lineItems": normalise_line_item,
    "results": normalise_result,
    "categories": normalise_category,
    "scoreScales": normalise_score_scale,
    "assessmentLineItems": normalise_assessment_line_item,
    "assessmentResults": normalise_assessment_result,
}


def unwrap(body: Any, wrapper: str) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get(wrapper), dict):
        raise InvalidData(f"The request body must be a JSON object {{\"{wrapper}\": {{...}}}}")
    return body[wrapper]


def put(ctx: WriteContext, kind: str, sourced_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Create or replace one object (IC-LI-UPSERT / IC-RES-UPSERT): (stored document, created?)."""
    locks.serialise_tenant_writes(ctx.conn, ctx.tenant)
    existing = documents.get_doc(ctx.conn, ctx.tenant, kind, sourced_id)
    if existing is not None and not _visible(ctx, kind, sourced_id):
        raise UnknownObject(f"Unknown {KINDS[kind].singular} {sourced_id!r} for this connection's schools")
    _require_vendor_owned(ctx, kind, sourced_id, existing)
    if ctx.settings.strict_input:
        _require_strict(kind, body, ctx.version)
    doc = NORMALISERS[kind](ctx, sourced_id, body)
    apply_rules(ctx, kind, doc, existing)
    _require_storable(doc)
    created = documents.put(ctx.conn, ctx.tenant, kind, doc, exists=existing is not None)
    return doc, created


def _require_storable(doc: dict[str, Any]) -> None:
    """JSON allows integers of any size; the stored document (and most clients) keep 64-bit ones."""
    try:
        documents.dumps(doc)
    except TypeError as exc:  # orjson.JSONEncodeError is a TypeError
        raise Unprocessable(f"The {doc.get('sourcedId')!r} object cannot be stored: {exc} "
                            f"(integers must fit in 64 bits)") from None


def apply_rules(ctx: WriteContext, kind: str, doc: dict[str, Any], existing: dict[str, Any] | None) -> None:
    """The Infinite Campus rules of mock_ic/ic/rules.py for this kind of write (none for score scales)."""
    check = _PUT_RULES.get(kind)
    if check is not None:
        check(ctx, doc, existing)


def _line_item_rules(ctx: WriteContext, doc: dict[str, Any], existing: dict[str, Any] | None) -> None:
    if existing is not None:
        rules.check_grading_window(ctx.rules, existing)  # nor can an item leave a closed period
    rules.check_line_item(ctx.rules, doc)


def _parent(ctx: WriteContext, kind: str, doc: dict[str, Any], name: str) -> dict[str, Any]:
    """The object ``doc`` refers to by ``name``, read once per write (the normaliser checked it exists)."""
    sourced_id = doc[name]["sourcedId"]
    return ctx.read.get((kind, sourced_id)) or documents.get_doc(ctx.conn, ctx.tenant, kind, sourced_id) or {}


def _result_rules(ctx: WriteContext, doc: dict[str, Any], existing: dict[str, Any] | None) -> None:
    rules.check_result(ctx.rules, doc, _parent(ctx, "lineItems", doc, "lineItem"))


def _category_rules(ctx: WriteContext, doc: dict[str, Any], existing: dict[str, Any] | None) -> None:
    if existing is not None:
        rules.keep_category_link(ctx.rules, doc, existing)


def _named_scale(ctx: WriteContext, what: str, doc: dict[str, Any]) -> dict[str, Any] | None:
    """IC-ASSESS-1P2: the score scale ``doc`` names, which must exist; None when it names none."""
    scale_id = (doc.get("scoreScale") or {}).get("sourcedId")
    if not scale_id:
        return None
    scale = _visible_doc(ctx, "scoreScales", scale_id)
    rules.require_score_scale(ctx.rules, what, scale_id, scale)
    return scale


def _assessment_line_item_rules(ctx: WriteContext, doc: dict[str, Any], existing: dict[str, Any] | None) -> None:
    parent_id = (doc.get("parentAssessmentLineItem") or {}).get("sourcedId")
    if parent_id:
        rules.require_parent_assessment(ctx.rules, doc, _visible_doc(ctx, "assessmentLineItems", parent_id))
    _named_scale(ctx, "assessmentLineItem", doc)


def _assessment_result_rules(ctx: WriteContext, doc: dict[str, Any], existing: dict[str, Any] | None) -> None:
    """The scale a score must lie within: the result's own, else its line item's while that still exists."""
    line_item = _parent(ctx, "assessmentLineItems", doc, "assessmentLineItem")
    scale = _named_scale(ctx, "assessmentResult", doc)
    line_item_scale = (line_item.get("scoreScale") or {}).get("sourcedId")
    if "scoreScale" not in doc and line_item_scale:
        scale = _visible_doc(ctx, "scoreScales", line_item_scale)
    rules.check_assessment_result(ctx.rules, doc, line_item, scale)


_PUT_RULES: dict[str, Callable[[WriteContext, dict[str, Any], dict[str, Any] | None], None]] = {
    "lineItems": _line_item_rules,
    "results": _result_rules,
    "categories": _category_rules,
    "assessmentLineItems": _assessment_line_item_rules,
    "assessmentResults": _assessment_result_rules,
}


def delete(ctx: WriteContext, kind: str, sourced_id: str) -> None:
    """IC-LI-DELETE: the object is gone afterwards; a line item takes its results with it."""
    locks.serialise_tenant_writes(ctx.conn, ctx.tenant)
    existing = documents.get_doc(ctx.conn, ctx.tenant, kind, sourced_id)
    if existing is None or not _visible(ctx, kind, sourced_id):
        raise UnknownObject(f"Unknown {KINDS[kind].singular} {sourced_id!r}: nothing to delete")
    _require_vendor_owned(ctx, kind, sourced_id, existing)
    check = _DELETE_RULES.get(kind)
    if check is not None:
        check(ctx.rules, existing)
    documents.delete(ctx.conn, ctx.tenant, kind, sourced_id)
    for dependent, column in rules.deleted_with(ctx.rules, kind).items():
        documents.delete_where(ctx.conn, ctx.tenant, dependent, **{column: sourced_id})


def _require_strict(kind: str, body: dict[str, Any], version: str) -> None:
    """IC-LENIENT-IN with ``strict_input`` on: the body must already be a complete, strictly valid object."""
    errors = sorted(output_validator(kind, version).iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        problems = "; ".join(_strict_problem(kind, e) for e in errors[:20])
        raise InvalidData(f"strict_input is on for this tenant and the {KINDS[kind].singular} is not a complete "
                          f"OneRoster {version} object: {problems}")


def _strict_problem(kind: str, error: ValidationError) -> str:
    """One schema violation: the field, and for a format the value and what it should look like."""
    where = ".".join(map(str, error.absolute_path)) or KINDS[kind].singular
    if error.validator == "format" and error.validator_value in FORMAT_EXAMPLES:
        return (f"{where}: {error.instance!r} is not a valid {error.validator_value} "
                f"(expected {FORMAT_EXAMPLES[error.validator_value]})")
    return f"{where}: {error.message}"


# What must hold before an object of a kind is deleted (beyond its owner): IC-LI-GRADING-WINDOW,
# IC-CAT-OWNER (no active line item uses the category), IC-ASSESS-1P2 (no active child assessment).
_DELETE_RULES: dict[str, Callable[[rules.RuleContext, dict[str, Any]], None]] = {
    "lineItems": rules.check_grading_window,
    "categories": rules.check_category_unused,
    "assessmentLineItems": rules.check_no_child_assessments,
}

# IC-LI-OWNER and IC-CAT-OWNER: whose objects made inside Infinite Campus are read-only for a vendor (a grading
# task's line item and its score group's score scale among them: IC-GRADING-TASK).
_OWNER_RULES: dict[str, Callable[[rules.RuleContext, str, dict[str, Any]], None]] = {
    "lineItems": rules.check_line_item_owner,
    "categories": rules.check_category_owner,
    "assessmentLineItems": functools.partial(rules.check_line_item_owner, label="Assessment line item"),
    "scoreScales": functools.partial(rules.check_line_item_owner, label="Score scale"),
}


def _require_vendor_owned(ctx: WriteContext, kind: str, sourced_id: str, existing: dict[str, Any] | None) -> None:
    """IC-LI-OWNER and IC-CAT-OWNER: what was made inside Infinite Campus is read-only for a vendor."""
    check = _OWNER_RULES.get(kind)
    if existing is not None and check is not None:
        check(ctx.rules, sourced_id, existing)


def post_many(ctx: WriteContext, kind: str, items: list[Any], fixed: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    """POST bulk create: the server allocates sourcedIds; ``fixed`` references come from the URL."""
    locks.serialise_tenant_writes(ctx.conn, ctx.tenant)
    pairs = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidData(f"{kind}[{index}] must be an object")
        supplied = item.get("sourcedId") or f"new-{index}"
        allocated = str(uuid.uuid4())
        body = {**item, **fixed, "sourcedId": allocated}
        doc = NORMALISERS[kind](ctx, allocated, body)
        apply_rules(ctx, kind, doc, None)
        _require_storable(doc)
        documents.put(ctx.conn, ctx.tenant, kind, doc)
        pairs.append({"suppliedSourcedId": str(supplied), "allocatedSourcedId": allocated})
    return pairs
