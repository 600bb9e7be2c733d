"""Request validation messages a person can act on: which parameter, what value, what limit."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncGenerator, Callable
from functools import partial
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import jsonschema_rs
from connexion.datastructures import MediaTypeDict
from connexion.json_schema import Draft4RequestValidator
from connexion.utils import is_null, is_nullable
from connexion.validators import (
    VALIDATOR_MAP,
    FormDataValidator,
    JSONRequestBodyValidator,
    JSONResponseBodyValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator, ValidationError
from starlette.types import Scope

from mock_ic.api import list_parameters
from mock_ic.errors import InvalidData, Unprocessable
from mock_ic.ic import settings as tenant_settings

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


# --- the fast path ---------------------------------------------------------------------------------
# jsonschema (pure Python) costs ~240 us for a result body; jsonschema-rs ~1.5 us. A value the Rust
# validator accepts is accepted; anything else, and any schema it cannot compile, goes through
# connexion's jsonschema validator as before, which decides and writes the message. So the fast path
# may only ever be stricter: it checks the formats jsonschema checks with jsonschema's own checkers,
# and where it knows more (nullable, formats jsonschema leaves alone) it refuses and jsonschema
# decides. tests/test_validation_fast_path.py holds it to that.
_FAST: dict[int, tuple[dict[str, Any], Callable[[Any], bool] | None]] = {}


def _conforms(name: str, value: Any) -> bool:
    return Draft4Validator.FORMAT_CHECKER.conforms(value, name)


_FORMATS = {name: partial(_conforms, name) for name in Draft4Validator.FORMAT_CHECKER.checkers}


def fast_accepts(schema: dict[str, Any], value: Any) -> bool:
    """True when the compiled Rust validator accepts ``value``; False means "ask jsonschema"."""
    hit = _FAST.get(id(schema))
    if hit is None or hit[0] is not schema:
        try:
            check = jsonschema_rs.Draft4Validator(schema, formats=_FORMATS, validate_formats=True).is_valid
        except Exception:  # a construct it cannot compile (e.g. a regex it does not know): no fast path
            check = None
        hit = _FAST[id(schema)] = (schema, check)
    if hit[1] is None:
        return False
    try:
        return hit[1](value)
    except Exception:  # a value it cannot take (e.g. an integer beyond 64 bits)
        return False


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
        if fast_accepts(param.get("schema", param), value):
            return None
        try:
            _validator_of(param).validate(value)
        except ValidationError as exc:
            list_parameters.refuse(param, value)  # sort, fields, filter: their OneRoster codes (OR-ERRORS)
            return f"Invalid {parameter_type} parameter {param.get('name')!r}={value!r}: {exc.message}"
        return None


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidData(f"The request body has a number JSON cannot carry: {text} is not finite "
                          f"(the largest is about 1.8e308)")
    return value


def _no_constant(name: str) -> float:
    raise InvalidData(f"The request body is not valid JSON: {name} is not a JSON value (numbers must be finite)")


def parse_json_body(raw: bytes) -> Any:
    """A request body as JSON, refusing what JSON does not allow (non-UTF-8, NaN, Infinity, 1e309)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidData(f"The request body is not valid UTF-8: byte {raw[exc.start]:#04x} at position "
                          f"{exc.start}") from None
    if not text.strip():
        return None
    try:
        return json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InvalidData(f"The request body is not valid JSON: {exc}") from None


class CompiledJSONRequestBodyValidator(JSONRequestBodyValidator):
    """connexion's JSON body validator (nullable-aware Draft 4), compiled once per body schema, with a
    strict JSON parser: a body is UTF-8 JSON with finite numbers or a 400 that says what is wrong."""

    @property
    def _validator(self) -> Any:
        return _compiled(Draft4RequestValidator, self._schema)

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is not None and fast_accepts(self._schema, body):
            return None
        return super()._validate(body)

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        return parse_json_body(b"".join([chunk async for chunk in stream]))


class TenantSettingsBodyValidator(CompiledJSONRequestBodyValidator):
    """Admin bodies: the tenant settings are checked by their own declaration before the schema (which
    is generated from it), so a bad value is a 422 naming the setting, the value and what is allowed."""

    def _validate(self, body: Any) -> dict[str, Any] | None:
        settings = body.get("settings") if isinstance(body, dict) else None
        for name, value in settings.items() if isinstance(settings, dict) else ():
            try:
                tenant_settings.check(name, value)
            except tenant_settings.SettingError as exc:
                raise Unprocessable(str(exc)) from None
        return super()._validate(body)


class StrictFormDataValidator(FormDataValidator):
    """An urlencoded form (the token request) must be UTF-8 once percent-decoded: the form parser would
    otherwise turn bad bytes into other characters or drop the field, and the client would hear
    "grant_type is required" instead of what is wrong."""

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        try:
            parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError as exc:
            raise InvalidData(f"The form body is not valid UTF-8 ({exc.reason} at byte {exc.start}); send "
                              "application/x-www-form-urlencoded fields in UTF-8") from None

        async def replay() -> AsyncGenerator[bytes, None]:
            yield raw

        return await super()._parse(replay(), scope)


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
    "body": MediaTypeDict({**VALIDATOR_MAP["body"], "*/*json": CompiledJSONRequestBodyValidator,
                           "application/x-www-form-urlencoded": StrictFormDataValidator}),
    "response": MediaTypeDict({**VALIDATOR_MAP["response"], "*/*json": SelectionAwareResponseValidator}),
}
ADMIN_VALIDATORS = {  # the control plane (openapi/mock-admin.yaml)
    **VALIDATORS,
    "body": MediaTypeDict({**VALIDATORS["body"], "*/*json": TenantSettingsBodyValidator}),
}
