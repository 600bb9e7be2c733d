"""Request validation messages a person can act on: which parameter, what value, what limit."""

from __future__ import annotations

from typing import Any

from connexion.validators import VALIDATOR_MAP, ParameterValidator
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


VALIDATORS = {**VALIDATOR_MAP, "parameter": NamedParameterValidator}
