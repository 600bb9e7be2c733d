"""Request validation messages a person can act on: which parameter, what value, what limit."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from connexion.datastructures import MediaTypeDict
from connexion.validators import VALIDATOR_MAP, JSONResponseBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, ValidationError


class NamedParameterValidator(ParameterValidator):
    """connexion's parameter validator, but its message names the parameter and skips the schema dump."""

    @staticmethod
    def validate_parameter(parameter_type: str, value: Any, param: dict[str, Any],
                           param_name: str | None = None) -> str | None:
        message = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if message is None or value is None:
            return message
        schema = param.get("schema", param)
        try:
            Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).validate(value)
        except ValidationError as exc:
            return f"Invalid {parameter_type} parameter {param.get('name')!r}={value!r}: {exc.message}"
        return message


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
    "response": MediaTypeDict({**VALIDATOR_MAP["response"], "*/*json": SelectionAwareResponseValidator}),
}
