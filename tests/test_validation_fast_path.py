"""The request validators' fast path (jsonschema-rs) may only be stricter than jsonschema, never laxer.

``api/validation.fast_accepts`` lets a body or a parameter through without asking jsonschema when the
Rust validator accepts it. If it ever accepted what jsonschema refuses, a bad request would reach the
handlers. Every request body and parameter schema of every spec is tried here with values near its
shape (right and wrong types, enum members and strangers, good and bad dates, missing and extra
members) and with arbitrary JSON: whatever the fast path accepts, jsonschema must accept too.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
import yaml
from connexion.json_schema import Draft4RequestValidator, resolve_refs
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from mock_ic.api.validation import fast_accepts
from mock_ic.resources import openapi_dir

_SPECS = ("oneroster-v1p2-rostering.yaml", "oneroster-v1p2-gradebook.yaml", "oneroster-v1p1.yaml",
          "ic-oauth.yaml", "mock-admin.yaml")
_DATES = ("2026-08-20T12:00:00Z", "2026-08-20T12:00:00.123+02:00", "2026-08-20", "2026-13-40T25:00:00Z",
          "20260820", "", "x")
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)


@cache
def _schemas() -> list[tuple[str, str, dict[str, Any]]]:
    """(where, "body" | "parameter", resolved schema) of every distinct request body and parameter
    schema (the first place each is used)."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    seen: set[str] = set()

    def add(where: str, kind: str, schema: dict[str, Any]) -> None:
        key = kind + json.dumps(schema, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            found.append((where, kind, schema))

    for name in _SPECS:
        with open(openapi_dir() / name, encoding="utf-8") as fh:
            spec = resolve_refs(yaml.safe_load(fh))
        for path, item in spec["paths"].items():
            shared = item.get("parameters", [])
            for method, operation in item.items():
                if not isinstance(operation, dict) or method == "parameters":
                    continue
                where = f"{name} {method.upper()} {path}"
                for param in [*shared, *operation.get("parameters", [])]:
                    add(f"{where} {param['name']}", "parameter", param.get("schema", param))
                content = operation.get("requestBody", {}).get("content", {})
                for media_type, body in content.items():
                    if "json" in media_type and "schema" in body:
                        add(f"{where} body", "body", body["schema"])
    return found


def _near(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values near the schema's shape, wrong ones included."""
    options: list[st.SearchStrategy[Any]] = [_JSON]
    kind = schema.get("type")
    if "enum" in schema:
        options.append(st.sampled_from(schema["enum"]))
    if kind == "string" or "format" in schema:
        options += [st.sampled_from(_DATES), st.text(max_size=12)]
    if kind in ("number", "integer"):
        options += [st.integers(-5, 200), st.floats(-5, 200, allow_nan=False), st.sampled_from([0, 1.0, 2**64])]
    if kind == "array" and depth < 4:
        options.append(st.lists(_near(schema.get("items", {}), depth + 1), max_size=3))
    if (kind == "object" or "properties" in schema) and depth < 4:
        members = {key: _near(value, depth + 1) for key, value in schema.get("properties", {}).items()}
        if members:
            options.append(st.fixed_dictionaries({}, optional=members))
    for key in ("oneOf", "anyOf", "allOf"):
        options += [_near(part, depth + 1) for part in schema.get(key, [])]
    return st.one_of(options)


def _python_accepts(kind: str, schema: dict[str, Any], value: Any) -> bool:
    validator = Draft4RequestValidator if kind == "body" else Draft4Validator
    return validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).is_valid(value)


def test_every_request_schema_is_collected() -> None:
    kinds = {kind for _, kind, _ in _schemas()}
    assert kinds == {"body", "parameter"} and len(_schemas()) > 30


@pytest.mark.parametrize("index", range(len(_schemas())), ids=[where for where, _, _ in _schemas()])
@given(data=st.data())
def test_the_fast_path_never_accepts_what_jsonschema_refuses(index: int, data: st.DataObject) -> None:
    where, kind, schema = _schemas()[index]
    value = data.draw(_near(schema))
    if fast_accepts(schema, value):
        assert _python_accepts(kind, schema, value), f"{where}: the fast path let {value!r} through"


def test_the_fast_path_takes_a_real_result_body() -> None:
    """It is a fast path only if it accepts the bodies clients send (else every request pays twice)."""
    body_schema = next(s for where, kind, s in _schemas()
                       if where == "oneroster-v1p2-gradebook.yaml PUT /results/{sourcedId} body")
    body = {"result": {"lineItem": {"sourcedId": "li-1"}, "student": {"sourcedId": "s-1"}, "status": "active",
                       "scoreStatus": "fully graded", "score": 88.5, "scoreDate": "2026-08-20T12:00:00Z"}}
    assert fast_accepts(body_schema, body)
    assert not fast_accepts(body_schema, {"result": {**body["result"], "status": "archived"}})
