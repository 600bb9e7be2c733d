"""Every read of the target's OneRoster version: its path, its envelope key and its response schema.

From the target's own OpenAPI when it serves one (mock-ic serves ``<service root>/openapi.json``),
else from the table below: the GET paths of the 1EdTech bindings (1.2 rostering + grade book; 1.1
rostering + grade book at one root). The kit may not import mock_ic, so this table is its own.

:func:`object_problems` judges one answer's objects without trusting any spec: OR-STATUS fields, and
that a member has the same JSON type in every object of a page (a server that sends a member of one
object with another type breaks the response schema even when no schema is at hand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import requests

from conformance.suites.auth_raw import is_gradebook_path, json_of

if TYPE_CHECKING:
    from conformance.suites.auth_raw import Raw

# The collection of each path segment -> the envelope key of a list / of one object (OR-ENVELOPE:
# 1.2 /students -> users, /schools -> orgs, /terms -> academicSessions; the same words in 1.1).
PLURAL = {"orgs": "orgs", "schools": "orgs", "academicSessions": "academicSessions", "terms": "academicSessions",
          "gradingPeriods": "academicSessions", "courses": "courses", "classes": "classes", "users": "users",
          "students": "users", "teachers": "users", "enrollments": "enrollments", "demographics": "demographics",
          "categories": "categories", "lineItems": "lineItems", "lineitems": "lineItems", "results": "results",
          "scoreScales": "scoreScales", "assessmentLineItems": "assessmentLineItems",
          "assessmentResults": "assessmentResults"}
SINGULAR = {"orgs": "org", "academicSessions": "academicSession", "courses": "course", "classes": "class",
            "users": "user", "enrollments": "enrollment", "demographics": "demographics", "categories": "category",
            "lineItems": "lineItem", "results": "result", "scoreScales": "scoreScale",
            "assessmentLineItems": "assessmentLineItem", "assessmentResults": "assessmentResult"}
TOP_LEVEL = ("orgs", "schools", "academicSessions", "terms", "gradingPeriods", "courses", "classes", "users",
             "students", "teachers", "enrollments", "demographics")
NESTED_ROSTERING = (
    "/schools/{schoolSourcedId}/classes", "/schools/{schoolSourcedId}/classes/{classSourcedId}/enrollments",
    "/schools/{schoolSourcedId}/classes/{classSourcedId}/students",
    "/schools/{schoolSourcedId}/classes/{classSourcedId}/teachers", "/schools/{schoolSourcedId}/courses",
    "/schools/{schoolSourcedId}/enrollments", "/schools/{schoolSourcedId}/students",
    "/schools/{schoolSourcedId}/teachers", "/schools/{schoolSourcedId}/terms", "/terms/{termSourcedId}/classes",
    "/terms/{termSourcedId}/gradingPeriods", "/courses/{courseSourcedId}/classes",
    "/classes/{classSourcedId}/students", "/classes/{classSourcedId}/teachers", "/users/{userSourcedId}/classes",
    "/students/{studentSourcedId}/classes", "/teachers/{teacherSourcedId}/classes",
)
GRADEBOOK_1P1 = (
    "/categories", "/categories/{sourcedId}", "/lineItems", "/lineItems/{sourcedId}", "/results",
    "/results/{sourcedId}", "/classes/{classSourcedId}/lineItems",
    "/classes/{classSourcedId}/lineItems/{lineItemSourcedId}/results", "/classes/{classSourcedId}/results",
    "/classes/{classSourcedId}/students/{studentSourcedId}/results",
)
GRADEBOOK_1P2 = (*GRADEBOOK_1P1, "/scoreScales", "/scoreScales/{sourcedId}", "/classes/{classSourcedId}/categories",
                 "/classes/{classSourcedId}/scoreScales", "/schools/{schoolSourcedId}/scoreScales",
                 "/assessmentLineItems", "/assessmentLineItems/{sourcedId}", "/assessmentResults",
                 "/assessmentResults/{sourcedId}")
UNKNOWN_ID = "mockic-kit-no-such-id"  # a sourcedId no server has (the kit's prefix: never one of a district's)
_PARAM = re.compile(r"\{([^}]+)\}")
SPEC_WRAPPERS = frozenset({"statusInfoSet"})  # 1.1 may add warnings beside the data


@dataclass(frozen=True)
class ReadOperation:
    path: str  # the template, e.g. /classes/{classSourcedId}/students
    key: str  # the envelope key, e.g. users
    collection: bool  # a list (else one object)
    schema: dict[str, Any] | None = None  # the 200 answer's schema, when the target serves its spec

    @property
    def gradebook(self) -> bool:
        return is_gradebook_path(self.path)

    @property
    def params(self) -> list[str]:
        return _PARAM.findall(self.path)

    @property
    def kind(self) -> str:
        """The collection the path ends in (or whose object it reads): classes, users, ..."""
        names = [s for s in self.path.split("/") if s and not s.startswith("{")]
        return names[-1]


def table_paths(version: str) -> list[str]:
    top = [p for name in TOP_LEVEL for p in (f"/{name}", f"/{name}/{{sourcedId}}")]
    return [*top, *NESTED_ROSTERING, *(GRADEBOOK_1P1 if version == "1.1" else GRADEBOOK_1P2)]


def from_table(version: str) -> list[ReadOperation]:
    operations = []
    for path in table_paths(version):
        collection = not path.endswith("}")
        name = [s for s in path.split("/") if s and not s.startswith("{")][-1]
        plural = PLURAL[name]
        operations.append(ReadOperation(path, plural if collection else SINGULAR[plural], collection))
    return operations


def served_spec(raw: Raw, service: str) -> dict[str, Any] | None:
    """The target's OpenAPI document for a service root, when it serves one at ``openapi.json``."""
    url = (raw.target.service_url(service) if raw.target.version == "1.2"
           else raw.target.service_url("rostering")) + "/openapi.json"
    try:
        response = raw.session.get(url, timeout=raw.timeout)
    except requests.RequestException:  # a server without a spec may drop this: the table serves then
        return None
    spec = json_of(response) if response.status_code == 200 else None
    return spec if isinstance(spec, dict) and isinstance(spec.get("paths"), dict) else None


def from_spec(spec: dict[str, Any]) -> list[ReadOperation]:
    operations = []
    for path, item in spec["paths"].items():
        get = item.get("get") if isinstance(item, dict) else None
        if not isinstance(get, dict):
            continue
        schema = (((get.get("responses") or {}).get("200") or {}).get("content") or {}).get(
            "application/json", {}).get("schema")
        if not isinstance(schema, dict):
            continue
        if "$ref" in repr(schema):  # references resolve against the document's components
            schema = {**schema, "components": spec.get("components") or {}}
        props = {k: v for k, v in (schema.get("properties") or {}).items() if k not in SPEC_WRAPPERS}
        if len(props) != 1:
            continue
        key = next(iter(props))
        # a OneRoster read ending in a path parameter reads one object; any other reads a collection
        operations.append(ReadOperation(path, key, not path.endswith("}"), schema))
    return operations


def read_operations(raw: Raw) -> tuple[list[ReadOperation], str]:
    """Every read of the target's version and where the list came from."""
    services = ("rostering", "gradebook") if raw.target.version == "1.2" else ("rostering",)
    specs = [served_spec(raw, service) for service in services]
    if all(specs):
        operations = [op for spec in specs if spec for op in from_spec(spec)]
        if operations:
            return operations, "the target's served OpenAPI"
    return from_table(raw.target.version), "the kit's table of the 1EdTech binding (the target serves no spec)"


# --- what an answer's objects must look like, whatever the spec -----------------------------------

def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def _utc_timestamp(value: Any) -> bool:
    if not isinstance(value, str) or not value.endswith("Z"):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def object_problems(objects: list[Any], where: str) -> list[str]:
    """OR-STATUS fields of each object and one JSON type per member across the objects."""
    problems: list[str] = []
    types: dict[str, tuple[str, int]] = {}
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict):
            problems.append(f"OR-ENVELOPE: {where}: item {index} is {_json_type(obj)}, not an object")
            continue
        sourced_id = obj.get("sourcedId")
        if sourced_id is not None and (not isinstance(sourced_id, str) or not sourced_id):
            problems.append(f"OR-ENVELOPE: {where}: item {index} sourcedId {sourced_id!r} is not a non-empty string")
        if "status" in obj and obj["status"] not in ("active", "tobedeleted"):
            problems.append(f"OR-STATUS: {where}: item {index} ({sourced_id}) status {obj['status']!r} is not "
                            "'active' or 'tobedeleted'")
        if "dateLastModified" in obj and not _utc_timestamp(obj["dateLastModified"]):
            problems.append(f"OR-STATUS: {where}: item {index} ({sourced_id}) dateLastModified "
                            f"{obj['dateLastModified']!r} is not a UTC ISO-8601 timestamp ending in Z")
        for member, value in obj.items():
            kind = _json_type(value)
            seen = types.setdefault(member, (kind, index))
            if seen[0] != kind and "null" not in (seen[0], kind):
                problems.append(f"OR-ENVELOPE: {where}: member {member!r} is {kind} in item {index} "
                                f"({sourced_id}) but {seen[0]} in item {seen[1]}: a schema-invalid body")
    return problems[:10]


def schema_problems(schema: dict[str, Any] | None, body: Any, where: str) -> list[str]:
    """The served 200 schema's verdict on a body (jsonschema, OpenAPI 3.0's subset of Draft 4)."""
    if schema is None:
        return []
    from jsonschema import Draft4Validator
    from jsonschema.exceptions import SchemaError

    try:
        validator = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))[:3]
    except SchemaError:  # a spec we cannot read judges nothing; the kit's own checks still run
        return []
    return [f"OR-ENVELOPE: {where}: the body breaks the served response schema at "
            f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors]
