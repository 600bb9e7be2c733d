"""Named fault scenarios (FAULT-SCENARIOS): a tenant set up so that a passback client meets one Canvas SIS error,
and four provisioning scenarios (``provisioning-*``, docs/provisioning.md) whose next roster pull meets one
failure mode of Canvas's nightly provisioning.

Each scenario is a YAML file ``fixtures/scenarios/<name>.yaml`` (docs/scenarios.md) with the Canvas title it
reproduces, the Infinite Campus cause, and what to change: tenant ``settings`` (merged into the tenant's),
``faults`` (FAULT-RULES rules; they replace the tenant's rule list) and ``data`` (a small closed vocabulary of
changes to the tenant's documents, written through the store in one transaction)::

    from mock_ic.control import scenarios
    scenarios.names()                                   # the scenario names (ten passback, four provisioning)
    scenarios.apply(runtime, "demo", "exchange-error")  # -> what was applied, as JSON

Applying is idempotent: the rule list is replaced (counters reset), settings are merged, and every data
change states the state it wants rather than a step, so applying a scenario twice leaves the tenant as
applying it once did (on the same day: ``move_calendar`` counts from today). That also makes it safe for
every worker process of a server to apply the same scenario (fault rules live per process).
Scenarios do not undo each other: apply one to a fresh or reset tenant.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mock_ic.control.faults import FaultRule
from mock_ic.control.runtime import Runtime
from mock_ic.control.tenants import TenantSettings
from mock_ic.ic import settings as tenant_settings
from mock_ic.resources import fixtures_dir
from mock_ic.store import documents
from mock_ic.store.refs import ref

if TYPE_CHECKING:
    from mock_ic.store import Connection

FOLDER = "scenarios"
_TEXT_KEYS = ("name", "title", "canvasMessage", "icCause")
_TOP_KEYS = (*_TEXT_KEYS, "settings", "faults", "data")


class ScenarioError(ValueError):
    """A scenario file that does not validate; the message names the file and the key."""


class _Missing(KeyError):
    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class UnknownScenario(_Missing):
    """No scenario of that name; the message lists the available ones."""


class UnknownTenant(_Missing):
    pass


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str  # the Canvas SIS error title, e.g. "Assignment Dates Error"
    canvas_message: str
    ic_cause: str
    settings: dict[str, Any] = field(default_factory=dict)  # TenantSettings names -> values
    faults: tuple[FaultRule, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)  # data change name -> normalised arguments
    path: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """The scenario as JSON, in the file's own keys."""
        return {"name": self.name, "title": self.title, "canvasMessage": self.canvas_message,
                "icCause": self.ic_cause, "settings": dict(self.settings),
                "faults": [rule.to_dict() for rule in self.faults], "data": dict(self.data)}


# --- finding and reading scenario files -----------------------------------------------------------

def scenario_dir() -> Path:
    return fixtures_dir() / FOLDER


def names() -> list[str]:
    """The names of the shipped scenarios, sorted."""
    folder = scenario_dir()
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def load(name: str) -> Scenario:
    """The shipped scenario ``name``; UnknownScenario (a KeyError) lists the available names."""
    available = names()
    if name not in available:
        raise UnknownScenario(f"Unknown scenario {name!r}; available: {', '.join(available) or 'none'}")
    return parse_file(scenario_dir() / f"{name}.yaml")


def load_all() -> list[Scenario]:
    return [load(name) for name in names()]


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(fixtures_dir().resolve().parent))
    except ValueError:
        return str(path)


def parse_file(path: Path) -> Scenario:
    """Read and validate one scenario file; ScenarioError names the file and the key at fault."""
    where = _shown(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{where}: cannot be read as YAML: {exc}") from None
    return parse(raw, where=where, path=path)


def parse(raw: Any, *, where: str, path: Path | None = None) -> Scenario:
    """Validate a scenario given as data (what the YAML file holds); ``where`` names it in errors."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: a scenario is a mapping with keys {list(_TOP_KEYS)}, not {type(raw).__name__}")
    unknown = sorted(str(k) for k in raw if k not in _TOP_KEYS)
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {unknown}; allowed: {list(_TOP_KEYS)}")
    for key in _TEXT_KEYS:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ScenarioError(f"{where}: {key}: required, a non-empty string (got {value!r})")
    if path is not None and raw["name"] != path.stem:
        raise ScenarioError(f"{where}: name: {raw['name']!r} must equal the file name {path.stem!r}")
    return Scenario(name=raw["name"], title=raw["title"].strip(), canvas_message=raw["canvasMessage"].strip(),
                    ic_cause=" ".join(raw["icCause"].split()), settings=_parse_settings(raw.get("settings"), where),
                    faults=_parse_faults(raw.get("faults"), where), data=_parse_data(raw.get("data"), where),
                    path=path)


def _mapping(value: Any, where: str, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: {key}: must be a mapping, not {type(value).__name__}")
    return value


def _parse_settings(value: Any, where: str) -> dict[str, Any]:
    settings = _mapping(value, where, "settings")
    for key, setting in settings.items():
        try:
            tenant_settings.check(key, setting)
        except tenant_settings.SettingError as exc:
            raise ScenarioError(f"{where}: settings.{key}: {exc}") from None
    return dict(settings)


def _parse_faults(value: Any, where: str) -> tuple[FaultRule, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ScenarioError(f"{where}: faults: must be a list of fault rules, not {type(value).__name__}")
    rules: list[FaultRule] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not item.get("id"):
            # a generated id would differ on every apply, and applying twice must equal applying once
            raise ScenarioError(f"{where}: faults[{index}]: every rule needs an explicit id")
        try:
            rule = FaultRule.from_dict(item)
        except (TypeError, ValueError) as exc:
            raise ScenarioError(f"{where}: faults[{index}] ({item['id']}): {exc}") from None
        if any(r.id == rule.id for r in rules):
            raise ScenarioError(f"{where}: faults[{index}]: duplicate rule id {rule.id!r}")
        rules.append(rule)
    return tuple(rules)


# --- the data changes -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Change:
    check: Callable[[Any, str], Any]  # (value, "file: data.<key>") -> normalised value
    apply: Callable[[Connection, str, Any, date], tuple[dict[str, Any], dict[str, Any]]]  # -> summary, settings


def _check_unenroll(value: Any, where: str) -> dict[str, float]:
    spec = value if isinstance(value, dict) else None
    if spec is None or set(spec) != {"fraction"}:
        raise ScenarioError(f"{where}: must be a mapping {{fraction: <number 0 < f <= 1>}}, not {value!r}")
    fraction = spec["fraction"]
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 < fraction <= 1:
        raise ScenarioError(f"{where}.fraction: must be a number with 0 < f <= 1, not {fraction!r}")
    return {"fraction": float(fraction)}


def _check_close(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(f"{where}: must be true or false, not {value!r}")
    return value


def _check_move_calendar(value: Any, where: str) -> dict[str, int]:
    spec = value if isinstance(value, dict) else None
    if spec is None or set(spec) != {"starts_in_days"}:
        raise ScenarioError(f"{where}: must be a mapping {{starts_in_days: <integer>}}, not {value!r}")
    days = spec["starts_in_days"]
    if isinstance(days, bool) or not isinstance(days, int) or abs(days) > 3660:
        raise ScenarioError(f"{where}.starts_in_days: must be an integer from -3660 to 3660, not {days!r}")
    return {"starts_in_days": days}


def _picked(sourced_id: str, fraction: float) -> bool:
    """A stable choice: the same enrolments for the same fraction, on every apply and every worker."""
    return zlib.crc32(sourced_id.encode()) < fraction * 2**32


def _unenroll_students(conn: Connection, tenant: str, spec: dict[str, float],
                       today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """IC-RES-UPSERT: the chosen student enrolments become ``tobedeleted`` (the student dropped the section),
    so scores for those students are refused with 422."""
    enrolled = documents.find(conn, tenant, "enrollments", role="student", status="active")
    dropped_now = [doc | {"status": "tobedeleted", "dateLastModified": documents.now_stamp()}
                   for doc in enrolled if _picked(doc["sourcedId"], spec["fraction"])]
    documents.put_many(conn, tenant, "enrollments", dropped_now)
    dropped = documents.count(conn, tenant, "enrollments", role="student", status="tobedeleted")
    return {"fraction": spec["fraction"], "changed": len(dropped_now), "studentEnrollmentsToBeDeleted": dropped}, {}


def _close_all_grading_periods(conn: Connection, tenant: str, close: bool,
                               today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """IC-LI-GRADING-WINDOW: every academic session of the tenant goes into ``closed_grading_periods`` — the
    grading periods, and the terms and school years too, since a client may name a term as gradingPeriod."""
    if not close:
        return {"closed": 0}, {}
    ids = [session["sourcedId"] for session in documents.find(conn, tenant, "academicSessions")]
    return {"closed": len(ids)}, {"closed_grading_periods": ids}


def _move_calendar(conn: Connection, tenant: str, spec: dict[str, int],
                   today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """IC-LI-DUE-DATE: the tenant's whole calendar (school years, terms, grading periods) moves as one block so
    that its first day is ``today + starts_in_days``; class terms keep their ids, only the dates move."""
    sessions = documents.find(conn, tenant, "academicSessions")
    if not sessions:
        return {"shiftedDays": 0, "changed": 0}, {}
    first = min(date.fromisoformat(s["startDate"][:10]) for s in sessions)
    last = max(date.fromisoformat(s["endDate"][:10]) for s in sessions)
    shift = today + timedelta(days=spec["starts_in_days"]) - first
    summary = {"startsOn": (first + shift).isoformat(), "endsOn": (last + shift).isoformat(),
               "shiftedDays": shift.days, "changed": 0}
    if not shift:
        return summary, {}
    years = (last + shift).year - last.year
    for doc in sessions:
        for key in ("startDate", "endDate"):
            doc[key] = (date.fromisoformat(doc[key][:10]) + shift).isoformat()
        if str(doc.get("schoolYear", "")).isdigit():
            doc["schoolYear"] = str(int(doc["schoolYear"]) + years)
        doc["dateLastModified"] = documents.now_stamp()
    documents.put_many(conn, tenant, "academicSessions", sessions)
    summary["changed"] = len(sessions)
    return summary, {}


# --- the provisioning scenarios' data changes (docs/provisioning.md) ----------------------------------

def _check_count(value: Any, where: str) -> dict[str, int]:
    spec = value if isinstance(value, dict) else None
    if spec is None or set(spec) != {"count"}:
        raise ScenarioError(f"{where}: must be a mapping {{count: <integer 1 to 50>}}, not {value!r}")
    count = spec["count"]
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 50:
        raise ScenarioError(f"{where}.count: must be an integer from 1 to 50, not {count!r}")
    return {"count": count}


def _ic_meta(doc: dict[str, Any]) -> dict[str, Any]:
    return (doc.get("metadata") or {}).get("ic") or {}


def _with_ic(doc: dict[str, Any], **values: str) -> dict[str, Any]:
    """A copy of ``doc`` with ``metadata.ic`` values added (the documents' own dicts stay untouched)."""
    metadata = dict(doc.get("metadata") or {})
    metadata["ic"] = {**_ic_meta(doc), **values}
    return {**doc, "metadata": metadata, "dateLastModified": documents.now_stamp()}


def _successor(sourced_id: str, taken: set[str]) -> str:
    """A new id shaped like the old, as IC gives a re-created record a new number (``76459`` -> ``176459``,
    ``s294659`` -> ``s1294659``); one not in ``taken``."""
    candidate = sourced_id
    while candidate in taken:
        prefix = candidate.rstrip("0123456789")
        digits = candidate[len(prefix):]
        candidate = f"{prefix}{int(digits) + 10 ** len(digits)}" if digits else f"{candidate}-2"
    taken.add(candidate)
    return candidate


def _shown_students(conn: Connection, tenant: str) -> list[dict[str, Any]]:
    """Active student enrollments IC serves (IC-USERS: no-shows are never returned)."""
    return [e for e in documents.find(conn, tenant, "enrollments", role="student", status="active")
            if _ic_meta(e).get("noShow") != "true"]


def _resection_classes(conn: Connection, tenant: str, spec: dict[str, int],
                       today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """IC's scheduling wizard re-sections ``count`` classes: each becomes ``tobedeleted`` with its enrollments,
    and a copy under a new sectionID (``metadata.ic.resectionedFrom``) takes its roster and its grade book
    categories. The first classes by sourcedId that have active students are chosen; classes already
    re-sectioned count towards ``count``."""
    classes = documents.find(conn, tenant, "classes")
    done = {str(_ic_meta(c)["resectionedFrom"]): c["sourcedId"] for c in classes if _ic_meta(c).get("resectionedFrom")}
    with_students = {e["class"]["sourcedId"] for e in _shown_students(conn, tenant)}
    chosen = [c for c in classes if c["status"] == "active" and c["sourcedId"] in with_students
              and c["sourcedId"] not in done and not _ic_meta(c).get("resectionedFrom")][:spec["count"] - len(done)]
    taken = {kind: {d["sourcedId"] for d in documents.find(conn, tenant, kind)}
             for kind in ("classes", "enrollments", "categories")}
    changed = 0
    for old in chosen:
        new_id = _successor(old["sourcedId"], taken["classes"])
        done[old["sourcedId"]] = new_id
        changed += _resection(conn, tenant, old, new_id, taken)
    return {"count": spec["count"], "changed": changed, "classes": dict(sorted(done.items()))}, {}


def _resection(conn: Connection, tenant: str, old: dict[str, Any], new_id: str, taken: dict[str, set[str]]) -> int:
    old_id = old["sourcedId"]
    stamp = documents.now_stamp()
    documents.put_many(conn, tenant, "classes", [
        {**old, "status": "tobedeleted", "dateLastModified": stamp},
        _with_ic({**old, "sourcedId": new_id}, resectionedFrom=old_id)])
    enrollments = documents.find(conn, tenant, "enrollments", **{"class": old_id})
    moved = [_with_ic({**e, "sourcedId": _successor(e["sourcedId"], taken["enrollments"]),
                       "class": ref("classes", new_id)}) for e in enrollments]
    documents.put_many(conn, tenant, "enrollments", [
        *({**e, "status": "tobedeleted", "dateLastModified": stamp} for e in enrollments), *moved])
    categories = [_with_ic({**c, "sourcedId": _successor(c["sourcedId"], taken["categories"])}, **{"class": new_id})
                  for c in documents.find(conn, tenant, "categories", **{"class": old_id})]
    documents.put_many(conn, tenant, "categories", categories)
    return 2 + len(enrollments) + len(moved) + len(categories)


def _drop_students_mid_year(conn: Connection, tenant: str, spec: dict[str, float],
                            today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """Students drop a class that goes on: the chosen enrollments (a stable choice by sourcedId among those in
    session on the drop day) end on the drop day, yesterday (or the first day of school when the school year
    has not begun), and stay ``active``, as IC ends a roster record."""
    enrolled = _shown_students(conn, tenant)
    if not enrolled:
        return {"fraction": spec["fraction"], "endsOn": None, "changed": 0}, {}
    drop_day = max(today - timedelta(days=1), min(date.fromisoformat(e["beginDate"][:10]) for e in enrolled))
    on = drop_day.isoformat()
    dropped = [{**e, "endDate": on, "dateLastModified": documents.now_stamp()} for e in enrolled
               if e["beginDate"][:10] <= on < e["endDate"][:10] and _picked(e["sourcedId"], spec["fraction"])]
    documents.put_many(conn, tenant, "enrollments", dropped)
    return {"fraction": spec["fraction"], "endsOn": on, "changed": len(dropped)}, {}


def _reenroll_students(conn: Connection, tenant: str, spec: dict[str, float],
                       today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """A student removed from a class and enrolled again, with both roster records served: for the chosen
    current student enrollments (a stable choice by sourcedId) a second active record of the same user and
    class under a new rosterID, beginning today (or when the first begins, if later), marked
    ``metadata.ic.reenrolledFrom``."""
    enrolled = _shown_students(conn, tenant)
    copied = {_ic_meta(e).get("reenrolledFrom") for e in enrolled}
    taken = {e["sourcedId"] for e in documents.find(conn, tenant, "enrollments")}
    again = [_with_ic({**e, "sourcedId": _successor(e["sourcedId"], taken),
                       "beginDate": max(today.isoformat(), e["beginDate"][:10])}, reenrolledFrom=e["sourcedId"])
             for e in enrolled if e["endDate"][:10] >= today.isoformat() and e["sourcedId"] not in copied
             and not _ic_meta(e).get("reenrolledFrom") and _picked(e["sourcedId"], spec["fraction"])]
    documents.put_many(conn, tenant, "enrollments", again)
    duplicated = sum(1 for e in documents.find(conn, tenant, "enrollments") if _ic_meta(e).get("reenrolledFrom"))
    return {"fraction": spec["fraction"], "changed": len(again), "secondRecords": duplicated}, {}


def _drop_first_half_terms(conn: Connection, tenant: str, drop: bool,
                           today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """The SIS serves the second half of the school year only: every term that ends by the middle of its school
    year leaves, with its grading periods; a class held only in those terms leaves with its enrollments and
    grade book, a class that spans both keeps its later terms. Line items in the removed grading periods
    leave too, with their results."""
    if not drop:
        return {"termsRemoved": [], "classesRemoved": [], "changed": 0}, {}
    sessions = {s["sourcedId"]: s for s in documents.find(conn, tenant, "academicSessions")}
    removed = {sid for sid, s in sessions.items() if s.get("type") == "term" and _ends_by_midyear(s, sessions)}
    removed |= {sid for sid, s in sessions.items() if (s.get("parent") or {}).get("sourcedId") in removed}
    if not removed:
        return {"termsRemoved": [], "classesRemoved": [], "changed": 0}, {}
    gone_classes, changed = _drop_class_terms(conn, tenant, removed)
    for line_item in documents.find(conn, tenant, "lineItems"):
        if (line_item.get("gradingPeriod") or {}).get("sourcedId") in removed:
            changed += documents.delete_where(conn, tenant, "results", line_item=line_item["sourcedId"])
            changed += documents.delete(conn, tenant, "lineItems", line_item["sourcedId"])
    years = [{**s, "children": [c for c in s.get("children") or [] if c["sourcedId"] not in removed],
              "dateLastModified": documents.now_stamp()}
             for s in sessions.values() if any(c["sourcedId"] in removed for c in s.get("children") or [])
             and s["sourcedId"] not in removed]
    documents.put_many(conn, tenant, "academicSessions", years)
    for sid in sorted(removed):
        changed += documents.delete(conn, tenant, "academicSessions", sid)
    return {"termsRemoved": sorted(removed), "classesRemoved": gone_classes, "changed": changed + len(years)}, {}


def _ends_by_midyear(term: dict[str, Any], sessions: dict[str, dict[str, Any]]) -> bool:
    year = sessions.get((term.get("parent") or {}).get("sourcedId") or "")
    if year is None:
        return False
    start, end = date.fromisoformat(year["startDate"][:10]), date.fromisoformat(year["endDate"][:10])
    return date.fromisoformat(term["endDate"][:10]) <= start + timedelta(days=(end - start).days // 2)


def _drop_class_terms(conn: Connection, tenant: str, removed: set[str]) -> tuple[list[str], int]:
    """Classes lose the removed terms; a class left with none goes, with what hangs from it."""
    gone: list[str] = []
    kept: list[dict[str, Any]] = []
    for klass in documents.find(conn, tenant, "classes"):
        terms = [t for t in klass.get("terms") or [] if t["sourcedId"] not in removed]
        if len(terms) == len(klass.get("terms") or []):
            continue
        if terms:
            kept.append({**klass, "terms": terms, "dateLastModified": documents.now_stamp()})
        else:
            gone.append(klass["sourcedId"])
    documents.put_many(conn, tenant, "classes", kept)
    changed = len(kept)
    for class_id in gone:
        changed += _remove_class(conn, tenant, class_id)
    return gone, changed


def _remove_class(conn: Connection, tenant: str, class_id: str) -> int:
    """The class, its enrollments and its grade book, as when the SIS no longer holds the section."""
    by_class = {"class": class_id}
    removed = 0
    for item in documents.find(conn, tenant, "assessmentLineItems", **by_class):
        removed += documents.delete_where(conn, tenant, "assessmentResults", assessment_line_item=item["sourcedId"])
    for kind in ("results", "lineItems", "categories", "scoreScales", "assessmentLineItems", "enrollments"):
        removed += documents.delete_where(conn, tenant, kind, **by_class)
    return removed + documents.delete(conn, tenant, "classes", class_id)


DATA_CHANGES: dict[str, _Change] = {
    "unenroll_students": _Change(_check_unenroll, _unenroll_students),
    "close_all_grading_periods": _Change(_check_close, _close_all_grading_periods),
    "move_calendar": _Change(_check_move_calendar, _move_calendar),
    "resection_classes": _Change(_check_count, _resection_classes),
    "drop_students_mid_year": _Change(_check_unenroll, _drop_students_mid_year),
    "reenroll_students": _Change(_check_unenroll, _reenroll_students),
    "drop_first_half_terms": _Change(_check_close, _drop_first_half_terms),
}


def _parse_data(value: Any, where: str) -> dict[str, Any]:
    data = _mapping(value, where, "data")
    out: dict[str, Any] = {}
    for key, spec in data.items():
        change = DATA_CHANGES.get(key)
        if change is None:
            raise ScenarioError(f"{where}: data.{key}: unknown data change; allowed: {sorted(DATA_CHANGES)}")
        out[key] = change.check(spec, f"{where}: data.{key}")
    return out


# --- applying -------------------------------------------------------------------------------------

def apply(runtime: Runtime, app_name: str, name: str, *, today: date | None = None) -> dict[str, Any]:
    """Set the tenant up for scenario ``name``; returns what was applied (JSON).

    Data changes run in one write transaction, then the settings are merged into the tenant's, then the
    scenario's fault rules replace the tenant's rule list (an empty list clears it). UnknownScenario /
    UnknownTenant (KeyErrors) when either does not exist.
    """
    return apply_scenario(runtime, app_name, load(name), today=today)


def apply_scenario(runtime: Runtime, app_name: str, scenario: Scenario, *,
                   today: date | None = None) -> dict[str, Any]:
    """:func:`apply` for an already loaded (e.g. user-supplied, :func:`parse_file`) scenario."""
    tenant = runtime.tenants.get(app_name)
    if tenant is None:
        raise UnknownTenant(f"Unknown tenant {app_name!r}")
    day = today or date.today()
    summaries: dict[str, Any] = {}
    derived: dict[str, Any] = {}
    if scenario.data:
        with runtime.db.write() as conn:
            for key, spec in scenario.data.items():
                summaries[key], settings_part = DATA_CHANGES[key].apply(conn, app_name, spec, day)
                derived.update(settings_part)
    wanted = _merged_settings(tenant.settings, scenario.settings, derived)
    settings = TenantSettings.from_dict(tenant.settings.to_dict() | wanted)
    if settings != tenant.settings:
        runtime.tenants.update_settings(app_name, settings)
    runtime.faults.set_rules(app_name, list(scenario.faults))
    return {"scenario": scenario.name, "title": scenario.title, "appName": app_name,
            "settings": {key: settings.to_dict()[key] for key in wanted},
            "faults": [rule.to_dict() for rule in scenario.faults], "data": summaries}


def _merged_settings(current: TenantSettings, given: Mapping[str, Any], derived: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario's settings plus those its data changes imply; closed periods add to those already closed."""
    wanted = dict(given)
    closed = derived.get("closed_grading_periods")
    if closed is not None:
        already = set(current.closed_grading_periods) | set(wanted.get("closed_grading_periods") or ())
        wanted["closed_grading_periods"] = sorted(already | set(closed))
    return wanted
