"""Which spec is served at which base path, and by which handler module (IC-URL-1P2, IC-URL-STD)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import yaml

from mock_ic.resources import openapi_dir


@dataclass(frozen=True)
class Mount:
    spec: str  # file in openapi/
    base: str
    handlers: str  # module the operationIds resolve in
    name: str
    docs_path: str = "/ui"  # Swagger UI under the base; the admin's /ui belongs to the teacher pages
    admin: bool = False  # the control plane: its own request validators (tenant settings)


ROSTERING_V1P2 = "oneroster-v1p2-rostering.yaml"
GRADEBOOK_V1P2 = "oneroster-v1p2-gradebook.yaml"
V1P1 = "oneroster-v1p1.yaml"

MOUNTS: tuple[Mount, ...] = (
    Mount(ROSTERING_V1P2, "/campus/api/ims/oneroster/rostering/v1p2", "mock_ic.api.v1p2", "rostering-ic"),
    Mount(ROSTERING_V1P2, "/ims/oneroster/rostering/v1p2", "mock_ic.api.v1p2", "rostering-std"),
    Mount(GRADEBOOK_V1P2, "/campus/api/ims/oneroster/gradebook/v1p2", "mock_ic.api.v1p2", "gradebook-ic"),
    Mount(GRADEBOOK_V1P2, "/ims/oneroster/gradebook/v1p2", "mock_ic.api.v1p2", "gradebook-std"),
    Mount(V1P1, "/ims/oneroster/v1p1", "mock_ic.api.v1p1", "v1p1"),  # IC-URL-1P1 is rewritten onto it
    Mount("ic-oauth.yaml", "/campus/oauth2", "mock_ic.api.oauth", "oauth"),
    Mount("mock-admin.yaml", "/_mock", "mock_ic.api.admin", "admin", docs_path="/docs", admin=True),
)

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@cache
def _routes() -> tuple[tuple[re.Pattern[str], frozenset[str]], ...]:
    routes = []
    for mount in MOUNTS:
        with open(openapi_dir() / mount.spec, encoding="utf-8") as fh:
            paths = yaml.safe_load(fh)["paths"]
        for path, item in paths.items():
            pattern = re.escape(mount.base + path)
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
            methods = frozenset(m.upper() for m in item if m in _METHODS)
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
