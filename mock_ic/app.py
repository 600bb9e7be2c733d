"""create_app(settings) -> a connexion FlaskApp serving every spec at its Infinite Campus base paths.

Mounts (IC-URL-1P2, IC-URL-STD): the rostering and gradebook specs at
``/campus/api/ims/oneroster/{rostering,gradebook}/v1p2`` and ``/ims/oneroster/{...}/v1p2``; the
app-scoped form ``/campus/api/oneroster/v1p2/{appName}/ims/oneroster/...`` is rewritten to the
first by :class:`PathMiddleware` (connexion cannot route a parameter inside a base path).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import flask
from connexion import FlaskApp
from connexion.jsonifier import Jsonifier
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import RelativeResolver

from mock_ic.api.validation import ADMIN_VALIDATORS, VALIDATORS
from mock_ic.control import request_log
from mock_ic.control.runtime import Runtime, signing_secret
from mock_ic.control.tenants import DEMO_APP, DEMO_CREDENTIALS, TenantExists, TenantRegistry
from mock_ic.control.tokens import TokenService
from mock_ic.edge.errors import register_error_handlers
from mock_ic.edge.faults import FaultMiddleware
from mock_ic.edge.paths import PathMiddleware
from mock_ic.edge.request_capture import RequestLogMiddleware
from mock_ic.edge.security import BearerTokenSecurityHandler, VendorKeySecurityHandler
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


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FlaskApp:
    settings = settings or Settings.from_env()
    rt = runtime or build_runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        yield
        request_log.flush(rt.db)  # the last answers' entries, before the database closes
        rt.db.dispose()

    app = FlaskApp(
        __name__,
        specification_dir=str(openapi_dir()),
        jsonifier=Jsonifier(flask.json, indent=None),
        lifespan=lifespan,
        validate_responses=settings.validate_responses,
        security_map={"apiKey": VendorKeySecurityHandler, "oauth2": BearerTokenSecurityHandler},
        validator_map=VALIDATORS,
    )
    app.add_middleware(PathMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, runtime=rt)
    app.add_middleware(RequestLogMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, runtime=rt)
    app.add_middleware(FaultMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, runtime=rt)
    for mount in MOUNTS:
        app.add_api(mount.specification(), base_path=mount.base, name=mount.name,
                    resolver=RelativeResolver(mount.handlers),
                    swagger_ui_options=SwaggerUIOptions(swagger_ui_path=mount.docs_path),
                    validator_map=ADMIN_VALIDATORS if mount.admin else None)
    landing.register(app.app)
    register_error_handlers(app)
    app.app.config["MOCK_IC_RUNTIME"] = rt
    return app


def runtime_of_app(app: FlaskApp) -> Runtime:
    return app.app.config["MOCK_IC_RUNTIME"]

