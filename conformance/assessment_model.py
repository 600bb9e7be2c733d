"""The oracle of OneRoster 1.2 assessments: score scales, assessment line items and assessment results.

A companion of :mod:`conformance.model` (same :class:`~conformance.model.Outcome` and expectations, same
two flavours), written from the behaviour catalogue (IC-ASSESS-1P2, IC-LI-1P1-ONLY) and the 1EdTech 1.2
gradebook binding, never from the mock's code:

- ``ic=True``: an assessment line item needs a title and a class that exists (IC-LI-CLASS: Infinite
  Campus files every score under a section); a parent assessment line item or a score scale it names must
  exist, the parent in the same class and not the item itself or below it; one made inside IC is read-only
  (IC-LI-OWNER); one that is the parent of active ones is not deleted, and its results go with it
  (IC-LI-DELETE). An assessment result needs an existing assessment line item, a student actively enrolled
  in its class, no negative score (IC-RES-EXTRA-CREDIT) and a score within the score scale it or its line
  item names (IC-ASSESS-1P2);
- ``ic=False``: plain 1EdTech: stored as sent, read back, deleted; what the binding leaves open is
  ``either``.

"Within a score scale" is decided only where no reading of the binding could differ: a score equal to one
of the scale's numeric left-hand values, or a text score equal to one of its values, is within; a number
above or below all of its numeric values, or a text that is none of its values in any case and no number,
is outside. Anything between (2.5 on a 1-4 scale, "proficient" for "Proficient") is ``either``. The model
judges only the scales it was told of (:meth:`AssessmentBook.put_score_scale`): the kit's own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.model import (
    ABSENT,
    FORBIDDEN,
    INVALID_DATA,
    ClassFacts,
    Config,
    Expectation,
    Expected,
    Outcome,
    _accept,
    _either,
    _not_found,
    _number,
    _ref,
    _refuse,
)

RULE = "IC-ASSESS-1P2"


@dataclass
class ScoreScale:
    sourced_id: str
    class_id: str | None
    values: tuple[tuple[str, str], ...]  # (itemValueLHS, itemValueRHS)
    expect: Expectation = field(default_factory=dict)

    def numbers(self) -> list[float]:
        return [n for lhs, _ in self.values if (n := _finite(lhs)) is not None]

    def holds(self, score: float | None, text: str | None) -> bool | None:
        """True: within; False: outside whatever "within" means; None: the binding leaves it open."""
        verdicts = []
        if score is not None:
            numbers = self.numbers()
            if score in numbers:
                verdicts.append(True)
            elif numbers and (score < min(numbers) or score > max(numbers)):
                verdicts.append(False)
            else:
                verdicts.append(None)
        if text is not None:
            values = [v for pair in self.values for v in pair]
            if text in values:
                verdicts.append(True)
            elif _finite(text) is None and text.strip().casefold() not in {v.strip().casefold() for v in values}:
                verdicts.append(False)
            else:
                verdicts.append(None)
        if False in verdicts:
            return False
        return True if all(v is True for v in verdicts) else None


def _finite(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass
class AssessmentLineItem:
    sourced_id: str
    class_id: str | None
    parent: str | None = None
    scale: str | None = None
    status: str = "active"
    vendor: bool = True  # False: made inside IC (IC-LI-OWNER)
    expect: Expectation = field(default_factory=dict)


@dataclass
class AssessmentResult:
    sourced_id: str
    line_item: str
    expect: Expectation = field(default_factory=dict)


class AssessmentBook:
    """What the server holds of the kit's score scales and assessments, and the rules over them."""

    def __init__(self, config: Config, classes: Iterable[ClassFacts]) -> None:
        self.config = config
        self.classes = {facts.sourced_id: facts for facts in classes}
        self.scales: dict[str, ScoreScale] = {}
        self.line_items: dict[str, AssessmentLineItem] = {}
        self.results: dict[str, AssessmentResult] = {}
        self.limbo: set[str] = set()  # plain OneRoster: results whose line item was deleted (either way)

    @property
    def ic(self) -> bool:
        return self.config.ic

    def know_line_item(self, sourced_id: str, class_id: str | None, *, parent: str | None = None,
                       status: str = "active", vendor: bool = False) -> None:
        """An assessment line item the class already has (made inside IC, or left by someone else)."""
        rule = "IC-LI-OWNER" if self.ic and not vendor else RULE
        self.line_items[sourced_id] = AssessmentLineItem(sourced_id, class_id, parent, None, status, vendor,
                                                         {"status": Expected(status, rule)})

    def _statuses(self, exists: bool, *, maybe: bool = False) -> set[int]:
        """As IC-LI-UPSERT: 201 creates, 200 replaces; the binding lists 201 for every PUT."""
        if maybe or (exists and not self.ic):
            return {200, 201}
        return {200} if exists else {201}

    # -- score scales ---------------------------------------------------------------------------

    def put_score_scale(self, sourced_id: str, body: Mapping[str, Any]) -> Outcome:
        """A score scale: a title, a type, a class that exists and at least one value mapping."""
        class_id = _ref(body, "class")
        values = tuple((v["itemValueLHS"], v["itemValueRHS"]) for v in body.get("scoreScaleValue") or []
                       if isinstance(v, Mapping) and isinstance(v.get("itemValueLHS"), str)
                       and isinstance(v.get("itemValueRHS"), str))
        expect = {"title": Expected(body.get("title"), RULE), "class.sourcedId": Expected(class_id, RULE),
                  "scoreScaleValue": Expected([{"itemValueLHS": lhs, "itemValueRHS": rhs} for lhs, rhs in values],
                                              RULE)}
        stored = ScoreScale(sourced_id, class_id, values, expect)
        outcome = _accept(self._statuses(sourced_id in self.scales), [RULE], "stored",
                          lambda: self.scales.__setitem__(sourced_id, stored))
        complete = (isinstance(body.get("title"), str) and isinstance(body.get("type"), str) and values
                    and class_id in self.classes)
        return outcome if complete else _either(outcome, [RULE], "a score scale without a title, type, class "
                                                                 "or values")

    def delete_score_scale(self, sourced_id: str) -> Outcome:
        if sourced_id not in self.scales:
            return _not_found("score scale", sourced_id, RULE)
        return _accept({204, 200}, [RULE], "deleted", lambda: self.scales.pop(sourced_id))

    # -- assessment line items ------------------------------------------------------------------

    def put_line_item(self, sourced_id: str, body: Mapping[str, Any]) -> Outcome:
        existing = self.line_items.get(sourced_id)
        if self.ic and existing is not None and not existing.vendor:
            return _refuse(403, FORBIDDEN, [("IC-LI-OWNER", f"assessment line item {sourced_id!r} was made "
                                                            "inside IC; vendors may not replace it")])
        class_id, parent, scale = _ref(body, "class"), _ref(body, "parentAssessmentLineItem"), _ref(body, "scoreScale")
        status = body.get("status") if body.get("status") in ("active", "tobedeleted") else "active"
        stored = AssessmentLineItem(sourced_id, class_id, parent, scale, status, True,
                                    self._line_item_fields(body, class_id, parent, scale, status))
        outcome = _accept(self._statuses(existing is not None), [RULE], "created" if existing is None else "replaced",
                          lambda: self._store_line_item(stored))
        violations = self._line_item_problems(sourced_id, body, class_id, parent, scale)
        if not violations:
            return outcome
        if not self.ic:
            return _either(outcome, [RULE], "; ".join(why for _, why in violations))
        return _refuse(422, INVALID_DATA, violations)

    def _line_item_problems(self, sourced_id: str, body: Mapping[str, Any], class_id: str | None,
                            parent: str | None, scale: str | None) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if not isinstance(body.get("title"), str):
            found.append((RULE, "no title"))
        if class_id not in self.classes:
            found.append(("IC-LI-CLASS", f"class {class_id!r} does not exist" if class_id else "no class given"))
        if parent is not None:
            above = self.line_items.get(parent)
            if above is None:
                found.append((RULE, f"parent assessment line item {parent!r} does not exist"))
            elif above.class_id != class_id:
                found.append((RULE, f"parent assessment line item {parent!r} is of class {above.class_id!r}"))
            elif sourced_id in self._ancestry(parent):
                found.append((RULE, f"parent {parent!r} would make {sourced_id!r} its own ancestor"))
        if scale is not None and scale not in self.scales:
            found.append((RULE, f"score scale {scale!r} does not exist"))
        return found

    def _ancestry(self, sourced_id: str) -> list[str]:
        """``sourced_id`` and the parents above it."""
        chain: list[str] = []
        current: str | None = sourced_id
        while current is not None and current not in chain:
            chain.append(current)
            above = self.line_items.get(current)
            current = above.parent if above is not None else None
        return chain

    @staticmethod
    def _line_item_fields(body: Mapping[str, Any], class_id: str | None, parent: str | None, scale: str | None,
                          status: str) -> Expectation:
        expect: Expectation = {"title": Expected(body.get("title"), RULE), "status": Expected(status, RULE),
                               "class.sourcedId": Expected(class_id if class_id else ABSENT, RULE),
                               "parentAssessmentLineItem.sourcedId": Expected(parent if parent else ABSENT, RULE),
                               "scoreScale.sourcedId": Expected(scale if scale else ABSENT, RULE)}
        for key in ("resultValueMin", "resultValueMax"):
            number = _number(body.get(key))
            expect[key] = Expected(number if number is not None else ABSENT, RULE)
        if isinstance(body.get("description"), str):
            expect["description"] = Expected(body["description"], RULE)
        return expect

    def _store_line_item(self, stored: AssessmentLineItem) -> None:
        self.line_items[stored.sourced_id] = stored

    def delete_line_item(self, sourced_id: str) -> Outcome:
        existing = self.line_items.get(sourced_id)
        if existing is None:
            return _not_found("assessment line item", sourced_id, RULE)
        if self.ic and not existing.vendor:
            return _refuse(403, FORBIDDEN, [("IC-LI-OWNER", f"assessment line item {sourced_id!r} was made "
                                                            "inside IC; vendors may not delete it")])
        children = sorted(i.sourced_id for i in self.line_items.values()
                          if i.parent == sourced_id and i.status == "active")
        if self.ic and children:
            return _refuse(422, INVALID_DATA, [(RULE, f"it is the parent of active assessment line items "
                                                      f"{', '.join(children)}")])

        def effect() -> None:
            del self.line_items[sourced_id]
            for result in [r for r in self.results.values() if r.line_item == sourced_id]:
                del self.results[result.sourced_id]
                if not self.ic:
                    self.limbo.add(result.sourced_id)

        outcome = _accept({204, 200}, ["IC-LI-DELETE", RULE] if self.ic else [RULE],
                          "deleted, its results with it" if self.ic else "deleted", effect)
        if children:  # plain OneRoster: whether a parent may go before its children the binding leaves open
            return _either(outcome, [RULE], f"the parent of active assessment line items {', '.join(children)}")
        return outcome

    # -- assessment results ---------------------------------------------------------------------

    def put_result(self, sourced_id: str, body: Mapping[str, Any]) -> Outcome:
        line_item_id, student = _ref(body, "assessmentLineItem"), _ref(body, "student")
        line_item = self.line_items.get(line_item_id) if line_item_id else None
        score = _number(body.get("score"))
        text = body.get("textScore") if isinstance(body.get("textScore"), str) else None
        own_scale = _ref(body, "scoreScale")
        stored = AssessmentResult(sourced_id, line_item_id or "", self._result_fields(body, score, text, own_scale))
        exists, maybe = sourced_id in self.results, sourced_id in self.limbo
        outcome = _accept(self._statuses(exists, maybe=maybe), [RULE], "created" if not exists else "replaced",
                          lambda: self._store_result(stored))
        violations: list[tuple[str, str]] = []
        if line_item is None:
            violations.append((RULE, f"assessment line item {line_item_id!r} does not exist" if line_item_id
                               else "no assessmentLineItem given"))
        else:
            facts = self.classes.get(line_item.class_id or "")
            if student is None or facts is None or student not in facts.students:
                violations.append((RULE, f"student {student!r} is not actively enrolled in class "
                                         f"{line_item.class_id!r}"))
        if score is not None and score < 0:
            violations.append(("IC-RES-EXTRA-CREDIT", f"score {score:g} is negative"))
        if own_scale is not None and own_scale not in self.scales:
            violations.append((RULE, f"score scale {own_scale!r} does not exist"))
        scale = self.scales.get(own_scale or (line_item.scale if line_item else None) or "")
        within = scale.holds(score, text) if scale is not None else True
        shown = f"score {score!r} / textScore {text!r} and score scale {scale.sourced_id if scale else None!r}"
        if within is False:
            violations.append((RULE, f"{shown}: outside it"))
        if violations:
            if not self.ic:
                return _either(outcome, [RULE], "; ".join(why for _, why in violations))
            return _refuse(422, INVALID_DATA, violations)
        if within is None and self.ic:
            return _either(outcome, [RULE], f"{shown}: whether it lies within the binding leaves open")
        return outcome

    @staticmethod
    def _result_fields(body: Mapping[str, Any], score: float | None, text: str | None,
                       scale: str | None) -> Expectation:
        expect: Expectation = {
            "status": Expected(body.get("status") if body.get("status") in ("active", "tobedeleted") else "active",
                               RULE),
            "score": Expected(score if score is not None else ABSENT, RULE),
            "textScore": Expected(text if text is not None else ABSENT, RULE),
            "scoreScale.sourcedId": Expected(scale if scale else ABSENT, RULE)}
        for key in ("assessmentLineItem", "student"):
            if _ref(body, key):
                expect[f"{key}.sourcedId"] = Expected(_ref(body, key), RULE)
        if isinstance(body.get("scoreStatus"), str):
            expect["scoreStatus"] = Expected(body["scoreStatus"], RULE)
        if isinstance(body.get("scoreDate"), str):
            expect["scoreDate"] = Expected(body["scoreDate"][:10], RULE)
        if isinstance(body.get("comment"), str):
            expect["comment"] = Expected(body["comment"], RULE)
        return expect

    def _store_result(self, stored: AssessmentResult) -> None:
        self.limbo.discard(stored.sourced_id)
        self.results[stored.sourced_id] = stored

    def delete_result(self, sourced_id: str) -> Outcome:
        if sourced_id in self.limbo:
            outcome = _accept({204, 200}, [RULE], "deleted", lambda: self.limbo.discard(sourced_id))
            return _either(outcome, ["IC-LI-DELETE"], "its assessment line item was deleted; the standard leaves "
                                                      "open whether the result went with it")
        if sourced_id not in self.results:
            return _not_found("assessment result", sourced_id, RULE)
        return _accept({204, 200}, [RULE], "deleted", lambda: self.results.pop(sourced_id))

    # -- reading ------------------------------------------------------------------------------------

    def expect(self, kind: str, sourced_id: str) -> Expectation | None:
        """What ``GET {kind}/{id}`` returns; None: 404."""
        held: Mapping[str, ScoreScale | AssessmentLineItem | AssessmentResult] = {
            "scoreScales": self.scales, "assessmentLineItems": self.line_items}.get(kind, self.results)
        found = held.get(sourced_id)
        return found.expect if found is not None else None

    def listed(self, kind: str, among: Iterable[str]) -> tuple[set[str], set[str]]:
        """(ids the class's list must hold, ids it may or may not hold) among ``among``."""
        if kind == "scoreScales":
            return {i for i in among if i in self.scales}, set()
        if kind == "assessmentLineItems":
            return {i for i in among if i in self.line_items}, set()
        must = {i for i in among if i in self.results and self.results[i].line_item in self.line_items}
        return must, {i for i in among if i in self.limbo}
