"""Every 4xx/5xx the server sends is a OneRoster body in the version's style (OR-ERRORS).

Connexion's own errors (problem+json by default) — validation, security, routing — are turned
into OneRoster bodies here, keeping the headers they carry (``Allow``, ``WWW-Authenticate``).
The token endpoint keeps the RFC 6749 error body instead.
"""

from __future__ import annotations

import logging

import orjson
from connexion.apps.abstract import AbstractApp
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.responses import Response

from mock_ic import errors
from mock_ic.control.request_context import SCOPE_KEY
from mock_ic.mounts import allowed_methods

log = logging.getLogger("mock_ic.errors")

_TOKEN_PATH = "/campus/oauth2"
_OAUTH_ERRORS = {401: "invalid_client"}


def oauth_error_code(status: int) -> str:
    """The RFC 6749 §5.2 ``error`` of the token endpoint for an HTTP status."""
    return _OAUTH_ERRORS.get(status, "invalid_request" if status < 500 else "server_error")


def version_of_path(path: str) -> errors.Version:
    return "1.1" if "/v1p1" in path else "1.2"


def error_body(error: errors.OneRosterError, path: str) -> bytes:
    """The error in the body style of the path the client used: OneRoster 1.1/1.2, or RFC 6749 for tokens."""
    if path.startswith(_TOKEN_PATH):
        return orjson.dumps({"error": oauth_error_code(error.status), "error_description": error.description})
    return orjson.dumps(errors.body_for(error, version_of_path(path)))


def error_response(error: errors.OneRosterError, path: str) -> Response:
    """The error as an ASGI response, in the body style of ``path`` (the path the client used)."""
    return Response(error_body(error, path), status_code=error.status, headers=error.headers,
                    media_type="application/json")


def _connexion_response(request: ConnexionRequest, error: errors.OneRosterError) -> ConnexionResponse:
    path = _client_path(request)
    return ConnexionResponse(status_code=error.status, body=error_body(error, path), headers=error.headers,
                             content_type="application/json")


def _client_path(request: ConnexionRequest) -> str:
    ctx = request.scope.get(SCOPE_KEY)
    return ctx.client_path if ctx is not None else request.url.path


def _from_problem(status: int, detail: str | None, title: str | None,
                  headers: dict[str, str] | None) -> errors.OneRosterError:
    description = detail or title or "Request refused"
    error = errors.for_status(status, description, dict(headers or {}))
    if status == 401:
        error.headers.setdefault("WWW-Authenticate", "Bearer")
    return error


def on_oneroster_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, errors.OneRosterError)
    return _connexion_response(request, exc)


def on_problem(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ProblemException)
    return _connexion_response(request, _from_problem(exc.status, exc.detail, exc.title, exc.headers))


def on_http_exception(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, HTTPException)
    path = _client_path(request)
    headers = dict(exc.headers or {})
    detail = exc.detail
    if exc.status_code == 404:
        detail = f"No such endpoint: {request.method} {path}"
    elif exc.status_code == 405:
        allowed = allowed_methods(request.url.path)
        headers["Allow"] = ", ".join(allowed)
        detail = f"Method {request.method} is not allowed on {path}; allowed: {', '.join(allowed)}"
    return _connexion_response(request, _from_problem(exc.status_code, detail, None, headers))


def on_undecodable(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    return _connexion_response(request, errors.InvalidData(f"The request body is not valid UTF-8 JSON: {exc}"))


def on_form_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """A form body the parser refuses (a field over its size cap, too many fields)."""
    text = str(exc)
    error_class = errors.PayloadTooLarge if "maximum size" in text else errors.InvalidData
    return _connexion_response(request, error_class(f"The form body was refused: {text}"))


def on_unexpected(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log.error("Unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _connexion_response(request, errors.InternalError(f"Internal server error ({type(exc).__name__})"))


def register_error_handlers(app: AbstractApp) -> None:
    app.add_error_handler(errors.OneRosterError, on_oneroster_error)
    app.add_error_handler(ProblemException, on_problem)
    app.add_error_handler(HTTPException, on_http_exception)
    app.add_error_handler(UnicodeDecodeError, on_undecodable)
    app.add_error_handler(MultiPartException, on_form_error)
    app.add_error_handler(Exception, on_unexpected)
