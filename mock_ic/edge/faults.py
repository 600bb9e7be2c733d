"""FaultMiddleware: IC-LOAD admission, revoked tokens and FAULT-RULES effects, inside the context middleware.

Per request of a tenant: (1) IC-LOAD — beyond ``max_concurrent`` in flight, 429 ``server_busy``;
(2) a token revoked by a ``revokeToken`` effect — 401; (3) the first firing rule of the tenant's
book, if any, applies its effect. Requests with no tenant, and ``/_mock`` admin paths, pass untouched.
Every faulted answer except a dropped connection carries ``X-Mock-Fault: <rule id>``, and status
answers say "Injected fault <rule id>: ..." so nobody mistakes them for a server bug.

The OneRoster-level effects change the real answer and keep its status (a client or a conformance
kit must notice them from the content alone):

- ``totalCountOffset: N``: ``X-Total-Count`` is the real total plus N (an answer without the header,
  e.g. a single object, is unchanged);
- ``malformed: "schema"``: valid JSON that breaks the response schema, always in the same place: in
  the answer's first object (the single object, or a collection's first item) the ``sourcedId``, or
  the first member when there is none (an error body, a ``fields=`` selection without it), gets
  another JSON type (a string becomes a number, a number or boolean a string, an object an array,
  an array an object); an empty collection's array becomes an object. A body that is not a JSON
  object (a 204, HTML) is unchanged;
- ``dropItems: N``: a collection answer lists its last N objects fewer (all of them when it has no
  more), with ``X-Total-Count`` and ``Link`` as they were: a page with a gap.

Only a request a rule fires on pays for these (the body is buffered and parsed once); the others
pass as before.

The tenant and the bearer token's grant come from the request's context (``edge/context.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_ic import errors
from mock_ic.control.faults.book import FaultBook
from mock_ic.control.faults.load import busy_error
from mock_ic.control.faults.operations import operation_id
from mock_ic.control.faults.rules import FaultRule
from mock_ic.control.request_context import RequestContext, context_of
from mock_ic.edge.errors import error_body
from mock_ic.mounts import allowed_methods

FAULT_HEADER = "X-Mock-Fault"
_DROP_WAIT = 1.0  # seconds to wait for the server to notice a connection we closed


class FaultMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ctx: RequestContext | None = context_of(scope) if scope["type"] == "http" else None
        if ctx is None or ctx.tenant is None or ctx.surface == "admin":
            await self.app(scope, receive, send)
            return
        app_name = ctx.tenant.app_name
        limit = ctx.tenant.settings.max_concurrent
        gate = ctx.runtime.in_flight
        if not gate.enter(app_name, limit):
            assert limit is not None
            await _answer_error(busy_error(app_name, limit), scope, receive, send)
            return
        try:
            await self._serve(ctx, scope, receive, send)
        finally:
            gate.leave(app_name)

    async def _serve(self, ctx: RequestContext, scope: Scope, receive: Receive, send: Send) -> None:
        assert ctx.tenant is not None
        book = ctx.runtime.faults
        grant = ctx.grant
        revocation = book.revoked(grant, ctx.tenant.settings.token_lifetime) if grant is not None else None
        if revocation is not None:
            when = datetime.fromtimestamp(revocation.at, UTC).isoformat(timespec="milliseconds")
            error = errors.Unauthorised(f"Injected fault {revocation.rule_id}: this access token was revoked "
                                        f"(every token issued before {when} is refused); request a new token")
            await _answer_error(error, scope, receive, send, revocation.rule_id)
            return
        rule = _match(book, scope, ctx)
        if rule is None:
            await self.app(scope, receive, send)
            return
        await self._apply(rule, ctx, book, scope, receive, send)

    async def _apply(self, rule: FaultRule, ctx: RequestContext, book: FaultBook, scope: Scope, receive: Receive,
                     send: Send) -> None:
        if rule.status is not None:
            await _answer_error(_status_error(rule, scope), scope, receive, send, rule.id)
        elif rule.latency_ms is not None:
            await asyncio.sleep(rule.latency_ms / 1000)
            await self.app(scope, receive, _tagged(send, rule.id))
        elif rule.drop:
            await _drop(receive)
        elif rule.malformed == "nonjson":
            await _not_json(rule)(scope, receive, send)
        elif rule.malformed == "truncated":
            await self.app(scope, receive, _rewriting(send, rule.id, _truncate))
        elif rule.malformed == "schema":
            await self.app(scope, receive, _rewriting(send, rule.id, _json_body(_break_schema)))
        elif rule.drop_items is not None:
            await self.app(scope, receive, _rewriting(send, rule.id, _json_body(_dropping(rule.drop_items))))
        elif rule.total_count_offset is not None:
            await self.app(scope, receive, _tagged(send, rule.id, _total_count_plus(rule.total_count_offset)))
        else:  # revokeToken
            assert ctx.tenant is not None
            book.revoke_tokens(ctx.tenant.app_name, ctx.runtime.clock(), rule.id)
            error = errors.Unauthorised(f"Injected fault {rule.id}: the access token was revoked, with every "
                                        f"token issued to {ctx.tenant.app_name!r} until now; request a new token")
            await _answer_error(error, scope, receive, send, rule.id)


def _client_path(scope: Scope) -> str:
    return context_of(scope).client_path


def _match(book: FaultBook, scope: Scope, ctx: RequestContext) -> FaultRule | None:
    app_name = ctx.app_name
    if app_name is None or not book.has_rules(app_name):
        return None
    method: str = scope["method"]
    op_id = operation_id(method, scope["path"]) if book.needs_operation_id(app_name) else None
    return book.match(app_name, method, ctx.client_path, op_id)


def _status_error(rule: FaultRule, scope: Scope) -> errors.OneRosterError:
    assert rule.status is not None
    try:
        phrase = HTTPStatus(rule.status).phrase
    except ValueError:  # e.g. 499, 599: allowed, just unnamed
        phrase = "error"
    text = rule.description or f"HTTP {rule.status} {phrase} for {scope['method']} {_client_path(scope)}"
    headers: dict[str, str] = {}
    if rule.retry_after is not None:
        headers["Retry-After"] = str(rule.retry_after)
    if rule.status == 405 and (allowed := allowed_methods(scope["path"])):
        headers["Allow"] = ", ".join(allowed)
    return errors.for_status(rule.status, f"Injected fault {rule.id}: {text}", headers)


async def _answer_error(error: errors.OneRosterError, scope: Scope, receive: Receive, send: Send,
                        rule_id: str | None = None) -> None:
    """The error in the body style of the path the client used: OneRoster 1.1/1.2, or RFC 6749 for tokens."""
    body = error_body(error, _client_path(scope))
    headers = dict(error.headers)
    if rule_id is not None:
        headers[FAULT_HEADER] = rule_id
    await Response(body, status_code=error.status, headers=headers, media_type="application/json")(
        scope, receive, send)


Headers = list[tuple[bytes, bytes]]


def _tagged(send: Send, rule_id: str, change: Callable[[Headers], Headers] | None = None) -> Send:
    """The real answer with the fault header (and its headers changed by ``change``)."""
    async def tagged(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            message = {**message, "headers": [*(change(headers) if change else headers), _fault_header(rule_id)]}
        await send(message)

    return tagged


def _total_count_plus(offset: int) -> Callable[[Headers], Headers]:
    def change(headers: Headers) -> Headers:
        return [(k, str(int(v) + offset).encode() if k.lower() == b"x-total-count" and v.isdigit() else v)
                for k, v in headers]

    return change


def _rewriting(send: Send, rule_id: str, rewrite: Callable[[bytes], bytes]) -> Send:
    """The real answer (status, headers) with its body rewritten, Content-Length to match."""
    start: Message = {}
    chunks: list[bytes] = []

    async def rewriting(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = rewrite(b"".join(chunks))
        headers = [(k, v) for k, v in start.get("headers", ()) if k.lower() != b"content-length"]
        headers += [(b"content-length", str(len(body)).encode()), _fault_header(rule_id)]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    return rewriting


def _truncate(body: bytes) -> bytes:
    """The first half: a well-formed HTTP message whose JSON is cut off."""
    return body[: len(body) // 2]


def _json_body(change: Callable[[dict[str, Any]], None]) -> Callable[[bytes], bytes]:
    """Apply ``change`` to a JSON object body; any other body (empty, HTML, an array) is left alone."""
    def rewrite(body: bytes) -> bytes:
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body
        if not isinstance(doc, dict) or not doc:
            return body
        change(doc)
        return orjson.dumps(doc)

    return rewrite


def _break_schema(doc: dict[str, Any]) -> None:
    """``malformed: "schema"``: one member of the answer's first object gets another JSON type."""
    key, value = next(iter(doc.items()))
    if isinstance(value, list):
        if value and isinstance(value[0], dict) and value[0]:
            _break_object(value[0])
        else:  # an empty collection (or one of scalars): the array itself
            doc[key] = _other_type(value)
    elif isinstance(value, dict) and value:
        _break_object(value)
    else:  # an error body, a token: the first member
        doc[key] = _other_type(value)


def _break_object(obj: dict[str, Any]) -> None:
    key = "sourcedId" if "sourcedId" in obj else next(iter(obj))
    obj[key] = _other_type(obj[key])


def _other_type(value: Any) -> Any:
    if isinstance(value, str):
        return len(value)  # a number where a string belongs
    if isinstance(value, bool | int | float):
        return str(value).lower()
    if isinstance(value, list):
        return {"items": value}
    if isinstance(value, dict):
        return [value]
    return "null"  # None: a string


def _dropping(count: int) -> Callable[[dict[str, Any]], None]:
    def drop(doc: dict[str, Any]) -> None:
        key, value = next(iter(doc.items()))
        if isinstance(value, list):
            doc[key] = value[: max(len(value) - count, 0)]

    return drop


def _not_json(rule: FaultRule) -> Response:
    """What a proxy or maintenance page gives a client that expects JSON: 200 with HTML."""
    html = ("<!DOCTYPE html>\n<html><head><title>Infinite Campus</title></head><body>"
            "<h1>Infinite Campus</h1><p>Campus is temporarily unavailable for maintenance.</p>"
            f"<!-- Injected fault {rule.id}: malformed nonjson --></body></html>\n")
    return Response(html, status_code=200, media_type="text/html", headers={FAULT_HEADER: rule.id})


async def _drop(receive: Receive) -> None:
    """Close the TCP connection without any answer; once the server has seen the close, returning
    sends nothing. Elsewhere (no reachable transport) the app just returns without answering:
    starlette's TestClient then raises "TestClient did not receive any response". Raising instead
    would reach connexion's ServerErrorMiddleware, which answers 500."""
    transport = _server_transport(receive)
    if transport is None:
        return
    transport.close()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(_DROP_WAIT):
            while (await receive())["type"] != "http.disconnect":
                pass


def _server_transport(receive: Receive) -> asyncio.BaseTransport | None:
    """uvicorn's connection transport. ASGI gives no handle on it, but uvicorn runs each request as a
    task of ``RequestResponseCycle.run_asgi`` and its ``receive`` is a method of that cycle; both hold
    ``.transport``. Middlewares that wrap ``receive`` (the request log) hide the second, not the first."""
    owners: list[Any] = [getattr(receive, "__self__", None)]
    task = asyncio.current_task()
    frame = getattr(task.get_coro(), "cr_frame", None) if task else None
    if frame is not None:
        owners.append(frame.f_locals.get("self"))
    for owner in owners:
        transport = getattr(owner, "transport", None)
        if callable(getattr(transport, "close", None)) and callable(getattr(transport, "is_closing", None)):
            return transport
    return None


def _fault_header(rule_id: str) -> tuple[bytes, bytes]:
    return FAULT_HEADER.lower().encode(), rule_id.encode()
