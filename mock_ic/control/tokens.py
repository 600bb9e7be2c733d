"""OAuth 2 client credentials for a tenant: the client check, signed access tokens and scopes.

IC-AUTH-TOKEN / IC-AUTH-SCOPE. Tokens are signed, self-contained (tenant, scopes, expiry), so every
worker process can check them without a database round trip on the event loop. Secret comparisons
are constant-time, and no secret or token is ever logged. The HTTP side (connexion's security
handlers) is mock_ic/edge/security.py.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from itsdangerous import BadSignature, URLSafeSerializer

if TYPE_CHECKING:
    from mock_ic.control.tenants import Tenant, TenantRegistry

SCOPE_PREFIXES = {
    "1.2": "https://purl.imsglobal.org/spec/or/v1p2/scope/",
    "1.1": "https://purl.imsglobal.org/spec/or/v1p1/scope/",
}
# Every scope a tenant's credentials are granted (IC grants the whole set to a connection).
SCOPES = (
    "roster.readonly", "roster-core.readonly", "roster-demographics.readonly", "resource.readonly",
    "gradebook.readonly", "gradebook-core.readonly", "gradebook.createput", "gradebook.createpost",
    "gradebook.delete", "assessment.readonly", "assessment.createput", "assessment.delete",
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


def authenticate_client(tenants: TenantRegistry, client_id: str, secret: str, app_name: str | None,
                        used_basic: bool) -> Tenant:
    tenant = tenants.by_client_id(client_id) if client_id else None
    ok = tenant is not None and hmac.compare_digest(tenant.client_secret.encode(), secret.encode())
    if ok and app_name and tenant is not None and tenant.app_name != app_name:
        ok = False
    if not ok or tenant is None:
        headers = {"WWW-Authenticate": 'Basic realm="mock-ic"'} if used_basic else {}
        raise TokenError(401, "invalid_client", "Client authentication failed: unknown client_id or wrong "
                         "client_secret for this appName", headers)
    return tenant


def decode_basic(header: str | None) -> tuple[str, str] | None:
    """``Basic <base64(id:secret)>`` -> (client_id, client_secret); None when absent or malformed."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)
