"""Where a user lands: ``/`` and ``/_mock/`` (an index of the server), and each service root.

A browser (``Accept: text/html``) gets a page, anything else JSON. The index names the tenants and
their base URLs, the API docs, the teacher view and the health check; a service root (each form of
IC-URL-1P2, IC-URL-1P1, IC-URL-1P1-SPLIT and IC-URL-STD, with or without a trailing slash) names
the service's resource paths. Nothing here needs a token: it shows no credentials.
"""

from __future__ import annotations

from typing import Any

import flask

from mock_ic import __version__
from mock_ic.control.request_context import context_of
from mock_ic.control.runtime import Runtime
from mock_ic.mounts import ADMIN_BASE, MOUNTS, SERVICES, TOKEN_PATH, Mount, tenant_urls
from mock_ic.web import ui
from mock_ic.web.jinja import render


def pages(runtime: Runtime) -> flask.Flask:
    """The Flask app of these pages; the server mounts it at :func:`paths`."""
    app = flask.Flask(__name__, static_folder=None)  # ui.py serves web/static under /_mock/ui/static
    app.config["MOCK_IC_RUNTIME"] = runtime
    app.add_url_rule("/", "landing", _index)
    app.add_url_rule(f"{ADMIN_BASE}/", "admin-landing", _index)
    for mount in MOUNTS:
        if mount.oneroster:
            app.add_url_rule(f"{mount.base}/", f"root-{mount.name}", _service_root, defaults={"mount_name": mount.name})
    ui.register(app)
    return app


def paths() -> list[str]:
    """The paths these pages answer (starlette patterns; the context middleware adds a root's missing slash)."""
    return ["/", f"{ADMIN_BASE}/", *(f"{mount.base}/" for mount in MOUNTS if mount.oneroster), *ui.paths()]


def index(rt: Runtime, origin: str) -> dict[str, Any]:
    """The server at a glance: what a newcomer needs to make a first call."""
    return {
        "server": "mock-ic",
        "version": __version__,
        "description": "A mock Infinite Campus OneRoster 1.1/1.2 server",
        "token": {"url": f"{origin}{TOKEN_PATH}?appName={{appName}}",
                  "grant": "client_credentials, HTTP Basic or client_id/client_secret form fields"},
        "tenants": [{"appName": t.app_name, "urls": tenant_urls(origin, t.app_name)} for t in rt.tenants.all()],
        "services": [{"key": s.key, "title": s.title, "appScoped": origin + s.app_scoped.replace("{app}", "{appName}"),
                      "fromToken": [origin + base for base in s.from_token], "standard": origin + s.standard}
                     for s in SERVICES],
        "docs": {m.name: f"{origin}{m.base}{m.docs_path}/" for m in MOUNTS},
        "openapi": {m.name: f"{origin}{m.base}/openapi.json" for m in MOUNTS},
        "teacherView": f"{origin}{ADMIN_BASE}/ui/",
        "health": f"{origin}{ADMIN_BASE}/health",
        "adminApi": f"{origin}{ADMIN_BASE}/tenants",
    }


def service_root(mount: Mount, origin: str, base: str, app: str | None) -> dict[str, Any]:
    """A service root: its resource paths, relative to the base the client used."""
    return {
        "service": _title(mount),
        "oneRosterVersion": mount.version,
        "baseUrl": origin + base,
        "tenant": app or "taken from the bearer token",
        "token": f"{origin}{TOKEN_PATH}?appName={app or '{appName}'}",
        "resources": [{"path": path, "methods": sorted(methods)} for path, methods in sorted(mount.paths().items())],
        "openapi": f"{origin}{mount.base}/openapi.json",
        "docs": f"{origin}{mount.base}{mount.docs_path}/",
    }


def _title(mount: Mount) -> str:
    if mount.service:
        return f"OneRoster 1.1 {mount.service}"
    return next(s.title for s in SERVICES if mount.base in (*s.from_token, s.standard))


def _runtime() -> Runtime:
    return flask.current_app.config["MOCK_IC_RUNTIME"]


def _origin(rt: Runtime) -> str:
    return (rt.settings.public_url or flask.request.host_url).rstrip("/")


def _index() -> flask.Response:
    rt = _runtime()
    data = index(rt, _origin(rt))
    return _answer(data, "landing.html", title="mock-ic")


def _service_root(mount_name: str) -> flask.Response:
    rt = _runtime()
    mount = next(m for m in MOUNTS if m.name == mount_name)
    ctx = context_of(flask.request.environ["asgi.scope"])
    data = service_root(mount, _origin(rt), ctx.client_path.rstrip("/"), ctx.path_app)
    return _answer(data, "service_root.html", title=data["service"])


def _answer(data: dict[str, Any], template: str, **values: Any) -> flask.Response:
    accepted = flask.request.accept_mimetypes
    if accepted["text/html"] > accepted["application/json"]:  # a browser; curl's */* gets JSON
        return flask.Response(render(template, data=data, **values), mimetype="text/html")
    return flask.Response(flask.json.dumps(data), mimetype="application/json")
