"""Where mock-ic answers otherwise than 1EdTech's own 1.2 gradebook file says, on the assessment operations.

schemathesis, run over that file (tests/data/oneroster-v1p2-gradebook-assessments/, vendored) and pointed at
the mock, judges the mock by 1EdTech's schemas, not by openapi/. Infinite Campus departs from them on purpose
in a few places; each is a :class:`Deviation` here, and docs/contract.md ("1EdTech's own gradebook file") says
why, by the same names. tests/schemathesis_official.toml loads this module as its hooks:

- the checks :func:`positive_data_acceptance_or_ic_deviation` and
  :func:`response_schema_conformance_or_ic_deviation` stand in for schemathesis's ``positive_data_acceptance``
  and ``response_schema_conformance`` (the run excludes those): each runs the original, and forgives a failure
  only when a documented deviation explains it, exactly (the check, the method, the status, the code, the
  value that differs). Every other failure, and every failure of every other check, stays a failure;
- each forgiven failure is appended, one JSON line, to the file named by ``MOCK_IC_OFFICIAL_DEVIATIONS`` (when
  set), so tests/test_official_gradebook.py can say which deviations the run met.

A single-check wrapper is needed because schemathesis reports one failure per check, operation and status:
a documented 400 would hide an undocumented 400 of the same operation.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from schemathesis.openapi.checks import JsonSchemaError, RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance, response_schema_conformance

LOG_ENV = "MOCK_IC_OFFICIAL_DEVIATIONS"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_QUERY_CODES = frozenset({"invalid_filter_field", "invalid_sort_field", "invalid_selection_field"})
_EMPTY_REFERENCE = re.compile(r"'' should be non-empty - '(\w+)\.(\w+)\.sourcedId'")


@dataclass(frozen=True)
class Deviation:
    name: str  # as docs/contract.md names it
    check: str  # the schemathesis check whose failure it explains
    summary: str
    explains: Callable[[Any, Any, Any], bool]  # (case, response, failure) -> is this failure the deviation?


def _code_minor(response: Any) -> str | None:
    try:
        body = response.json()
        return body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _description(response: Any) -> str:
    try:
        return str(response.json().get("imsx_description", ""))
    except (ValueError, AttributeError):
        return ""


def _rejected(failure: Any, response: Any, status: int) -> bool:
    return isinstance(failure, RejectedPositiveData) and response.status_code == status


def _checked_query(case: Any, response: Any, failure: Any) -> bool:
    return case.method.upper() == "GET" and _rejected(failure, response, 400) and _code_minor(response) in _QUERY_CODES


def _path_control_character(case: Any, response: Any, failure: Any) -> bool:
    return _rejected(failure, response, 400) and any(
        isinstance(value, str) and _CONTROL.search(value) for value in (case.path_parameters or {}).values())


def _empty_reference(case: Any, response: Any, failure: Any) -> bool:
    match = _EMPTY_REFERENCE.search(_description(response))
    if case.method.upper() != "PUT" or not _rejected(failure, response, 400) or match is None:
        return False
    wrapper, reference = match.groups()
    sent = (case.body or {}).get(wrapper) if isinstance(case.body, dict) else None
    return isinstance(sent, dict) and isinstance(sent.get(reference), dict) and sent[reference].get("sourcedId") == ""


def _ic_rule(case: Any, response: Any, failure: Any) -> bool:
    return case.method.upper() == "PUT" and _rejected(failure, response, 422) and _code_minor(response) == "invaliddata"


def _sort_code(case: Any, response: Any, failure: Any) -> bool:
    return (isinstance(failure, JsonSchemaError) and response.status_code == 400
            and failure.instance == "invalid_sort_field"
            and list(failure.instance_path)[-1:] == ["imsx_codeMinorFieldValue"])


def _fields_selection(case: Any, response: Any, failure: Any) -> bool:
    fields = (case.query or {}).get("fields")
    return (isinstance(failure, JsonSchemaError) and response.status_code == 200 and isinstance(fields, str)
            and bool(fields.strip(" ,")) and list(failure.schema_path)[-1:] == ["required"])


DEVIATIONS = (
    Deviation("checked-query-values", "positive_data_acceptance",
              "a filter, sort or fields value naming no field of the collection, or a malformed filter: 400 "
              "invalid_filter_field / invalid_sort_field / invalid_selection_field (OR-FILTER, OR-SORT, OR-FIELDS)",
              _checked_query),
    Deviation("path-control-character", "positive_data_acceptance",
              "a sourcedId in the path with a control character: 400 from the path guard", _path_control_character),
    Deviation("empty-reference", "positive_data_acceptance",
              "a reference whose sourcedId is '': 400 (IC-LENIENT-IN needs a non-empty sourcedId)", _empty_reference),
    Deviation("ic-rules-422", "positive_data_acceptance",
              "a schema-valid PUT that breaks an IC rule (IC-ASSESS-1P2, IC-LI-CLASS, a body sourcedId other than "
              "the path's, ...): 422 invaliddata", _ic_rule),
    Deviation("invalid-sort-field-code", "response_schema_conformance",
              "the codeMinor of an unknown sort field is invalid_sort_field, which 1EdTech's 1.2 enum lacks",
              _sort_code),
    Deviation("fields-selection", "response_schema_conformance",
              "a fields= selection answers only the fields selected, without the ones the schema requires (OR-FIELDS)",
              _fields_selection),
)


def _judged(check: str, run: Callable[[Any, Any, Any], bool | None], ctx: Any, response: Any,
            case: Any) -> bool | None:
    """``run``'s verdict, with the failures a documented deviation explains forgiven (and logged)."""
    try:
        return run(ctx, response, case)
    except (AssertionError, BaseExceptionGroup) as raised:
        failures = list(raised.exceptions) if isinstance(raised, BaseExceptionGroup) else [raised]
        found = [next((d for d in DEVIATIONS if d.check == check and d.explains(case, response, f)), None)
                 for f in failures]
        if any(deviation is None for deviation in found):
            raise
        _log(case, response, [d.name for d in found if d is not None])
        return None


def _log(case: Any, response: Any, names: list[str]) -> None:
    path = os.environ.get(LOG_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as log:
            for name in names:
                log.write(json.dumps({"deviation": name, "operation": case.operation.label,
                                      "status": response.status_code}) + "\n")


@schemathesis.check
def positive_data_acceptance_or_ic_deviation(ctx: Any, response: Any, case: Any) -> bool | None:
    return _judged("positive_data_acceptance", positive_data_acceptance, ctx, response, case)


@schemathesis.check
def response_schema_conformance_or_ic_deviation(ctx: Any, response: Any, case: Any) -> bool | None:
    return _judged("response_schema_conformance", response_schema_conformance, ctx, response, case)
