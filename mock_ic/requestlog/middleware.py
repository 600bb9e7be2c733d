"""RequestLogMiddleware: records every OneRoster request of a tenant, after its answer was sent.

Installed right after PathMiddleware (which puts the runtime and the app name of app-scoped URLs
in the scope) and before the fault middleware, so injected faults are logged as the client saw
them. It only watches: the request and the answer pass through unchanged, and a failure to log is
a warning, never an error answer.
"""

from __future__ import annotations

import logging

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_ic.requestlog.exchange import Exchange
from mock_ic.requestlog.recorder import DEFAULT_KEEP, PRUNE_EVERY, TOKEN_PATH, Recorder, client_path
from mock_ic.runtime import SCOPE_KEY, Runtime

log = logging.getLogger("mock_ic.requestlog")

_ADMIN = "/_mock"


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, runtime: Runtime | None = None, keep: int | None = None,
                 prune_every: int = PRUNE_EVERY) -> None:
        """``keep``: entries kept per tenant; default the ``request_log_keep`` setting when the
        Settings have one, else 5,000."""
        self.app = app
        self.runtime = runtime
        self._keep = keep
        self._prune_every = prune_every
        self._recorders: dict[int, Recorder] = {}  # by id(runtime); one runtime per app in practice

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _may_belong_to_a_tenant(scope):
            await self.app(scope, receive, send)
            return
        rt: Runtime | None = self.runtime or scope.get(SCOPE_KEY)
        if rt is None:
            await self.app(scope, receive, send)
            return
        exchange = Exchange(scope)
        try:
            await self.app(scope, exchange.receive(receive), exchange.send(send))
        except BaseException:
            exchange.failed = True
            raise
        finally:
            exchange.finish()
            # The answer is out: the write happens off the event loop, and a cancelled request
            # (client gone) is still recorded.
            with anyio.CancelScope(shield=True):
                await self._record(rt, exchange)

    async def _record(self, rt: Runtime, exchange: Exchange) -> None:
        try:
            await anyio.to_thread.run_sync(self._recorder(rt).record, exchange)
        except Exception as exc:
            # Never the exception's text: a database error quotes the row, bodies included.
            log.warning("request log: could not record %s %s (%s)", exchange.scope.get("method"),
                        client_path(exchange.scope), type(exc).__name__)

    def _recorder(self, rt: Runtime) -> Recorder:
        recorder = self._recorders.get(id(rt))
        if recorder is None or recorder.runtime is not rt:
            keep = self._keep if self._keep is not None else getattr(rt.settings, "request_log_keep", DEFAULT_KEEP)
            recorder = self._recorders[id(rt)] = Recorder(rt, keep=keep, prune_every=self._prune_every)
        return recorder


def _may_belong_to_a_tenant(scope: Scope) -> bool:
    """Cheap pre-check: admin paths never; otherwise an app-scoped URL, a bearer/Basic header or the token endpoint."""
    path = client_path(scope)
    if path == _ADMIN or path.startswith(_ADMIN + "/"):
        return False
    if scope.get("mock_ic.app_name") or path.startswith(TOKEN_PATH):
        return True
    return any(name.lower() == b"authorization" for name, _ in scope.get("headers", ()))
