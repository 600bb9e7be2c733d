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

from mock_ic.control.request_context import RequestContext, context_of
from mock_ic.control.tenants import Tenant
from mock_ic.control.tokens import VENDOR_HEADER, scope_uris
from mock_ic.errors import Unauthorised


def token_info(token: str, request: ConnexionRequest) -> dict[str, Any] | None:
    """x-tokenInfoFunc: None (-> 401) unless the token is ours, unexpired, unrevoked and for this
    request's tenant (the context middleware read the token and resolved the tenant)."""
    ctx = context_of(request.scope)
    tenant = _authorised(ctx)
    if tenant is None or ctx.grant is None:
        return None
    return {"sub": tenant.app_name, "scope": scope_uris(ctx.grant.scopes)}


def _authorised(ctx: RequestContext) -> Tenant | None:
    """The request's tenant when its bearer token is valid for it, else None."""
    grant, tenant = ctx.grant, ctx.tenant
    if grant is None or tenant is None or grant.app_name != tenant.app_name:
        return None
    if grant.expires_at <= ctx.runtime.clock() or ctx.runtime.faults.revoked(grant, tenant.settings.token_lifetime):
        return None
    return tenant


def vendor_info(api_key: str | None, request: ConnexionRequest) -> dict[str, Any]:
    """x-apikeyInfoFunc of the x-vendor-authorization header (called with None when it is absent)."""
    tenant = _authorised(context_of(request.scope))
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
