"""Authentication: the token endpoint's client check, bearer tokens, scopes and the vendor header.

IC-AUTH-TOKEN / IC-AUTH-BEARER / IC-AUTH-SCOPE / IC-VENDOR-HEADER / IC-VENDOR-OPTIONAL / IC-GRADEBOOK-SYNC.

Tokens are signed, self-contained (tenant, scopes, expiry), so every worker process can check
them without a database round trip on the event loop. Secret comparisons are constant-time, and
no secret or token is ever logged.
"""

from __future__ import annotations

import functools
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from connexion.lifecycle import ConnexionRequest
from connexion.security import NO_VALUE, AbstractSecurityHandler, ApiKeySecurityHandler, OAuthSecurityHandler
from itsdangerous import BadSignature, URLSafeSerializer

from mock_ic.basic_auth import decode_basic
from mock_ic.errors import Unauthorised
from mock_ic.faults import token_revoked
from mock_ic.runtime import Runtime, runtime_of
from mock_ic.tenants import Tenant

SCOPE_PREFIXES = {
    "1.2": "https://purl.imsglobal.org/spec/or/v1p2/scope/",
    "1.1": "https://purl.imsglobal.org/spec/or/v1p1/scope/",
}
# Every scope a tenant's credentials are granted (IC grants the whole set to a connection).
SCOPES = (
    "roster.readonly", "roster-core.readonly", "roster-demographics.readonly", "resource.readonly",
    "gradebook.readonly", "gradebook-core.readonly", "gradebook.createput", "gradebook.createpost",
    "gradebook.delete",
)
VENDOR_HEADER = "x-vendor-authorization"


class TokenError(Exception):
    """An RFC 6749 §5.2 error of the token endpoint."""

    def __init__(self, status: int, error: str, description: str, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}


@dataclass(frozen=True)
class Grant:
    app_name: str
    scopes: tuple[str, ...]  # short names, e.g. "gradebook.createput"
    expires_at: float


def short_scope(scope: str) -> str | None:
    """``https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly`` -> ``roster.readonly``."""
    for prefix in SCOPE_PREFIXES.values():
        if scope.startswith(prefix):
            scope = scope[len(prefix):]
            break
    return scope if scope in SCOPES else None


def scope_uris(scopes: Iterable[str]) -> list[str]:
    return [prefix + s for s in scopes for prefix in SCOPE_PREFIXES.values()]


class TokenService:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt="mock-ic-access-token")
        # A client sends the same token on every call: verify its signature once. Expiry and
        # revocation are checked by the caller on every use, so the cache never extends a token.
        self.read = functools.lru_cache(maxsize=4096)(self._read)  # type: ignore[method-assign]

    def issue(self, tenant: Tenant, requested: str | None, now: float | None = None) -> tuple[str, Grant]:
        scopes = self._granted(requested)
        now = time.time() if now is None else now
        grant = Grant(tenant.app_name, scopes, now + tenant.settings.token_lifetime)
        token = self._serializer.dumps({"a": grant.app_name, "s": list(scopes), "x": round(grant.expires_at, 3)})
        return token, grant

    def _read(self, token: str) -> Grant | None:
        try:
            data = self._serializer.loads(token)
        except (BadSignature, UnicodeDecodeError, ValueError):
            return None
        if not isinstance(data, dict) or not {"a", "s", "x"} <= set(data):
            return None
        return Grant(str(data["a"]), tuple(data["s"]), float(data["x"]))

    @staticmethod
    def _granted(requested: str | None) -> tuple[str, ...]:
        if not requested or not requested.strip():
            return SCOPES
        wanted = requested.split()
        unknown = [s for s in wanted if short_scope(s) is None]
        if unknown:
            raise TokenError(400, "invalid_scope",
                             f"Scope(s) not granted to this connection: {' '.join(unknown)}. "
                             f"Grantable: {' '.join(SCOPE_PREFIXES['1.2'] + s for s in SCOPES)}")
        return tuple(dict.fromkeys(s for s in (short_scope(w) for w in wanted) if s))


def client_credentials(authorization: str | None, form: dict[str, str]) -> tuple[str, str, bool]:
    """(client_id, client_secret, used_basic) from HTTP Basic (RFC 6749 §2.3.1) or the form fields."""
    if authorization and authorization[:6].lower() == "basic ":
        credentials = decode_basic(authorization)
        if credentials is None:
            raise TokenError(400, "invalid_request", "Malformed HTTP Basic client credentials",
                             {"WWW-Authenticate": 'Basic realm="mock-ic"'})
        return credentials[0], credentials[1], True
    return form.get("client_id", ""), form.get("client_secret", ""), False


def authenticate_client(rt: Runtime, client_id: str, secret: str, app_name: str | None,
                        used_basic: bool) -> Tenant:
    tenant = rt.tenants.by_client_id(client_id) if client_id else None
    ok = tenant is not None and hmac.compare_digest(tenant.client_secret.encode(), secret.encode())
    if ok and app_name and tenant is not None and tenant.app_name != app_name:
        ok = False
    if not ok or tenant is None:
        headers = {"WWW-Authenticate": 'Basic realm="mock-ic"'} if used_basic else {}
        raise TokenError(401, "invalid_client", "Client authentication failed: unknown client_id or wrong "
                         "client_secret for this appName", headers)
    return tenant


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
