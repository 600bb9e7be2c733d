"""schemathesis extensions of the contract test, loaded by tests/schemathesis.toml (docs/contract.md).

Request bodies of type application/zip (the admin API's CSV import) are drawn from the OneRoster CSV
bundles of fixtures/csv, one of them broken, and from bytes that are no zip at all: schemathesis has no
generator of its own for that media type.

One check stands in for schemathesis's ``response_schema_conformance``: an answer to a ``fields=``
selection (OR-FIELDS) holds only the selected fields, so for a 200 to such a request the response schema
applies without its ``required`` lists; types, enums, formats and ``additionalProperties: false`` still
hold. Every other response goes through schemathesis's own check, unchanged. The server's own response
validation makes the same exception (``SelectionAwareResponseValidator`` in mock_ic/api/validation.py),
and the ``fields`` parameters of openapi/ say so.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import strategies as st
from jsonschema import Draft4Validator
from schemathesis.specs.openapi.checks import response_schema_conformance

from mock_ic.oneroster.query import split_fields
from mock_ic.resources import fixtures_dir

_BUNDLES = [path.read_bytes() for path in sorted((fixtures_dir() / "csv").glob("*.zip"))]
_BROKEN = [bundle[: len(bundle) // 2] for bundle in _BUNDLES]
schemathesis.openapi.media_type("application/zip", st.one_of(st.sampled_from([*_BUNDLES, *_BROKEN]),
                                                             st.binary(min_size=1, max_size=64)))


@schemathesis.check
def response_schema_conformance_with_selection(ctx: Any, response: Any, case: Any) -> bool | None:
    """response_schema_conformance, where the objects of a ``fields=`` selection need not be complete."""
    fields = (case.query or {}).get("fields")
    if response.status_code != 200 or not isinstance(fields, str) or not split_fields(fields):
        return response_schema_conformance(ctx, response, case)
    validator = _selection_validator(case.operation.schema.raw_schema, case.operation.definition.raw)
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
              for e in validator.iter_errors(response.json())]
    if errors:
        raise AssertionError(f"The answer to fields={fields!r} violates the response schema (its required "
                             "lists aside): " + "; ".join(errors[:5]))
    return None


def _success_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    response = operation["responses"]["200"]
    while "$ref" in response:
        response = _pointer(document, response["$ref"])
    return response["content"]["application/json"]["schema"]


def _pointer(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


_VALIDATORS: dict[tuple[int, int], tuple[Any, Any, Draft4Validator]] = {}


def _selection_validator(document: dict[str, Any], operation: dict[str, Any]) -> Draft4Validator:
    """The 200 schema with every ``required`` list dropped, its references resolved in the same document."""
    key = (id(document), id(operation))
    hit = _VALIDATORS.get(key)
    if hit is None or hit[0] is not document or hit[1] is not operation:  # the entry keeps both alive
        schema = _without_required({**document, **_success_schema(document, operation)})
        hit = _VALIDATORS[key] = (document, operation,
                                  Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER))
    return hit[2]


def _without_required(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_required(v) for k, v in node.items() if not (k == "required" and isinstance(v, list))}
    if isinstance(node, list):
        return [_without_required(v) for v in node]
    return node
