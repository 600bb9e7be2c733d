"""One fault rule (FAULT-RULES): what it matches, when it fires, what it does.

A rule is immutable and round-trips through JSON with camelCase keys (the admin API's shape)::

    {"id": "li-503", "method": "PUT", "path": "*/lineItems/*", "operationId": "putLineItem",
     "times": 2,                                   # or "every": 3, or "probability": 0.25 + "seed": 7
     "status": 503, "retryAfter": 1, "description": "IC is restarting"}
     # or "latencyMs": 300 | "drop": true | "malformed": "truncated"|"nonjson"|"schema" | "revokeToken": true
     #    | "totalCountOffset": 5 | "dropItems": 2

Matching: every given criterion must hold (none given = every call of the tenant). ``path`` is an
fnmatch glob over the whole path as the client sent it (``*`` also crosses ``/``); ``method`` is
case-insensitive; ``operationId`` is the OpenAPI operation (shared by 1.1 and 1.2 where the specs
share it: add a path glob to target one version). Firing: exactly one of ``times`` (the next N
matching calls, then the rule is spent), ``every`` (every Nth matching call), ``probability`` (each
matching call fires with probability p: the n-th draws ``random.Random(f"{seed}:{n}")``, so the same
sequence of matching calls gives the same sequence of firings, whichever server counts them). Effect:
exactly one of those listed above.

The OneRoster-level effects (so a conformance kit can prove it catches them) keep the status: a
wrong ``X-Total-Count`` (``totalCountOffset``: the real total plus N), a body that is valid JSON but
breaks the response schema (``malformed: "schema"``: one member of the answer's first object gets
another JSON type) and a short page (``dropItems``: N fewer objects, X-Total-Count and Link as they
were). mock_ic/edge/faults.py says exactly what each does to an answer.
"""

from __future__ import annotations

import difflib
import math
import re
import uuid
from dataclasses import dataclass, field, fields
from fnmatch import fnmatchcase
from typing import Any, Literal

from mock_ic.control.faults.operations import known_operation_ids

Malformed = Literal["truncated", "nonjson", "schema"]

METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS")
MALFORMED = ("truncated", "nonjson", "schema")
MAX_LATENCY_MS = 600_000
MAX_TOTAL_COUNT_OFFSET = 1_000_000
RETRY_AFTER_DEFAULT = 1  # seconds, for 429 and 503 when the rule names none
_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# python attribute -> JSON key of the admin API
_JSON_KEYS = {
    "id": "id", "method": "method", "path": "path", "operation_id": "operationId",
    "times": "times", "every": "every", "probability": "probability", "seed": "seed",
    "status": "status", "retry_after": "retryAfter", "description": "description",
    "latency_ms": "latencyMs", "drop": "drop", "malformed": "malformed", "revoke_token": "revokeToken",
    "total_count_offset": "totalCountOffset", "drop_items": "dropItems",
}
_FROM_JSON = {json_key: attr for attr, json_key in _JSON_KEYS.items()}
FIRING_KEYS = ("times", "every", "probability")
EFFECT_KEYS = ("status", "latencyMs", "drop", "malformed", "revokeToken", "totalCountOffset", "dropItems")
# The effects given by a value (the others are flags: drop, revokeToken), in EFFECT_KEYS order.
_VALUED_EFFECTS = ("status", "latency_ms", "malformed", "total_count_offset", "drop_items")


def _new_id() -> str:
    return "fault-" + uuid.uuid4().hex[:10]


@dataclass(frozen=True, kw_only=True)
class FaultRule:
    id: str = field(default_factory=_new_id)
    # matching
    method: str | None = None
    path: str | None = None
    operation_id: str | None = None
    # firing: exactly one of
    times: int | None = None
    every: int | None = None
    probability: float | None = None
    seed: int | None = None  # with probability only; None there means 0
    # effect: exactly one of
    status: int | None = None
    retry_after: int | None = None  # with status; 429/503 default to RETRY_AFTER_DEFAULT
    description: str | None = None  # with status
    latency_ms: int | None = None
    drop: bool = False
    malformed: Malformed | None = None
    revoke_token: bool = False
    total_count_offset: int | None = None  # X-Total-Count = the real total + this
    drop_items: int | None = None  # a collection answer lists this many fewer objects

    def __post_init__(self) -> None:
        _check_matching(self)
        _check_firing(self)
        _check_effect(self)
        if self.method is not None:
            object.__setattr__(self, "method", self.method.upper())
        if self.probability is not None and self.seed is None:
            object.__setattr__(self, "seed", 0)
        if self.status in (429, 503) and self.retry_after is None:
            object.__setattr__(self, "retry_after", RETRY_AFTER_DEFAULT)

    @classmethod
    def from_dict(cls, data: Any) -> FaultRule:
        """A rule from the admin API's JSON; ValueError names the bad key or value and what is allowed."""
        if not isinstance(data, dict):
            raise ValueError(f"A fault rule is a JSON object, not {type(data).__name__}")
        unknown = sorted(k for k in data if k not in _FROM_JSON)
        if unknown:
            raise ValueError(f"Unknown fault rule key(s) {unknown}; allowed: {list(_JSON_KEYS.values())}")
        values = {_FROM_JSON[k]: v for k, v in data.items() if v is not None}
        if values.get("drop") is False:
            del values["drop"]
        if values.get("revoke_token") is False:
            del values["revoke_token"]
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value is False:
                continue
            out[_JSON_KEYS[f.name]] = value
        return out

    def matches(self, method: str, path: str, operation_id: str | None) -> bool:
        return ((self.method is None or self.method == method.upper())
                and (self.path is None or fnmatchcase(path, self.path))
                and (self.operation_id is None or self.operation_id == operation_id))

    @property
    def effect(self) -> str:
        """The JSON key of this rule's effect (one of EFFECT_KEYS)."""
        if self.status is not None:
            return "status"
        if self.latency_ms is not None:
            return "latencyMs"
        if self.drop:
            return "drop"
        if self.malformed is not None:
            return "malformed"
        if self.total_count_offset is not None:
            return "totalCountOffset"
        if self.drop_items is not None:
            return "dropItems"
        return "revokeToken"


def _integer(key: str, value: Any, *, minimum: int, maximum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be an integer, not {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
        raise ValueError(f"{key} must be {bounds}, not {value}")


def _text(key: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} must be a non-empty string, not {value!r}")


def _check_matching(rule: FaultRule) -> None:
    _text("id", rule.id)
    if not _ID.match(rule.id):
        raise ValueError(f"id {rule.id!r} is not allowed: use 1-64 letters, digits, '.', '_' or '-'")
    if rule.method is not None:
        _text("method", rule.method)
        if rule.method.upper() not in METHODS:
            raise ValueError(f"method {rule.method!r} is not allowed; allowed: {list(METHODS)}")
    if rule.path is not None:
        _text("path", rule.path)
        if rule.path[0] not in "/*?[":
            raise ValueError(f"path {rule.path!r} can never match: it is a glob over the whole request path; "
                             f"start it with '/' or '*', e.g. '*/{rule.path.lstrip('/')}*'")
    if rule.operation_id is not None:
        _text("operationId", rule.operation_id)
        known = known_operation_ids()
        if rule.operation_id not in known:
            close = difflib.get_close_matches(rule.operation_id, sorted(known), n=5)
            hint = f"; did you mean one of {close}?" if close else "; see the operationIds of openapi/*.yaml"
            raise ValueError(f"operationId {rule.operation_id!r} is not an operation of this server{hint}")


def _check_firing(rule: FaultRule) -> None:
    given = [k for k in FIRING_KEYS if getattr(rule, k) is not None]
    if len(given) != 1:
        raise ValueError(f"A fault rule needs exactly one firing key of {list(FIRING_KEYS)}, got {given} "
                         "(times: the next N matching calls; every: every Nth; probability: 0<p<=1 with a seed)")
    if rule.times is not None:
        _integer("times", rule.times, minimum=1)
    if rule.every is not None:
        _integer("every", rule.every, minimum=1)
    if rule.probability is not None:
        p = rule.probability
        if isinstance(p, bool) or not isinstance(p, int | float) or not math.isfinite(p) or not 0 < p <= 1:
            raise ValueError(f"probability must be a number with 0 < p <= 1, not {p!r}")
    if rule.seed is not None:
        if rule.probability is None:
            raise ValueError("seed is only allowed with probability")
        if isinstance(rule.seed, bool) or not isinstance(rule.seed, int):
            raise ValueError(f"seed must be an integer, not {rule.seed!r}")


def _check_effect(rule: FaultRule) -> None:
    if not isinstance(rule.drop, bool):
        raise ValueError(f"drop must be true or false, not {rule.drop!r}")
    if not isinstance(rule.revoke_token, bool):
        raise ValueError(f"revokeToken must be true or false, not {rule.revoke_token!r}")
    given = [_JSON_KEYS[k] for k in _VALUED_EFFECTS if getattr(rule, k) is not None]
    given += [_JSON_KEYS[k] for k in ("drop", "revoke_token") if getattr(rule, k)]
    if len(given) != 1:
        raise ValueError(f"A fault rule needs exactly one effect key of {list(EFFECT_KEYS)}, got {given}")
    if rule.status is not None:
        _integer("status", rule.status, minimum=400, maximum=599)
    elif rule.retry_after is not None or rule.description is not None:
        raise ValueError("retryAfter and description are only allowed with status")
    if rule.retry_after is not None:
        _integer("retryAfter", rule.retry_after, minimum=0)
    if rule.description is not None:
        _text("description", rule.description)
    if rule.latency_ms is not None:
        _integer("latencyMs", rule.latency_ms, minimum=0, maximum=MAX_LATENCY_MS)
    if rule.malformed is not None and rule.malformed not in MALFORMED:
        raise ValueError(f"malformed {rule.malformed!r} is not allowed; allowed: {list(MALFORMED)}")
    if rule.total_count_offset is not None:
        _integer("totalCountOffset", rule.total_count_offset, minimum=-MAX_TOTAL_COUNT_OFFSET,
                 maximum=MAX_TOTAL_COUNT_OFFSET)
        if rule.total_count_offset == 0:
            raise ValueError("totalCountOffset must not be 0 (that is the real total, no fault); "
                             f"allowed: a non-zero integer from {-MAX_TOTAL_COUNT_OFFSET} to {MAX_TOTAL_COUNT_OFFSET}")
    if rule.drop_items is not None:
        _integer("dropItems", rule.drop_items, minimum=1)
