"""create_app(settings) -> a connexion AsyncApp serving every spec at its Infinite Campus base paths.

Mounts (IC-URL-1P2, IC-URL-STD): the rostering and gradebook specs at
``/campus/api/ims/oneroster/{rostering,gradebook}/v1p2`` and ``/ims/oneroster/{...}/v1p2``; the
app-scoped form ``/campus/api/oneroster/v1p2/{appName}/ims/oneroster/...`` is rewritten to the
first by :class:`ContextMiddleware` (connexion cannot route a parameter inside a base path). The
landing pages are a Flask app (``web/landing.py``) mounted at their own paths in the same ASGI app.

The ASGI layers, outermost first: ContextMiddleware (resolves the request's context once) ->
RequestLogMiddleware -> FaultMiddleware -> connexion (errors, routing, security, validation) -> handler.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from a2wsgi import WSGIMiddleware
from connexion import AsyncApp
from connexion.jsonifier import Jsonifier
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import RelativeResolver

from mock_ic.api.validation import ADMIN_VALIDATORS, VALIDATORS
from mock_ic.control import request_log
from mock_ic.control.runtime import Runtime, signing_secret
from mock_ic.control.tenants import DEMO_APP, DEMO_CREDENTIALS, TenantExists, TenantRegistry
from mock_ic.control.tokens import TokenService
from mock_ic.edge.context import ContextMiddleware
from mock_ic.edge.errors import register_error_handlers
from mock_ic.edge.faults import FaultMiddleware
from mock_ic.edge.request_capture import RequestLogMiddleware
from mock_ic.edge.security import BearerTokenSecurityHandler, VendorKeySecurityHandler
from mock_ic.edge.specifications import trusted_specifications
from mock_ic.mounts import MOUNTS
from mock_ic.resources import openapi_dir
from mock_ic.settings import Settings
from mock_ic.store.engine import Database
from mock_ic.web import landing

log = logging.getLogger("mock_ic")



def build_runtime(settings: Settings) -> Runtime:
    db = Database(settings.database_url)
    db.create_schema()
    registry = TenantRegistry(db)
    registry.load()
    rt = Runtime(settings=settings, db=db, tenants=registry, tokens=TokenService(signing_secret(db)))
    if settings.demo_tenant and registry.get(DEMO_APP) is None:
        try:
            registry.create(DEMO_APP, credentials=dict(DEMO_CREDENTIALS), recipe="demo")
        except TenantExists:  # another worker made it first
            registry.load()
    return rt


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> AsyncApp:
    settings = settings or Settings.from_env()
    rt = runtime or build_runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        yield
        request_log.flush(rt.db)  # the last answers' entries, before the database closes
        rt.db.dispose()

    app = AsyncApp(
        __name__,
        specification_dir=str(openapi_dir()),
        jsonifier=Jsonifier(json, indent=None, separators=(",", ":")),
        lifespan=lifespan,
        validate_responses=settings.validate_responses,
        security_map={"apiKey": VendorKeySecurityHandler, "oauth2": BearerTokenSecurityHandler},
        validator_map=VALIDATORS,
    )
    app.add_middleware(ContextMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, runtime=rt)
    app.add_middleware(RequestLogMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    app.add_middleware(FaultMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    pages = WSGIMiddleware(landing.pages(rt))  # type: ignore[arg-type]
    for path in landing.paths():  # routed before the API mounts (connexion adds those when it starts)
        app.add_url_rule(path, f"page:{path}", pages)
    with trusted_specifications():  # tests/test_openapi_valid.py checks each spec as served here
        for mount in MOUNTS:
            app.add_api(mount.specification(), base_path=mount.base, name=mount.name,
                        resolver=RelativeResolver(mount.handlers),
                        swagger_ui_options=SwaggerUIOptions(swagger_ui_path=mount.docs_path),
                        validator_map=ADMIN_VALIDATORS if mount.admin else None)
    register_error_handlers(app)
    _RUNTIMES[id(app)] = (app, rt)
    return app


_RUNTIMES: dict[int, tuple[AsyncApp, Runtime]] = {}


def runtime_of_app(app: AsyncApp) -> Runtime:
    """The runtime an app serves (tests reach into it)."""
    return _RUNTIMES[id(app)][1]

