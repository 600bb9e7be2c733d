"""Hypothesis strategies: grade book requests as real clients send them, valid and invalid.

Two styles of body:

- ``lenient`` (IC-LENIENT-IN): what LMS clients really send to Infinite Campus: references with only
  a ``sourcedId`` (sometimes a ``type``), no ``status`` or ``dateLastModified``, integers where the
  schema says float, a date-time for ``scoreDate``;
- ``strict``: the complete 1EdTech shape (full references with ``href`` and ``type``, every
  required field), which any OneRoster server must take; the only style used when a server is
  judged against the plain standard.

The invalid values the catalogue names are generated on purpose: titles at and around the limits
(30 on 1.2, 50 on 1.1), duplicate titles in other case or with trailing blanks, due dates inside
and outside every term (the boundaries included), unknown classes, unknown and unenrolled
students, decimals, extra credit, negative scores, exempt/late/missing. Every title starts with the
sandbox's title prefix and stays free of leading blanks, so what the kit writes is recognisable in
a teacher's grade book.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from hypothesis import strategies as st

from conformance.model import SCORE_STATUSES, UNCATEGORIZED, Term
from conformance.sandbox import TITLE_PREFIX

# Letters whose upper and lower case map one to one (no "ß", no dotted "İ"): a case variant of a
# title is then the same title to any case-insensitive comparison, casefold or lower.
TITLE_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -:&'()#éüñÉÜÑ"
# The lengths that matter: short, and each side of both versions' limits (IC-LI-TITLE-LEN).
LIMIT_LENGTHS = (29, 30, 31, 49, 50, 51)


@dataclass(frozen=True)
class Context:
    """What a strategy needs to know of the target and its sandbox class."""

    version: str
    ic: bool
    class_id: str
    school_id: str | None
    terms: tuple[Term, ...]
    categories: tuple[str, ...]  # the class's categories a line item may name
    students: tuple[str, ...]  # actively enrolled students of the class
    unenrolled: tuple[str, ...]  # real students who are not in the class
    title_limit: int
    unknown_class: str  # a class id that exists nowhere
    unknown_student: str
    strict_only: bool = False  # send the complete 1EdTech shape only
    base: str = ""  # the connection's OneRoster root, for the hrefs of strict references

    @property
    def styles(self) -> list[str]:
        return ["strict"] if self.strict_only or not self.ic else ["lenient", "strict"]

    def href(self, kind: str, sourced_id: str) -> str:
        collection = {"class": "classes", "org": "orgs", "academicSession": "academicSessions",
                      "category": "categories", "lineItem": "lineItems", "user": "users", "scoreScale": "scoreScales",
                      "assessmentLineItem": "assessmentLineItems"}[kind]
        if self.version == "1.1":
            return f"{self.base}/v1p1/{collection}/{sourced_id}"
        service = "gradebook" if kind in ("category", "lineItem", "scoreScale", "assessmentLineItem") else "rostering"
        return f"{self.base}/{service}/v1p2/{collection}/{sourced_id}"


# --- small pieces ---------------------------------------------------------------------------------

def reference(ctx: Context, kind: str, sourced_id: str, style: str) -> st.SearchStrategy[dict[str, Any]]:
    if style == "strict":
        return st.just({"href": ctx.href(kind, sourced_id), "sourcedId": sourced_id, "type": kind})
    return st.sampled_from([{"sourcedId": sourced_id}, {"sourcedId": sourced_id, "type": kind}])


def number(value: float, style: str) -> st.SearchStrategy[float | int]:
    """A float as a client sends it: an integer where it is whole (lenient), else the float."""
    if style == "lenient" and float(value).is_integer():
        return st.sampled_from([int(value), float(value)])
    return st.just(float(value))


def fresh_title(ctx: Context, *, at_most: int | None = None) -> st.SearchStrategy[str]:
    """A new title: short, or of a length at and around the limits (IC-LI-TITLE-LEN); no longer
    than ``at_most`` when given."""
    lengths = {*LIMIT_LENGTHS, ctx.title_limit - 1, ctx.title_limit, ctx.title_limit + 1, ctx.title_limit + 20}
    lowest = len(TITLE_PREFIX) + 1
    highest = at_most if at_most is not None else max(lengths)
    short = st.integers(lowest, min(lowest + 11, highest))
    edges = sorted(n for n in lengths if lowest <= n <= highest)
    length = st.one_of(short, short, st.sampled_from(edges)) if edges else short

    def of_length(n: int) -> st.SearchStrategy[str]:
        rest = n - len(TITLE_PREFIX)
        # No blank at either end: a title's blanks belong to the duplicate variants only.
        return st.text(TITLE_ALPHABET, min_size=rest, max_size=rest).map(
            lambda text: TITLE_PREFIX + text.strip().ljust(rest, "x"))

    return length.flatmap(of_length)


def duplicate_title(existing: str, limit: int) -> st.SearchStrategy[str]:
    """The same title to IC-LI-DUP-TITLE: other case after the prefix, and/or trailing blanks."""
    rest = existing[len(TITLE_PREFIX):] if existing.startswith(TITLE_PREFIX) else existing
    head = existing[: len(existing) - len(rest)]

    def variant(case: str, blanks: int) -> str:
        changed = {"same": rest, "upper": rest.upper(), "lower": rest.lower(), "swap": rest.swapcase()}[case]
        title = head + changed
        # Trailing blanks only while the raw title stays within the limit: whether IC counts them
        # towards IC-LI-TITLE-LEN the catalogue does not say.
        return title + " " * blanks if len(title) + blanks <= limit else title

    return st.builds(variant, st.sampled_from(["same", "upper", "lower", "swap"]), st.integers(0, 2))


def title(ctx: Context, existing: Sequence[str]) -> st.SearchStrategy[str]:
    choices = [fresh_title(ctx)]
    if existing:
        choices.append(st.sampled_from(list(existing)).flatmap(lambda t: duplicate_title(t, ctx.title_limit)))
    return st.one_of(*choices)


def _iso(moment: datetime, millis: bool) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (".000Z" if millis else "Z")


def due_inside(ctx: Context) -> st.SearchStrategy[datetime]:
    """A due date inside a term of the class: the first day, the last (until 23:59:59 UTC) or between."""
    def in_term(term: Term) -> st.SearchStrategy[datetime]:
        days = (term.end - term.start).days
        day = st.one_of(st.just(0), st.just(days), st.integers(0, days))
        clock = st.sampled_from([time(0, 0), time(12, 0), time(23, 59, 59), time(15, 30)])
        return st.builds(lambda d, c: datetime.combine(term.start + timedelta(days=d), c, tzinfo=UTC), day, clock)

    return st.sampled_from(list(ctx.terms)).flatmap(in_term)


def due_outside(ctx: Context) -> st.SearchStrategy[datetime]:
    """A due date outside every term (IC-LI-DUE-DATE): just before the first, just after the last, or far."""
    first = min(term.start for term in ctx.terms)
    last = max(term.end for term in ctx.terms)
    covered = [(t.start, t.end) for t in ctx.terms]
    before = datetime.combine(first, time(0), tzinfo=UTC)
    after = datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC)
    candidates = [before - timedelta(seconds=1), before - timedelta(days=40), after, after + timedelta(days=100)]
    return st.sampled_from([c for c in candidates
                            if not any(start <= c.date() <= end for start, end in covered)])


def grading_period_of(ctx: Context, due: datetime) -> str | None:
    holding = {t.grading_period for t in ctx.terms if t.holds(due)}
    return holding.pop() if len(holding) == 1 else None


# --- line items -----------------------------------------------------------------------------------

@st.composite
def line_item(draw: st.DrawFn, ctx: Context, *, existing_titles: Sequence[str] = (),
              categories: Sequence[str] = (), valid: bool | None = None) -> dict[str, Any]:
    """A line item body. ``valid=True`` keeps to what every rule accepts (bar duplicates of
    ``existing_titles``, not drawn then); ``False`` breaks at least one IC rule; None mixes both."""
    style = draw(st.sampled_from(ctx.styles))
    if valid is None:
        valid = draw(st.integers(0, 2)) > 0
    breaks: set[str] = set()
    if not valid:
        options = ["title", "due", "class", "category", "no-due"] if ctx.ic else ["title", "due", "category"]
        breaks = set(draw(st.lists(st.sampled_from(options), min_size=1, max_size=2, unique=True)))

    if "title" in breaks:
        over = st.integers(ctx.title_limit + 1, ctx.title_limit + 25)
        title_text = draw(over.map(lambda n: TITLE_PREFIX + "x" * (n - len(TITLE_PREFIX))))
        if existing_titles and draw(st.booleans()):
            title_text = draw(st.sampled_from(list(existing_titles)).flatmap(
                lambda t: duplicate_title(t, ctx.title_limit)))
    elif valid:
        title_text = draw(fresh_title(ctx, at_most=ctx.title_limit))
    else:
        title_text = draw(title(ctx, existing_titles))

    due = draw(due_outside(ctx) if "due" in breaks else due_inside(ctx))
    body: dict[str, Any] = {"title": title_text}
    if "no-due" not in breaks:
        body["dueDate"] = _iso(due, draw(st.booleans()))
    class_id = ctx.unknown_class if "class" in breaks else ctx.class_id
    body["class"] = draw(reference(ctx, "class", class_id, style))

    usable = list(dict.fromkeys([*ctx.categories, *categories]))
    if "category" in breaks:
        if ctx.version == "1.2" and ctx.ic:
            choice = draw(st.sampled_from(["none", "uncategorized", "unknown"]))
        else:
            choice = draw(st.sampled_from(["uncategorized", "unknown"]))
        if choice != "none":
            category = UNCATEGORIZED if choice == "uncategorized" else f"{ctx.unknown_class}-category"
            body["category"] = draw(reference(ctx, "category", category, style))
    elif usable:
        # 1.1 connections ignore the category (IC-LI-CATEGORY-1P1); real clients still send one.
        body["category"] = draw(reference(ctx, "category", draw(st.sampled_from(usable)), style))

    period = grading_period_of(ctx, due) if "due" not in breaks and "no-due" not in breaks else None
    if period is not None and (style == "strict" or draw(st.booleans())):
        body["gradingPeriod"] = draw(reference(ctx, "academicSession", period, style))
    maximum = draw(st.sampled_from([10.0, 20.0, 25.5, 100.0]))
    body["resultValueMax"] = draw(number(maximum, style))
    if style == "strict" or draw(st.booleans()):
        body["resultValueMin"] = draw(number(0.0, style))
    if style == "strict":
        body.update(status="active", dateLastModified="2026-01-01T00:00:00.000Z",
                    assignDate=_iso(due - timedelta(days=7), True))
        if ctx.version == "1.2" and ctx.school_id is not None:
            body["school"] = draw(reference(ctx, "org", ctx.school_id, style))
    elif draw(st.integers(0, 5)) == 0:
        body["status"] = draw(st.sampled_from(["active", "tobedeleted"]))
    if draw(st.integers(0, 3)) == 0:
        body["description"] = draw(st.text(TITLE_ALPHABET, max_size=40))
    return body


# --- results --------------------------------------------------------------------------------------

def score(*, valid: bool | None = None) -> st.SearchStrategy[float | int | None]:
    """Scores as graded: whole, decimals (IC-RES-DECIMAL), extra credit above any maximum the
    strategies use (IC-RES-EXTRA-CREDIT), none (IC-RES-BLANK); negative ones when not ``valid``."""
    good = st.one_of(
        st.integers(0, 100),
        st.integers(0, 10000).map(lambda n: n / 100),
        st.sampled_from([10.5, 0.25, 7.125, 19.99, 30.0, 150.0, 0.0]),
        st.none(),
    )
    bad = st.one_of(st.sampled_from([-1, -0.5, -100.0]), st.integers(1, 50).map(lambda n: -n / 4))
    if valid is None:
        return st.one_of(good, good, good, bad)
    return good if valid else bad


@st.composite
def result(draw: st.DrawFn, ctx: Context, line_items: Sequence[str], *, unknown_line_item: str | None = None,
           valid: bool | None = None) -> dict[str, Any]:
    """A result body on one of ``line_items`` (the kit's own), for an enrolled student unless
    ``valid`` is False: then an unknown line item, an unenrolled or unknown student, or a negative
    score."""
    style = draw(st.sampled_from(ctx.styles))
    if valid is None:
        valid = draw(st.integers(0, 3)) > 0
    breaks: set[str] = set()
    if not valid:
        options = ["score"]
        if unknown_line_item is not None:
            options.append("line-item")
        if ctx.ic:
            options.append("student")
        breaks = {draw(st.sampled_from(options))}
    line_item_id = unknown_line_item if "line-item" in breaks and unknown_line_item else draw(
        st.sampled_from(list(line_items)))
    if "student" in breaks:
        student = draw(st.sampled_from([*ctx.unenrolled, ctx.unknown_student]))
    else:
        student = draw(st.sampled_from(list(ctx.students)))
    body: dict[str, Any] = {"lineItem": draw(reference(ctx, "lineItem", line_item_id, style)),
                            "student": draw(reference(ctx, "user", student, style))}
    body.update(draw(grading(ctx, style, valid="score" not in breaks)))
    return body


@st.composite
def grading(draw: st.DrawFn, ctx: Context, style: str, *, valid: bool = True) -> dict[str, Any]:
    """The graded part of a result: score, status, date, flags (IC-RES-FLAGS), comment."""
    body: dict[str, Any] = {"scoreStatus": draw(st.sampled_from(SCORE_STATUSES))}
    value = draw(score(valid=valid))
    if value is not None:
        body["score"] = draw(number(float(value), style))
    elif ctx.version == "1.2" and draw(st.booleans()):
        body["textScore"] = draw(st.sampled_from(["B+", "Incomplete", "P"]))
    day = draw(st.dates(min_value=datetime(2025, 8, 1).date(), max_value=datetime(2027, 6, 30).date()))
    if style == "strict":
        body.update(status="active", dateLastModified="2026-01-01T00:00:00.000Z", scoreDate=day.isoformat())
    else:
        body["scoreDate"] = draw(st.sampled_from([day.isoformat(), f"{day.isoformat()}T14:05:00Z",
                                                  f"{day.isoformat()}T23:59:59.000Z"]))
        if draw(st.integers(0, 4)) == 0:
            del body["scoreDate"]
    for flag in ("late", "missing"):
        if draw(st.integers(0, 2)) == 0:
            body[flag] = draw(st.sampled_from(["true", "false"]))
    if draw(st.integers(0, 3)) == 0:
        body["comment"] = draw(st.text(TITLE_ALPHABET, max_size=30))
    return body


# --- categories -----------------------------------------------------------------------------------

@st.composite
def category(draw: st.DrawFn, ctx: Context, *, in_class: bool | None = None) -> dict[str, Any]:
    """A vendor's category: a title, a weight (1.2), linked to the sandbox class (``metadata.ic.class``,
    IC-CAT-OWNER) or to none."""
    style = draw(st.sampled_from(ctx.styles))
    body: dict[str, Any] = {"title": draw(fresh_title(ctx, at_most=40))}
    if in_class is None:
        in_class = draw(st.integers(0, 3)) > 0
    if in_class:
        body["metadata"] = {"ic": {"class": ctx.class_id}}
    if ctx.version == "1.2" and draw(st.integers(0, 3)) > 0:
        body["weight"] = draw(st.sampled_from([10.0, 12.5, 25.0, 0.0]).flatmap(lambda w: number(w, style)))
    if style == "strict":
        body.update(status="active", dateLastModified="2026-01-01T00:00:00.000Z")
    return body
