"""The outermost ASGI middleware: runtime in scope, path guard, body size limit, app-scoped URL rewrite.

It runs before connexion's exception handling, so it answers its own errors instead of raising.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_ic.control.runtime import SCOPE_KEY, Runtime
from mock_ic.edge import admin_access
from mock_ic.edge.errors import error_response
from mock_ic.errors import InvalidData, PayloadTooLarge, Unauthorised
from mock_ic.mounts import ADMIN_BASE, MOUNTS

# App-scoped IC URLs -> (pattern, the mounted base their rest is served under):
# IC-URL-1P2: /campus/api/oneroster/v1p2/{appName}/ims/oneroster/{rostering|gradebook}/v1p2/...
# IC-URL-1P1: /campus/oneroster/{appName}/ims/oneroster/v1p1/...
_APP_SCOPED = (
    (re.compile(r"^/campus/api/oneroster/v1p2/(?P<app>[^/]+)(?P<rest>/ims/oneroster/.*)$"), "/campus/api"),
    (re.compile(r"^/campus/oneroster/(?P<app>[^/]+)(?P<rest>/ims/oneroster/v1p1(?:/.*)?)$"), ""),
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ROOTS = frozenset({*(m.base for m in MOUNTS if m.oneroster), ADMIN_BASE})


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
        if admin_access.guarded(path):
            via = admin_access.access(scope, self.runtime.settings.admin_token)
            if via is None:
                error = Unauthorised("The control plane needs the admin token: 'Authorization: Bearer <token>' or "
                                     "'X-Mock-Admin-Token: <token>' (pages also take ?admin_token=)")
                await error_response(error, path)(scope, receive, send)
                return
            if via == "query":
                send = admin_access.remembering(send, self.runtime.settings.admin_token or "")
        if _CONTROL.search(path):
            # connexion 3.3 answers 500 for control characters in a path parameter (DESIGN.md).
            error = InvalidData(f"The request path contains a control character: {path!r}")
            await error_response(error, path)(scope, receive, send)
            return
        if not path.startswith(ADMIN_BASE):
            limit = self.runtime.settings.max_body_bytes
            receive = await _limited(scope, receive, limit)
            if receive is None:
                error = PayloadTooLarge(f"The request body is larger than this server's limit of {limit} bytes "
                                        "(max_body_bytes)")
                await error_response(error, path)(scope, _no_body, send)
                return
        for pattern, base in _APP_SCOPED:
            match = pattern.match(path)
            if match:
                _rewrite(scope, pattern, base, match)
                break
        if scope["path"] in _ROOTS:  # a service root without its slash: served, not redirected
            scope["path"] += "/"
            scope["raw_path"] = scope.get("raw_path", b"") + b"/"
        await self.app(scope, receive, self._watch(scope, send))

    def _watch(self, scope: Scope, send: Send) -> Send:
        """Count 5xx answers per server, so a test suite can prove none happened."""

        async def watched(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                if (message["status"] >= 500
                        and not any(name.lower() == b"x-mock-fault" for name, _ in message.get("headers", []))):
                    self.runtime.server_errors.append(
                        f"{scope.get('method')} {scope.get('path')} -> {message['status']}")
                if 300 <= message["status"] < 400 and "mock_ic.app_name" in scope:
                    message["headers"] = [(k, _client_location(scope, v) if k.lower() == b"location" else v)
                                          for k, v in message.get("headers", [])]
            await send(message)

        return watched


def _client_location(scope: Scope, location: bytes) -> bytes:
    """A redirect of a rewritten request, back in the client's app-scoped form (the app name kept)."""
    served, client = scope["mock_ic.prefixes"]
    parts = urlsplit(location.decode("latin-1"))
    if not parts.path.startswith(served + "/ims/oneroster/"):
        return location
    return urlunsplit(parts._replace(path=client + parts.path[len(served):])).encode("latin-1")


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _limited(scope: Scope, receive: Receive, limit: int) -> Receive | None:
    """``receive`` when the body fits the limit, else None. A declared Content-Length is trusted (the
    server closes a body longer than it declared); a chunked body is read here, then replayed with its
    Content-Length (connexion's validators take a body without one for an empty body) ..."""
    length = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
    if length is not None:
        return receive if length.isdigit() and int(length) <= limit else None
    if scope.get("method") in ("GET", "HEAD", "DELETE", "OPTIONS"):
        return receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return receive  # the client went away; let the app see it
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            return None
        if not message.get("more_body", False):
            break
    replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]
    # ... and without Transfer-Encoding: werkzeug reads a chunked WSGI body as empty.
    scope["headers"] = [*(h for h in scope.get("headers", []) if h[0] != b"transfer-encoding"),
                        (b"content-length", str(size).encode())]

    async def replayed() -> dict[str, Any]:
        return replay.pop() if replay else await receive()

    return replayed


def _rewrite(scope: Scope, pattern: re.Pattern[str], base: str, match: re.Match[str]) -> None:
    """Serve an app-scoped URL from the plain mount, remembering the app and the path the client used."""
    scope["mock_ic.app_name"] = match["app"]
    scope["mock_ic.original_path"] = scope["path"]
    scope["mock_ic.prefixes"] = (base, scope["path"][:match.start("rest")])
    scope["path"] = base + match["rest"]
    raw = scope.get("raw_path")
    raw_match = pattern.match(raw.decode("latin-1")) if raw else None
    scope["raw_path"] = (base + raw_match["rest"]).encode("latin-1") if raw_match else scope["path"].encode()
