"""The faults page's "add a rule" form: flat form fields to the admin API's rule JSON (FAULT-RULES).

A form cannot nest, so the rule's one firing key and one effect key are each chosen by a select and given
one value field; everything else is the rule's own key. :class:`FaultRule` checks the result and names
what is wrong, exactly as the admin API does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_ic.control.faults.rules import MALFORMED, METHODS

# The select choices the page offers (values are the rule's JSON keys; tests/test_web_pages.py checks that they
# are exactly FIRING_KEYS and EFFECT_KEYS).
FIELDS: dict[str, Any] = {
    "methods": METHODS,
    "firings": {"times": "the next N calls", "every": "every Nth call", "probability": "with probability p"},
    "effects": {"status": "answer this status", "latencyMs": "delay (ms), then answer",
                "drop": "drop the connection", "malformed": "malformed body", "revokeToken": "revoke tokens (401)",
                "totalCountOffset": "X-Total-Count + N", "dropItems": "drop N items of a page"},
    "malformed": MALFORMED,
}
_FLAGS = ("drop", "revokeToken")


def rule_json(form: Mapping[str, str]) -> dict[str, Any]:
    """The rule JSON of a submitted form; ValueError names a field whose value is not a number."""
    rule: dict[str, Any] = {key: form[key].strip() for key in ("id", "path", "operationId", "description")
                            if form.get(key, "").strip()}
    if form.get("method"):
        rule["method"] = form["method"]
    firing = form.get("firing", "")
    if firing:
        rule[firing] = _number(f"{firing} (the firing value)", form.get("firingValue", ""),
                               decimal=firing == "probability")
    if firing == "probability" and form.get("seed", "").strip():
        rule["seed"] = _number("seed", form["seed"])
    effect = form.get("effect", "")
    if effect in _FLAGS:
        rule[effect] = True
    elif effect == "malformed":
        rule[effect] = form.get("effectValue", "").strip()
    elif effect:
        rule[effect] = _number(f"{effect} (the effect value)", form.get("effectValue", ""))
    if effect == "status" and form.get("retryAfter", "").strip():
        rule["retryAfter"] = _number("retryAfter", form["retryAfter"])
    return rule


def _number(name: str, raw: str, *, decimal: bool = False) -> int | float:
    text = raw.strip()
    try:
        return float(text) if decimal else int(text)
    except ValueError:
        kind = "a number such as 0.25" if decimal else "a whole number"
        raise ValueError(f"{name} must be {kind}, not {text!r}") from None
