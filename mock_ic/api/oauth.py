"""The Infinite Campus token endpoint, ``POST /campus/oauth2/token`` (IC-AUTH-TOKEN, RFC 6749 §4.4)."""

from __future__ import annotations

import math
from typing import Any

from connexion import context, request
from starlette.responses import Response

from mock_ic.api.rendering import dumps, json_response
from mock_ic.api.serving import on_loop
from mock_ic.control.request_context import context_of
from mock_ic.control.tokens import TokenError, authenticate_client, client_credentials, scope_uris

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@on_loop
def issueToken(appName: str | None = None, body: dict[str, Any] | None = None) -> Response:
    """connexion hands over the form fields as ``body`` (reading the form again would wait forever)."""
    form = {k: v for k, v in (body or {}).items() if isinstance(v, str)}
    try:
        return _issue(appName, form)
    except TokenError as exc:
        body = {"error": exc.error, "error_description": exc.description}
        return json_response(dumps(body), status=exc.status, headers={**exc.headers, **_NO_STORE})


def _issue(app_name: str | None, form: dict[str, str]) -> Response:
    rt = context_of(context.scope).runtime
    client_id, secret, used_basic = client_credentials(request.headers.get("Authorization"), form)
    grant_type = form.get("grant_type")
    if not grant_type:
        raise TokenError(400, "invalid_request", "grant_type is required; use grant_type=client_credentials")
    if grant_type != "client_credentials":
        raise TokenError(400, "unsupported_grant_type",
                         f"grant_type {grant_type!r} is not supported; use client_credentials")
    if not client_id:
        raise TokenError(401, "invalid_client", "Client authentication is required: HTTP Basic or "
                         "client_id/client_secret form fields", {"WWW-Authenticate": 'Basic realm="mock-ic"'})
    tenant = authenticate_client(rt.tenants, client_id, secret, app_name, used_basic)
    token, grant = rt.tokens.issue(tenant, form.get("scope"), now=rt.clock())
    body = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": max(0, math.floor(grant.expires_at - rt.clock())),
        "scope": " ".join(uri for uri in scope_uris(grant.scopes) if "/v1p2/" in uri),
    }
    return json_response(dumps(body), headers=_NO_STORE)
