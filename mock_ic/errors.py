"""OneRoster errors: one exception class per error kind, rendered once in the version's style (OR-ERRORS).

1.2 answers a bare ``imsx_StatusInfoDType``; 1.1 wraps it in ``statusInfoSet`` and spells some
codes differently. Every 4xx/5xx the server sends goes through :func:`render`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

Version = Literal["1.1", "1.2"]
RULE_HEADER = "X-Mock-IC-Rule"  # RULE-SWITCH: the rule that refused a request

# 1.2 code -> 1.1 spelling (the 1.1 binding uses words with spaces for a few of them).
_V1P1_SPELLING = {
    "fullsuccess": "full success",
    "unknownobject": "unknown object",
    "invaliddata": "invalid data",
    "unauthorisedrequest": "unauthorized",
}


class OneRosterError(Exception):
    """Base: an HTTP status, a codeMinor (1.2 spelling) and a description a person can act on."""

    status: ClassVar[int] = 500
    code_minor: ClassVar[str] = "internal_server_error"

    def __init__(self, description: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.headers = dict(headers or {})
        self.rule: str | None = None  # the IC_BEHAVIOUR.md rule that refused the request (RULE-SWITCH)

    def fired_by(self, rule_id: str) -> OneRosterError:
        """This error, named after the rule that raised it (the innermost rule, when rules nest)."""
        if self.rule is None:
            self.rule = rule_id
            self.description = f"[{rule_id}] {self.description}"
            self.args = (self.description,)
            self.headers[RULE_HEADER] = rule_id
        return self


class InvalidData(OneRosterError):
    """A malformed request: bad query parameter, undecodable body, schema violation (400)."""

    status = 400
    code_minor = "invaliddata"


class InvalidFilterField(OneRosterError):
    status = 400
    code_minor = "invalid_filter_field"


class InvalidSortField(OneRosterError):
    status = 400
    code_minor = "invalid_sort_field"


class InvalidSelectionField(OneRosterError):
    status = 400
    code_minor = "invalid_selection_field"


class Unauthorised(OneRosterError):
    """No, bad, expired or foreign credentials (401). Always carries ``WWW-Authenticate``."""

    status = 401
    code_minor = "unauthorisedrequest"

    def __init__(self, description: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(description, headers={"WWW-Authenticate": "Bearer", **(headers or {})})


class Forbidden(OneRosterError):
    status = 403
    code_minor = "forbidden"


class UnknownObject(OneRosterError):
    status = 404
    code_minor = "unknownobject"


class MethodNotAllowed(OneRosterError):
    status = 405
    code_minor = "invaliddata"


class Conflict(OneRosterError):
    """The object exists already (e.g. a tenant with that appName)."""

    status = 409
    code_minor = "invaliddata"


class PayloadTooLarge(OneRosterError):
    """A request body over the server's ``max_body_bytes`` (413)."""

    status = 413
    code_minor = "invaliddata"


class UnsupportedMediaType(OneRosterError):
    status = 415
    code_minor = "invaliddata"


class Unprocessable(OneRosterError):
    """Well-formed but refused by a business rule (422), e.g. an IC gradebook rule."""

    status = 422
    code_minor = "invaliddata"


class ServerBusy(OneRosterError):
    status = 429
    code_minor = "server_busy"


class InternalError(OneRosterError):
    status = 500
    code_minor = "internal_server_error"


class ServiceUnavailable(OneRosterError):
    status = 503
    code_minor = "server_busy"


def status_info(code_minor: str, description: str, *, version: Version,
                major: str = "failure", severity: str = "error") -> dict[str, Any]:
    """One imsx status info object, the code spelled per version."""
    code = _V1P1_SPELLING.get(code_minor, code_minor) if version == "1.1" else code_minor
    return {
        "imsx_codeMajor": major,
        "imsx_severity": severity,
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": code}
            ]
        },
    }


def body_for(error: OneRosterError, version: Version) -> dict[str, Any]:
    info = status_info(error.code_minor, error.description, version=version)
    return {"statusInfoSet": [info]} if version == "1.1" else info


_BY_STATUS: dict[int, type[OneRosterError]] = {
    cls.status: cls
    for cls in (InvalidData, Unauthorised, Forbidden, UnknownObject, MethodNotAllowed, Conflict,
                PayloadTooLarge, UnsupportedMediaType, Unprocessable, ServerBusy, InternalError, ServiceUnavailable)
}


def for_status(status: int, description: str, headers: dict[str, str] | None = None) -> OneRosterError:
    """The error for a bare HTTP status (from the framework or a fault rule)."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = InvalidData if 400 <= status < 500 else InternalError
        err = cls(description, headers=headers)
        err.status = status  # type: ignore[misc]  # keep the exact status the caller asked for
        return err
    return cls(description, headers=headers)
