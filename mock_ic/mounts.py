"""Which spec is served at which base path, and by which handler module; the URL forms of a tenant.

IC-URL-1P2, IC-URL-1P1, IC-URL-1P1-SPLIT, IC-URL-STD. The app-scoped forms (appName in the path)
are rewritten onto these mounts by :class:`mock_ic.edge.paths.PathMiddleware`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import orjson

from mock_ic.resources import openapi_document

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class Mount:
    spec: str  # file in openapi/
    base: str
    handlers: str  # module the operationIds resolve in
    name: str
    docs_path: str = "/ui"  # Swagger UI under the base; the admin's /ui belongs to the teacher pages
    admin: bool = False  # the control plane: its own request validators (tenant settings)
    # Only this service's operations of the spec (IC-URL-1P1-SPLIT: 1.1 at 1.2-style split roots).
    # A grade book operation is one that needs the vendor header (IC-VENDOR-HEADER).
    service: Literal["rostering", "gradebook"] | None = None

    @property
    def oneroster(self) -> bool:
        return self.spec in (ROSTERING_V1P2, GRADEBOOK_V1P2, V1P1)

    @property
    def version(self) -> str:
        return "1.1" if self.spec == V1P1 else "1.2"

    def specification(self) -> dict[str, Any]:
        """The spec as served here: a fresh copy for each caller (connexion changes what it is given).

        Copied by parsing the mount's cached JSON text (~5 ms for the 1.1 spec, a quarter of a deepcopy).
        """
        return orjson.loads(_served_text(self))

    def paths(self) -> dict[str, frozenset[str]]:
        """Each served path (relative to the base) and its methods."""
        return _paths(self)


ROSTERING_V1P2 = "oneroster-v1p2-rostering.yaml"
GRADEBOOK_V1P2 = "oneroster-v1p2-gradebook.yaml"
V1P1 = "oneroster-v1p1.yaml"

MOUNTS: tuple[Mount, ...] = (
    Mount(ROSTERING_V1P2, "/campus/api/ims/oneroster/rostering/v1p2", "mock_ic.api.v1p2", "rostering-ic"),
    Mount(ROSTERING_V1P2, "/ims/oneroster/rostering/v1p2", "mock_ic.api.v1p2", "rostering-std"),
    Mount(GRADEBOOK_V1P2, "/campus/api/ims/oneroster/gradebook/v1p2", "mock_ic.api.v1p2", "gradebook-ic"),
    Mount(GRADEBOOK_V1P2, "/ims/oneroster/gradebook/v1p2", "mock_ic.api.v1p2", "gradebook-std"),
    Mount(V1P1, "/ims/oneroster/v1p1", "mock_ic.api.v1p1", "v1p1"),  # IC-URL-1P1 is rewritten onto it
    Mount(V1P1, "/campus/api/ims/oneroster/rostering/v1p1", "mock_ic.api.v1p1", "rostering-v1p1-ic",
          service="rostering"),
    Mount(V1P1, "/campus/api/ims/oneroster/gradebook/v1p1", "mock_ic.api.v1p1", "gradebook-v1p1-ic",
          service="gradebook"),
    Mount("ic-oauth.yaml", "/campus/oauth2", "mock_ic.api.oauth", "oauth"),
    Mount("mock-admin.yaml", "/_mock", "mock_ic.api.admin", "admin", docs_path="/docs", admin=True),
)
ADMIN_BASE = next(m.base for m in MOUNTS if m.admin)
TOKEN_PATH = "/campus/oauth2/token"


def _is_gradebook(operation: dict[str, Any], vendor_schemes: set[str]) -> bool:
    return any(vendor_schemes & set(requirement) for requirement in operation.get("security", []))


@cache
def _served_text(mount: Mount) -> bytes:
    return orjson.dumps(_specification(mount))


@cache
def _specification(mount: Mount) -> dict[str, Any]:
    """The spec as served at the mount (read-only: shared by every caller in the process)."""
    spec = _document(mount.spec)
    if mount.service is None:
        return spec
    schemes = spec.get("components", {}).get("securitySchemes", {})
    vendor = {name for name, scheme in schemes.items() if scheme.get("type") == "apiKey"}
    wanted = mount.service == "gradebook"
    kept: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        operations = {m: op for m, op in item.items() if m in _METHODS and _is_gradebook(op, vendor) == wanted}
        if operations:
            kept[path] = {**{k: v for k, v in item.items() if k not in _METHODS}, **operations}
    return {**spec, "paths": kept}


@cache
def _document(spec_file: str) -> dict[str, Any]:
    # One parse per file, however many mounts serve it (the 1.1 spec is served three times).
    return openapi_document(spec_file)


@cache
def _paths(mount: Mount) -> dict[str, frozenset[str]]:
    return {path: frozenset(m.upper() for m in item if m in _METHODS)
            for path, item in _specification(mount)["paths"].items()}


@cache
def _routes() -> tuple[tuple[re.Pattern[str], frozenset[str]], ...]:
    routes = []
    for mount in MOUNTS:
        for path, methods in mount.paths().items():
            pattern = re.escape(mount.base + path)
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
            routes.append((re.compile(f"^{pattern}$"), methods))
    return tuple(routes)


def allowed_methods(path: str) -> list[str]:
    """Every method any spec serves at this path (connexion's 405 names only one route's methods)."""
    found: set[str] = set()
    for pattern, methods in _routes():
        if pattern.match(path):
            found |= methods
    if "GET" in found:
        found.add("HEAD")
    return sorted(found)


# --- the URL forms a client uses ---------------------------------------------------------------------

@dataclass(frozen=True)
class Service:
    """One OneRoster service and the three forms of its base URL."""

    key: str  # rostering | gradebook | v1p1 (the keys of a tenant's "urls" in the admin API)
    title: str
    app_scoped: str  # IC's form, the tenant in the path ({app})
    from_token: tuple[str, ...]  # IC's form without the app name: the tenant comes from the token
    standard: str  # the plain 1EdTech form, the tenant from the token

    def for_app(self, app: str) -> str:
        return self.app_scoped.format(app=app)


SERVICES: tuple[Service, ...] = (
    Service("rostering", "OneRoster 1.2 rostering", "/campus/api/oneroster/v1p2/{app}/ims/oneroster/rostering/v1p2",
            ("/campus/api/ims/oneroster/rostering/v1p2",), "/ims/oneroster/rostering/v1p2"),
    Service("gradebook", "OneRoster 1.2 gradebook", "/campus/api/oneroster/v1p2/{app}/ims/oneroster/gradebook/v1p2",
            ("/campus/api/ims/oneroster/gradebook/v1p2",), "/ims/oneroster/gradebook/v1p2"),
    Service("v1p1", "OneRoster 1.1 (rostering and gradebook)", "/campus/oneroster/{app}/ims/oneroster/v1p1",
            ("/campus/api/ims/oneroster/rostering/v1p1", "/campus/api/ims/oneroster/gradebook/v1p1"),
            "/ims/oneroster/v1p1"),
)


def tenant_urls(origin: str, app: str) -> dict[str, str]:
    """A tenant's token URL and app-scoped base URLs, as the admin API and the banner show them."""
    return {"token": f"{origin}{TOKEN_PATH}?appName={app}",
            **{service.key: origin + service.for_app(app) for service in SERVICES}}
