"""Request validation messages a person can act on: which parameter, what value, what limit."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from connexion.datastructures import MediaTypeDict
from connexion.json_schema import Draft4RequestValidator
from connexion.utils import is_null, is_nullable
from connexion.validators import (
    VALIDATOR_MAP,
    JSONRequestBodyValidator,
    JSONResponseBodyValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator, ValidationError

_COMPILED: dict[tuple[type, int], tuple[dict[str, Any], Any]] = {}


def _compiled(kind: type, definition: dict[str, Any]) -> Any:
    """One compiled validator per parameter or body schema of the loaded specs.

    connexion builds a new validator on every request (and deep-copies each parameter first): about
    a tenth of a request's CPU. The definitions never change once the app is built. The entry keeps
    the definition alive, so its ``id`` cannot be reused by another object.
    """
    key = (kind, id(definition))
    hit = _COMPILED.get(key)
    if hit is None or hit[0] is not definition:
        schema = definition.get("schema", definition) if kind is Draft4Validator else definition
        hit = _COMPILED[key] = (definition, kind(schema, format_checker=Draft4Validator.FORMAT_CHECKER))
    return hit[1]


def _validator_of(param: dict[str, Any]) -> Draft4Validator:
    return _compiled(Draft4Validator, param)


class NamedParameterValidator(ParameterValidator):
    """connexion's parameter validator, with a compiled schema per parameter and a message that names
    the parameter and its value instead of dumping the schema."""

    @staticmethod
    def validate_parameter(parameter_type: str, value: Any, param: dict[str, Any],
                           param_name: str | None = None) -> str | None:
        if is_nullable(param) and is_null(value):
            return None
        if value is None:
            return f"Missing {parameter_type} parameter {param.get('name')!r}" if param.get("required") else None
        try:
            _validator_of(param).validate(value)
        except ValidationError as exc:
            return f"Invalid {parameter_type} parameter {param.get('name')!r}={value!r}: {exc.message}"
        return None


class CompiledJSONRequestBodyValidator(JSONRequestBodyValidator):
    """connexion's JSON body validator (nullable-aware Draft 4), compiled once per body schema."""

    @property
    def _validator(self) -> Any:
        return _compiled(Draft4RequestValidator, self._schema)


class SelectionAwareResponseValidator(JSONResponseBodyValidator):
    """A ``fields=`` selection (OR-FIELDS) returns partial objects by design; the strict response
    schema's required lists cannot hold for them, so such answers are checked only for being JSON."""

    def _validate(self, body: Any) -> dict[str, Any] | None:
        query = parse_qs(self._scope.get("query_string", b"").decode("latin-1"))
        if query.get("fields"):
            return body
        return super()._validate(body)


VALIDATORS = {
    **VALIDATOR_MAP,
    "parameter": NamedParameterValidator,
    "body": MediaTypeDict({**VALIDATOR_MAP["body"], "*/*json": CompiledJSONRequestBodyValidator}),
    "response": MediaTypeDict({**VALIDATOR_MAP["response"], "*/*json": SelectionAwareResponseValidator}),
}
