"""The per-tenant fault rules and their counters (FAULT-RULES), shared by every server on the database.

The rules, their counters and the token revocations are stored (``mock_ic.store.fault_rules``), so a rule
armed through one server fires on all of them and a "next 2 calls" rule fires twice in total, whichever
servers take the calls. Each server keeps a copy of the rule lists and revocations in memory, reloaded when
the stored faults generation moves (:meth:`FaultBook.refresh`, from the one per-request read of the
generations); the copy answers the hot questions without the database: does this tenant have rules, might
one match this request, is this token revoked. Only a request that a rule's criteria match opens a write
transaction, which reads the rules with their counters under a lock, decides, and stores the new counts.

Thread-safe: admin handlers run in worker threads, the middleware on the event loop.
"""

from __future__ import annotations

import builtins
import random
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from mock_ic.control.faults.rules import FaultRule
from mock_ic.control.stored_copy import StoredCopy
from mock_ic.store import fault_rules, server_meta
from mock_ic.store.engine import Database

if TYPE_CHECKING:
    from mock_ic.control.tokens import Grant

# Token expiry is signed to the millisecond, so a token's issue time is known to +-0.5 ms: a token
# issued within this slack before a revocation survives it, one issued after it always works.
_ISSUE_SLACK = 0.001
_PARSED_MAX = 4096


def _spent(rule: FaultRule, fired: int) -> bool:
    return rule.times is not None and fired >= rule.times


def _fires(rule: FaultRule, matched: int) -> bool:
    """Whether the rule fires on its ``matched``-th matching call (1-based). A ``probability`` rule draws
    from a stream of its own: the n-th draw depends only on the seed and n, so the sequence is the same
    whichever server counts the call."""
    if rule.every is not None:
        return matched % rule.every == 0
    if rule.probability is not None:
        return random.Random(f"{rule.seed}:{matched}").random() < rule.probability
    return True  # times: every matching call until spent


@dataclass(frozen=True)
class Revocation:
    """Tokens of the tenant issued before ``at`` (the runtime's clock) no longer work."""

    at: float
    rule_id: str


class FaultBook(StoredCopy):
    """Per-tenant ordered rule lists. At most one rule applies per request: the first that fires.

    Every rule whose criteria match a request advances its counters once for that request (so each
    rule's ``every`` / ``probability`` sequence does not depend on the other rules); only the rule
    that is applied counts as fired, so a ``times`` rule shadowed by an earlier one keeps its shots.
    """

    def __init__(self, db: Database) -> None:
        super().__init__(db, server_meta.FAULTS_GENERATION)
        self._lock = threading.Lock()  # one reload at a time
        self._rules: dict[str, builtins.list[FaultRule]] = {}  # the stored lists, as of _generation
        self._revoked: dict[str, Revocation] = {}
        self._parsed: dict[str, FaultRule] = {}  # rule JSON text -> rule: each text is parsed once
        self.load()

    # --- the copy in memory ------------------------------------------------------------------

    def load(self) -> None:
        with self._lock, self._db.read() as conn:
            generation = server_meta.generation(conn, server_meta.FAULTS_GENERATION)  # first: rows are as new
            stored = fault_rules.all_rules(conn)
            revocations = fault_rules.revocations(conn)
            self._rules = {tenant: [self._parse(text) for text in texts] for tenant, texts in stored.items()}
            self._revoked = {tenant: Revocation(r.revoked_at, r.rule_id) for tenant, r in revocations.items()}
            self._generation = generation

    def _parse(self, text: str) -> FaultRule:
        rule = self._parsed.get(text)
        if rule is None:
            if len(self._parsed) >= _PARSED_MAX:  # rules replaced over and over: start again
                self._parsed.clear()
            rule = self._parsed[text] = FaultRule.from_dict(orjson.loads(text))
        return rule

    def has_rules(self, app_name: str) -> bool:
        return bool(self._rules.get(app_name))

    def needs_operation_id(self, app_name: str) -> bool:
        return any(rule.operation_id is not None for rule in self._rules.get(app_name, ()))

    # --- changing the rules --------------------------------------------------------------------

    def add(self, app_name: str, rule: FaultRule, *, replace: bool = False) -> FaultRule:
        """Append the rule (fresh counters). A rule with the same id is a ValueError unless ``replace``,
        which swaps it in place, counters reset."""
        text = _dumps(rule)
        with self._db.write() as conn:
            added = fault_rules.append(conn, app_name, rule.id, text)
            if not added and not (replace and fault_rules.replace(conn, app_name, rule.id, text)):
                raise ValueError(f"A fault rule with id {rule.id!r} exists for {app_name!r}")
        self.load()
        return rule

    def set_rules(self, app_name: str, rules: builtins.list[FaultRule]) -> None:
        """Replace the tenant's whole list at once (e.g. from a scenario file); ids must be unique."""
        ids = [r.id for r in rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"Duplicate fault rule id(s) {duplicates}")
        with self._db.write() as conn:
            fault_rules.set_all(conn, app_name, [(r.id, _dumps(r)) for r in rules])
        self.load()

    def remove(self, app_name: str, rule_id: str) -> bool:
        """Remove one rule; False when the tenant has no rule with that id."""
        with self._db.write() as conn:
            removed = fault_rules.remove(conn, app_name, rule_id)
        self.load()
        return removed

    def clear(self, app_name: str) -> int:
        """Remove every rule of the tenant (token revocations stay: a revoked token stays revoked)."""
        with self._db.write() as conn:
            removed = fault_rules.clear(conn, app_name)
        self.load()
        return removed

    # --- reading the rules -------------------------------------------------------------------

    def get(self, app_name: str, rule_id: str) -> FaultRule | None:
        return next((rule for rule in self.list(app_name) if rule.id == rule_id), None)

    def list(self, app_name: str) -> builtins.list[FaultRule]:
        with self._db.read() as conn:
            return [self._parse(row.rule) for row in fault_rules.rules(conn, app_name)]

    def describe(self, app_name: str) -> builtins.list[dict[str, Any]]:
        """The rules as JSON with their counters: ``matched`` calls, times ``fired``, ``spent``."""
        with self._db.read() as conn:
            stored = fault_rules.rules(conn, app_name)
        return [self._parse(row.rule).to_dict() | {"matched": row.matched, "fired": row.fired,
                                                   "spent": _spent(self._parse(row.rule), row.fired)}
                for row in stored]

    # --- deciding a request ------------------------------------------------------------------

    def match(self, app_name: str, method: str, path: str, operation_id: str | None) -> FaultRule | None:
        """The rule to apply to this request, if any; call exactly once per request."""
        cached = self._rules.get(app_name)
        if not cached or not any(rule.matches(method, path, operation_id) for rule in cached):
            return None  # no rule's criteria match: nothing to count, no transaction
        with self._db.write() as conn:
            chosen: FaultRule | None = None
            counters: builtins.list[tuple[str, int, int]] = []
            for row in fault_rules.rules(conn, app_name, for_update=True):
                rule = self._parse(row.rule)
                if _spent(rule, row.fired) or not rule.matches(method, path, operation_id):
                    continue
                matched, fired = row.matched + 1, row.fired
                if _fires(rule, matched) and chosen is None:
                    chosen, fired = rule, fired + 1
                counters.append((row.rule_id, matched, fired))
            fault_rules.set_counters(conn, app_name, counters)
        return chosen

    # --- token revocations -------------------------------------------------------------------

    def revoke_tokens(self, app_name: str, at: float, rule_id: str) -> None:
        with self._db.write() as conn:
            fault_rules.revoke(conn, app_name, at, rule_id)
        self.load()

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


def _dumps(rule: FaultRule) -> str:
    return orjson.dumps(rule.to_dict()).decode()
