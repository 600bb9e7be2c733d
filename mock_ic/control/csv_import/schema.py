"""The last check: every document against the strict 1.2 output schema of its kind (openapi/).

Hrefs are server-relative in the store (docs/data-model.md), so the ``uri`` format is not checked,
as in tests/test_seed.py. A failure is reported on the CSV line the document came from.

A district has a million results: jsonschema (pure Python) takes ~150 us a document, jsonschema-rs ~3 us.
A document the Rust validator accepts is valid; anything else (and any schema it cannot compile) goes to
jsonschema, which decides and words the problem. It checks jsonschema's formats with jsonschema's own
checkers, so it can only be stricter (tests/test_csv_import_streaming.py holds it to that), as the request
validators' fast path does (mock_ic/api/validation.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from typing import Any

import jsonschema
import jsonschema_rs
import referencing
from referencing.jsonschema import DRAFT202012

from mock_ic.control.csv_import.bundle import Table
from mock_ic.control.csv_import.cells import Doc
from mock_ic.control.csv_import.problems import Problem
from mock_ic.oneroster.schemas import KIND_SCHEMAS, SPEC_FILES, spec

_FORMATS = jsonschema.FormatChecker(
    [name for name in jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers if name != "uri"])
_LOCAL = "#/components/schemas/"


@cache
def validator(kind: str) -> jsonschema.Draft202012Validator:
    service, component = KIND_SCHEMAS[kind]
    document = spec(service)
    uri = f"urn:mock-ic:{SPEC_FILES[service]}"
    registry: referencing.Registry = referencing.Registry().with_resource(
        uri, DRAFT202012.create_resource(document))
    # Inlined references validate about twice as fast as looked-up ones, and every document is checked.
    schema = _inline(document, {"$ref": _LOCAL + component}, uri, ())
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=_FORMATS)


def _inline(document: dict[str, Any], node: Any, uri: str, inside: tuple[str, ...]) -> Any:
    """``node`` with its local $refs replaced by their schemas; a recursive one stays a (registry) $ref."""
    if isinstance(node, list):
        return [_inline(document, item, uri, inside) for item in node]
    if not isinstance(node, dict):
        return node
    target = node.get("$ref")
    if not (isinstance(target, str) and target.startswith(_LOCAL)):
        return {key: _inline(document, value, uri, inside) for key, value in node.items()}
    name = target[len(_LOCAL):]
    resolved = ({"$ref": uri + target} if name in inside
                else _inline(document, document["components"]["schemas"][name], uri, (*inside, name)))
    siblings = {key: _inline(document, value, uri, inside) for key, value in node.items() if key != "$ref"}
    return {"allOf": [resolved], **siblings} if siblings else resolved  # 2020-12: $ref applies beside its siblings


def problems(kind: str, doc: Doc, table: Table, line: int) -> list[Problem]:
    accepts = fast_accepts(kind)
    if accepts is not None and accepts(doc):
        return []
    return [Problem(table.spec.file, line, _column(table, list(error.absolute_path)),
                    f"the {kind} document is not valid OneRoster 1.2 at "
                    f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}")
            for error in validator(kind).iter_errors(doc)]


@cache
def fast_accepts(kind: str) -> Callable[[Any], bool] | None:
    """jsonschema-rs over the schema of ``validator(kind)``: True means valid; None when it cannot compile it."""
    service, _ = KIND_SCHEMAS[kind]
    formats = {name: partial(_conforms, name) for name in _FORMATS.checkers} | {"uri": _anything}
    try:
        registry = jsonschema_rs.Registry([(f"urn:mock-ic:{SPEC_FILES[service]}", spec(service))])
        return jsonschema_rs.Draft202012Validator(validator(kind).schema, formats=formats, validate_formats=True,
                                                  registry=registry).is_valid
    except Exception:  # a construct it cannot compile: jsonschema alone
        return None


def _conforms(name: str, value: Any) -> bool:
    return _FORMATS.conforms(value, name)


def _anything(_: Any) -> bool:
    return True


def _column(table: Table, path: list[object]) -> str | None:
    """The CSV column a document field comes from: the field itself, or its ...SourcedId(s) column."""
    if not path:
        return None
    field = str(path[0])
    for candidate in (field, f"{field}SourcedId", f"{field.removesuffix('s')}SourcedIds"):
        if candidate in table.header:
            return candidate
    return None
