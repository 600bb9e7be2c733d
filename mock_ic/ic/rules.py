"""Infinite Campus grade-passback rules, each by its ID in IC_BEHAVIOUR.md.

Each check takes the normalised (canonical, 1.2-shaped) document about to be stored, reads what it
needs inside the caller's write transaction, and either adjusts the document (derivations IC does
itself) or raises ``Unprocessable`` / ``Forbidden`` with a message a person can act on: what was
wrong, the value, and the limit or the allowed values. Nothing is written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from mock_ic.errors import Unprocessable
from mock_ic.store.refs import ref
from mock_ic.store.tables import KINDS, class_terms
from mock_ic.tenants import TenantSettings

UNCATEGORIZED = "11111111-1111-1111-1111-111111111111"  # IC-LI-CATEGORY-1P1


@dataclass(frozen=True)
class RuleContext:
    conn: sa.Connection
    tenant: str
    version: str  # "1.1" | "1.2"
    settings: TenantSettings


def _class_docs(ctx: RuleContext, kind: str, class_id: str, *where: sa.ColumnElement[bool]) -> list[dict[str, Any]]:
    table = KINDS[kind].table
    rows = ctx.conn.execute(sa.select(table.c.doc).where(table.c.tenant == ctx.tenant, table.c["class"] == class_id,
                                                          *where))
    return [orjson.loads(text) for text in rows.scalars()]


def title_limit(ctx: RuleContext) -> int:
    s = ctx.settings
    return s.title_max_length_v1p1 if ctx.version == "1.1" else s.title_max_length_v1p2


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


def check_duplicate_title(ctx: RuleContext, doc: dict[str, Any]) -> None:
    """IC-LI-DUP-TITLE: no two active line items of a class share a title (case-insensitive, trimmed)."""
    if not ctx.settings.duplicate_title_check or doc["status"] != "active":
        return
    table = KINDS["lineItems"].table
    key = _title_key(doc["title"])
    for other in _class_docs(ctx, "lineItems", doc["class"]["sourcedId"],
                             table.c.sourced_id != doc["sourcedId"], table.c.status == "active"):
        if _title_key(other["title"]) == key:
            raise Unprocessable(
                f"An assignment named {other['title']!r} already exists in class {doc['class']['sourcedId']!r} "
                f"(lineItem {other['sourcedId']!r}); Infinite Campus does not allow two assignments with the same "
                f"name in a section")


def class_terms_of(ctx: RuleContext, class_id: str) -> list[dict[str, Any]]:
    term_ids = ctx.conn.execute(sa.select(class_terms.c.term_id).where(
        class_terms.c.tenant == ctx.tenant, class_terms.c.class_id == class_id)).scalars().all()
    sessions = KINDS["academicSessions"].table
    rows = ctx.conn.execute(sa.select(sessions.c.doc).where(sessions.c.tenant == ctx.tenant,
                                                            sessions.c.sourced_id.in_(term_ids)))
    return sorted((orjson.loads(t) for t in rows.scalars()), key=lambda s: s["startDate"])


def _grading_period_for(ctx: RuleContext, term: dict[str, Any], day: str) -> str | None:
    """The grading period under the term whose dates hold ``day`` (IC uses terms as grading periods)."""
    sessions = KINDS["academicSessions"].table
    rows = ctx.conn.execute(sa.select(sessions.c.doc).where(
        sessions.c.tenant == ctx.tenant, sessions.c.type == "gradingPeriod", sessions.c.parent == term["sourcedId"]))
    for period in (orjson.loads(t) for t in rows.scalars()):
        if period["startDate"] <= day <= period["endDate"]:
            return period["sourcedId"]
    return None


def check_due_date(ctx: RuleContext, doc: dict[str, Any]) -> None:
    """IC-LI-DUE-DATE: the due date falls inside one of the class's terms (end dates inclusive, as IC's
    calendars); without a gradingPeriod, IC takes the grading period of the term holding the due date."""
    day = doc["dueDate"][:10]
    terms = class_terms_of(ctx, doc["class"]["sourcedId"])
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


def check_grading_window(ctx: RuleContext, line_item: dict[str, Any]) -> None:
    """IC-LI-GRADING-WINDOW: nothing lands in a grading period whose window is closed."""
    period = (line_item.get("gradingPeriod") or {}).get("sourcedId")
    if period and period in ctx.settings.closed_grading_periods:
        raise Unprocessable(f"The grading window of grading period {period!r} is closed: line item "
                            f"{line_item['sourcedId']!r} and its scores cannot be changed until it is reopened")


def apply_category(ctx: RuleContext, doc: dict[str, Any]) -> None:
    """IC-LI-CATEGORY-1P1 / IC-LI-CATEGORY-1P2."""
    if ctx.version == "1.1":
        # 1.1: whatever was sent, IC files the item under Uncategorized until the teacher moves it.
        doc["category"] = ref("categories", UNCATEGORIZED)
        return
    class_id = doc["class"]["sourcedId"]
    categories = _class_docs(ctx, "categories", class_id)
    chosen = (doc.get("category") or {}).get("sourcedId")
    if chosen and chosen != UNCATEGORIZED and any(c["sourcedId"] == chosen for c in categories):
        return
    available = "; ".join(f"{c['title']} ({c['sourcedId']})" for c in sorted(categories, key=lambda c: c["sourcedId"]))
    problem = ("is required" if not chosen else
               f"{chosen!r} is the 1.1 Uncategorized placeholder, not a category" if chosen == UNCATEGORIZED else
               f"{chosen!r} is not a category of class {class_id!r}")
    raise Unprocessable(f"lineItem.category {problem}; categories of class {class_id!r}: {available or 'none'}")


def _category_class(doc: dict[str, Any]) -> Any:
    ic = (doc.get("metadata") or {}).get("ic")
    return ic.get("class") if isinstance(ic, dict) else None


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


def check_category_unused(ctx: RuleContext, category: dict[str, Any]) -> None:
    """IC-CAT-OWNER: a category cannot be deleted while active line items still use it."""
    table = KINDS["lineItems"].table
    using = ctx.conn.execute(sa.select(table.c.sourced_id).where(
        table.c.tenant == ctx.tenant, table.c.category == category["sourcedId"], table.c.status == "active",
    ).order_by(table.c.sourced_id)).scalars().all()
    if not using:
        return
    shown = ", ".join(repr(sid) for sid in using[:20]) + (f" and {len(using) - 20} more" if len(using) > 20 else "")
    raise Unprocessable(f"Category {category['sourcedId']!r} is still the category of {len(using)} active line "
                        f"item(s): {shown}; delete them or give them another category first (nothing was deleted)")


def check_line_item(ctx: RuleContext, doc: dict[str, Any]) -> None:
    """Every IC rule of a line item write, in the order IC reports them."""
    check_title_length(ctx, doc)
    apply_category(ctx, doc)
    check_due_date(ctx, doc)
    check_grading_window(ctx, doc)
    check_duplicate_title(ctx, doc)


def check_result(ctx: RuleContext, doc: dict[str, Any], line_item: dict[str, Any]) -> None:
    """IC-RES-EXTRA-CREDIT (negative scores refused), IC-RES-FLAGS on 1.1, IC-LI-GRADING-WINDOW."""
    score = doc.get("score")
    if score is not None and score < 0:
        raise Unprocessable(f"result.score {score:g} is negative; Infinite Campus accepts scores from 0 upward "
                            f"(scores above resultValueMax count as extra credit)")
    if ctx.version == "1.1":
        for name in ("late", "missing", "inProgress", "incomplete", "textScore"):
            doc.pop(name, None)  # not part of 1.1: Canvas does not pass late designations there
    check_grading_window(ctx, line_item)

