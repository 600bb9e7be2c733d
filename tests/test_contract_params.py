"""The OneRoster list parameters in openapi/ say exactly what the server accepts (issue 10, "an exact contract").

What a collection admits in ``sort`` (OR-SORT), ``fields`` (OR-FIELDS) and ``filter`` (OR-FILTER) is one fact,
kept in mock_ic/oneroster/query.py (``sortable_fields``, ``selectable_fields``, ``filterable_fields``,
``numeric_filter_fields``, all derived from the response schemas). The specs repeat it as per-collection
parameters (``sortUsers``, ``fieldsUsers``, ``filterUsers``, ...) inside a generated block of
``components/parameters``; this module writes that block and keeps it equal to the server's lists:

    .venv/bin/python -m tests.test_contract_params --write    # after a field changes

The patterns may be narrower than the query layer (the server as a whole enforces them: connexion refuses
what they do not admit), never wider: the property tests below draw values from each pattern and require
the query layer to accept them. docs/contract.md explains each pattern.
"""

from __future__ import annotations

import functools
import re
import sys
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_ic.errors import OneRosterError
from mock_ic.oneroster import filters, query
from mock_ic.oneroster.endpoints import GRADEBOOK_READS, ROSTERING, Endpoint
from mock_ic.resources import openapi_dir

# spec file -> (OneRoster version, operationId -> endpoint)
SPECS: dict[str, tuple[str, dict[str, Endpoint]]] = {
    "oneroster-v1p2-rostering.yaml": ("1.2", ROSTERING),
    "oneroster-v1p2-gradebook.yaml": ("1.2", GRADEBOOK_READS),
    "oneroster-v1p1.yaml": ("1.1", {**ROSTERING, **GRADEBOOK_READS,
                                    "getLineItemsForClassLowercase": GRADEBOOK_READS["getLineItemsForClass"]}),
}
BEGIN = "    # BEGIN generated from mock_ic/oneroster/query.py"
END = "    # END generated"

# `$` also matches before a final newline in Python's re (connexion and schemathesis both use it), so
# every pattern ends with "no character follows" instead.
END_OF_TEXT = r"(?![\s\S])"
# What a path parameter (a sourcedId, an appName) can carry: the path guard refuses control characters
# (mock_ic/edge/context.py) and a '/' would end the path segment.
PATH_ID = rf"^[^\x00-\x1f\x7f/]+{END_OF_TEXT}"
_WS = r"[ \t\r\n]"  # the whitespace of the filter grammar (mock_ic/oneroster/filters.py)
_OPERATORS = "(?:=|!=|>=?|<=?|~)"
_NUMERIC_OPERATORS = "(?:=|!=|>=?|<=?)"
_VALUE = "'(?:[^']|'')*'"  # a quote inside a value is doubled
# A plain decimal: every value of this form is a finite number for the server.
_NUMBER = r"'[-+]?[0-9]{1,30}(?:\.[0-9]{1,30})?'"
_METADATA = r"metadata(?:\.[A-Za-z0-9_]+)+"


def _title(kind: str) -> str:
    return kind[0].upper() + kind[1:]


def _one_of(names: list[str] | tuple[str, ...]) -> str:
    return "(?:" + "|".join(name.replace(".", r"\.") for name in names) + ")"


def fields_pattern(kind: str, version: str) -> str:
    names = _one_of(query.selectable_fields(kind, version))
    return rf"^ *(?:{names}(?: *, *{names})*)? *{END_OF_TEXT}"


def filter_pattern(kind: str, version: str) -> str:
    numeric = query.numeric_filter_fields(kind, version)
    others = [f for f in query.filterable_fields(kind, version) if f not in numeric]
    predicate = f"{_one_of(others)[:-1]}|{_METADATA}){_WS}*{_OPERATORS}{_WS}*{_VALUE}"
    if numeric:
        predicate = f"(?:{predicate}|{_one_of(numeric)}{_WS}*{_NUMERIC_OPERATORS}{_WS}*{_NUMBER})"
    more = filters.MAX_PREDICATES - 1
    return rf"^(?:{_WS}*{predicate}(?:{_WS}+(?:AND|OR){_WS}+{predicate}){{0,{more}}}{_WS}*)?{END_OF_TEXT}"


def _listing(names: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def collection_parameters(kind: str, version: str, *, listed: bool) -> dict[str, dict[str, Any]]:
    """The generated parameters of one collection: 1.2 sort, fields, filter; 1.1 filter (1.1 sort and fields
    take any string: an unknown field is a 200 with a warning there)."""
    extension = {"x-oneroster-kind": kind, "x-oneroster-version": version}
    out: dict[str, dict[str, Any]] = {}
    if version == "1.2" and listed:
        out[f"sort{_title(kind)}"] = {
            "name": "sort", "in": "query", "required": False,
            "description": "Field to sort by (OR-SORT); ties are broken by sourcedId. Empty: not sorted. Another "
                           "field → 400 invalid_sort_field.",
            **extension,
            "schema": {"type": "string", "enum": ["", *query.sortable_fields(kind, version)]},
        }
    if version == "1.2":
        out[f"fields{_title(kind)}"] = {
            "name": "fields", "in": "query", "required": False,
            "description": "Comma-separated fields to return (OR-FIELDS), e.g. `fields=sourcedId,status`, "
                           "spaces allowed around the commas; one or more of "
                           f"{_listing(query.selectable_fields(kind, version))}. Another field → 400 "
                           "invalid_selection_field. Deviation from 1EdTech, which declares an array: a string, "
                           "because real clients send `fields=a,b`.",
            **extension,
            "schema": {"type": "string", "pattern": fields_pattern(kind, version)},
        }
    if listed:
        numeric = query.numeric_filter_fields(kind, version)
        text = ("Filter expression (OR-FILTER): `<field><op>'<value>'` with op one of `=` `!=` `>` `>=` `<` `<=` "
                "`~` (contains, case-insensitive), predicates joined by ` AND ` or ` OR ` (AND binds tighter, at "
                f"most {filters.MAX_PREDICATES} predicates), a quote inside a value doubled, e.g. "
                "`status='active' AND dateLastModified>'2026-01-01'`. Fields: "
                f"{_listing([f for f in query.filterable_fields(kind, version) if f not in numeric])} and "
                "`metadata.<path>`.")
        if numeric:
            text += (f" Numeric fields, compared as numbers, take a plain decimal value and no `~`: "
                     f"{_listing(numeric)}.")
        out[f"filter{_title(kind)}"] = {
            "name": "filter", "in": "query", "required": False,
            "description": text + " Another field or a malformed expression → 400 invalid_filter_field.",
            **extension,
            "schema": {"type": "string", "pattern": filter_pattern(kind, version)},
        }
    return out


def served_kinds(spec: str) -> dict[str, bool]:
    """The kinds one spec file's operations read, each with whether one of them lists it (a collection)."""
    _, endpoints = SPECS[spec]
    document = _load(spec)
    used = {op.get("operationId") for item in document["paths"].values() for op in item.values()
            if isinstance(op, dict)}
    kinds: dict[str, bool] = {}
    for operation_id, endpoint in endpoints.items():
        if operation_id in used:
            kinds[endpoint.kind] = kinds.get(endpoint.kind, False) or not endpoint.single
    return kinds


def spec_parameters(spec: str) -> dict[str, dict[str, Any]]:
    """Every generated parameter of one spec file, collections in alphabetical order."""
    version, _ = SPECS[spec]
    kinds = served_kinds(spec)
    out: dict[str, dict[str, Any]] = {}
    for kind in sorted(kinds):
        out |= collection_parameters(kind, version, listed=kinds[kind])
    return out


def expected_reference(spec: str, operation_id: str, name: str) -> str | None:
    """The component an operation's ``sort``/``fields``/``filter`` parameter must use, None for a shared one."""
    version, endpoints = SPECS[spec]
    kind = endpoints[operation_id].kind
    if version == "1.1" and name in ("sort", "fields"):
        return f"#/components/parameters/{name}"
    return f"#/components/parameters/{name}{_title(kind)}"


# --- reading and writing the specs ---------------------------------------------------------------

def _load(spec: str) -> dict[str, Any]:
    with open(openapi_dir() / spec, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", text) and text not in ("true", "false", "null", "yes", "no"):
        return text
    return "'" + text.replace("'", "''") + "'"


def render(parameters: dict[str, dict[str, Any]]) -> str:
    """The generated block as YAML text (4 spaces in, under ``components/parameters``)."""
    lines = [BEGIN + " by `python -m tests.test_contract_params --write`; do not edit."]
    for name, parameter in parameters.items():
        lines.append(f"    {name}:")
        for key, value in parameter.items():
            if key == "description":
                lines.append("      description: >-")
                lines.extend(f"        {line}" for line in _wrap(value, 100))
            elif key == "schema":
                lines.append("      schema:")
                lines.append(f"        type: {value['type']}")
                if "enum" in value:
                    lines.append("        enum:")
                    lines.extend(f"          - {_scalar(item)}" for item in value["enum"])
                if "pattern" in value:
                    lines.append("        pattern: |-")  # a block scalar: the pattern exactly as written
                    lines.append(f"          {value['pattern']}")
            else:
                lines.append(f"      {key}: {_scalar(value)}")
    lines.append(END)
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current]


def write(spec: str) -> bool:
    """Replace the generated block of one spec file; True when the file changed."""
    path = openapi_dir() / spec
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END)
    new = text[:start] + render(spec_parameters(spec)) + text[end + len(END) + 1:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


# --- the spec says what the server accepts -----------------------------------------------------------

@pytest.mark.parametrize("spec", list(SPECS))
def test_generated_parameters_equal_the_servers_lists(spec: str) -> None:
    """One fact, one place: the per-collection parameters are the query layer's lists (regenerate with --write)."""
    expected = spec_parameters(spec)
    declared = _load(spec)["components"]["parameters"]
    generated = {name: declared.get(name) for name in expected}
    stale = [n for n in declared if re.fullmatch(r"(sort|fields|filter)[A-Z]\w*", n) and n not in expected]
    assert generated == expected and not stale, (
        f"openapi/{spec} differs from mock_ic/oneroster/query.py: run `.venv/bin/python -m tests.test_contract_params "
        f"--write` (stale: {stale})")


@pytest.mark.parametrize("spec", list(SPECS))
def test_each_operation_uses_its_collections_parameters(spec: str) -> None:
    document = _load(spec)
    _, endpoints = SPECS[spec]
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or operation.get("operationId") not in endpoints:
                continue
            refs = {p["$ref"].rsplit("/", 1)[1]: p["$ref"] for p in operation.get("parameters", []) if "$ref" in p}
            for name in ("sort", "fields", "filter"):
                used = [ref for ref in refs.values() if re.fullmatch(rf".*/{name}(?:[A-Z]\w*)?", ref)]
                if used:
                    checked += 1
                    assert used == [expected_reference(spec, operation["operationId"], name)], (method, path, name)
    assert checked


@pytest.mark.parametrize("spec", list(SPECS))
def test_path_identifiers_admit_what_the_path_guard_lets_through(spec: str) -> None:
    document = _load(spec)
    for name, parameter in document["components"]["parameters"].items():
        if parameter["in"] == "path":
            assert parameter["schema"] == {"$ref": "#/components/schemas/SourcedIdInPath"}, name
    assert document["components"]["schemas"]["SourcedIdInPath"]["pattern"] == PATH_ID


def test_admin_path_parameters_admit_what_the_path_guard_lets_through() -> None:
    document = _load("mock-admin.yaml")
    parameters = [p for item in document["paths"].values() for op in [item, *item.values()] if isinstance(op, dict)
                  for p in op.get("parameters", []) if "$ref" not in p]
    parameters += list(document["components"]["parameters"].values())
    in_path = [p for p in parameters if p["in"] == "path"]
    assert in_path and all(p["schema"] == {"$ref": "#/components/schemas/PathSegment"} for p in in_path)
    assert document["components"]["schemas"]["PathSegment"]["pattern"] == PATH_ID



@pytest.mark.parametrize("spec", [*SPECS, "mock-admin.yaml", "ic-oauth.yaml"])
def test_every_operation_with_a_body_declares_413_and_415(spec: str) -> None:
    """A body over max_body_bytes is a 413 and a body of another media type a 415, on every such operation."""
    for path, item in _load(spec)["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "requestBody" in operation:
                assert {"413", "415"} <= set(map(str, operation["responses"])), (method, path)

_PATTERN_SETTINGS = settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
_KINDS = sorted({endpoint.kind for endpoint in {**ROSTERING, **GRADEBOOK_READS}.values()})
# 1.1 has no score scales or assessments (IC-LI-1P1-ONLY): its collections are the kinds its spec reads.
_COLLECTIONS = ([(kind, "1.2") for kind in _KINDS]
                + [(kind, "1.1") for kind in sorted(served_kinds("oneroster-v1p1.yaml"))])


@functools.cache
def _matching(pattern: str) -> st.SearchStrategy[str]:
    """Texts a pattern admits (one strategy per pattern: building one from a long pattern is slow)."""
    return st.from_regex(re.compile(pattern))


@_PATTERN_SETTINGS
@given(data=st.data(), collection=st.sampled_from(_COLLECTIONS))
def test_or_filter_pattern_admits_only_filters_the_server_accepts(data: st.DataObject,
                                                                  collection: tuple[str, str]) -> None:
    kind, version = collection
    text = data.draw(_matching(filter_pattern(kind, version)))
    if text:  # an empty filter is no filter
        query.filter_clause(kind, text, version)


@_PATTERN_SETTINGS
@given(data=st.data(), kind=st.sampled_from(_KINDS))
def test_or_fields_and_sort_admit_only_fields_the_server_accepts(data: st.DataObject, kind: str) -> None:
    query.selection(kind, query.split_fields(data.draw(_matching(fields_pattern(kind, "1.2")))), version="1.2")
    query.sort_expression(kind, data.draw(st.sampled_from(query.sortable_fields(kind, "1.2"))), version="1.2")
    assert query.list_params(sort="", cap=1).sort is None  # the enum's '' is no sort


@_PATTERN_SETTINGS
@given(st.from_regex(re.compile(PATH_ID)))
def test_path_identifier_pattern_admits_no_control_character(value: str) -> None:
    assert "/" not in value and not re.search(r"[\x00-\x1f\x7f]", value)


@pytest.mark.parametrize("text", ["familyName='x'", "  familyName = 'O''Brien'  ", "metadata.ic.class='1'",
                                  "familyName='x' AND givenName~'a' OR roles.role='student'", ""])
def test_or_filter_pattern_admits_filters_real_clients_send(text: str) -> None:
    assert re.search(filter_pattern("users", "1.2"), text)


@pytest.mark.parametrize("text", ["shoeSize='x'", "familyName='x' AND", "familyName=='x'", " ", "familyName='x'\n"
                                  "AND"])
def test_or_filter_pattern_refuses_what_the_server_refuses(text: str) -> None:
    assert not re.search(filter_pattern("users", "1.2"), text)
    with pytest.raises(OneRosterError):
        query.filter_clause("users", text, "1.2")


def test_or_filter_numeric_values_are_plain_decimals() -> None:
    pattern = filter_pattern("results", "1.2")
    assert re.search(pattern, "score>='7.5' AND score<'-1'")
    assert not re.search(pattern, "score='abc'") and not re.search(pattern, "score~'1'")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.test_contract_params --write")
    for name in SPECS:
        print(f"openapi/{name}: {'rewritten' if write(name) else 'up to date'}")
