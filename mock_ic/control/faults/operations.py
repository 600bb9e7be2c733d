"""Which OpenAPI operation a request is (FAULT-RULES match by ``operationId``).

Built from the same mounts and spec files connexion serves, so an operationId rule fires on every
base form of its operation (IC, plain 1EdTech and, after the app-scoped rewrite, app-scoped URLs).
The specs come from the parsed copies the mounts keep (``Mount.specification``), which the app
factory reads first, so the first operationId rule does not block the event loop parsing YAML.
"""

from __future__ import annotations

import re
from functools import cache

from mock_ic.mounts import MOUNTS

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_PARAMETER = re.compile(r"\\\{[^}]+\\\}")

Route = tuple[re.Pattern[str], str]  # (full-path regex, operationId)


@cache
def _routes() -> dict[str, tuple[Route, ...]]:
    """METHOD -> routes, most specific first (fewest path parameters, then longest literal text)."""
    ranked: dict[str, list[tuple[tuple[int, int], Route]]] = {}
    for mount in MOUNTS:
        for path, item in mount.specification()["paths"].items():
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
