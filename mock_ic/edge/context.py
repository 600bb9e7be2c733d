"""The outermost ASGI middleware: it resolves each request's :class:`RequestContext` once.

In order: the admin guard (``/_mock`` needs the admin token when there is one), the path guard
(control characters), the body size limit, the app-scoped URL rewrite (IC-URL-1P2, IC-URL-1P1:
connexion cannot route a parameter inside a base path), then the tenant and the bearer token's
grant. Security, the fault rules, the request log and the handlers read the context; none derives
it again. It runs before connexion's exception handling, so it answers its own errors.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_ic.control.request_context import SCOPE_KEY, RequestContext, Surface
from mock_ic.control.runtime import Runtime
from mock_ic.control.tenants import Tenant
from mock_ic.control.tokens import decode_basic
from mock_ic.edge import admin_access
from mock_ic.edge.errors import error_response
from mock_ic.errors import InvalidData, PayloadTooLarge, Unauthorised
from mock_ic.mounts import ADMIN_BASE, MOUNTS, TOKEN_PATH

# App-scoped IC URLs -> (pattern, the mounted base their rest is served under):
# IC-URL-1P2: /campus/api/oneroster/v1p2/{appName}/ims/oneroster/{rostering|gradebook}/v1p2/...
# IC-URL-1P1: /campus/oneroster/{appName}/ims/oneroster/v1p1/...
_APP_SCOPED = (
    (re.compile(r"^/campus/api/oneroster/v1p2/(?P<app>[^/]+)(?P<rest>/ims/oneroster/.*)$"), "/campus/api"),
    (re.compile(r"^/campus/oneroster/(?P<app>[^/]+)(?P<rest>/ims/oneroster/v1p1(?:/.*)?)$"), ""),
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ROOTS = frozenset({*(m.base for m in MOUNTS if m.oneroster), ADMIN_BASE})
_TOKEN_BASE = TOKEN_PATH.rpartition("/")[0]  # /campus/oauth2
_FORM_CAP = 64 * 1024  # a token request body larger than this is not searched for client_id


class ContextMiddleware:
    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rt = self.runtime
        path: str = scope["path"]
        surface = _surface(path)
        ctx = scope[SCOPE_KEY] = RequestContext(runtime=rt, surface=surface, client_path=path)
        if surface == "admin" and admin_access.guarded(path):
            via = admin_access.access(scope, rt.settings.admin_token)
            if via is None:
                error = Unauthorised("The control plane needs the admin token: 'Authorization: Bearer <token>' or "
                                     "'X-Mock-Admin-Token: <token>' (pages also take ?admin_token=)")
                await error_response(error, path)(scope, receive, send)
                return
            if via == "query":
                send = admin_access.remembering(send, rt.settings.admin_token or "")
        if _CONTROL.search(path):
            # connexion 3.3 answers 500 for control characters in a path parameter (DESIGN.md).
            error = InvalidData(f"The request path contains a control character: {path!r}")
            await error_response(error, path)(scope, receive, send)
            return
        if surface != "admin":
            limit = rt.settings.max_body_bytes
            limited = await _limited(scope, receive, limit)
            if limited is None:
                error = PayloadTooLarge(f"The request body is larger than this server's limit of {limit} bytes "
                                        "(max_body_bytes)")
                await error_response(error, path)(scope, _no_body, send)
                return
            receive = limited
        for pattern, base in _APP_SCOPED:
            match = pattern.match(path)
            if match:
                _rewrite(scope, ctx, pattern, base, match)
                break
        if scope["path"] in _ROOTS:  # a service root without its slash: served, not redirected
            scope["path"] += "/"
            scope["raw_path"] = scope.get("raw_path", b"") + b"/"
        rt.refresh()  # another worker may have changed the tenants or the clock (an indexed read each)
        if surface != "admin":
            receive = await _resolve_tenant(ctx, scope, receive)
        await self.app(scope, receive, self._watch(scope, ctx, send))

    def _watch(self, scope: Scope, ctx: RequestContext, send: Send) -> Send:
        """Count 5xx answers per server, so a test suite can prove none happened; put redirects of a
        rewritten request back in the client's app-scoped form."""

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                if (message["status"] >= 500
                        and not any(name.lower() == b"x-mock-fault" for name, _ in message.get("headers", []))):
                    self.runtime.server_errors.append(f"{scope.get('method')} {ctx.client_path} -> "
                                                      f"{message['status']}")
                if 300 <= message["status"] < 400 and ctx.prefixes is not None:
                    message["headers"] = [(k, _client_location(ctx.prefixes, v) if k.lower() == b"location" else v)
                                          for k, v in message.get("headers", [])]
            await send(message)

        return watched


def _surface(path: str) -> Surface:
    if path == ADMIN_BASE or path.startswith(ADMIN_BASE + "/"):
        return "admin"
    if path.startswith(_TOKEN_BASE):
        return "token"
    if "/ims/oneroster/" in path or path.endswith("/ims/oneroster"):
        return "oneroster"
    return "other"


async def _resolve_tenant(ctx: RequestContext, scope: Scope, receive: Receive) -> Receive:
    """Set the context's tenant and grant; the receive the app must use (a token request's form
    body, once read here, is replayed)."""
    rt = ctx.runtime
    token = _bearer(scope)
    ctx.grant = rt.tokens.read(token) if token else None  # each token's signature is checked once
    name: str | None = ctx.path_app or (ctx.grant.app_name if ctx.grant else None)
    if name is not None:
        ctx.tenant = rt.tenants.get(name)
        return receive
    if ctx.surface != "token":
        return receive
    if app_name := dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get("appName"):
        ctx.tenant = rt.tenants.get(app_name)
        return receive
    client_id = _basic_client_id(_header(scope, b"authorization"))
    if client_id is None:
        client_id, receive = await _form_client_id(scope, receive)
    tenant: Tenant | None = rt.tenants.by_client_id(client_id) if client_id else None
    ctx.tenant = tenant
    return receive


def _client_location(prefixes: tuple[str, str], location: bytes) -> bytes:
    """A redirect of a rewritten request, back in the client's app-scoped form (the app name kept)."""
    served, client = prefixes
    parts = urlsplit(location.decode("latin-1"))
    if not parts.path.startswith(served + "/ims/oneroster/"):
        return location
    return urlunsplit(parts._replace(path=client + parts.path[len(served):])).encode("latin-1")


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _limited(scope: Scope, receive: Receive, limit: int) -> Receive | None:
    """``receive`` when the body fits the limit, else None. A declared Content-Length is trusted (the
    server closes a body longer than it declared); a chunked body is read here, then replayed with its
    Content-Length (connexion's validators take a body without one for an empty body)."""
    length = _header(scope, b"content-length")
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
    scope["headers"] = [*(h for h in scope.get("headers", []) if h[0] != b"transfer-encoding"),
                        (b"content-length", str(size).encode())]
    return _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}], receive)


def _rewrite(scope: Scope, ctx: RequestContext, pattern: re.Pattern[str], base: str, match: re.Match[str]) -> None:
    """Serve an app-scoped URL from the plain mount, remembering the app and the path the client used."""
    ctx.path_app = match["app"]
    ctx.prefixes = (base, scope["path"][:match.start("rest")])
    scope["path"] = base + match["rest"]
    raw = scope.get("raw_path")
    raw_match = pattern.match(raw.decode("latin-1")) if raw else None
    scope["raw_path"] = (base + raw_match["rest"]).encode("latin-1") if raw_match else scope["path"].encode()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _bearer(scope: Scope) -> str | None:
    value = _header(scope, b"authorization")
    if value and value[:7].lower() == "bearer ":
        return value[7:].strip() or None
    return None


def _basic_client_id(value: str | None) -> str | None:
    credentials = decode_basic(value)
    return credentials[0] or None if credentials else None


async def _form_client_id(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
    """client_id of a form-encoded token request; the body read is replayed to the app."""
    content_type = _header(scope, b"content-type") or ""
    if not content_type.lower().startswith("application/x-www-form-urlencoded"):
        return None, receive
    messages: list[Message] = []
    size, complete = 0, False
    while size <= _FORM_CAP:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            complete = True
            break
    replay = _replay(messages, receive)
    if not complete:
        return None, replay
    body = b"".join(m.get("body", b"") for m in messages)
    return dict(parse_qsl(body.decode("utf-8", "replace"))).get("client_id") or None, replay


def _replay(messages: list[Message], receive: Receive) -> Callable[[], Awaitable[Message]]:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed

