"""One request and its answer as the middleware saw them: raw bytes, nothing decoded or redacted yet.

Capturing is kept to appending bytes and reading a clock, so the response path pays almost
nothing; decoding, redaction and the database write happen after the answer was sent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Message, Receive, Scope, Send

BODY_CAP = 64 * 1024  # bytes of each body kept in the log
# Bytes captured beyond the cap, so a secret that starts before the cut is still whole when
# it is scrubbed (credentials are far shorter than this).
_MARGIN = 8 * 1024
CAPTURE = BODY_CAP + _MARGIN

ROUTING_EXTENSION = "connexion_routing"  # connexion's RoutingMiddleware puts operation_id there


@dataclass
class Exchange:
    scope: Scope
    started: float = field(default_factory=time.time)  # wall clock, seconds since the epoch
    _t0: float = field(default_factory=time.perf_counter)
    request_body: bytearray = field(default_factory=bytearray)
    request_size: int = 0
    request_complete: bool = False
    status: int | None = None
    response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    response_body: bytearray = field(default_factory=bytearray)
    response_size: int = 0
    latency_ms: float | None = None
    failed: bool = False  # the app raised: the server's error handler answers 500 unless we already did

    def __post_init__(self) -> None:
        # connexion's router copies the scope but keeps this dict, so the operationId it resolves
        # comes back to us without a second routing pass.
        self.scope.setdefault("extensions", {})

    def receive(self, receive: Receive) -> Receive:
        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body: bytes = message.get("body", b"")
                if body:
                    self.request_size += len(body)
                    room = CAPTURE - len(self.request_body)
                    if room > 0:
                        self.request_body += body[:room]
                if not message.get("more_body", False):
                    self.request_complete = True
            return message

        return receiving

    def send(self, send: Send) -> Send:
        async def sending(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                self.status = message["status"]
                self.response_headers = list(message.get("headers", ()))
            elif kind == "http.response.body":
                body: bytes = message.get("body", b"")
                if body:
                    self.response_size += len(body)
                    room = CAPTURE - len(self.response_body)
                    if room > 0:
                        self.response_body += body[:room]
            await send(message)
            if kind == "http.response.body" and not message.get("more_body", False):
                self.latency_ms = self._elapsed_ms()

        return sending

    def finish(self) -> None:
        if self.latency_ms is None:
            self.latency_ms = self._elapsed_ms()

    def _elapsed_ms(self) -> float:
        return round((time.perf_counter() - self._t0) * 1000, 3)

    @property
    def answered_status(self) -> int:
        """The status the client got: 0 when no answer was sent at all (a dropped connection)."""
        if self.status is not None:
            return self.status
        return 500 if self.failed else 0

    @property
    def operation_id(self) -> str | None:
        routing: dict[str, Any] = (self.scope.get("extensions") or {}).get(ROUTING_EXTENSION) or {}
        value = routing.get("operation_id")
        # connexion's RelativeResolver prefixes the handler module: keep the spec's operationId.
        return value.rpartition(".")[2] if isinstance(value, str) else None
