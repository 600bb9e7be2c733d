"""connexion's security handlers: bearer tokens, scopes and the vendor header on each request.

IC-AUTH-BEARER / IC-AUTH-SCOPE / IC-VENDOR-HEADER / IC-VENDOR-OPTIONAL / IC-GRADEBOOK-SYNC. The tokens
themselves (issue, read, the client check) are mock_ic/control/tokens.py.
"""

from __future__ import annotations

import functools
import hmac
from typing import Any

from connexion.lifecycle import ConnexionRequest
from connexion.security import NO_VALUE, AbstractSecurityHandler, ApiKeySecurityHandler, OAuthSecurityHandler

from mock_ic.control.faults import token_revoked
from mock_ic.control.runtime import runtime_of
from mock_ic.control.tenants import Tenant
from mock_ic.control.tokens import VENDOR_HEADER, scope_uris
from mock_ic.errors import Unauthorised


def current_app_name(request: ConnexionRequest) -> str | None:
    """The appName of an app-scoped URL (set by the path middleware), else None."""
    return request.scope.get("mock_ic.app_name")


def token_info(token: str, request: ConnexionRequest) -> dict[str, Any] | None:
    """x-tokenInfoFunc: None (-> 401) unless the token is ours, unexpired and for this tenant."""
    rt = runtime_of(request.scope)
    grant = rt.tokens.read(token)
    if grant is None or grant.expires_at <= rt.clock() or token_revoked(rt, grant):
        return None
    tenant = rt.tenants.get(grant.app_name)
    path_app = current_app_name(request)
    if tenant is None or (path_app is not None and path_app != grant.app_name):
        return None
    request.scope["mock_ic.tenant"] = tenant
    return {"sub": tenant.app_name, "scope": scope_uris(grant.scopes)}


def vendor_info(api_key: str | None, request: ConnexionRequest) -> dict[str, Any]:
    """x-apikeyInfoFunc of the x-vendor-authorization header (called with None when it is absent)."""
    tenant: Tenant | None = request.scope.get("mock_ic.tenant")
    if tenant is None:
        raise Unauthorised("A valid bearer token is required")
    if not tenant.settings.gradebook_sync:
        raise Unauthorised(f"Grade Book Sync is disabled for the application connection {tenant.app_name!r} "
                           "(roster-only credentials)")
    if not tenant.settings.vendor_header_required:
        return {"sub": tenant.app_name}
    if api_key is None:
        raise Unauthorised(f"Missing {VENDOR_HEADER} header: grade book endpoints need "
                           "'{vendorKey}:{vendorSecret}'")
    expected = f"{tenant.vendor_key}:{tenant.vendor_secret}".encode()
    if not hmac.compare_digest(expected, api_key.encode()):
        raise Unauthorised(f"Invalid {VENDOR_HEADER} header: vendor key or secret is wrong")
    return {"sub": tenant.app_name}


@functools.lru_cache(maxsize=64)
def _accepts_kwarg(func: Any, keyword: str) -> bool:
    return AbstractSecurityHandler._accepts_kwarg(func, keyword)


class _KnownSignatures:
    """connexion inspects the token function's signature on every request (``inspect.signature``,
    about 7 % of a list request's CPU); the functions are fixed, so remember the answer."""

    _accepts_kwarg = staticmethod(_accepts_kwarg)


class BearerTokenSecurityHandler(_KnownSignatures, OAuthSecurityHandler):
    """IC-AUTH-BEARER through connexion's oauth2 handler."""


class VendorKeySecurityHandler(_KnownSignatures, ApiKeySecurityHandler):
    """Calls the key function even when the header is absent, so it can say exactly what is missing
    and honour IC-VENDOR-OPTIONAL."""

    def _get_verify_func(self, api_key_info_func, loc, name, required_scopes):  # type: ignore[no-untyped-def]
        check = self.check_api_key(api_key_info_func)

        def wrapper(request: ConnexionRequest) -> Any:
            if request.headers.get("Authorization") is None:
                return NO_VALUE
            return check(request, request.headers.get(name), required_scopes=required_scopes)

        return wrapper
