"""The request log: every OneRoster request of a tenant, with its answer, secrets redacted.

- :class:`RequestLogMiddleware` — pure ASGI, installed right after PathMiddleware (which puts the
  runtime and the app name of app-scoped URLs in the scope) and before the fault middleware, so
  injected faults are logged as the client saw them. It captures each exchange in memory and hands
  it, once the answer is out, to the server's :class:`Recorder`: a writer thread that redacts and
  stores the entries in batches (one transaction per batch). It never changes or delays an answer,
  and a failure to log is a warning.
- Reads (:func:`entries`, :func:`count`, :func:`get`) first wait for this process's pending entries
  (:func:`flush`), so a request answered before a read is in it. With ``--workers`` > 1 another
  worker's entries become visible when its writer commits them, a few milliseconds later.
- :func:`entries`, :func:`count`, :func:`get`, :func:`clear` — a tenant's log, newest first,
  filtered by path glob, method, status (``404`` or ``"4xx"``) and time window.
- :func:`to_har` — entries as an HTTP Archive 1.2 document.

Stored in the database (table ``mock_request_log``), so every worker process and a restart see
it; each tenant keeps its newest ``keep`` entries (default 5,000, pruned every 100 inserts). The
tenant of a request is the first known of: the app of an app-scoped URL, the tenant of the bearer
token, on the token endpoint ``appName`` and the owner of the client_id (HTTP Basic or form).
Requests with no known tenant, and ``/_mock`` admin requests, are not logged.

Secrets (client secrets, vendor secrets, tokens) are never stored. Two passes, so one missed case
does not leak: by name (credential headers; ``client_secret``, ``access_token``, ``refresh_token``
... fields of forms, query strings and JSON bodies) and by value (every secret known for the
exchange — the bearer token, the Basic password, the client and vendor secrets of the tenants
involved, any access token of this server — replaced wherever it still appears). Both work on text,
so a body cut at the size cap, or not valid JSON, is redacted too and keeps its formatting.

An entry (``entries()`` / ``get()``)::

    {"id": 41, "tenant": "demo", "started": "2025-01-31T12:00:00.123Z", "method": "PUT",
     "path": "/campus/api/oneroster/v1p2/demo/ims/oneroster/gradebook/v1p2/lineItems/li-1",
     "status": 201, "latencyMs": 4.2, "operationId": "putLineItem",
     "url": "http://localhost:8080/campus/api/...", "httpVersion": "1.1",
     "request": {"headers": [{"name": "authorization", "value": "Bearer [redacted]"}, ...],
                 "body": "{...}", "bodySize": 312, "truncated": false},
     "response": {"headers": [...], "body": "{...}", "bodySize": 498, "truncated": false}}

``path`` is the path the client used (before the app-scoped rewrite) with its query string;
bodies are text, at most 64 KiB each (then ``truncated`` and a marker at the end); a request body
is None when there was none or the server answered without reading it; ``status`` 0 means no
answer was sent (a dropped connection).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import importlib.metadata
import logging
import queue
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote

import orjson
import sqlalchemy as sa
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_ic.control.runtime import SCOPE_KEY, Runtime
from mock_ic.control.tokens import decode_basic
from mock_ic.store.engine import Database
from mock_ic.store.tables import request_log

if TYPE_CHECKING:
    from mock_ic.control.tenants import Tenant
    from mock_ic.control.tokens import Grant

log = logging.getLogger("mock_ic.control.requestlog")

DEFAULT_KEEP = 5000  # entries kept per tenant
PRUNE_EVERY = 100  # inserts of a tenant between two prunings
BODY_CAP = 64 * 1024  # bytes of each body kept
# Bytes captured beyond the cap, so a secret that starts before the cut is still whole when it is
# scrubbed (credentials are far shorter than this).
_CAPTURE = BODY_CAP + 8 * 1024
REDACTED = "[redacted]"

_ADMIN = "/_mock"
_TOKEN_PATH = "/campus/oauth2"
_ROUTING_EXTENSION = "connexion_routing"  # where connexion's RoutingMiddleware puts the operation_id


# --- storage ----------------------------------------------------------------------------------------------

# The table (request_log) is defined in mock_ic/store/tables.py and made by the store's migrations.
_INSERT = sa.insert(request_log)
_tables_ready: weakref.WeakSet[Database] = weakref.WeakSet()
_tables_lock = threading.Lock()


def ensure_table(db: Database) -> None:
    """Create the table if this database lacks it (checked once per Database object)."""
    if db in _tables_ready:
        return
    with _tables_lock:
        if db not in _tables_ready:
            with db.write() as conn:
                request_log.create(conn, checkfirst=True)
            _tables_ready.add(db)


def prune(conn: sa.Connection, tenant: str, keep: int) -> None:
    """Delete the tenant's entries older than its newest ``keep`` (one statement on the (tenant, id) index)."""
    cutoff = (sa.select(request_log.c.id).where(request_log.c.tenant == tenant)
              .order_by(request_log.c.id.desc()).offset(keep).limit(1).scalar_subquery())
    conn.execute(sa.delete(request_log).where(request_log.c.tenant == tenant, request_log.c.id <= cutoff))


# --- capture ----------------------------------------------------------------------------------------------


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, runtime: Runtime | None = None, keep: int | None = None,
                 prune_every: int = PRUNE_EVERY) -> None:
        """``keep``: entries kept per tenant; by default the ``request_log_keep`` setting."""
        self.app = app
        self.runtime = runtime
        self._keep = keep
        self._prune_every = prune_every
        self._recorders: dict[int, Recorder] = {}  # by id(runtime); one runtime per app in practice

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rt: Runtime | None = self.runtime or scope.get(SCOPE_KEY)
        if scope["type"] != "http" or rt is None or not _may_have_a_tenant(scope):
            await self.app(scope, receive, send)
            return
        recorder = self._recorder(rt)
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


def _may_have_a_tenant(scope: Scope) -> bool:
    """Cheap pre-check: never admin paths; else an app-scoped URL, the token endpoint or an Authorization header."""
    path = _client_path(scope)
    if path == _ADMIN or path.startswith(_ADMIN + "/"):
        return False
    if scope.get("mock_ic.app_name") or path.startswith(_TOKEN_PATH):
        return True
    return any(name.lower() == b"authorization" for name, _ in scope.get("headers", ()))


def _client_path(scope: Scope) -> str:
    """The path the client used (before PathMiddleware's app-scoped rewrite)."""
    return scope.get("mock_ic.original_path") or scope.get("path", "")


@dataclass
class Exchange:
    """One request and its answer as they passed: raw bytes, nothing decoded or redacted yet.

    Capturing only appends bytes and reads a clock; decoding, redaction and the write happen later.
    """

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
                self.response_headers = list(message.get("headers", ()))
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


# --- recording (in a worker thread) -------------------------------------------------------------------------


_recorders: weakref.WeakSet[Recorder] = weakref.WeakSet()
BATCH = 200  # entries written in one transaction at most


class Recorder:
    """Writes the exchanges of one server (runtime) to its database; keeps each tenant's newest ``keep``.

    :meth:`submit` queues an exchange and returns at once; a daemon writer thread takes whatever is
    queued (up to :data:`BATCH`), redacts it and inserts it in one transaction. Under load that is
    one commit for many requests, and no thread hop per request on the event loop.
    """

    def __init__(self, runtime: Runtime, *, keep: int = DEFAULT_KEEP, prune_every: int = PRUNE_EVERY) -> None:
        if keep < 1 or prune_every < 1:
            raise ValueError(f"keep and prune_every must be >= 1, got {keep} and {prune_every}")
        self.runtime = runtime
        self.keep = keep
        self.prune_every = prune_every
        self._inserts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._read_token = runtime.tokens.read  # checks each token's signature once (TokenService)
        self._queue: queue.SimpleQueue[Exchange] = queue.SimpleQueue()
        self._pending = 0  # submitted, not yet written (or given up)
        self._settled = threading.Condition()
        self._writer: threading.Thread | None = None
        _recorders.add(self)

    # -- the writer thread -------------------------------------------------------------------------------

    def reserve(self, exchange: Exchange) -> None:
        """Count the exchange as pending before its answer is complete (see Exchange.on_answered)."""
        with self._settled:
            self._pending += 1

    def submit(self, exchange: Exchange) -> None:
        """Queue the exchange for the writer thread (never blocks, never raises for a bad exchange)."""
        with self._settled:
            if not exchange.reserved:
                self._pending += 1
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write_forever, name="mock-ic-request-log", daemon=True)
                self._writer.start()
        self._queue.put(exchange)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every exchange submitted so far is written (or given up); False on timeout."""
        with self._settled:
            return self._settled.wait_for(lambda: self._pending == 0, timeout=timeout)

    def _write_forever(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self.record_many(batch)
            except Exception as exc:
                for exchange in batch:
                    _warn(exchange, exc)
            finally:
                with self._settled:
                    self._pending -= len(batch)
                    self._settled.notify_all()

    # -- writing -------------------------------------------------------------------------------------------

    def record_many(self, exchanges: list[Exchange]) -> int:
        """Store the exchanges in one transaction; how many belonged to a tenant (and were stored)."""
        rows = self._rows(exchanges)
        if rows:
            with self.runtime.db.write() as conn:
                conn.execute(_INSERT, rows)
                self._prune(conn, rows)
        return len(rows)

    def _rows(self, exchanges: list[Exchange]) -> list[dict[str, Any]]:
        rows = []
        for exchange in exchanges:
            involved = self._tenants_of(exchange)
            if involved:
                rows.append(self._row(exchange, involved))
        if rows:
            ensure_table(self.runtime.db)
        return rows

    def _prune(self, conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
        """Every ``prune_every`` inserts of a tenant; the first insert of a tenant in this process too
        (the table outlives processes)."""
        due: set[str] = set()
        with self._lock:
            for row in rows:
                count = self._inserts.get(row["tenant"], 0)
                self._inserts[row["tenant"]] = count + 1
                if count % self.prune_every == 0:
                    due.add(row["tenant"])
        for tenant in sorted(due):
            prune(conn, tenant, self.keep)

    def _tenants_of(self, exchange: Exchange) -> list[Tenant]:
        """The tenant the entry is filed under, then every other tenant whose credentials the exchange
        carries (their secrets are scrubbed too). Empty when it has no known tenant.

        In order: the app of an app-scoped URL, the tenant of the bearer token, on the token endpoint
        ``appName`` and the owner of the client_id. An unknown name is skipped, so a client that
        got its appName wrong finds its refused requests in the log of the credentials it used."""
        rt = self.runtime
        scope = exchange.scope
        found: list[Tenant | None] = []
        if app_name := scope.get("mock_ic.app_name"):
            found.append(rt.tenants.get(app_name))
        if grant := self._grant(_authorization(scope)):
            found.append(rt.tenants.get(grant.app_name))
        if _client_path(scope).startswith(_TOKEN_PATH):
            if app_name := dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get("appName"):
                found.append(rt.tenants.get(app_name))
            for client_id in (_basic_client_id(_authorization(scope)), _form_field(exchange, "client_id")):
                if client_id:
                    found.append(rt.tenants.by_client_id(client_id))
        return list({t.app_name: t for t in found if t is not None}.values())

    def _grant(self, authorization: str | None) -> Grant | None:
        if not authorization or authorization[:7].lower() != "bearer ":
            return None
        token = authorization[7:].strip()
        return self._read_token(token) if token else None

    def _is_token(self, text: str) -> bool:
        return self._read_token(text) is not None

    def _row(self, exchange: Exchange, involved: list[Tenant]) -> dict[str, Any]:
        scope = exchange.scope
        request_headers = _decode_headers(scope.get("headers", ()))
        response_headers = _decode_headers(exchange.response_headers)
        path = _client_path(scope)

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
            scope.get("query_string", b"").decode("latin-1"),
            _text(exchange.request_body, exchange.request_size),
            _text(exchange.response_body, exchange.response_size)))
        for text in (path, query, request_body, response_body,
                     *(value for _, value in request_headers), *(value for _, value in response_headers)):
            secrets.take_tokens(text, self._is_token)

        def headers(pairs: list[tuple[str, str]]) -> str:
            return orjson.dumps([[name, secrets.scrub(redact_header(name, value))] for name, value in pairs]).decode()

        def body(text: str | None, size: int) -> str | None:
            return _cap(secrets.scrub(text), size) if text else None

        return {
            "tenant": involved[0].app_name,
            "started": _iso_millis(exchange.started),
            "method": str(scope.get("method", "")),
            "scheme": str(scope.get("scheme", "http")),
            "host": secrets.scrub(_host(scope, request_headers)),
            "path": secrets.scrub(path),
            "query": secrets.scrub(query or ""),
            "http_version": str(scope.get("http_version", "1.1")),
            "status": exchange.answered_status,
            "latency_ms": exchange.latency_ms or 0.0,
            "operation_id": exchange.operation_id,
            "request_headers": headers(request_headers),
            "request_body": body(request_body, exchange.request_size),
            "request_size": _request_size(exchange, request_headers),
            "response_headers": headers(response_headers),
            "response_body": body(response_body, exchange.response_size),
            "response_size": exchange.response_size,
        }


def _warn(exchange: Exchange, exc: Exception) -> None:
    # Only what cannot hold a secret: not the exception's text (a database error quotes the row), not
    # the path or query (a client may put anything there).
    log.warning("request log: could not record a %s request (operation %s, status %s): %s",
                exchange.scope.get("method"), exchange.operation_id or "unknown", exchange.answered_status,
                type(exc).__name__)


def flush(db: Database, timeout: float = 10.0) -> bool:
    """Wait until this process's recorders on ``db`` have written what they were given (see module doc)."""
    return all(recorder.flush(timeout) for recorder in list(_recorders) if recorder.runtime.db is db)


def _iso_millis(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _decode_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(bytes(name).decode("latin-1").lower(), bytes(value).decode("latin-1")) for name, value in raw]


def _authorization(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            return bytes(value).decode("latin-1")
    return None


def _basic_client_id(value: str | None) -> str | None:
    credentials = decode_basic(value)
    return credentials[0] or None if credentials else None


def _form_field(exchange: Exchange, name: str) -> str | None:
    if not exchange.request_body:
        return None
    return dict(parse_qsl(exchange.request_body.decode("utf-8", "replace"))).get(name) or None


def _host(scope: Scope, headers: list[tuple[str, str]]) -> str:
    for name, value in headers:
        if name == "host":
            return value
    if server := scope.get("server"):
        host, port = server
        return host if port in (None, 80, 443) else f"{host}:{port}"
    return "localhost"


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


def _request_size(exchange: Exchange, headers: list[tuple[str, str]]) -> int:
    """Bytes of the request body; as Content-Length says when the app answered without reading it."""
    if exchange.request_complete or exchange.request_size:
        return exchange.request_size
    length = next((value.strip() for name, value in headers if name == "content-length"), "")
    return int(length) if length.isdigit() else 0


# --- redaction ----------------------------------------------------------------------------------------------

# Form / query / JSON fields whose values are credentials.
SECRET_FIELDS = ("client_secret", "access_token", "refresh_token", "id_token", "client_assertion", "assertion",
                 "password", "vendor_secret")
_FIELDS = "|".join(SECRET_FIELDS)
# Every name in SECRET_FIELDS contains one of these: a few substring searches cost far less than
# the patterns on a 64 KiB body, and most bodies mention none.
_FIELD_MARKERS = ("_token", "_secret", "assertion", "password")
# "name": "value" — the value may be cut off by the size cap (no closing quote).
_JSON_FIELD = re.compile(rf'("(?:{_FIELDS})"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\\?$)')
_JSON_VALUE = re.compile(rf'"(?:{_FIELDS})"\s*:\s*"((?:[^"\\]|\\.)*)')
_FORM_FIELD = re.compile(rf"(?<![^&?])((?:{_FIELDS})=)[^&#\s]*")
_FORM_VALUE = re.compile(rf"(?<![^&?])(?:{_FIELDS})=([^&#\s]*)")
# Access tokens are itsdangerous tokens, "<base64 payload>.<signature>": a JSON payload's base64
# starts "eyJ", a compressed one ".eJ" — cheap to search for, then confirmed by a signature check.
_TOKEN_MARKERS = ("eyJ", ".eJ")
_TOKEN = re.compile(r"\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")

VENDOR_HEADER = "x-vendor-authorization"
_CREDENTIAL_HEADERS = {"authorization", "proxy-authorization"}
_COOKIE_HEADERS = {"cookie", "set-cookie"}
_SECRET_HEADER_WORDS = ("token", "secret", "password", "api-key", "apikey", "credential")
# Shorter values are not scrubbed by value: replacing "a" everywhere would ruin the entry and hide
# nothing (real credentials are long random strings).
MIN_SECRET_LENGTH = 6


def redact_header(name: str, value: str) -> str:
    """The value of one header as it may be stored."""
    lower = name.lower()
    if lower in _CREDENTIAL_HEADERS:
        scheme, sep, _ = value.strip().partition(" ")
        return f"{scheme} {REDACTED}" if sep and scheme else REDACTED
    if lower == VENDOR_HEADER:
        key, sep, _ = value.partition(":")
        return f"{key}:{REDACTED}" if sep else REDACTED
    if lower in _COOKIE_HEADERS or any(word in lower for word in _SECRET_HEADER_WORDS):
        return REDACTED
    return value


def redact_fields(text: str) -> str:
    """``text`` (a body or a query string) with the values of credential fields redacted."""
    return _redact_fields(text) if _mentions_a_field(text) else text


def _redact_fields(text: str) -> str:
    text = _JSON_FIELD.sub(rf'\1"{REDACTED}"', text)
    return _FORM_FIELD.sub(rf"\1{REDACTED}", text)


def _mentions_a_field(text: str) -> bool:
    return any(marker in text for marker in _FIELD_MARKERS)


class Secrets:
    """The secret values of one exchange, to be scrubbed from every text stored."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def add(self, *values: str | None) -> None:
        for value in values:
            if value and len(value) >= MIN_SECRET_LENGTH:
                # As sent in a form or a URL, too.
                self._values.update({value, quote(value, safe=""), quote(value, safe="/")})

    def add_authorization(self, value: str | None) -> None:
        """The bearer token, or the client secret of HTTP Basic credentials."""
        if not value:
            return
        scheme, _, credentials = value.strip().partition(" ")
        credentials = credentials.strip()
        self.add(credentials)
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return
            secret = decoded.partition(":")[2]
            self.add(secret, unquote(secret))

    def take_fields(self, text: str | None) -> str | None:
        """``text`` with its credential fields redacted; their values are remembered, to be scrubbed
        wherever else they appear."""
        if not text or not _mentions_a_field(text):
            return text
        for match in _JSON_VALUE.finditer(text):
            self.add(match.group(1))
        for match in _FORM_VALUE.finditer(text):
            self.add(unquote(match.group(1)), match.group(1))
        return _redact_fields(text)

    def take_tokens(self, text: str | None, is_token: Callable[[str], bool]) -> None:
        """Remember the access tokens of this server found in ``text``, whoever they were issued to."""
        if not text:
            return
        for marker in _TOKEN_MARKERS:
            start = text.find(marker)
            while start >= 0:
                match = _TOKEN.match(text, start)
                if match and is_token(match.group()):
                    self.add(match.group())
                start = text.find(marker, start + len(marker))

    def scrub(self, text: str) -> str:
        # Longest first: a value that contains another is replaced whole.
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, REDACTED)
        return text


# --- queries ------------------------------------------------------------------------------------------------

Moment = datetime | str | float  # a datetime (naive = UTC), an ISO-8601 string or seconds since the epoch
_STATUS_CLASS = re.compile(r"^([1-5])xx$", re.IGNORECASE)
_URL_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def entries(db: Database, tenant: str, *, path_glob: str | None = None, method: str | None = None,
            status: int | str | None = None, since: Moment | None = None, until: Moment | None = None,
            limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The tenant's entries, newest first.

    ``path_glob``: ``*`` any run of characters (``/`` included), ``?`` one character, case-sensitive,
    matched against the path alone and against path?query (``*/lineItems/*``, ``*/classes?limit=*``).
    ``status``: 201, ``"201"`` or a class, ``"4xx"``. ``since`` / ``until``: inclusive, to the millisecond.
    """
    if limit < 0 or offset < 0:
        raise ValueError(f"limit and offset must be >= 0, got {limit} and {offset}")
    flush(db)
    ensure_table(db)
    query = (sa.select(request_log).where(*_conditions(db, tenant, path_glob, method, status, since, until))
             .order_by(request_log.c.id.desc()).limit(limit).offset(offset))
    with db.read() as conn:
        rows = conn.execute(query).mappings().all()
    return [_entry(row) for row in rows]


def count(db: Database, tenant: str, *, path_glob: str | None = None, method: str | None = None,
          status: int | str | None = None, since: Moment | None = None, until: Moment | None = None) -> int:
    """How many entries :func:`entries` pages through with these filters."""
    flush(db)
    ensure_table(db)
    query = sa.select(sa.func.count()).select_from(request_log).where(
        *_conditions(db, tenant, path_glob, method, status, since, until))
    with db.read() as conn:
        return int(conn.execute(query).scalar_one())


def get(db: Database, tenant: str, entry_id: int) -> dict[str, Any] | None:
    """One entry of the tenant by id, or None."""
    flush(db)
    ensure_table(db)
    query = sa.select(request_log).where(request_log.c.tenant == tenant, request_log.c.id == entry_id)
    with db.read() as conn:
        row = conn.execute(query).mappings().first()
    return _entry(row) if row else None


def clear(db: Database, tenant: str) -> int:
    """Delete every entry of the tenant: how many there were."""
    flush(db)
    ensure_table(db)
    with db.write() as conn:
        return conn.execute(sa.delete(request_log).where(request_log.c.tenant == tenant)).rowcount or 0


def _entry(row: Any) -> dict[str, Any]:
    query = f"?{row['query']}" if row["query"] else ""
    return {
        "id": row["id"],
        "tenant": row["tenant"],
        "started": row["started"],
        "method": row["method"],
        "path": row["path"] + query,
        "status": row["status"],
        "latencyMs": row["latency_ms"],
        "operationId": row["operation_id"],
        "url": f"{row['scheme']}://{row['host']}{quote(row['path'], safe=_URL_PATH_SAFE)}{query}",
        "httpVersion": row["http_version"],
        "request": _message(row["request_headers"], row["request_body"], row["request_size"]),
        "response": _message(row["response_headers"], row["response_body"], row["response_size"]),
    }


def _message(headers: str, body: str | None, size: int) -> dict[str, Any]:
    return {
        "headers": [{"name": name, "value": value} for name, value in orjson.loads(headers)],
        "body": body,
        "bodySize": size,
        "truncated": size > BODY_CAP,
    }


def _conditions(db: Database, tenant: str, path_glob: str | None, method: str | None, status: int | str | None,
                since: Moment | None, until: Moment | None) -> list[sa.ColumnElement[bool]]:
    c = request_log.c
    conditions: list[sa.ColumnElement[bool]] = [c.tenant == tenant]
    if path_glob:
        with_query = _glob(db, c.path + "?" + c.query, path_glob)
        conditions.append(sa.or_(_glob(db, c.path, path_glob), sa.and_(c.query != "", with_query)))
    if method:
        conditions.append(c.method == method.upper())
    if status is not None:
        low, high = _status_range(status)
        conditions.append(c.status.between(low, high))
    if since is not None:
        conditions.append(c.started >= _moment(since, "since"))
    if until is not None:
        conditions.append(c.started <= _moment(until, "until"))
    return conditions


def _glob(db: Database, column: sa.ColumnElement[str], pattern: str) -> sa.ColumnElement[bool]:
    """Case-sensitive, only ``*`` and ``?`` special, alike on SQLite (GLOB) and PostgreSQL (LIKE)."""
    if db.is_sqlite:
        return column.op("GLOB")(pattern.replace("[", "[[]"))  # GLOB also has [...] classes: "[" is literal
    like = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%").replace("?", "_")
    return column.like(like, escape="\\")


def _status_range(status: int | str) -> tuple[int, int]:
    if isinstance(status, int) and not isinstance(status, bool):
        return status, status
    text = str(status).strip()
    if text.isdigit():
        return int(text), int(text)
    if match := _STATUS_CLASS.match(text):
        first = int(match.group(1)) * 100
        return first, first + 99
    raise ValueError(f"status must be a status code like 404 or a class like '4xx', got {status!r}")


def _moment(value: Moment, name: str) -> str:
    """A moment in the stored form of ``started``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _iso_millis(float(value))
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{name} must be an ISO-8601 date-time, got {value!r}") from None
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, an ISO-8601 string or epoch seconds, got {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return _iso_millis(value.timestamp())


# --- HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) ------------------------------------------------


def to_har(log_entries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A HAR 1.2 document of entries as :func:`entries` returns them.

    Entries go oldest first (as the format prefers), each with ``_id``, ``_tenant`` and
    ``_operationId`` (custom fields start with "_"). Timings: the server's latency is ``wait``;
    ``send`` and ``receive`` are 0 (the network is not seen from inside the server).
    """
    ordered = sorted(log_entries, key=lambda e: (e["started"], e["id"]))
    return {"log": {
        "version": "1.2",
        "creator": {"name": "mock-ic", "version": _version()},
        "entries": [_har_entry(e) for e in ordered],
    }}


def _har_entry(entry: dict[str, Any]) -> dict[str, Any]:
    latency = float(entry["latencyMs"])
    http_version = f"HTTP/{entry['httpVersion']}"
    request, response = entry["request"], entry["response"]
    har_request: dict[str, Any] = {
        "method": entry["method"],
        "url": entry["url"],
        "httpVersion": http_version,
        "cookies": [],  # cookie values are redacted: nothing to show
        "headers": request["headers"],
        "queryString": [{"name": k, "value": v}
                        for k, v in parse_qsl(entry["url"].partition("?")[2], keep_blank_values=True)],
        "headersSize": -1,
        "bodySize": request["bodySize"],
    }
    if request["body"] is not None:
        mime_type = _header(request["headers"], "content-type") or "application/octet-stream"
        har_request["postData"] = {"mimeType": mime_type, "text": request["body"], **_truncation(request)}
    content: dict[str, Any] = {"size": response["bodySize"],
                               "mimeType": _header(response["headers"], "content-type") or "x-unknown",
                               **_truncation(response)}
    if response["body"] is not None:
        content["text"] = response["body"]
    return {
        "startedDateTime": entry["started"],
        "time": latency,
        "request": har_request,
        "response": {
            "status": entry["status"],
            "statusText": _status_text(entry["status"]),
            "httpVersion": http_version,
            "cookies": [],
            "headers": response["headers"],
            "content": content,
            "redirectURL": _header(response["headers"], "location") or "",
            "headersSize": -1,
            "bodySize": response["bodySize"],
        },
        "cache": {},
        "timings": {"send": 0, "wait": latency, "receive": 0},
        "_id": entry["id"],
        "_tenant": entry["tenant"],
        "_operationId": entry["operationId"],
    }


def _header(headers: list[dict[str, str]], name: str) -> str | None:
    return next((h["value"] for h in headers if h["name"].lower() == name), None)


def _truncation(message: dict[str, Any]) -> dict[str, str]:
    if not message["truncated"]:
        return {}
    return {"comment": f"body truncated by mock-ic: {message['bodySize']} bytes in total, the first {BODY_CAP} kept"}


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


@cache
def _version() -> str:
    try:
        return importlib.metadata.version("mock-ic")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"
