"""Infinite Campus grading tasks and standards as OneRoster sees them (IC-GRADING-TASK), as pure functions.

IC creates, per class, a read-only line item for each grading task ("Q1 Grade", "S1 Grade", "Final Grade")
and standard it posts term and final grades to. Vendors recognise them by three string metadata fields
(the names vendor connectors list for IC line items). Each task grades on a *score group*: scores ("A",
"4") with a unique minimum percent each. The mock keeps the score group as a OneRoster 1.2 score scale
that the task names in ``scoreScale``, written the way 1EdTech describes a mapping: ``itemValueLHS`` is
the reference point (the minimum percent, a single value being the inclusive lower end of its range),
``itemValueRHS`` the score it maps to ("90" -> "A"). :func:`scale_values` writes that shape (the seeder
uses it) and :func:`score_group` reads it (the rules and the teacher view do): one format, one place.

A posted grade is a result on the task: the percent in ``score``, the score in
``metadata.ext_infiniteCampus_scoreGrade``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import orjson

# The metadata strings IC puts on its line items and results (vendor connectors' field lists).
WINDOW_OPEN = "ext_infiniteCampus_isGradingWindowOpen"
IS_STANDARD = "ext_infiniteCampus_isStandard"
IS_ONE_TIME = "ext_infiniteCampus_isOneTime"
SCORE_GRADE = "ext_infiniteCampus_scoreGrade"  # a posted grade's score ("A"), beside its percent in ``score``
IS_ASSIGNMENT_RESULT = "ext_infiniteCampus_isAssignmentResult"

_WINDOW_MARK = f'"{WINDOW_OPEN}":"true"'  # how a stored task line item shows an open window (compact JSON)

Doc = dict[str, Any]


def is_grading_task(line_item: Doc) -> bool:
    """A line item IC made for a grading task or standard: made inside IC, with the grading-window flag.
    A vendor cannot make one: the ``origin`` mark is IC's own (IC-LI-OWNER)."""
    metadata = line_item.get("metadata") or {}
    ic = metadata.get("ic")
    return isinstance(ic, dict) and ic.get("origin") == "campus" and WINDOW_OPEN in metadata


def is_standard(line_item: Doc) -> bool:
    return (line_item.get("metadata") or {}).get(IS_STANDARD) == "true"


def grading_period_of(line_item: Doc) -> str | None:
    return (line_item.get("gradingPeriod") or {}).get("sourcedId")


def window_open(line_item: Doc, closed_grading_periods: Collection[str]) -> bool:
    """A task's grading window is its term's grading period's: open unless the tenant closed that period
    (IC-LI-GRADING-WINDOW's control)."""
    return grading_period_of(line_item) not in closed_grading_periods


def shown_window(kind: str, texts: list[str], closed_grading_periods: Collection[str]) -> list[str]:
    """Stored line item texts as a read shows them: a task in a closed grading period says
    ``"ext_infiniteCampus_isGradingWindowOpen": "false"``. Stored documents always say "true", so opening
    or closing a window (a tenant setting) never rewrites a document; without closed periods this costs
    nothing, with some only the texts of open-marked tasks are parsed."""
    if kind != "lineItems" or not closed_grading_periods:
        return texts
    return [_closed_if_due(text, closed_grading_periods) if _WINDOW_MARK in text else text for text in texts]


def _closed_if_due(text: str, closed_grading_periods: Collection[str]) -> str:
    doc = orjson.loads(text)
    if not is_grading_task(doc) or window_open(doc, closed_grading_periods):
        return text
    doc["metadata"] = {**doc["metadata"], WINDOW_OPEN: "false"}
    return orjson.dumps(doc).decode()


# --- score groups ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScoreItem:
    score: str
    minimum: float  # the minimum percent that earns the score


@dataclass(frozen=True)
class ScoreGroup:
    """A task's score group: its scores, highest minimum percent first."""

    sourced_id: str
    title: str
    items: tuple[ScoreItem, ...]

    @property
    def scores(self) -> list[str]:
        return [item.score for item in self.items]

    def for_percent(self, percent: float) -> str | None:
        """The score of the item with the highest minimum percent at or below ``percent`` (None below all)."""
        return next((item.score for item in self.items if percent >= item.minimum), None)

    def find(self, score: str) -> str | None:
        """The group's own spelling of ``score``, compared trimmed and case-insensitively; None if absent."""
        wanted = score.strip().casefold()
        return next((item.score for item in self.items if item.score.casefold() == wanted), None)

    def describe(self) -> str:
        shown = ", ".join(f"{item.score} (from {item.minimum:g}%)" for item in self.items)
        return f"score group {self.title!r} (scoreScale {self.sourced_id!r}): {shown}"


def scale_values(items: Iterable[tuple[str, float]]) -> list[dict[str, str]]:
    """A score group as ``scoreScaleValue``: the minimum percent on the left, the score on the right."""
    return [{"itemValueLHS": f"{minimum:g}", "itemValueRHS": score} for score, minimum in items]


def score_group(scale: Doc | None) -> ScoreGroup | None:
    """The score group a score scale holds; None for a scale that is none (a left side not a number)."""
    if scale is None:
        return None
    items = []
    for value in scale.get("scoreScaleValue") or []:
        try:
            minimum = float(value["itemValueLHS"])
        except (KeyError, TypeError, ValueError):
            return None
        if not math.isfinite(minimum):
            return None
        items.append(ScoreItem(str(value.get("itemValueRHS", "")), minimum))
    if not items:
        return None
    ordered = tuple(sorted(items, key=lambda item: -item.minimum))
    return ScoreGroup(scale["sourcedId"], str(scale.get("title", "")), ordered)


def score_group_id(line_item: Doc) -> str | None:
    return (line_item.get("scoreScale") or {}).get("sourcedId")
