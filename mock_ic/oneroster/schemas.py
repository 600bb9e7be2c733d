"""What the project's own openapi/ files say about each kind's fields (read once, cached).

The query layer uses it to know which fields may be filtered, sorted and selected, and how to
compare them (OR-FILTER, OR-SORT, OR-FIELDS): one source of truth, the contract itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

from mock_ic.resources import openapi_document

SPEC_FILES = {
    "rostering": "oneroster-v1p2-rostering.yaml",
    "gradebook": "oneroster-v1p2-gradebook.yaml",
    "v1p1": "oneroster-v1p1.yaml",
}

# kind -> (spec, output schema component)
KIND_SCHEMAS = {
    "orgs": ("rostering", "OrgDType"),
    "academicSessions": ("rostering", "AcademicSessionDType"),
    "courses": ("rostering", "CourseDType"),
    "classes": ("rostering", "ClassDType"),
    "users": ("rostering", "UserDType"),
    "enrollments": ("rostering", "EnrollmentDType"),
    "demographics": ("rostering", "DemographicsDType"),
    "categories": ("gradebook", "CategoryDType"),
    "lineItems": ("gradebook", "LineItemDType"),
    "results": ("gradebook", "ResultDType"),
    "scoreScales": ("gradebook", "ScoreScaleDType"),
    "assessmentLineItems": ("gradebook", "AssessmentLineItemDType"),  # 1.2 only (IC-LI-1P1-ONLY)
    "assessmentResults": ("gradebook", "AssessmentResultDType"),
}


def _openapi_format_checker() -> FormatChecker:
    """jsonschema's Draft 4 format checker plus the OpenAPI 3.0 formats Draft 4 lacks (IC-LENIENT-IN).

    OpenAPI 3.0 schemas are Draft-4 based, and jsonschema registers ``date`` for Draft 3 and Draft 7
    onward only: ``Draft4Validator.FORMAT_CHECKER`` passes any string as a ``format: date``. (``date-time``
    is checked there because rfc3339-validator, a dependency of ours, is installed.)
    """
    checker = FormatChecker(())
    checker.checkers = dict(Draft4Validator.FORMAT_CHECKER.checkers)

    @checker.checks("date", raises=ValueError)
    def is_date(instance: object) -> bool:  # RFC 3339 full-date, as OpenAPI 3.0 defines format: date
        if not isinstance(instance, str):
            return True
        return bool(_FULL_DATE.fullmatch(instance)) and bool(date.fromisoformat(instance))

    return checker


_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FORMAT_CHECKER = _openapi_format_checker()
# What a value of each checked string format looks like, for error messages.
FORMAT_EXAMPLES = {"date": "YYYY-MM-DD, e.g. 2026-01-15",
                   "date-time": "YYYY-MM-DDTHH:MM:SSZ (RFC 3339), e.g. 2026-01-15T10:30:00Z"}


class Shape(Enum):
    STRING = "string"
    NUMBER = "number"
    DATE = "date"  # date or date-time: compared as ISO-8601 strings
    REF = "ref"  # a GUIDRef object
    REF_LIST = "ref_list"  # an array of GUIDRefs
    STRING_LIST = "string_list"
    OBJECT = "object"  # metadata and other open objects
    OBJECT_LIST = "object_list"  # e.g. roles, userIds


@dataclass(frozen=True)
class Property:
    name: str
    shape: Shape


@cache
def spec(name: str) -> dict[str, Any]:
    """The spec parsed (a fresh object: the caller may change it)."""
    return openapi_document(SPEC_FILES[name])


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _shape(doc: dict[str, Any], raw: dict[str, Any]) -> Shape:
    ref = raw.get("$ref", "")
    node = _resolve(doc, raw)
    if ref.endswith("GUIDRefDType"):
        return Shape.REF
    if node.get("type") == "array":
        items_ref = node.get("items", {}).get("$ref", "")
        if items_ref.endswith("GUIDRefDType"):
            return Shape.REF_LIST
        items = _resolve(doc, node.get("items", {}))
        return Shape.STRING_LIST if items.get("type") == "string" else Shape.OBJECT_LIST
    if node.get("type") == "object":
        return Shape.OBJECT
    if node.get("type") == "number" or node.get("type") == "integer":
        return Shape.NUMBER
    if node.get("format") in {"date", "date-time"}:
        return Shape.DATE
    return Shape.STRING


@cache
def output_validator(kind: str, version: str = "1.2") -> Draft4Validator:
    """A validator of a kind's strict (response) schema, for IC-LENIENT-IN's ``strict_input`` mode."""
    spec_name, component = KIND_SCHEMAS[kind]
    doc = spec("v1p1" if version == "1.1" else spec_name)
    return Draft4Validator({**doc, "$ref": f"#/components/schemas/{component}"}, format_checker=FORMAT_CHECKER)


@cache
def properties(kind: str, version: str = "1.2") -> dict[str, Property]:
    """The output schema's top-level properties of a kind, in schema order."""
    spec_name, component = KIND_SCHEMAS[kind]
    doc = spec("v1p1" if version == "1.1" else spec_name)
    schema = doc["components"]["schemas"][component]
    return {name: Property(name, _shape(doc, raw)) for name, raw in schema["properties"].items()}
