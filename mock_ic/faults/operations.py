"""Which OpenAPI operation a request is (FAULT-RULES match by ``operationId``).

Built from the same mounts and spec files connexion serves, so an operationId rule fires on every
base form of its operation (IC, plain 1EdTech and, after the app-scoped rewrite, app-scoped URLs).
The OneRoster specs come from the parsed copies :mod:`mock_ic.oneroster.schemas` already caches
(parsing them again would block the event loop for seconds on the first operationId rule).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import yaml

from mock_ic.mounts import MOUNTS
from mock_ic.oneroster import schemas
from mock_ic.resources import openapi_dir

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_PARAMETER = re.compile(r"\\\{[^}]+\\\}")

Route = tuple[re.Pattern[str], str]  # (full-path regex, operationId)


_SHARED = {file: name for name, file in schemas.SPEC_FILES.items()}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _spec_paths(spec_file: str) -> dict[str, Any]:
    if spec_file in _SHARED:
        return schemas.spec(_SHARED[spec_file])["paths"]
    with open(openapi_dir() / spec_file, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)["paths"]  # a safe loader


@cache
def _routes() -> dict[str, tuple[Route, ...]]:
    """METHOD -> routes, most specific first (fewest path parameters, then longest literal text)."""
    ranked: dict[str, list[tuple[tuple[int, int], Route]]] = {}
    for mount in MOUNTS:
        for path, item in _spec_paths(mount.spec).items():
            for method, operation in item.items():
                if method not in _METHODS or not isinstance(operation, dict) or "operationId" not in operation:
                    continue
                full = mount.base + path
                params = full.count("{")
                pattern = re.compile("^" + _PARAMETER.sub("[^/]+", re.escape(full)) + "$")
                rank = (params, -len(re.sub(r"\{[^}]+\}", "", full)))
                ranked.setdefault(method.upper(), []).append((rank, (pattern, operation["operationId"])))
    return {method: tuple(route for _, route in sorted(routes, key=lambda r: r[0])) for method, routes in
            ranked.items()}


def operation_id(method: str, path: str) -> str | None:
    """The operationId serving ``method path`` (the path as routed, i.e. after the app-scoped rewrite)."""
    method = method.upper()
    routes = _routes().get(method) or (_routes().get("GET", ()) if method == "HEAD" else ())
    for pattern, op_id in routes:
        if pattern.match(path):
            return op_id
    return None


@cache
def known_operation_ids() -> frozenset[str]:
    return frozenset(op_id for routes in _routes().values() for _, op_id in routes)
