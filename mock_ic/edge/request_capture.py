"""Capture for the request log: :class:`RequestLogMiddleware` records each exchange as it passes.

Pure ASGI, installed right after the context middleware (which resolves the request's
:class:`~mock_ic.control.request_context.RequestContext`) and before the fault middleware, so
injected faults are logged as the client saw them. It captures each exchange in memory
(:class:`Exchange`) and hands it, once the answer is out, to the server's
:class:`~mock_ic.control.request_log.Recorder`, which decodes, redacts and stores it in its writer
thread. It never changes or delays an answer.

Requests that cannot have a tenant (no tenant, no app-scoped URL, no token of ours, not the token
endpoint) and ``/_mock`` admin requests are passed through untouched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_ic.control.request_context import RequestContext, context_of
from mock_ic.control.request_log import BODY_CAP, PRUNE_EVERY, Recorder
from mock_ic.control.runtime import Runtime

# Bytes captured beyond the cap, so a secret that starts before the cut is still whole when it is
# scrubbed (credentials are far shorter than this).
_CAPTURE = BODY_CAP + 8 * 1024

_ROUTING_EXTENSION = "connexion_routing"  # where connexion's RoutingMiddleware puts the operation_id


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, keep: int | None = None, prune_every: int = PRUNE_EVERY) -> None:
        """``keep``: entries kept per tenant; by default the ``request_log_keep`` setting."""
        self.app = app
        self._keep = keep
        self._prune_every = prune_every
        self._recorders: dict[int, Recorder] = {}  # by id(runtime); one runtime per app in practice

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _may_have_a_tenant(context_of(scope)):
            await self.app(scope, receive, send)
            return
        recorder = self._recorder(context_of(scope).runtime)
        exchange = Exchange(scope, on_answered=recorder.reserve)
        try:
            await self.app(scope, exchange.receive(receive), exchange.send(send))
        except BaseException:
            exchange.failed = True
            raise
        finally:
            # The answer is out (or the client went away, which is logged too): the writer thread
            # takes it from here, off the event loop.
            exchange.finish()
            recorder.submit(exchange)

    def _recorder(self, rt: Runtime) -> Recorder:
        recorder = self._recorders.get(id(rt))
        if recorder is None or recorder.runtime is not rt:
            keep = self._keep if self._keep is not None else rt.settings.request_log_keep
            recorder = self._recorders[id(rt)] = Recorder(rt, keep=keep, prune_every=self._prune_every)
        return recorder


def _may_have_a_tenant(ctx: RequestContext) -> bool:
    """Never admin paths; else a known tenant, an app-scoped URL, a token of ours or the token endpoint
    (the recorder files the entry, or drops it when it names no known tenant)."""
    if ctx.surface == "admin":
        return False
    return ctx.tenant is not None or ctx.path_app is not None or ctx.grant is not None or ctx.surface == "token"


@dataclass
class Exchange:
    """One request and its answer as they passed: raw bytes, nothing decoded or redacted yet.

    Capturing only appends bytes and reads a clock. The properties (a
    :class:`~mock_ic.control.request_log.Captured`) decode the scope when the recorder asks, in its
    writer thread.
    """

    scope: Scope
    started: float = field(default_factory=time.time)  # wall clock, seconds since the epoch
    _t0: float = field(default_factory=time.perf_counter)
    request_body: bytearray = field(default_factory=bytearray)
    request_size: int = 0
    request_complete: bool = False
    status: int | None = None
    raw_response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    response_body: bytearray = field(default_factory=bytearray)
    response_size: int = 0
    latency_ms: float | None = None
    failed: bool = False  # the app raised
    # Called just before the last byte of the answer goes out: from then on a reader of the log
    # must wait for this entry (a client may ask for it the moment it has the answer).
    on_answered: Callable[[Exchange], None] | None = None
    reserved: bool = False  # on_answered was called

    def __post_init__(self) -> None:
        # connexion's router copies the scope but shares this dict: the operationId it resolves
        # comes back here without a second routing pass.
        self.scope.setdefault("extensions", {})

    def receive(self, receive: Receive) -> Receive:
        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body: bytes = message.get("body", b"")
                if body:
                    self.request_size += len(body)
                    if len(self.request_body) < _CAPTURE:
                        self.request_body += body[:_CAPTURE - len(self.request_body)]
                if not message.get("more_body", False):
                    self.request_complete = True
            return message

        return receiving

    def send(self, send: Send) -> Send:
        async def sending(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                self.status = message["status"]
                self.raw_response_headers = list(message.get("headers", ()))
            elif kind == "http.response.body":
                body: bytes = message.get("body", b"")
                if body:
                    self.response_size += len(body)
                    if len(self.response_body) < _CAPTURE:
                        self.response_body += body[:_CAPTURE - len(self.response_body)]
                if not message.get("more_body", False) and self.on_answered is not None and not self.reserved:
                    self.reserved = True
                    self.on_answered(self)
            await send(message)
            if kind == "http.response.body" and not message.get("more_body", False):
                self.latency_ms = self._elapsed_ms()

        return sending

    def finish(self) -> None:
        if self.latency_ms is None:
            self.latency_ms = self._elapsed_ms()

    def _elapsed_ms(self) -> float:
        return round((time.perf_counter() - self._t0) * 1000, 3)

    # -- read by the recorder, in its writer thread ------------------------------------------------------

    @property
    def answered_status(self) -> int:
        """The status the client got: 500 from the server's error handler when the app raised before
        answering, 0 when nothing was sent at all (a dropped connection)."""
        if self.status is not None:
            return self.status
        return 500 if self.failed else 0

    @property
    def operation_id(self) -> str | None:
        routing: dict[str, Any] = (self.scope.get("extensions") or {}).get(_ROUTING_EXTENSION) or {}
        value = routing.get("operation_id")
        # connexion's RelativeResolver prefixes the handler module: keep the spec's operationId.
        return value.rpartition(".")[2] if isinstance(value, str) else None

    @property
    def method(self) -> str:
        return str(self.scope.get("method", ""))

    @property
    def scheme(self) -> str:
        return str(self.scope.get("scheme", "http"))

    @property
    def http_version(self) -> str:
        return str(self.scope.get("http_version", "1.1"))

    @property
    def client_path(self) -> str:
        return context_of(self.scope).client_path

    @property
    def query_string(self) -> str:
        return self.scope.get("query_string", b"").decode("latin-1")

    @property
    def app_name(self) -> str | None:
        """The app the entry is filed under first: the tenant the request was for, else the app of
        its app-scoped URL."""
        ctx = context_of(self.scope)
        return ctx.app_name or ctx.path_app

    @cached_property
    def request_headers(self) -> list[tuple[str, str]]:
        return _decode_headers(self.scope.get("headers", ()))

    @property
    def response_headers(self) -> list[tuple[str, str]]:
        return _decode_headers(self.raw_response_headers)

    @property
    def host(self) -> str:
        for name, value in self.request_headers:
            if name == "host":
                return value
        if server := self.scope.get("server"):
            host, port = server
            return host if port in (None, 80, 443) else f"{host}:{port}"
        return "localhost"


def _decode_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(bytes(name).decode("latin-1").lower(), bytes(value).decode("latin-1")) for name, value in raw]
