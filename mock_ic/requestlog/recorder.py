"""From a captured exchange to a stored row: whose it is, what may be kept, the insert and the pruning.

Runs in a worker thread after the answer was sent (never on the event loop).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import threading
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

import orjson
import sqlalchemy as sa

from mock_ic.requestlog import redaction
from mock_ic.requestlog.exchange import BODY_CAP, Exchange
from mock_ic.requestlog.table import ensure_table, request_log

if TYPE_CHECKING:
    from mock_ic.auth import Grant
    from mock_ic.runtime import Runtime
    from mock_ic.tenants import Tenant

DEFAULT_KEEP = 5000  # entries kept per tenant
PRUNE_EVERY = 100  # inserts per tenant between two prunings
TOKEN_PATH = "/campus/oauth2"
_INSERT = sa.insert(request_log)


def client_path(scope: dict[str, Any]) -> str:
    """The path the client used (before PathMiddleware's app-scoped rewrite)."""
    return scope.get("mock_ic.original_path") or scope.get("path", "")


def iso_millis(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Recorder:
    """Writes the exchanges of one server (runtime) to its database; keeps each tenant's newest ``keep``."""

    def __init__(self, runtime: Runtime, *, keep: int = DEFAULT_KEEP, prune_every: int = PRUNE_EVERY) -> None:
        if keep < 1 or prune_every < 1:
            raise ValueError(f"keep and prune_every must be >= 1, got {keep} and {prune_every}")
        self.runtime = runtime
        self.keep = keep
        self.prune_every = prune_every
        self._inserts: dict[str, int] = {}
        self._lock = threading.Lock()
        # A client sends the same token over and over; checking its signature costs ~50 us.
        self._read_token = lru_cache(maxsize=1024)(runtime.tokens.read)

    def record(self, exchange: Exchange) -> int | None:
        """Store the exchange; its id, or None when it belongs to no tenant (then nothing is stored)."""
        involved = self._tenants_of(exchange)
        if not involved:
            return None
        row = self._row(exchange, involved)
        db = self.runtime.db
        ensure_table(db)
        tenant = row["tenant"]
        with self._lock:
            count = self._inserts.get(tenant, 0)
            self._inserts[tenant] = count + 1
        with db.write() as conn:
            entry_id = int(conn.execute(_INSERT, row).inserted_primary_key[0])
            # The first insert of a tenant in this process prunes too (the table outlives processes).
            if count % self.prune_every == 0:
                prune(conn, tenant, self.keep)
        return entry_id

    # --- whose exchange is it --------------------------------------------------------------------

    def _tenants_of(self, exchange: Exchange) -> list[Tenant]:
        """The tenant the entry is filed under first, then every other tenant whose credentials it carries
        (their secrets are scrubbed too). Empty when the exchange has no tenant."""
        rt = self.runtime
        scope = exchange.scope
        found: list[Tenant | None] = []
        app_name: str | None = scope.get("mock_ic.app_name")
        if app_name:
            found.append(rt.tenants.get(app_name))
        grant = self._grant(_authorization(scope))
        if grant is not None:
            found.append(rt.tenants.get(grant.app_name))
        if client_path(scope).startswith(TOKEN_PATH):
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            if query.get("appName"):
                found.append(rt.tenants.get(query["appName"]))
            for client_id in (_basic_client_id(_authorization(scope)), _form_field(exchange, "client_id")):
                if client_id:
                    found.append(rt.tenants.by_client_id(client_id))
        if not found or found[0] is None:
            return []
        unique: dict[str, Tenant] = {}
        for tenant in found:
            if tenant is not None:
                unique.setdefault(tenant.app_name, tenant)
        return list(unique.values())

    def _grant(self, authorization: str | None) -> Grant | None:
        if not authorization or authorization[:7].lower() != "bearer ":
            return None
        token = authorization[7:].strip()
        return self._read_token(token) if token else None

    # --- what may be stored ----------------------------------------------------------------------

    def _row(self, exchange: Exchange, involved: list[Tenant]) -> dict[str, Any]:
        scope = exchange.scope
        request_headers = _decode_headers(scope.get("headers", ()))
        response_headers = _decode_headers(exchange.response_headers)
        query = scope.get("query_string", b"").decode("latin-1")
        request_body = _text(exchange.request_body, exchange.request_size)
        response_body = _text(exchange.response_body, exchange.response_size)

        secrets = redaction.Secrets()
        for tenant in involved:
            secrets.add(tenant.client_secret, tenant.vendor_secret)
        for name, value in request_headers:
            if name == "authorization":
                secrets.add_authorization(value)
            elif name == redaction.VENDOR_HEADER:
                secrets.add(value.partition(":")[2], value)
        # Every secret must be known before any text is scrubbed (the token a response issues
        # is scrubbed from the request too, should it be there).
        query, request_body, response_body = (secrets.take_fields(text)
                                              for text in (query, request_body, response_body))

        def clean_headers(headers: list[tuple[str, str]]) -> str:
            kept = [[name, secrets.scrub(redaction.header(name, value))] for name, value in headers]
            return orjson.dumps(kept).decode()

        return {
            "tenant": involved[0].app_name,
            "started": iso_millis(exchange.started),
            "method": str(scope.get("method", "")),
            "scheme": str(scope.get("scheme", "http")),
            "host": secrets.scrub(_host(scope, request_headers)),
            "path": secrets.scrub(client_path(scope)),
            "query": secrets.scrub(query or ""),
            "http_version": str(scope.get("http_version", "1.1")),
            "status": exchange.answered_status,
            "latency_ms": exchange.latency_ms if exchange.latency_ms is not None else 0.0,
            "operation_id": exchange.operation_id,
            "request_headers": clean_headers(request_headers),
            "request_body": _cap(secrets.scrub(request_body), exchange.request_size) if request_body else None,
            "request_size": _request_size(exchange, request_headers),
            "response_headers": clean_headers(response_headers),
            "response_body": _cap(secrets.scrub(response_body), exchange.response_size) if response_body else None,
            "response_size": exchange.response_size,
        }


def prune(conn: sa.Connection, tenant: str, keep: int) -> None:
    """Delete the tenant's entries older than its newest ``keep`` (one indexed statement)."""
    cutoff = (sa.select(request_log.c.id).where(request_log.c.tenant == tenant)
              .order_by(request_log.c.id.desc()).offset(keep).limit(1).scalar_subquery())
    conn.execute(sa.delete(request_log).where(request_log.c.tenant == tenant, request_log.c.id <= cutoff))


def _decode_headers(raw: Any) -> list[tuple[str, str]]:
    return [(bytes(name).decode("latin-1").lower(), bytes(value).decode("latin-1")) for name, value in raw]


def _authorization(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            return bytes(value).decode("latin-1")
    return None


def _basic_client_id(value: str | None) -> str | None:
    if not value or value[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return unquote(decoded.partition(":")[0]) or None


def _form_field(exchange: Exchange, name: str) -> str | None:
    if not exchange.request_body:
        return None
    return dict(parse_qsl(exchange.request_body.decode("utf-8", "replace"))).get(name) or None


def _host(scope: dict[str, Any], headers: list[tuple[str, str]]) -> str:
    for name, value in headers:
        if name == "host":
            return value
    server = scope.get("server")
    if server:
        host, port = server
        return host if port in (None, 80, 443) else f"{host}:{port}"
    return "localhost"


def _text(data: bytearray, size: int) -> str | None:
    """The captured bytes as text (UTF-8, invalid bytes replaced); an incomplete last character is dropped."""
    if size == 0:
        return None
    return codecs.getincrementaldecoder("utf-8")("replace").decode(bytes(data), final=len(data) >= size)


def _cap(text: str, size: int) -> str:
    """At most BODY_CAP bytes of the (redacted) text, with a marker when the body was longer."""
    if size <= BODY_CAP:
        return text
    kept = text.encode()[:BODY_CAP].decode("utf-8", "ignore")
    return f"{kept}\n[mock-ic: body truncated, {size} bytes in total, the first {BODY_CAP} kept]"


def _request_size(exchange: Exchange, headers: list[tuple[str, str]]) -> int:
    """Bytes of the request body; when the app answered without reading it all, as Content-Length says."""
    if exchange.request_complete or exchange.request_size:
        return exchange.request_size
    for name, value in headers:
        if name == "content-length" and value.strip().isdigit():
            return int(value.strip())
    return 0
