"""What the contract suite checks on each answer, and how a failure is named in the catalogue's terms.

Every check schemathesis has (its defaults, the stateful ones, ``--checks all``) runs on every answer,
with one change: for a 200 to a ``fields=`` selection (OR-FIELDS) the objects hold only the fields
asked for, so the response schema applies without its ``required`` lists there (types, enums, formats
and ``additionalProperties: false`` still hold); every other answer goes through schemathesis's own
``response_schema_conformance`` unchanged.

A failure is an :class:`AssertionError` that starts with the behaviour IDs it breaks (a 5xx or an
undeclared status is OR-ERRORS, a body or content type the schema refuses OR-ENVELOPE, a missing or
malformed ``X-Total-Count``/``Link`` OR-PAGING, ...), then says what schemathesis found, the request
(method, URL, body trimmed) and a curl line with ``$TOKEN``/``$VENDOR`` in place of the credentials.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from jsonschema import Draft4Validator
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from conformance.plugin import BEHAVIOUR_ID
from conformance.suites.contract_spec import is_gradebook_path
from conformance.transcript import Call, curl

BODY_SHOWN = 300  # characters of a request or response body quoted in a failure
# schemathesis check -> the catalogue behaviours an answer that fails it breaks
CHECK_BEHAVIOURS: dict[str, tuple[str, ...]] = {
    "not_a_server_error": ("OR-ERRORS",),
    "status_code_conformance": ("OR-ERRORS",),
    "negative_data_rejection": ("OR-ERRORS",),
    "unsupported_method": ("OR-ERRORS",),
    "allow_header_conformance": ("OR-ERRORS",),
    "missing_required_header": ("OR-ERRORS",),
    "max_response_time": ("OR-ERRORS",),
    "content_type_conformance": ("OR-ENVELOPE",),
    "response_schema_conformance": ("OR-ENVELOPE",),
    "response_headers_conformance": ("OR-PAGING",),
    "ignored_auth": ("IC-AUTH-BEARER",),
    "object_level_authorization": ("IC-AUTH-BEARER",),
}
# Stateful checks, by the collection the chain wrote: created then not found; deleted then still found.
CREATED = {"lineItems": "IC-LI-UPSERT", "results": "IC-RES-UPSERT"}
DELETED = {"lineItems": "IC-LI-DELETE"}


class ContractFailure(AssertionError):
    """An answer that breaks the target's own OpenAPI contract, named by the behaviours it breaks."""


def validate(case: Any, response: Any, *, recorder: Any = None) -> None:
    """Run every check on one answer; a :class:`ContractFailure` naming what it breaks, if any."""
    try:
        case.validate_response(response, excluded_checks=[response_schema_conformance],
                               additional_checks=[response_schema_conformance_with_selection], recorder=recorder)
    except FailureGroup as group:
        raise ContractFailure(describe(case, response, group.exceptions)) from None
    except Failure as failure:
        raise ContractFailure(describe(case, response, [failure])) from None


def describe(case: Any, response: Any, failures: Sequence[BaseException]) -> str:
    request = response.request
    body = _text(getattr(request, "body", None))
    lines = []
    for failure in failures:
        ids = behaviours(case, failure)
        checks = ", ".join(_checks(failure) or ("custom check",))
        title = getattr(failure, "title", type(failure).__name__)
        lines.append(f"{', '.join(ids)}: {title} [{checks}] on {request.method} {case.operation.path}")
        message = getattr(failure, "message", str(failure)).strip()
        if message:
            lines += ["    " + line for line in _trim(message, 1200).splitlines()]
    lines.append(f"Request: {request.method} {request.url}" + (f" body {_trim(body, BODY_SHOWN)}" if body else ""))
    lines.append(f"Answer: HTTP {response.status_code} {_trim(_text(response.content), BODY_SHOWN)}")
    lines.append("Reproduce: " + curl(Call(request.method, request.url, _json(body))))
    return "\n".join(lines)


def behaviours(case: Any, failure: BaseException) -> list[str]:
    """The catalogue IDs a failure is reported under."""
    checks = _checks(failure)
    found: list[str] = []
    kind = next((s for s in case.operation.path.split("/") if s), "")
    for check in checks:
        if check == "ensure_resource_availability":
            found.append(CREATED.get(kind, "OR-ERRORS"))
        elif check == "use_after_free":
            found.append(DELETED.get(kind, "OR-ERRORS"))
        elif check == "positive_data_acceptance":
            found.append("IC-LENIENT-IN" if case.operation.method.upper() in ("PUT", "POST") else "OR-ERRORS")
        else:
            found += CHECK_BEHAVIOURS.get(check, ())
    if "ignored_auth" in checks and is_gradebook_path(case.operation.path):
        found.append("IC-VENDOR-HEADER")
    if _selected(case) and ("response_schema_conformance" in checks or not checks):
        found.append("OR-FIELDS")
    if not checks:  # a check of the kit's own says what it breaks
        found = BEHAVIOUR_ID.findall(str(getattr(failure, "message", failure))) + found
    if not found:
        found.append("OR-ENVELOPE" if "schema" in str(getattr(failure, "title", "")).lower() else "OR-ERRORS")
    return list(dict.fromkeys(found))


def _checks(failure: BaseException) -> tuple[str, ...]:
    """The schemathesis checks a failure comes from (one failure class serves both the body's and the
    headers' schema checks: its title says which)."""
    checks = tuple(getattr(failure, "checks", ()))
    if len(checks) > 1:
        header = "header" in str(getattr(failure, "title", "")).lower()
        checks = tuple(c for c in checks if ("header" in c) == header) or checks
    return checks


def response_schema_conformance_with_selection(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis's response_schema_conformance, where a ``fields=`` selection's objects may be partial."""
    if response.status_code != 200 or not _selected(case):
        return response_schema_conformance(ctx, response, case)
    try:
        answer = response.json()
    except ValueError:
        return response_schema_conformance(ctx, response, case)  # says what is wrong with the body
    validator = _selection_validator(case.operation.schema.raw_schema, case.operation.definition.raw)
    if validator is None:
        return None
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in validator.iter_errors(answer)]
    if errors:
        fields = case.query.get("fields")
        raise AssertionError(f"OR-ENVELOPE, OR-FIELDS: the answer to fields={fields!r} breaks the response schema "
                             "(its required lists aside): " + "; ".join(errors[:5]))
    return None


def _selected(case: Any) -> bool:
    fields = (case.query or {}).get("fields")
    return isinstance(fields, str) and any(f.strip() for f in fields.split(","))


_VALIDATORS: dict[tuple[int, int], tuple[Any, Any, Draft4Validator | None]] = {}


def _selection_validator(document: dict[str, Any], operation: dict[str, Any]) -> Draft4Validator | None:
    """The 200 schema with every ``required`` list dropped, its references resolved in the same document."""
    key = (id(document), id(operation))
    hit = _VALIDATORS.get(key)
    if hit is None or hit[0] is not document or hit[1] is not operation:  # the entry keeps both alive
        schema = _success_schema(document, operation)
        validator = None if schema is None else Draft4Validator(
            _openapi_to_json_schema({**document, **schema}), format_checker=Draft4Validator.FORMAT_CHECKER)
        hit = _VALIDATORS[key] = (document, operation, validator)
    return hit[2]


def _success_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    response = operation.get("responses", {}).get("200")
    while isinstance(response, dict) and "$ref" in response:
        response = _pointer(document, response["$ref"])
    content = (response or {}).get("content", {})
    return next((c["schema"] for media, c in content.items() if "json" in media and "schema" in c), None)


def _pointer(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _openapi_to_json_schema(node: Any) -> Any:
    """No ``required`` lists; OpenAPI 3.0's ``nullable: true`` as JSON Schema's ``"null"`` type."""
    if isinstance(node, list):
        return [_openapi_to_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _openapi_to_json_schema(v) for k, v in node.items() if not (k == "required" and isinstance(v, list))}
    if out.pop("nullable", False) is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def _text(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return str(body)


def _json(text: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


