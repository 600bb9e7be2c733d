"""Who may use the control plane (``/_mock``) when the server has an admin token.

The token comes as ``X-Mock-Admin-Token``, ``Authorization: Bearer``, a ``?admin_token=`` query (the
link the banner prints for the pages) or the cookie such a link sets, so a browser can follow the
pages' own links. The health check and the admin API's docs are public: they hold no tenant data.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any, Literal
from urllib.parse import parse_qs

from starlette.types import Scope

from mock_ic.mounts import ADMIN_BASE

COOKIE = "mock_ic_admin_token"
_PUBLIC = (f"{ADMIN_BASE}/health", f"{ADMIN_BASE}/docs", f"{ADMIN_BASE}/openapi.json")

Access = Literal["open", "header", "query", "cookie"] | None


def guarded(path: str) -> bool:
    """Whether a path belongs to the control plane and needs the admin token (when there is one)."""
    inside = path == ADMIN_BASE or path.startswith(ADMIN_BASE + "/")
    return inside and not path.startswith(_PUBLIC)


def access(scope: Scope, expected: str | None) -> Access:
    """How the request proved it may use the control plane, or None when it did not."""
    if not expected:
        return "open"
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    given = headers.get("x-mock-admin-token") or headers.get("authorization", "").removeprefix("Bearer ")
    if given:
        return "header" if _same(given, expected) else None
    query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("admin_token")
    if query:
        return "query" if _same(query[0], expected) else None
    cookie = SimpleCookie(headers.get("cookie", "")).get(COOKIE)
    return "cookie" if cookie is not None and _same(cookie.value, expected) else None


def remembering(send: Callable[[dict[str, Any]], Awaitable[None]], token: str) -> Callable[..., Awaitable[None]]:
    """``send`` that sets the admin cookie on the answer (a page opened through its ?admin_token= link)."""
    cookie = f"{COOKIE}={token}; Path={ADMIN_BASE}; HttpOnly; SameSite=Strict".encode("latin-1")

    async def sending(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
        await send(message)

    return sending


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
