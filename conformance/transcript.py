"""What the kit sent during one test (one hypothesis example), to show a failure as curl lines.

Hypothesis runs the shrunk, minimal failing example last, so a transcript restarted at the beginning
of every example ends up holding the shortest request sequence that reproduces the failure. No
credential is ever kept: the token and the vendor header appear as ``$TOKEN`` and ``$VENDOR``.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from conformance.client import OneRosterClient

MAX_CALLS = 200  # a transcript longer than this keeps its last calls: the failure is at the end


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    body: Any = None  # the JSON body sent, if any
    status: int | None = None


@dataclass
class Transcript:
    calls: list[Call] = field(default_factory=list)

    def start(self) -> None:
        """A new test or hypothesis example begins: forget the previous one's requests."""
        self.calls.clear()

    def record(self, method: str, url: str, body: Any = None, status: int | None = None) -> None:
        self.calls.append(Call(method.upper(), url, body, status))
        del self.calls[:-MAX_CALLS]

    def attach(self, client: OneRosterClient) -> None:
        """Record every request ``client`` sends from now on (not the token request: it carries the secret)."""
        send = client._send

        def recorded(method: str, url: str, **kwargs: Any) -> Any:
            response = send(method, url, **kwargs)
            if url != client.token_url:
                params = kwargs.get("params")
                shown = f"{url}?{urlencode(params)}" if params else url
                self.record(method, shown, kwargs.get("json"), response.status_code)
            return response

        client._send = recorded  # type: ignore[method-assign]

    def as_curl(self) -> str:
        return "\n".join(curl(call) for call in self.calls)


def curl(call: Call) -> str:
    parts = ["curl", "-X", call.method, "-H", "Authorization: Bearer $TOKEN"]
    if "/gradebook/" in call.url or "/v1p1/" in call.url:
        parts += ["-H", "x-vendor-authorization: $VENDOR"]
    if call.body is not None:
        parts += ["-H", "Content-Type: application/json", "--data", json.dumps(call.body, separators=(",", ":"))]
    parts.append(call.url)
    line = " ".join(shlex.quote(p) if p not in ("$TOKEN",) else p for p in parts)
    line = line.replace("'Authorization: Bearer $TOKEN'", '"Authorization: Bearer $TOKEN"')
    line = line.replace("'x-vendor-authorization: $VENDOR'", '"x-vendor-authorization: $VENDOR"')
    return line + (f"   # -> {call.status}" if call.status is not None else "")
