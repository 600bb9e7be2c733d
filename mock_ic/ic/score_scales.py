"""What "a score within a score scale" means (IC-ASSESS-1P2), as pure functions over a stored score scale.

A OneRoster score scale is a list of mappings, ``itemValueLHS`` -> ``itemValueRHS``: the left-hand side is a
score the scale defines ("3", "90"), the right-hand side what it maps to ("Proficient", "A"). 1EdTech says a
result's score "must align with the scale" and leaves the rest open; the mock decides:

- A numeric ``score`` is within the scale when it lies between the lowest and the highest left-hand value
  that is a number, both included: on a 1-4 standards scale 1, 2.5 and 4 are, 0 and 4.5 are not. A scale
  with no numeric left-hand value (E/M/P/N, Exceeds/Meets/...) takes no numeric score at all.
- A ``textScore`` is within the scale when it is one of the scale's values, left- or right-hand side,
  compared trimmed and case-insensitively ("proficient" and "3" on the 1-4 scale), or, on a scale with
  numeric values, a number within their range ("87.5" on a 0-100 scale). For a scale of non-numeric
  values this is all "within" can mean: such values have no order, so there is no range, only membership.
"""

from __future__ import annotations

import math
from typing import Any


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def numeric_range(scale: dict[str, Any]) -> tuple[float, float] | None:
    """The lowest and highest left-hand values that are numbers; None when the scale has none."""
    numbers = [n for v in scale.get("scoreScaleValue") or [] if (n := _number(v["itemValueLHS"])) is not None]
    return (min(numbers), max(numbers)) if numbers else None


def _values(scale: dict[str, Any]) -> list[str]:
    """Every value of the scale as written, left-hand sides first, without repeats."""
    mappings = scale.get("scoreScaleValue") or []
    return list(dict.fromkeys([v["itemValueLHS"] for v in mappings] + [v["itemValueRHS"] for v in mappings]))


def _described(scale: dict[str, Any]) -> str:
    span = numeric_range(scale)
    values = ", ".join(repr(v) for v in _values(scale)[:20])
    where = f"score scale {scale['sourcedId']!r} ({scale.get('title', '')!r})"
    return f"{where} runs from {span[0]:g} to {span[1]:g} (values {values})" if span else \
        f"{where} has the values {values}"


def score_problem(scale: dict[str, Any], score: float, field: str) -> str | None:
    """Why a numeric score is not within the scale, or None when it is."""
    span = numeric_range(scale)
    if span is None:
        return (f"{field} {score:g} is a number, but {_described(scale)} and no numeric value: send the value "
                f"as textScore instead")
    if span[0] <= score <= span[1]:
        return None
    return f"{field} {score:g} is outside {_described(scale)}"


def text_score_problem(scale: dict[str, Any], text: str, field: str) -> str | None:
    """Why a textScore is not within the scale, or None when it is."""
    wanted = text.strip().casefold()
    if any(value.strip().casefold() == wanted for value in _values(scale)):
        return None
    span, number = numeric_range(scale), _number(text.strip())
    if span is not None and number is not None and span[0] <= number <= span[1]:
        return None
    return f"{field} {text!r} is not a value of {_described(scale)}"
