"""Typed errors of the reference OneRoster client, and the parsing of every error body it may meet.

A conformance kit must tell *what* went wrong, not just that something did: Canvas titles its SIS
errors from the call, the status and, for IC's business refusals, the description
(``docs/scenarios.md``). So each failure is one exception class per kind, all carrying the HTTP
status, the OneRoster ``imsx_codeMajor``/``codeMinor``, the description, the method, the URL and the
raw body text.

Nothing here may ever hold a credential: messages are built from the method, the URL, the status
and the server's description only, never from request headers (Authorization, the vendor header).
"""

from __future__ import annotations

import json
from typing import Any

DESCRIPTION_CAP = 200  # characters of a non-JSON body kept as the description


class OneRosterError(Exception):
    """Base of every client error: status (None when there was no HTTP answer), codes, description."""

    def __init__(self, description: str, *, status: int | None = None, code_major: str | None = None,
                 code_minor: str | None = None, method: str | None = None, url: str | None = None,
                 body: str = "") -> None:
        self.description = description
        self.status = status
        self.code_major = code_major
        self.code_minor = code_minor
        self.method = method
        self.url = url
        self.body = body
        super().__init__(description)

    def __str__(self) -> str:
        where = f"{self.method} {self.url}" if self.method and self.url else (self.url or "request")
        what = " ".join(str(part) for part in (self.status, self.code_minor) if part is not None)
        return f"{where} -> {what}: {self.description}" if what else f"{where}: {self.description}"


class AuthError(OneRosterError):
    """401/403 from a OneRoster call (after one token refresh), or a refused token request.

    For the token endpoint ``code_minor`` is the RFC 6749 ``error`` field (e.g. ``invalid_client``).
    """


class NotFound(OneRosterError):
    """404: unknown object or route (codeMinor ``unknownobject``; 1.1 spells it ``unknown object``)."""


class InvalidData(OneRosterError):
    """400/422: the request was refused as malformed or by a business rule (e.g. an IC gradebook rule)."""


class RateLimited(OneRosterError):
    """429 that was still answered after every retry."""


class ServerError(OneRosterError):
    """5xx: retryable ones (502/503/504) only after every retry; others (500) at once."""


class TransportError(OneRosterError):
    """No HTTP answer after every retry: connection refused, reset or dropped, or a read timeout."""


class DeadlineExceeded(OneRosterError):
    """The client's overall deadline passed before or during a call (no status: no answer in time)."""


class MalformedResponse(OneRosterError):
    """A 2xx answer whose body is not the JSON the call expects (HTML page, truncated JSON, wrong shape)."""


def error_class(status: int) -> type[OneRosterError]:
    """The exception class for a non-2xx status."""
    if status in (401, 403):
        return AuthError
    if status == 404:
        return NotFound
    if status in (400, 422):
        return InvalidData
    if status == 429:
        return RateLimited
    if status >= 500:
        return ServerError
    return OneRosterError


def parse_error_body(text: str) -> tuple[str | None, str | None, str]:
    """(codeMajor, codeMinor, description) of an error body.

    Accepts the 1.2 bare ``imsx_StatusInfoDType``, the 1.1 ``statusInfoSet`` list (also spelled
    ``imsx_statusInfoSet``, or a single object instead of a list), the RFC 6749 token error
    (``error`` becomes the codeMinor) and anything else (the first characters become the description).
    """
    try:
        data: Any = json.loads(text)
    except ValueError:
        return None, None, _snippet(text)
    if not isinstance(data, dict):
        return None, None, _snippet(text)
    if isinstance(data.get("error"), str):  # RFC 6749 section 5.2
        return None, data["error"], str(data.get("error_description") or data["error"])
    info = _status_info(data)
    if info is None:
        return None, None, _snippet(text)
    major = info.get("imsx_codeMajor")
    description = info.get("imsx_description")
    return (major if isinstance(major, str) else None, _code_minor(info),
            description if isinstance(description, str) and description else _snippet(text))


def _status_info(data: dict[str, Any]) -> dict[str, Any] | None:
    for key in ("statusInfoSet", "imsx_statusInfoSet", "imsx_StatusInfoSet", "imsx_statusInfo"):
        if key in data:
            value = data[key]
            if isinstance(value, dict):  # some 1.1 servers: {"imsx_statusInfo": [...]} or a single object
                value = value.get("imsx_statusInfo", value)
            entries = [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)]
            errors = [e for e in entries if e.get("imsx_severity") == "error"]
            return (errors or entries or [None])[0]
    return data if "imsx_codeMajor" in data else None


def _code_minor(info: dict[str, Any]) -> str | None:
    minor = info.get("imsx_CodeMinor") or info.get("imsx_codeMinor")
    if not isinstance(minor, dict):
        return None
    fields = minor.get("imsx_codeMinorField")
    for field in fields if isinstance(fields, list) else [fields]:
        if isinstance(field, dict) and isinstance(field.get("imsx_codeMinorFieldValue"), str):
            return field["imsx_codeMinorFieldValue"]
    return None


def _snippet(text: str) -> str:
    return text.strip()[:DESCRIPTION_CAP] or "(empty body)"
