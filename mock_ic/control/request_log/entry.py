"""One exchange as the log stores it: the tenant it is filed under, and its row, redacted and capped.

The tenant of a request is the first known of: the app of an app-scoped URL, the tenant of the
bearer token, on the token endpoint ``appName`` and the owner of the client_id (HTTP Basic or
form). Requests with no known tenant are not stored.

``path`` is the path the client used (before the app-scoped rewrite); bodies are text, at most
:data:`BODY_CAP` bytes each (then a marker at the end), stored compressed when that is smaller
(``bodies``); a request body is None when there was none or the server answered without reading
it; ``status`` 0 means no answer was sent.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl

import orjson

from mock_ic.control.request_log import bodies
from mock_ic.control.request_log.redaction import VENDOR_HEADER, Secrets, redact_header
from mock_ic.control.tokens import decode_basic

if TYPE_CHECKING:
    from mock_ic.control.tenants import Tenant, TenantRegistry
    from mock_ic.control.tokens import Grant

BODY_CAP = 64 * 1024  # bytes of each body kept
_TOKEN_PATH = "/campus/oauth2"


class Captured(Protocol):
    """One request and its answer as they passed, nothing decoded or redacted yet.

    ``mock_ic.edge.request_capture.Exchange`` captures it; the recorder reads it in its writer thread,
    after the answer went out, so whatever is decoded here is decoded off the event loop.
    """

    started: float  # wall clock, seconds since the epoch
    latency_ms: float | None
    request_body: bytearray  # the first bytes, more than BODY_CAP when there were
    request_size: int  # bytes the app read
    request_complete: bool  # the app read the whole body
    response_body: bytearray
    response_size: int
    reserved: bool  # already counted as pending by the recorder (Recorder.reserve)

    @property
    def method(self) -> str: ...

    @property
    def scheme(self) -> str: ...

    @property
    def http_version(self) -> str: ...

    @property
    def host(self) -> str:
        """The Host header, else the address the server listens on."""
        ...

    @property
    def client_path(self) -> str:
        """The path the client used (before the app-scoped rewrite), percent-decoded."""
        ...

    @property
    def query_string(self) -> str: ...

    @property
    def app_name(self) -> str | None:
        """The app of an app-scoped URL."""
        ...

    @property
    def request_headers(self) -> list[tuple[str, str]]:
        """(lower-case name, value) pairs."""
        ...

    @property
    def response_headers(self) -> list[tuple[str, str]]: ...

    @property
    def operation_id(self) -> str | None: ...

    @property
    def answered_status(self) -> int:
        """The status the client got; 0 when nothing was sent."""
        ...


def tenants_of(exchange: Captured, tenants: TenantRegistry,
               read_token: Callable[[str], Grant | None]) -> list[Tenant]:
    """The tenant the entry is filed under, then every other tenant whose credentials the exchange
    carries (their secrets are scrubbed too). Empty when it has no known tenant.

    In order: the app of an app-scoped URL, the tenant of the bearer token, on the token endpoint
    ``appName`` and the owner of the client_id. An unknown name is skipped, so a client that
    got its appName wrong finds its refused requests in the log of the credentials it used."""
    found: list[Tenant | None] = []
    if app_name := exchange.app_name:
        found.append(tenants.get(app_name))
    authorization = _authorization(exchange)
    if grant := _grant(authorization, read_token):
        found.append(tenants.get(grant.app_name))
    if exchange.client_path.startswith(_TOKEN_PATH):
        if app_name := dict(parse_qsl(exchange.query_string)).get("appName"):
            found.append(tenants.get(app_name))
        for client_id in (_basic_client_id(authorization), _form_field(exchange, "client_id")):
            if client_id:
                found.append(tenants.by_client_id(client_id))
    return list({t.app_name: t for t in found if t is not None}.values())


def row_of(exchange: Captured, involved: list[Tenant], is_token: Callable[[str], bool],
           level: int = bodies.LEVEL) -> dict[str, Any]:
    """The row stored for the exchange (columns of ``mock_request_log``), filed under ``involved[0]``;
    bodies compressed at zlib ``level``."""
    request_headers = exchange.request_headers
    response_headers = exchange.response_headers
    path = exchange.client_path

    secrets = Secrets()
    for tenant in involved:
        secrets.add(tenant.client_secret, tenant.vendor_secret)
    for name, value in request_headers:
        if name == "authorization":
            secrets.add_authorization(value)
        elif name == VENDOR_HEADER:
            secrets.add(value.partition(":")[2], value)
    # Every secret must be known before any text is scrubbed: the token a response issues is
    # scrubbed from the request too, should it be there.
    query, request_body, response_body = (secrets.take_fields(text) for text in (
        exchange.query_string,
        _text(exchange.request_body, exchange.request_size),
        _text(exchange.response_body, exchange.response_size)))
    for text in (path, query, request_body, response_body,
                 *(value for _, value in request_headers), *(value for _, value in response_headers)):
        secrets.take_tokens(text, is_token)

    def headers(pairs: list[tuple[str, str]]) -> str:
        return orjson.dumps([[name, secrets.scrub(redact_header(name, value))] for name, value in pairs]).decode()

    def body(text: str | None, size: int) -> tuple[str | None, bytes | None]:
        # Scrubbed and capped first: what is compressed is exactly what a reader gets back.
        return bodies.pack(_cap(secrets.scrub(text), size) if text else None, level)

    request_text, request_packed = body(request_body, exchange.request_size)
    response_text, response_packed = body(response_body, exchange.response_size)

    return {
        "tenant": involved[0].app_name,
        "started": iso_millis(exchange.started),
        "method": exchange.method,
        "scheme": exchange.scheme,
        "host": secrets.scrub(exchange.host),
        "path": secrets.scrub(path),
        "query": secrets.scrub(query or ""),
        "http_version": exchange.http_version,
        "status": exchange.answered_status,
        "latency_ms": exchange.latency_ms or 0.0,
        "operation_id": exchange.operation_id,
        "request_headers": headers(request_headers),
        "request_body": request_text,
        "request_body_z": request_packed,
        "request_size": _request_size(exchange, request_headers),
        "response_headers": headers(response_headers),
        "response_body": response_text,
        "response_body_z": response_packed,
        "response_size": exchange.response_size,
    }


def iso_millis(epoch: float) -> str:
    """The stored form of a moment: ``2025-01-31T12:00:00.123Z`` (text order is time order)."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _authorization(exchange: Captured) -> str | None:
    return next((value for name, value in exchange.request_headers if name == "authorization"), None)


def _grant(authorization: str | None, read_token: Callable[[str], Grant | None]) -> Grant | None:
    if not authorization or authorization[:7].lower() != "bearer ":
        return None
    token = authorization[7:].strip()
    return read_token(token) if token else None


def _basic_client_id(value: str | None) -> str | None:
    credentials = decode_basic(value)
    return credentials[0] or None if credentials else None


def _form_field(exchange: Captured, name: str) -> str | None:
    if not exchange.request_body:
        return None
    return dict(parse_qsl(exchange.request_body.decode("utf-8", "replace"))).get(name) or None


def _text(data: bytearray, size: int) -> str | None:
    """The captured bytes as text (UTF-8, invalid bytes replaced); an incomplete last character is dropped."""
    if size == 0:
        return None
    return codecs.getincrementaldecoder("utf-8")("replace").decode(bytes(data), final=len(data) >= size)


def _cap(text: str, size: int) -> str:
    """At most BODY_CAP bytes of the (redacted) text, and a marker when the body was longer."""
    if size <= BODY_CAP:
        return text
    kept = text.encode()[:BODY_CAP].decode("utf-8", "ignore")
    return f"{kept}\n[mock-ic: body truncated, {size} bytes in total, the first {BODY_CAP} kept]"


def _request_size(exchange: Captured, headers: list[tuple[str, str]]) -> int:
    """Bytes of the request body; as Content-Length says when the app answered without reading it."""
    if exchange.request_complete or exchange.request_size:
        return exchange.request_size
    length = next((value.strip() for name, value in headers if name == "content-length"), "")
    return int(length) if length.isdigit() else 0
