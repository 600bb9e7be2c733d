"""The outermost ASGI middleware: runtime in scope, path guard, app-scoped URL rewrite.

It runs before connexion's exception handling, so it answers its own errors instead of raising.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_ic.api.errors import error_response, version_of_path
from mock_ic.errors import InvalidData
from mock_ic.runtime import SCOPE_KEY, Runtime

# App-scoped IC URLs -> (pattern, the mounted base their rest is served under):
# IC-URL-1P2: /campus/api/oneroster/v1p2/{appName}/ims/oneroster/{rostering|gradebook}/v1p2/...
# IC-URL-1P1: /campus/oneroster/{appName}/ims/oneroster/v1p1/...
_APP_SCOPED = (
    (re.compile(r"^/campus/api/oneroster/v1p2/(?P<app>[^/]+)(?P<rest>/ims/oneroster/.*)$"), "/campus/api"),
    (re.compile(r"^/campus/oneroster/(?P<app>[^/]+)(?P<rest>/ims/oneroster/v1p1(?:/.*)?)$"), ""),
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PathMiddleware:
    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope[SCOPE_KEY] = self.runtime
        path: str = scope["path"]
        if _CONTROL.search(path):
            # connexion 3.3 answers 500 for control characters in a path parameter (DESIGN.md).
            error = InvalidData(f"The request path contains a control character: {path!r}")
            await error_response(error, version_of_path(path))(scope, receive, send)
            return
        for pattern, base in _APP_SCOPED:
            match = pattern.match(path)
            if match:
                _rewrite(scope, pattern, base, match)
                break
        await self.app(scope, receive, self._watch(scope, send))

    def _watch(self, scope: Scope, send: Send) -> Send:
        """Count 5xx answers per server, so a test suite can prove none happened."""

        async def watched(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 500:
                self.runtime.server_errors.append(f"{scope.get('method')} {scope.get('path')} -> {message['status']}")
            await send(message)

        return watched


def _rewrite(scope: Scope, pattern: re.Pattern[str], base: str, match: re.Match[str]) -> None:
    """Serve an app-scoped URL from the plain mount, remembering the app and the path the client used."""
    scope["mock_ic.app_name"] = match["app"]
    scope["mock_ic.original_path"] = scope["path"]
    scope["path"] = base + match["rest"]
    raw = scope.get("raw_path")
    raw_match = pattern.match(raw.decode("latin-1")) if raw else None
    scope["raw_path"] = (base + raw_match["rest"]).encode("latin-1") if raw_match else scope["path"].encode()
