"""The oracle of grades posted to Infinite Campus grading tasks (IC-GRADING-TASK), beside conformance/model.py.

Written from the behaviour catalogue, never from the mock's code: IC creates, per class, read-only line items
for its grading tasks and standards, recognisable by the string metadata ``ext_infiniteCampus_isGradingWindowOpen``
(and ``..._isStandard``, ``..._isOneTime``). A vendor posts a grade with ``PUT results/{id}``: ``score`` is a
percent and/or ``metadata.ext_infiniteCampus_scoreGrade`` the score itself. A percent alone is mapped to a
score through the task's score group, by each item's minimum percent; a score alone must exist in the group
and leaves the percent empty. Results of assignments carry ``ext_infiniteCampus_isAssignmentResult: "true"``.

What the catalogue leaves to the server (how a score is compared, both given, a grade with neither) is
judged only against a target whose choices are known (a mock-ic tenant's settings), else left ``open``.

The score group is read where the target shows it: on 1.2 the score scale the task names (a mapping's
left-hand side is its reference point, the inclusive lower end: ``"90" -> "A"``), on a mock-ic target of
either version its teacher view. This module knows no HTTP: the suite hands it what it read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

WINDOW_OPEN = "ext_infiniteCampus_isGradingWindowOpen"
SCORE_GRADE = "ext_infiniteCampus_scoreGrade"
IS_ASSIGNMENT_RESULT = "ext_infiniteCampus_isAssignmentResult"
RULE = "IC-GRADING-TASK"


def is_grading_task(line_item: Mapping[str, Any]) -> bool:
    metadata = line_item.get("metadata")
    return isinstance(metadata, Mapping) and isinstance(metadata.get(WINDOW_OPEN), str)


@dataclass(frozen=True)
class ScoreGroup:
    items: tuple[tuple[str, float], ...]  # (score, minimum percent), highest minimum first

    @classmethod
    def of(cls, pairs: list[tuple[str, float]]) -> ScoreGroup | None:
        return cls(tuple(sorted(pairs, key=lambda pair: -pair[1]))) if pairs else None

    @classmethod
    def from_scale(cls, scale: Mapping[str, Any]) -> ScoreGroup | None:
        """A 1.2 score scale: ``itemValueLHS`` the minimum percent, ``itemValueRHS`` the score."""
        pairs = []
        for value in scale.get("scoreScaleValue") or []:
            try:
                pairs.append((str(value["itemValueRHS"]), float(value["itemValueLHS"])))
            except (KeyError, TypeError, ValueError):
                return None
        return cls.of(pairs)

    @classmethod
    def from_view(cls, column: Mapping[str, Any]) -> ScoreGroup | None:
        """A mock-ic teacher view's task column (its ``scoreGroup``)."""
        group = column.get("scoreGroup") or {}
        return cls.of([(str(s["score"]), float(s["minPercent"])) for s in group.get("scores") or []])

    @property
    def scores(self) -> list[str]:
        return [score for score, _ in self.items]

    def score_of(self, percent: float) -> str | None:
        return next((score for score, minimum in self.items if percent >= minimum), None)

    def exactly(self, score: str) -> str | None:
        return score if score in self.scores else None


@dataclass(frozen=True)
class GradingTask:
    sourced_id: str
    title: str
    grading_period: str | None
    group: ScoreGroup | None  # None: the target does not show it to this kit


@dataclass(frozen=True)
class Choices:
    """A target's answers where the catalogue is silent; None: unknown (the outcome is then open)."""

    both_given: str | None = None  # "keep", "percent" or "reject" (a mock-ic tenant's grading_task_both_given)


@dataclass
class Judgement:
    """What the catalogue says of one grade: the refusals, the fields a GET must show (path -> value), and
    whether the outcome is open (the server may accept as predicted or refuse)."""

    violations: list[tuple[str, str]]
    fields: dict[str, Any]
    open: bool = False


def judge(task: GradingTask, body: Mapping[str, Any], choices: Choices, absent: Any) -> Judgement:
    """A grade posted to ``task``. ``absent`` is the caller's marker for "the field must not be there"."""
    metadata = body.get("metadata") if isinstance(body.get("metadata"), Mapping) else {}
    sent = metadata.get(SCORE_GRADE) if isinstance(metadata.get(SCORE_GRADE), str) else None
    percent = body.get("score") if isinstance(body.get("score"), int | float) else None
    fields: dict[str, Any] = {f"metadata.{IS_ASSIGNMENT_RESULT}": "false"}
    group = task.group
    if sent is None and percent is None:
        return Judgement([], fields, open=True)  # the catalogue does not say what a grade of nothing is
    if sent is not None:
        fields["score"] = float(percent) if percent is not None else absent  # a score alone: percent empty
        if group is None:
            return Judgement([], fields, open=True)
        chosen = group.exactly(sent)
        if chosen is None and sent.strip().casefold() not in {s.casefold() for s in group.scores}:
            return Judgement([(RULE, f"score {sent!r} is not in the task's score group ({', '.join(group.scores)})")],
                             fields)
        if chosen is None:
            return Judgement([], fields, open=True)  # the same score in another case or with blanks
        if percent is None or group.score_of(float(percent)) == chosen:
            fields[f"metadata.{SCORE_GRADE}"] = chosen
            return Judgement([], fields)
        return _both(choices, chosen, group.score_of(float(percent)), fields)
    if group is not None:
        derived = group.score_of(float(percent or 0))
        if derived is None:
            return Judgement([], fields, open=True)  # below every minimum: the catalogue does not say
        fields[f"metadata.{SCORE_GRADE}"] = derived
    return Judgement([], fields)


def _both(choices: Choices, chosen: str, derived: str | None, fields: dict[str, Any]) -> Judgement:
    """A percent and a score of the group that disagree: the target's choice, if known."""
    if choices.both_given == "keep":
        fields[f"metadata.{SCORE_GRADE}"] = chosen
        return Judgement([], fields)
    if choices.both_given == "percent":
        fields[f"metadata.{SCORE_GRADE}"] = derived
        return Judgement([], fields)
    if choices.both_given == "reject":
        return Judgement([(RULE, f"score {chosen!r} and the percent's score {derived!r} disagree")], fields)
    return Judgement([], fields, open=True)
