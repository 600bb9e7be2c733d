"""The per-tenant fault rules of one server process, with their counters (FAULT-RULES).

Rules live in memory on the Runtime (``runtime.faults``): they are per server process,
so with ``--workers N`` each worker has its own book (sharing through the database is future work).
Thread-safe: admin handlers run in worker threads, the middleware on the event loop.
"""

from __future__ import annotations

import builtins
import random
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mock_ic.control.faults.rules import FaultRule

if TYPE_CHECKING:
    from mock_ic.control.tokens import Grant

# Token expiry is signed to the millisecond, so a token's issue time is known to +-0.5 ms: a token
# issued within this slack before a revocation survives it, one issued after it always works.
_ISSUE_SLACK = 0.001


@dataclass
class _Armed:
    """A rule and its counters: matching calls seen, times applied, and its own random stream."""

    rule: FaultRule
    matched: int = 0
    fired: int = 0
    rng: random.Random | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.rule.probability is not None:
            self.rng = random.Random(self.rule.seed)

    @property
    def spent(self) -> bool:
        return self.rule.times is not None and self.fired >= self.rule.times

    def fires(self) -> bool:
        """Advance by one matching call; True when this call is one the rule fires on."""
        self.matched += 1
        if self.rule.every is not None:
            return self.matched % self.rule.every == 0
        if self.rng is not None:
            assert self.rule.probability is not None
            return self.rng.random() < self.rule.probability
        return True  # times: every matching call until spent


@dataclass(frozen=True)
class Revocation:
    """Tokens of the tenant issued before ``at`` (the runtime's clock) no longer work."""

    at: float
    rule_id: str


class FaultBook:
    """Per-tenant ordered rule lists. At most one rule applies per request: the first that fires.

    Every rule whose criteria match a request advances its counters once for that request (so each
    rule's ``every`` / ``probability`` sequence does not depend on the other rules); only the rule
    that is applied counts as fired, so a ``times`` rule shadowed by an earlier one keeps its shots.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: dict[str, builtins.list[_Armed]] = {}
        self._revoked: dict[str, Revocation] = {}

    def add(self, app_name: str, rule: FaultRule, *, replace: bool = False) -> FaultRule:
        """Append the rule (fresh counters). A rule with the same id is a ValueError unless ``replace``,
        which swaps it in place, counters reset."""
        with self._lock:
            armed = self._rules.setdefault(app_name, [])
            for i, existing in enumerate(armed):
                if existing.rule.id == rule.id:
                    if not replace:
                        raise ValueError(f"A fault rule with id {rule.id!r} exists for {app_name!r}")
                    armed[i] = _Armed(rule)
                    return rule
            armed.append(_Armed(rule))
        return rule

    def set_rules(self, app_name: str, rules: builtins.list[FaultRule]) -> None:
        """Replace the tenant's whole list at once (e.g. from a scenario file); ids must be unique."""
        ids = [r.id for r in rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"Duplicate fault rule id(s) {duplicates}")
        with self._lock:
            self._rules[app_name] = [_Armed(r) for r in rules]

    def get(self, app_name: str, rule_id: str) -> FaultRule | None:
        with self._lock:
            return next((a.rule for a in self._rules.get(app_name, ()) if a.rule.id == rule_id), None)

    def remove(self, app_name: str, rule_id: str) -> bool:
        """Remove one rule; False when the tenant has no rule with that id."""
        with self._lock:
            armed = self._rules.get(app_name, [])
            kept = [a for a in armed if a.rule.id != rule_id]
            self._rules[app_name] = kept
            return len(kept) != len(armed)

    def clear(self, app_name: str) -> int:
        """Remove every rule of the tenant (token revocations stay: a revoked token stays revoked)."""
        with self._lock:
            return len(self._rules.pop(app_name, []))

    def describe(self, app_name: str) -> builtins.list[dict[str, Any]]:
        """The rules as JSON with their counters: ``matched`` calls, times ``fired``, ``spent``."""
        with self._lock:
            return [a.rule.to_dict() | {"matched": a.matched, "fired": a.fired, "spent": a.spent}
                    for a in self._rules.get(app_name, ())]

    def has_rules(self, app_name: str) -> bool:
        return bool(self._rules.get(app_name))

    def needs_operation_id(self, app_name: str) -> bool:
        return any(a.rule.operation_id is not None for a in self._rules.get(app_name, ()))

    def match(self, app_name: str, method: str, path: str, operation_id: str | None) -> FaultRule | None:
        """The rule to apply to this request, if any; call exactly once per request."""
        with self._lock:
            chosen: _Armed | None = None
            for armed in self._rules.get(app_name, ()):
                if armed.spent or not armed.rule.matches(method, path, operation_id):
                    continue
                if armed.fires() and chosen is None:
                    chosen = armed
            if chosen is None:
                return None
            chosen.fired += 1
            return chosen.rule

    def revoke_tokens(self, app_name: str, at: float, rule_id: str) -> None:
        with self._lock:
            self._revoked[app_name] = Revocation(at, rule_id)

    def revocation(self, app_name: str) -> Revocation | None:
        return self._revoked.get(app_name)

    def tokens_not_before(self, app_name: str) -> float:
        """Tokens of ``app_name`` issued before this time (runtime clock, epoch seconds) are revoked; 0.0 = none."""
        revocation = self._revoked.get(app_name)
        return revocation.at if revocation else 0.0

    def revoked(self, grant: Grant, token_lifetime: float) -> Revocation | None:
        """The revocation that refuses this token (issued before it), else None. A ``revokeToken`` effect."""
        revocation = self._revoked.get(grant.app_name)
        if revocation is None:
            return None
        issued_at = grant.expires_at - token_lifetime
        return revocation if issued_at + _ISSUE_SLACK <= revocation.at else None

    def list(self, app_name: str) -> builtins.list[FaultRule]:
        with self._lock:
            return [a.rule for a in self._rules.get(app_name, ())]
