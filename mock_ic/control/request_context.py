"""What one request is, resolved once per request by the edge's context middleware
(:class:`mock_ic.edge.context.ContextMiddleware`) and read by everything after it: security, the
fault rules, the request log, the handlers. Nothing else derives the tenant, the version or the
path the client used again.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mock_ic.control.runtime import Runtime
    from mock_ic.control.tenants import Tenant
    from mock_ic.control.tokens import Grant

SCOPE_KEY = "mock_ic"  # the one key of ours in an ASGI scope

# oneroster: a OneRoster API path; token: the IC token endpoint; admin: the /_mock control plane;
# other: anything else (the landing page, unknown paths).
Surface = Literal["oneroster", "token", "admin", "other"]
Version = Literal["1.1", "1.2"]


@dataclass(slots=True)
class RequestContext:
    runtime: Runtime
    surface: Surface
    client_path: str  # the path as the client sent it (before an app-scoped URL is rewritten)
    # The appName of an app-scoped URL (IC-URL-1P2, IC-URL-1P1), else None: the tenant comes from the token.
    path_app: str | None = None
    # For a rewritten app-scoped URL: (the mounted base it is served under, the prefix the client used),
    # e.g. ("/campus/api", "/campus/api/oneroster/v1p2/demo"); hrefs and redirects go back to the second.
    prefixes: tuple[str, str] | None = None
    # The tenant the request is for: the app of an app-scoped URL, else the bearer token's tenant, else
    # (token endpoint) ``appName`` or the owner of the client_id. None when unknown.
    tenant: Tenant | None = None
    # The bearer token's grant when it is a token this server signed (expiry and revocation are the
    # security handler's to judge), else None.
    grant: Grant | None = None

    @property
    def app_scoped(self) -> bool:
        return self.path_app is not None

    @property
    def version(self) -> Version | None:
        """The OneRoster version of a OneRoster path; None elsewhere."""
        if self.surface != "oneroster":
            return None
        return "1.1" if "/v1p1" in self.client_path else "1.2"

    @property
    def app_name(self) -> str | None:
        return self.tenant.app_name if self.tenant is not None else None


def context_of(scope: MutableMapping[str, Any]) -> RequestContext:
    """The request's context (the context middleware put it in every HTTP scope)."""
    return scope[SCOPE_KEY]


def runtime_of(scope: MutableMapping[str, Any]) -> Runtime:
    return context_of(scope).runtime
