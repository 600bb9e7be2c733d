"""Per-tenant settings (the [model] switches of IC_BEHAVIOUR.md): each declares its type and range once.

The declaration is the one source of three things: the checks every way in uses (admin API create and
PATCH, ``mock-ic tenant create --setting``, scenario files, stored rows), the error a bad value gets
(the setting, the value, what is allowed), and the JSON schema of the admin API (``openapi/mock-admin.yaml``
``TenantSettings``, kept equal to :func:`json_schema` by a test).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from mock_ic.ic.registry import switchable_rules

log = logging.getLogger("mock_ic.control.tenants")


@dataclass(frozen=True)
class Allowed:
    """What values one setting takes."""

    kind: Literal["integer", "boolean", "choice", "names", "switches"]
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    nullable: bool = False  # None is a value of its own (e.g. "no limit"), said in ``null_means``
    null_means: str = ""

    def problem(self, value: Any) -> str | None:
        """None when the value is allowed, else what is wrong with it."""
        if value is None:
            return None if self.nullable else f"must be {self.describe()}"
        ok = {
            "integer": lambda: isinstance(value, int) and not isinstance(value, bool)
            and self.minimum <= value <= self.maximum,  # type: ignore[operator]
            "boolean": lambda: isinstance(value, bool),
            "choice": lambda: value in self.choices,
            "names": lambda: isinstance(value, list | tuple) and all(isinstance(v, str) and v for v in value),
            "switches": lambda: isinstance(value, dict) and all(
                k in self.choices and isinstance(v, bool) for k, v in value.items()),
        }[self.kind]()
        return None if ok else f"must be {self.describe()}"

    def describe(self) -> str:
        text = {
            "integer": f"an integer from {self.minimum} to {self.maximum}",
            "boolean": "true or false",
            "choice": " or ".join(repr(c) for c in self.choices),
            "names": "a list of non-empty strings (sourcedIds)",
            "switches": "an object of rule IDs to true/false; the rules that can be switched off: "
                        + ", ".join(self.choices),
        }[self.kind]
        return f"{text}, or null ({self.null_means})" if self.nullable else text

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "integer": lambda: {"type": "integer", "minimum": self.minimum, "maximum": self.maximum},
            "boolean": lambda: {"type": "boolean"},
            "choice": lambda: {"type": "string", "enum": list(self.choices)},
            "names": lambda: {"type": "array", "items": {"type": "string", "minLength": 1}},
            "switches": lambda: {"type": "object", "additionalProperties": False,
                                 "properties": {rule_id: {"type": "boolean"} for rule_id in self.choices}},
        }[self.kind]()
        if self.nullable:
            out["nullable"] = True
        return out


def _setting(default: Any, allowed: Allowed, rule: str) -> Any:
    return field(default=default, metadata={"allowed": allowed, "rule": rule})


_BOOL = Allowed("boolean")
_TITLE_LENGTH = Allowed("integer", 1, 4000)
_NAMES = Allowed("names")
_SWITCHES = Allowed("switches", choices=tuple(switchable_rules()))


@dataclass(frozen=True)
class TenantSettings:
    """Per-tenant switches for the [model] rules of IC_BEHAVIOUR.md, with the catalogue's defaults."""

    token_lifetime: int = _setting(3600, Allowed("integer", 1, 604_800), "IC-AUTH-TOKEN")  # seconds, a week at most
    vendor_header_required: bool = _setting(True, _BOOL, "IC-VENDOR-OPTIONAL")
    gradebook_sync: bool = _setting(True, _BOOL, "IC-GRADEBOOK-SYNC")  # False = roster-only credentials
    strict_input: bool = _setting(False, _BOOL, "IC-LENIENT-IN")
    title_max_length_v1p1: int = _setting(50, _TITLE_LENGTH, "IC-LI-TITLE-LEN")  # on 1.1 connections
    title_max_length_v1p2: int = _setting(30, _TITLE_LENGTH, "IC-LI-TITLE-LEN")  # on 1.2 connections
    title_over_limit: Literal["reject", "truncate"] = _setting(
        "reject", Allowed("choice", choices=("reject", "truncate")), "IC-TITLE-OVER")
    duplicate_title_check: bool = _setting(True, _BOOL, "IC-LI-DUP-TITLE")
    closed_grading_periods: tuple[str, ...] = _setting((), _NAMES, "IC-LI-GRADING-WINDOW")
    schools: tuple[str, ...] | None = _setting(
        None, Allowed("names", nullable=True, null_means="every school"), "IC-SCHOOL-SCOPE")
    max_concurrent: int | None = _setting(
        None, Allowed("integer", 1, 1000, nullable=True, null_means="no limit"), "IC-LOAD")
    limit_cap: int = _setting(50_000, Allowed("integer", 1, 1_000_000), "OR-PAGING")
    # IC-GRADING-TASK: a grade posted with both a percent and a score: "keep" stores both as sent (as a teacher
    # may enter both columns), "percent" derives the score from the percent, "reject" refuses a disagreement
    grading_task_both_given: Literal["keep", "percent", "reject"] = _setting(
        "keep", Allowed("choice", choices=("keep", "percent", "reject")), "IC-GRADING-TASK")
    grading_task_text_score: bool = _setting(True, _BOOL, "IC-GRADING-TASK")  # 1.2: textScore carries the score
    # RULE-SWITCH: {"IC-LI-DUP-TITLE": false} switches that rule off (every switchable rule of ic/rules.py)
    rules: dict[str, bool] = field(default_factory=dict, metadata={"allowed": _SWITCHES, "rule": "RULE-SWITCH"})

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TenantSettings:
        """Settings from names and values, every one checked: :class:`SettingError` names the first bad one."""
        for name, value in values.items():
            check(name, value)
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})

    @classmethod
    def from_stored(cls, values: Mapping[str, Any]) -> TenantSettings:
        """Settings as a database row holds them. A value an older release stored without checking it
        is replaced by the default (and said in the log), so such a data dir still starts."""
        good = {}
        for name, value in values.items():
            try:
                check(name, value)
            except SettingError as exc:
                log.warning("Ignoring a stored tenant setting: %s; using the default", exc)
                continue
            good[name] = value
        return cls.from_dict(good)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


class SettingError(ValueError):
    """A tenant setting that does not exist or a value it does not take."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _declared() -> dict[str, Allowed]:
    return {f.name: f.metadata["allowed"] for f in fields(TenantSettings)}


ALLOWED: dict[str, Allowed] = _declared()


def check(name: str, value: Any) -> None:
    """Raise :class:`SettingError` unless ``name`` is a tenant setting and ``value`` one it takes."""
    allowed = ALLOWED.get(name)
    if allowed is None:
        raise SettingError(name, f"{name!r} is not a tenant setting; the settings are: {', '.join(ALLOWED)}")
    problem = allowed.problem(value)
    if problem:
        rule = next(f.metadata["rule"] for f in fields(TenantSettings) if f.name == name)
        raise SettingError(name, f"Tenant setting {name!r} ({rule}) {problem}; got {value!r}")


def json_schema() -> dict[str, Any]:
    """The settings object as the admin API declares it (every property optional; unknown names refused)."""
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: allowed.schema() for name, allowed in ALLOWED.items()},
    }

