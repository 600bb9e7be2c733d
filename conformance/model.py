"""The oracle: a small model of what a grade book does with line items, results and categories.

Written from the behaviour catalogue (IC_BEHAVIOUR.md, sections 4 and 5) and never from the mock's
own rules: it is the independent second opinion the gradebook suite compares a server with. If the
mock and the model shared code, a wrong rule would pass its own test.

Two flavours, chosen by :class:`Config`:

- ``ic=True``: Infinite Campus on a 1.1 or 1.2 connection (IC-LI-*, IC-CAT-OWNER, IC-RES-*,
  IC-TITLE-OVER, the fill-ins of IC-LENIENT-IN);
- ``ic=False``: plain 1EdTech OneRoster: a PUT stores what was sent (201 on create; 200 or 201 on
  replace, the binding lists 201), a GET reads it back, a DELETE makes it 404. Nothing else.

The model is given the class's facts (its terms with their grading periods, its students, its
categories and the line items it already holds) and asked, request by request, what the server
must answer (:class:`Outcome`). An accepted outcome is applied with :meth:`Gradebook.commit`, after
which :meth:`Gradebook.expect_line_item` (etc.) say what a GET must return. Where neither the
catalogue nor the standard decides, the outcome is ``either``: accepted as predicted, or refused
with a 4xx and nothing changed; the caller commits only what the server accepted.

Expectations are field paths with the behaviour ID that predicts them, so a mismatch is reported
in the catalogue's terms (``IC-LI-CATEGORY-1P1: category.sourcedId expected '1111...'``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from conformance.grading_task_model import IS_ASSIGNMENT_RESULT, Choices, GradingTask, judge

UNCATEGORIZED = "11111111-1111-1111-1111-111111111111"  # IC-LI-CATEGORY-1P1
TITLE_LIMITS = {"1.1": 50, "1.2": 30}  # IC-LI-TITLE-LEN defaults by connection version
SCORE_STATUSES = ("exempt", "fully graded", "not submitted", "partially graded", "submitted")
INVALID_DATA = "invaliddata"  # 1.1 spells it "invalid data"; compared without spaces
FORBIDDEN = "forbidden"
UNKNOWN_OBJECT = "unknownobject"


class _Absent:
    """An expected value: the field must not be there (or be null)."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


# --- facts ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """A term of the class; IC uses terms as grading periods (IC-TERMS), each with its own
    ``gradingPeriod`` session (None when the server shows none)."""

    sourced_id: str
    start: date
    end: date
    grading_period: str | None = None

    def holds(self, instant: datetime) -> bool:
        # Whole days, inclusive, in UTC: the catalogue gives terms as dates.
        return self.start <= instant.astimezone(UTC).date() <= self.end


@dataclass(frozen=True)
class ClassFacts:
    sourced_id: str
    school: str | None
    terms: tuple[Term, ...]
    students: frozenset[str]  # actively enrolled students, as this connection names them

    def terms_holding(self, instant: datetime) -> list[Term]:
        return [term for term in self.terms if term.holds(instant)]


@dataclass(frozen=True)
class Config:
    version: str  # "1.1" or "1.2"
    ic: bool
    title_max: int | None = None  # None: the catalogue's default for the version
    title_over_limit: str = "reject"  # IC-TITLE-OVER: "reject" or "truncate"
    duplicate_title_check: bool = True
    closed_grading_periods: frozenset[str] = frozenset()
    grading_task_both_given: str | None = None  # IC-GRADING-TASK's [model] choice; None: unknown (not a mock)

    @property
    def title_limit(self) -> int:
        return self.title_max if self.title_max is not None else TITLE_LIMITS[self.version]

    @classmethod
    def from_settings(cls, version: str, ic: bool, settings: Mapping[str, Any] | None = None) -> Config:
        """A district's own configuration (a mock-ic tenant's settings), else the catalogue's defaults.

        Only settings that describe the district are read; the ``rules`` switches are not: a rule
        switched off must make the suite fail, not change what the model expects.
        """
        known = settings is not None
        settings = settings or {}
        key = "title_max_length_v1p1" if version == "1.1" else "title_max_length_v1p2"
        return cls(version, ic, title_max=settings.get(key),
                   title_over_limit=settings.get("title_over_limit", "reject"),
                   duplicate_title_check=bool(settings.get("duplicate_title_check", True)),
                   closed_grading_periods=frozenset(settings.get("closed_grading_periods") or ()),
                   grading_task_both_given=settings.get("grading_task_both_given", "keep") if known else None)


# --- expectations -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Expected:
    value: Any
    rule: str  # the behaviour that predicts this value


Expectation = dict[str, Expected]  # dotted path -> expected value


def instant(text: str) -> datetime:
    """An ISO-8601 date-time (``Z`` or an offset, with or without fractions) as an aware datetime."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _lookup(obj: Mapping[str, Any], path: str) -> Any:
    current: Any = obj
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return ABSENT
        current = current[part]
    return ABSENT if current is None else current


def _same(expected: Any, got: Any) -> bool:
    if expected is ABSENT or got is ABSENT:
        return expected is got
    if isinstance(expected, datetime):
        try:
            return isinstance(got, str) and instant(got) == expected
        except ValueError:
            return False
    if isinstance(expected, float):
        return isinstance(got, int | float) and not isinstance(got, bool) and float(got) == expected
    return bool(got == expected)


def diff(expectation: Expectation, got: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The fields of ``got`` that differ from the expectation: (rule, what differs)."""
    found = []
    for path, want in expectation.items():
        value = _lookup(got, path)
        if not _same(want.value, value):
            shown = want.value.isoformat() if isinstance(want.value, datetime) else want.value
            found.append((want.rule, f"{path}: expected {shown!r}, got {value!r}"))
    return found


# --- outcomes ---------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What the server must answer to one request.

    ``statuses``: the acceptable 2xx statuses when accepted, or the one error status when refused.
    ``rules``: the behaviour IDs that decide it (those that refuse it, or those that make it
    acceptable). ``either``: neither the catalogue nor the standard decides; the server may accept
    (with one of ``statuses``) or refuse with any 4xx, changing nothing.
    """

    accepted: bool
    statuses: frozenset[int]
    rules: tuple[str, ...]
    reason: str
    code_minor: str | None = None
    either: bool = False
    effect: Callable[[], None] | None = field(default=None, repr=False)

    def describe(self) -> str:
        if self.either:
            codes = "/".join(str(s) for s in sorted(self.statuses))
            return f"either {codes} (accepted) or a 4xx with nothing changed ({self.reason})"
        codes = " or ".join(str(s) for s in sorted(self.statuses))
        if self.accepted:
            return f"{codes} ({self.reason})"
        return f"{codes} {self.code_minor or ''} ({self.reason})".replace("  ", " ")


def _accept(statuses: Iterable[int], rules: Iterable[str], reason: str, effect: Callable[[], None]) -> Outcome:
    return Outcome(True, frozenset(statuses), tuple(dict.fromkeys(rules)), reason, effect=effect)


def _refuse(status: int, code_minor: str, violations: list[tuple[str, str]]) -> Outcome:
    rules = tuple(dict.fromkeys(rule for rule, _ in violations))
    return Outcome(False, frozenset({status}), rules, "; ".join(why for _, why in violations), code_minor)


def _either(accepted: Outcome, rules: Iterable[str], reason: str) -> Outcome:
    return replace(accepted, either=True, rules=tuple(dict.fromkeys([*rules, *accepted.rules])),
                   reason=f"{reason}; {accepted.reason}")


def _not_found(kind: str, sourced_id: str, rule: str) -> Outcome:
    return Outcome(False, frozenset({404}), (rule,), f"no {kind} {sourced_id!r}", UNKNOWN_OBJECT)


# --- stored objects ---------------------------------------------------------------------------

@dataclass
class LineItem:
    sourced_id: str
    class_id: str | None
    title: str
    status: str = "active"
    category: str | None = None
    grading_period: str | None = None
    vendor: bool = True  # created by a vendor (writable); False: made inside IC (IC-LI-OWNER)
    expect: Expectation = field(default_factory=dict)


@dataclass
class Result:
    sourced_id: str
    line_item: str
    student: str
    class_id: str | None  # the line item's class when it was written; None: no known class
    expect: Expectation = field(default_factory=dict)


@dataclass
class Category:
    sourced_id: str
    class_id: str | None
    title: str
    weight: float | None = None
    status: str = "active"
    vendor: bool = True  # False: the teacher's grading setup made inside IC (IC-CAT-OWNER)
    expect: Expectation = field(default_factory=dict)


def _ref(body: Mapping[str, Any], key: str) -> str | None:
    """The sourcedId of a reference as real clients send it (IC-LENIENT-IN: only sourcedId needed)."""
    value = body.get(key)
    if isinstance(value, Mapping) and isinstance(value.get("sourcedId"), str) and value["sourcedId"]:
        return value["sourcedId"]
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def normalised_title(title: str) -> str:
    """IC-LI-DUP-TITLE compares titles case-insensitively and trimmed."""
    return title.strip().casefold()


# --- the model --------------------------------------------------------------------------------

class Gradebook:
    """The model's state: classes, categories, line items and results, and the rules over them."""

    def __init__(self, config: Config, classes: Iterable[ClassFacts]) -> None:
        self.config = config
        self.classes = {facts.sourced_id: facts for facts in classes}
        self.line_items: dict[str, LineItem] = {}
        self.results: dict[str, Result] = {}
        self.categories: dict[str, Category] = {}
        self.tasks: dict[str, GradingTask] = {}  # IC-GRADING-TASK: the class's grading tasks, by line item id
        # Plain OneRoster leaves open whether a line item's results outlive it: such results are
        # in limbo (a GET may find them or not) until written or deleted again.
        self.limbo: set[str] = set()

    @property
    def ic(self) -> bool:
        return self.config.ic

    # -- what the server already holds --------------------------------------------------------

    def know_line_item(self, sourced_id: str, class_id: str, title: str, *, status: str = "active",
                       category: str | None = None, grading_period: str | None = None, vendor: bool = False) -> None:
        """A line item the class already has (made inside IC, or left by someone else)."""
        rule = "IC-LI-UPSERT" if vendor or not self.ic else "IC-LI-OWNER"  # IC's own: unchanged by vendors
        expect = {"title": Expected(title, rule), "status": Expected(status, rule)}
        self.line_items[sourced_id] = LineItem(sourced_id, class_id, title, status, category, grading_period, vendor,
                                               expect)

    def know_category(self, sourced_id: str, class_id: str | None, title: str, *, vendor: bool = False,
                      weight: float | None = None) -> None:
        rule = "IC-LI-UPSERT" if vendor or not self.ic else "IC-CAT-OWNER"
        expect = {"title": Expected(title, rule)}
        if weight is not None and self.config.version == "1.2":
            expect["weight"] = Expected(float(weight), rule)
        self.categories[sourced_id] = Category(sourced_id, class_id, title, weight, vendor=vendor, expect=expect)

    def know_grading_task(self, task: GradingTask) -> None:
        """IC-GRADING-TASK: one of the class's line items is a grading task (already known as IC's own)."""
        self.tasks[task.sourced_id] = task

    def close_grading_period(self, sourced_id: str, closed: bool = True) -> None:
        periods = set(self.config.closed_grading_periods)
        (periods.add if closed else periods.discard)(sourced_id)
        self.config = replace(self.config, closed_grading_periods=frozenset(periods))

    def _upsert_statuses(self, exists: bool, *, maybe: bool = False) -> set[int]:
        """IC-LI-UPSERT: 201 creates, 200 replaces. The 1EdTech binding lists 201 for every PUT, so a
        plain server may answer 201 to a replace too; ``maybe``: whether it exists is open."""
        if maybe or (exists and not self.ic):
            return {200, 201}
        return {200} if exists else {201}

    # -- line items -----------------------------------------------------------------------------

    def class_categories(self, class_id: str) -> set[str]:
        """IC-LI-CATEGORY-1P2: the categories a line item of the class may use."""
        return {c.sourced_id for c in self.categories.values() if c.class_id == class_id and c.status == "active"}

    def put_line_item(self, sourced_id: str, body: Mapping[str, Any]) -> Outcome:
        existing = self.line_items.get(sourced_id)
        if self.ic and existing is not None and not existing.vendor:
            return _refuse(403, FORBIDDEN, [("IC-LI-OWNER", f"line item {sourced_id!r} was made inside IC; "
                                                            "vendors may not replace it")])
        title = body.get("title") if isinstance(body.get("title"), str) else None
        class_id = _ref(body, "class")
        status = body.get("status") if body.get("status") in ("active", "tobedeleted") else "active"
        due = _due(body)
        sent_period = _ref(body, "gradingPeriod")
        category = _ref(body, "category")
        facts = self.classes.get(class_id) if class_id else None
        statuses = self._upsert_statuses(existing is not None)
        allowed: list[str] = ["IC-LI-UPSERT"]

        if not self.ic:
            expect = self._line_item_fields(body, title or "", category, sent_period, class_id, status)
            stored = LineItem(sourced_id, class_id, title or "", status, category, sent_period, True, expect)
            outcome = _accept(statuses, allowed, "stored as sent", lambda: self._store_line_item(stored))
            if facts is None or title is None or due is None:
                # Plain OneRoster has no rule on the class reference or on missing required fields.
                return _either(outcome, ["IC-LI-CLASS"], "the standard leaves a missing field or an unknown "
                                                         "class open")
            return outcome

        violations: list[tuple[str, str]] = []
        if facts is None:
            violations.append(("IC-LI-CLASS", f"class {class_id!r} does not exist" if class_id
                               else "no class given"))
        if title is None:
            violations.append(("IC-LI-UPSERT", "no title"))
            title = ""
        limit = self.config.title_limit
        stored_title = title
        if len(title) > limit:
            if self.config.title_over_limit == "truncate":
                stored_title = title[:limit]
                allowed.append("IC-TITLE-OVER")
            else:
                violations.append(("IC-LI-TITLE-LEN", f"title is {len(title)} characters, the limit is {limit}"))
        elif len(title) > min(TITLE_LIMITS.values()):
            allowed.append("IC-LI-TITLE-LEN")  # within this version's limit, over the other's
        period = sent_period
        if due is None:
            violations.append(("IC-LI-DUE-DATE", "no dueDate"))
        elif facts is not None:
            holding = facts.terms_holding(due)
            if not holding:
                violations.append(("IC-LI-DUE-DATE", f"dueDate {due.isoformat()} is outside every term of "
                                                     f"class {class_id!r}"))
            elif sent_period is None:
                derived = {term.grading_period for term in holding}
                period = derived.pop() if len(derived) == 1 else None
        closed = self.config.closed_grading_periods
        for landing in (period, existing.grading_period if existing else None):
            if landing is not None and landing in closed:
                violations.append(("IC-LI-GRADING-WINDOW", f"grading period {landing!r} is closed"))
                break
        if self.config.version == "1.2":
            if category is None:
                violations.append(("IC-LI-CATEGORY-1P2", "no category"))
            elif category == UNCATEGORIZED:
                violations.append(("IC-LI-CATEGORY-1P2", "the 1.1 Uncategorized placeholder is not a category"))
            elif class_id is not None and category not in self.class_categories(class_id):
                violations.append(("IC-LI-CATEGORY-1P2", f"category {category!r} is not one of class "
                                                         f"{class_id!r}'s categories"))
        else:
            allowed.append("IC-LI-CATEGORY-1P1")
            category = UNCATEGORIZED
        duplicate = self._duplicate_of(sourced_id, class_id, stored_title)
        if duplicate is not None and status == "active":
            violations.append(("IC-LI-DUP-TITLE", f"title {stored_title!r} equals that of active line item "
                                                  f"{duplicate.sourced_id!r} ({duplicate.title!r})"))
        if violations:
            return _refuse(422, INVALID_DATA, violations)
        if self._duplicate_of(sourced_id, class_id, stored_title, active_only=False) is not None:
            allowed.append("IC-LI-DUP-TITLE")  # a title shared only with items that are not active
        expect = self._line_item_fields(body, stored_title, category, period, class_id, status)
        stored = LineItem(sourced_id, class_id, stored_title, status, category, period, True, expect)
        outcome = _accept(statuses, allowed, "created" if existing is None else "replaced",
                          lambda: self._store_line_item(stored))
        if duplicate is not None:
            # The catalogue speaks of "another active line item": whether a line item that is itself
            # not active may share the title of an active one it leaves open.
            return _either(outcome, ["IC-LI-DUP-TITLE"], f"a {status} line item titled like active "
                                                          f"{duplicate.sourced_id!r}")
        return outcome

    def _duplicate_of(self, sourced_id: str, class_id: str | None, title: str, *,
                      active_only: bool = True) -> LineItem | None:
        if not self.config.duplicate_title_check:
            return None
        wanted = normalised_title(title)
        for other in self.line_items.values():
            if (other.sourced_id != sourced_id and other.class_id == class_id
                    and (other.status == "active" or not active_only)
                    and normalised_title(other.title) == wanted):
                return other
        return None

    def _line_item_fields(self, body: Mapping[str, Any], title: str, category: str | None,
                          period: str | None, class_id: str | None, status: str) -> Expectation:
        upsert = "IC-LI-UPSERT"
        expect: Expectation = {"title": Expected(title, "IC-TITLE-OVER" if title != body.get("title") else upsert),
                               "status": Expected(status, upsert)}
        if class_id is not None:
            expect["class.sourcedId"] = Expected(class_id, upsert)
        due = _due(body)
        if due is not None:
            expect["dueDate"] = Expected(due, upsert)
        assign = body.get("assignDate")
        if isinstance(assign, str):
            expect["assignDate"] = Expected(instant(assign), upsert)
        if self.ic and self.config.version == "1.1":
            expect["category.sourcedId"] = Expected(UNCATEGORIZED, "IC-LI-CATEGORY-1P1")
        elif category is not None:
            expect["category.sourcedId"] = Expected(category, "IC-LI-CATEGORY-1P2" if self.ic else upsert)
        if period is not None:
            derived = _ref(body, "gradingPeriod") is None
            expect["gradingPeriod.sourcedId"] = Expected(period, "IC-LI-DUE-DATE" if derived else upsert)
        for key in ("resultValueMax", "resultValueMin"):
            number = _number(body.get(key))
            if number is not None:
                expect[key] = Expected(number, upsert)
        if isinstance(body.get("description"), str):
            expect["description"] = Expected(body["description"], upsert)
        if self.config.version == "1.2" and _ref(body, "school"):
            expect["school.sourcedId"] = Expected(_ref(body, "school"), upsert)
        return expect

    def _store_line_item(self, stored: LineItem) -> None:
        self.line_items[stored.sourced_id] = stored
        for result in self.results.values():
            if result.line_item == stored.sourced_id:
                result.class_id = stored.class_id

    def delete_line_item(self, sourced_id: str) -> Outcome:
        existing = self.line_items.get(sourced_id)
        if existing is None:
            return _not_found("line item", sourced_id, "IC-LI-DELETE")
        if self.ic and not existing.vendor:
            return _refuse(403, FORBIDDEN, [("IC-LI-OWNER", f"line item {sourced_id!r} was made inside IC; "
                                                            "vendors may not delete it")])

        def effect() -> None:
            del self.line_items[sourced_id]
            for result in [r for r in self.results.values() if r.line_item == sourced_id]:
                del self.results[result.sourced_id]
                if not self.ic:
                    self.limbo.add(result.sourced_id)

        outcome = _accept({204, 200}, ["IC-LI-DELETE"], "deleted, its results with it" if self.ic else "deleted",
                          effect)
        if self.ic and existing.grading_period in self.config.closed_grading_periods:
            return _either(outcome, ["IC-LI-GRADING-WINDOW"], "the catalogue does not say whether a closed "
                                                              "grading period keeps its line items")
        return outcome

    # -- results --------------------------------------------------------------------------------

    def put_result(self, sourced_id: str, body: Mapping[str, Any]) -> Outcome:
        existing = self.results.get(sourced_id)
        line_item_id = _ref(body, "lineItem")
        student = _ref(body, "student")
        line_item = self.line_items.get(line_item_id) if line_item_id else None
        in_limbo = sourced_id in self.limbo
        statuses = self._upsert_statuses(existing is not None, maybe=in_limbo)
        allowed = ["IC-RES-UPSERT"]
        score = _number(body.get("score"))

        if not self.ic:
            class_id = line_item.class_id if line_item else None
            stored = Result(sourced_id, line_item_id or "", student or "", class_id,
                            self._result_fields(body, line_item))
            outcome = _accept(statuses, allowed, "stored as sent", lambda: self._store_result(stored))
            if line_item is None or student is None:
                return _either(outcome, ["IC-RES-UPSERT"], "the standard leaves a result of an unknown line item "
                                                           "open")
            return outcome

        violations: list[tuple[str, str]] = []
        if line_item is None:
            violations.append(("IC-RES-UPSERT", f"line item {line_item_id!r} does not exist" if line_item_id
                               else "no lineItem given"))
        else:
            facts = self.classes.get(line_item.class_id or "")
            if student is None or facts is None or student not in facts.students:
                violations.append(("IC-RES-UPSERT", f"student {student!r} is not actively enrolled in class "
                                                    f"{line_item.class_id!r}"))
            closed = self.config.closed_grading_periods
            old = self.line_items.get(existing.line_item) if existing else None
            for landing in (line_item.grading_period, old.grading_period if old else None):
                if landing is not None and landing in closed:
                    violations.append(("IC-LI-GRADING-WINDOW", f"grading period {landing!r} is closed"))
                    break
        if score is not None and score < 0:
            violations.append(("IC-RES-EXTRA-CREDIT", f"score {score} is negative"))
        task = self.tasks.get(line_item.sourced_id) if line_item is not None else None
        posted = judge(task, body, Choices(self.config.grading_task_both_given), ABSENT) if task else None
        if posted is not None:
            violations += posted.violations
        if violations:
            return _refuse(422, INVALID_DATA, violations)
        maximum = _number(self._line_item_max(line_item))
        if score is not None and maximum is not None and score > maximum:
            allowed.append("IC-RES-EXTRA-CREDIT")
        if score is not None and not float(score).is_integer():
            allowed.append("IC-RES-DECIMAL")
        if score is None:
            allowed.append("IC-RES-BLANK")
        assert line_item is not None and student is not None
        expect = self._result_fields(body, line_item)
        if posted is not None:
            allowed.append("IC-GRADING-TASK")
            expect.update({path: Expected(value, "IC-GRADING-TASK") for path, value in posted.fields.items()})
        stored = Result(sourced_id, line_item.sourced_id, student, line_item.class_id, expect)
        outcome = _accept(statuses, allowed, "created" if existing is None else "replaced",
                          lambda: self._store_result(stored))
        if posted is not None and posted.open:
            return _either(outcome, ["IC-GRADING-TASK"], "the catalogue leaves this grade of a grading task open")
        return outcome

    @staticmethod
    def _line_item_max(line_item: LineItem | None) -> Any:
        if line_item is None:
            return None
        want = line_item.expect.get("resultValueMax")
        return want.value if want else None

    def _result_fields(self, body: Mapping[str, Any], line_item: LineItem | None) -> Expectation:
        upsert = "IC-RES-UPSERT"
        expect: Expectation = {
            "status": Expected(body.get("status") if body.get("status") in ("active", "tobedeleted") else "active",
                               upsert)}
        for key in ("lineItem", "student"):
            if _ref(body, key):
                expect[f"{key}.sourcedId"] = Expected(_ref(body, key), upsert)
        score = _number(body.get("score"))
        if score is not None:
            rule = "IC-RES-DECIMAL" if not score.is_integer() else upsert
            expect["score"] = Expected(score, "IC-RES-EXTRA-CREDIT" if self._over_max(score, line_item) else rule)
        elif "textScore" not in body or self.ic:
            # IC-RES-BLANK: a result without a score is kept and returned without one.
            expect["score"] = Expected(ABSENT, "IC-RES-BLANK" if self.ic else upsert)
        if isinstance(body.get("scoreStatus"), str):
            expect["scoreStatus"] = Expected(body["scoreStatus"], "IC-RES-FLAGS" if body["scoreStatus"] == "exempt"
                                             else upsert)
        score_date = body.get("scoreDate")
        if isinstance(score_date, str):
            # IC-LENIENT-IN: a date-time is accepted for the date and stored as its date.
            expect["scoreDate"] = Expected(score_date[:10], "IC-LENIENT-IN" if len(score_date) > 10 else upsert)
        if isinstance(body.get("comment"), str):
            expect["comment"] = Expected(body["comment"], upsert)
        if self.config.version == "1.2":
            for flag in ("late", "missing"):
                if body.get(flag) in ("true", "false"):
                    expect[flag] = Expected(body[flag], "IC-RES-FLAGS")
            if isinstance(body.get("textScore"), str):
                expect["textScore"] = Expected(body["textScore"], "IC-RES-BLANK" if self.ic else upsert)
            if self.ic and line_item is not None and line_item.class_id is not None:
                expect["class.sourcedId"] = Expected(line_item.class_id, "IC-LENIENT-IN")
        elif self.ic:
            # IC-RES-FLAGS: a 1.1 connection has no late or missing designation.
            for flag in ("late", "missing"):
                expect[flag] = Expected(ABSENT, "IC-RES-FLAGS")
        if self.ic:  # IC-GRADING-TASK: every result says whether it is an assignment's (a task's says "false")
            expect[f"metadata.{IS_ASSIGNMENT_RESULT}"] = Expected("true", "IC-GRADING-TASK")
        return expect

    def _over_max(self, score: float, line_item: LineItem | None) -> bool:
        maximum = _number(self._line_item_max(line_item))
        return maximum is not None and score > maximum

    def _store_result(self, stored: Result) -> None:
        self.limbo.discard(stored.sourced_id)
        self.results[stored.sourced_id] = stored

    def delete_result(self, sourced_id: str) -> Outcome:
        if sourced_id in self.limbo:
            outcome = _accept({204, 200}, ["IC-RES-UPSERT"], "deleted", lambda: self.limbo.discard(sourced_id))
            return _either(outcome, ["IC-LI-DELETE"], "its line item was deleted; the standard leaves open whether "
                                                      "the result went with it")
        existing = self.results.get(sourced_id)
        if existing is None:
            return _not_found("result", sourced_id, "IC-RES-UPSERT")
        return _accept({204, 200}, ["IC-RES-UPSERT"], "deleted", lambda: self.results.pop(sourced_id))

    def teacher_edit(self, sourced_id: str, score: float | None) -> None:
        """IC-RES-ONE-WAY: a teacher changed the score inside IC; the vendor sees it on its next GET."""
        result = self.results[sourced_id]
        result.expect["score"] = Expected(ABSENT if score is None else float(score), "IC-RES-ONE-WAY")
        # What else a teacher's edit changes (the date, a "fully graded" status) the catalogue does not say.
        result.expect.pop("scoreDate", None)
        result.expect.pop("scoreStatus", None)

    # -- categories -----------------------------------------------------------------------------

    def put_category(self, sourced_id: str, body: Mapping[str, Any]) -> Outcome:
        existing = self.categories.get(sourced_id)
        if self.ic and existing is not None and not existing.vendor:
            return _refuse(403, FORBIDDEN, [("IC-CAT-OWNER", f"category {sourced_id!r} is part of the teacher's "
                                                             "grading setup; vendors may not replace it")])
        title = body.get("title") if isinstance(body.get("title"), str) else None
        metadata = body.get("metadata") if isinstance(body.get("metadata"), Mapping) else {}
        ic_meta = metadata.get("ic") if isinstance(metadata.get("ic"), Mapping) else {}
        class_id = ic_meta.get("class") if isinstance(ic_meta.get("class"), str) else None
        weight = _number(body.get("weight")) if self.config.version == "1.2" else None
        status = body.get("status") if body.get("status") in ("active", "tobedeleted") else "active"
        statuses = self._upsert_statuses(existing is not None)
        rules = ["IC-CAT-OWNER"] if self.ic else ["IC-LI-UPSERT"]
        violations: list[tuple[str, str]] = []
        if title is None:
            violations.append(("IC-CAT-OWNER", "no title"))
        if class_id is not None and class_id not in self.classes:
            violations.append(("IC-CAT-OWNER", f"class {class_id!r} does not exist"))
        if self.ic and existing is not None:
            # IC-CAT-OWNER: a vendor's category stays linked to its class and keeps its weight.
            if class_id is not None and existing.class_id is not None and class_id != existing.class_id:
                violations.append(("IC-CAT-OWNER", f"category {sourced_id!r} belongs to class "
                                                   f"{existing.class_id!r}; it cannot move to {class_id!r}"))
            class_id = class_id if class_id is not None else existing.class_id
            weight = weight if weight is not None else existing.weight
        if violations:
            if not self.ic:
                outcome = _accept(statuses, rules, "stored as sent", lambda: None)
                return _either(outcome, rules, "; ".join(why for _, why in violations))
            return _refuse(422, INVALID_DATA, violations)
        rule = rules[0]
        expect: Expectation = {"title": Expected(title, rule), "status": Expected(status, rule),
                               "metadata.ic.class": Expected(class_id if class_id is not None else ABSENT, rule)}
        if self.config.version == "1.2":
            expect["weight"] = Expected(weight if weight is not None else ABSENT, rule)
        stored = Category(sourced_id, class_id, title or "", weight, status, True, expect)
        return _accept(statuses, rules, "created" if existing is None else "replaced",
                       lambda: self.categories.__setitem__(sourced_id, stored))

    def delete_category(self, sourced_id: str) -> Outcome:
        existing = self.categories.get(sourced_id)
        if existing is None:
            return _not_found("category", sourced_id, "IC-CAT-OWNER" if self.ic else "IC-LI-UPSERT")
        if self.ic:
            if not existing.vendor:
                return _refuse(403, FORBIDDEN, [("IC-CAT-OWNER", f"category {sourced_id!r} is part of the teacher's "
                                                                 "grading setup; vendors may not delete it")])
            users = sorted(li.sourced_id for li in self.line_items.values()
                           if li.category == sourced_id and li.status == "active")
            if users:
                return _refuse(422, INVALID_DATA, [("IC-CAT-OWNER", f"active line items still use it: "
                                                                    f"{', '.join(users)}")])
        return _accept({204, 200}, ["IC-CAT-OWNER" if self.ic else "IC-LI-UPSERT"], "deleted",
                       lambda: self.categories.pop(sourced_id))

    # -- applying and reading -------------------------------------------------------------------

    @staticmethod
    def commit(outcome: Outcome) -> None:
        """Apply an outcome the server accepted."""
        if outcome.effect is not None:
            outcome.effect()

    def expect_line_item(self, sourced_id: str) -> Expectation | None:
        """What ``GET lineItems/{id}`` returns; None: 404."""
        found = self.line_items.get(sourced_id)
        return found.expect if found is not None else None

    def expect_result(self, sourced_id: str) -> Expectation | None:
        found = self.results.get(sourced_id)
        return found.expect if found is not None else None

    def expect_category(self, sourced_id: str) -> Expectation | None:
        found = self.categories.get(sourced_id)
        return found.expect if found is not None else None

    def class_line_item_ids(self, class_id: str, among: Iterable[str]) -> set[str]:
        return {i for i in among if i in self.line_items and self.line_items[i].class_id == class_id}

    def class_result_ids(self, class_id: str, among: Iterable[str]) -> tuple[set[str], set[str]]:
        """(results the class's list must hold, results it may or may not hold) among ``among``."""
        must, may = set(), set()
        for sourced_id in among:
            result = self.results.get(sourced_id)
            if sourced_id in self.limbo:
                may.add(sourced_id)
            elif result is not None:
                in_class = result.class_id == class_id and result.line_item in self.line_items
                (must if in_class else may).add(sourced_id)
        return must, may

    def class_category_ids(self, class_id: str, among: Iterable[str]) -> set[str]:
        return {i for i in among if i in self.categories and self.categories[i].class_id == class_id}

    def view_cell(self, result_id: str) -> dict[str, Any]:
        """IC-VIEW: what the teacher's grid shows for a result (display, extra credit, flags)."""
        result = self.results[result_id]
        line_item = self.line_items.get(result.line_item)
        score_want = result.expect.get("score")
        score = None if score_want is None or score_want.value is ABSENT else score_want.value
        maximum = _number(self._line_item_max(line_item))
        shown = score if score is None or maximum is None else min(score, maximum)
        flags = set()
        status_want = result.expect.get("scoreStatus")
        if status_want is not None and status_want.value == "exempt":
            flags.add("X")
        for flag, letter in (("late", "L"), ("missing", "M")):
            want = result.expect.get(flag)
            if want is not None and want.value == "true":
                flags.add(letter)
        return {"display": "" if shown is None else str(math.floor(shown)),
                "score": score,
                "extraCredit": (score - maximum) if score is not None and maximum is not None and score > maximum
                else None,
                "flags": flags}


def _due(body: Mapping[str, Any]) -> datetime | None:
    value = body.get("dueDate")
    if not isinstance(value, str):
        return None
    try:
        return instant(value)
    except ValueError:
        return None
