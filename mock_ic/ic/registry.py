"""The rule registry (RULE-SWITCH): one registered :class:`Rule` per IC_BEHAVIOUR.md ID the server enforces.

A rule is its ID, a one-line summary, the tenant settings that tune it, and the checks that enforce
it, each a function over the incoming document and the facts the store supplies::

    TITLE_LENGTH = define("IC-LI-TITLE-LEN", "Titles longer than the tenant's limit are refused", ...)

    @TITLE_LENGTH.check
    def check_title_length(ctx, doc): ...

Every call of a check then does two things:

- a tenant can switch the rule off (``rules: {"IC-LI-DUP-TITLE": false}`` in its settings): the check
  does not run, so what it would refuse is accepted and what it would derive is not derived;
- a rejection names the rule: ``[IC-LI-TITLE-LEN] ...`` in the error's description, and the rule ID
  on the error, which the HTTP layer sends as ``X-Mock-IC-Rule``.

A few rules are not switchable (``switchable=False``): the stored document itself needs what they
check (a line item's class gives it its school, terms and categories).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from mock_ic.errors import OneRosterError


class RuleSwitches(Protocol):
    def enabled(self, rule_id: str) -> bool: ...


Check = TypeVar("Check", bound=Callable[..., Any])


@dataclass
class Rule:
    id: str
    summary: str
    settings: tuple[str, ...] = ()  # TenantSettings names that tune it (besides the on/off switch)
    switchable: bool = True
    checks: list[str] = field(default_factory=list)  # "module:function" of each function that enforces it

    def check(self, function: Check) -> Check:
        """Register ``function(ctx, ...)`` as a check of this rule (``ctx`` says which rules are on)."""
        return self._enforce(function, switchable=self.switchable)

    def always(self, function: Check) -> Check:
        """Register a check that runs even when the rule is switched off: what the stored document needs
        (a result's line item must exist), where the switch covers the rule's other checks."""
        return self._enforce(function, switchable=False)

    def _enforce(self, function: Check, *, switchable: bool) -> Check:
        rule_id = self.id
        self.checks.append(f"{function.__module__}:{function.__qualname__}")

        @functools.wraps(function)
        def enforced(ctx: RuleSwitches, *args: Any, **kwargs: Any) -> Any:
            if switchable and not ctx.enabled(rule_id):
                return None
            try:
                return function(ctx, *args, **kwargs)
            except OneRosterError as error:
                raise error.fired_by(rule_id) from None

        return enforced  # type: ignore[return-value]


RULES: dict[str, Rule] = {}


def define(rule_id: str, summary: str, *, settings: tuple[str, ...] = (), switchable: bool = True) -> Rule:
    if rule_id in RULES:
        raise ValueError(f"rule {rule_id} is defined twice")
    RULES[rule_id] = Rule(rule_id, summary, settings, switchable)
    return RULES[rule_id]


def switchable_rules() -> list[str]:
    """The IDs a tenant may switch off (the package's __init__ loads every rule module)."""
    return sorted(rule_id for rule_id, r in RULES.items() if r.switchable)
