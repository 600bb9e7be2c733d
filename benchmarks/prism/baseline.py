"""Stoplight Prism as a baseline: installed here with npm, fed a small OpenAPI document cut from our
gradebook spec whose response examples are mock-ic's captured answers.

The document keeps the two measured operations of ``openapi/oneroster-v1p2-gradebook.yaml`` as they
are (parameters, security, request body schema, error responses) at the paths a client uses, with
``{appName}`` as a path parameter, and all the spec's components; only the success answer changes:

- ``GET .../classes/{classSourcedId}/lineItems``: ``200`` with the captured page as its example and
  the captured ``X-Total-Count`` and ``Link`` as header examples;
- ``PUT .../results/{sourcedId}``: ``200`` with the captured replace as its example. The ``201``
  (create) answer is dropped: a static mock answers one example, and the measured load on mock-ic is
  mostly replaces.

Prism runs with static examples (``--dynamic false``), no CORS headers, one process, and log level
``warn`` (mock-ic runs with ``--log-level warning`` and no access log). It still validates every
request against the operation (security, parameters, body) and its own answer against the response
schema, as it always does.

Prism writes JSON bodies with ``JSON.stringify``, which prints ``20.0`` as ``20``: its answer is the
same JSON value as the captured one, a few bytes shorter wherever the captured body has a float with
a zero fraction (the line items' ``resultValueMin``/``Max``, a result's ``score``).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

PRISM_DIR = Path(__file__).resolve().parent
ROOT = PRISM_DIR.parents[1]
SPEC = ROOT / "openapi" / "oneroster-v1p2-gradebook.yaml"
BASE = "/campus/api/oneroster/v1p2/{appName}/ims/oneroster/gradebook/v1p2"
APP_NAME = {"name": "appName", "in": "path", "required": True, "description": "The IC app name.",
            "schema": {"type": "string"}}
# captured answer -> (path in the spec, method, the response component the spec's 200 refers to)
OPERATIONS = {
    "get_line_items": ("/classes/{classSourcedId}/lineItems", "get"),
    "put_result": ("/results/{sourcedId}", "put"),
}
PACKAGE = "@stoplight/prism-cli"


def pinned_version() -> str:
    return json.loads((PRISM_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"][PACKAGE]


def installed_version() -> str | None:
    manifest = PRISM_DIR / "node_modules" / PACKAGE / "package.json"
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text(encoding="utf-8"))["version"]


def ensure_installed() -> str:
    """The pinned Prism in node_modules/ here, installed from package-lock.json (``npm ci``) when it is
    missing or another version; returns its version."""
    pinned = pinned_version()
    if installed_version() != pinned:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is not installed: it is needed for the Prism baseline (or pass --baselines flask)")
        print(f"  installing {PACKAGE} {pinned} with npm ci into {PRISM_DIR} ...", flush=True)
        # No install scripts: Prism needs none, and one of its dependencies' is a usage-analytics ping.
        env = {**os.environ, "SCARF_ANALYTICS": "false"}
        subprocess.run([npm, "ci", "--prefix", str(PRISM_DIR), "--ignore-scripts", "--no-audit", "--no-fund"],
                       check=True, env=env, timeout=600)
        if installed_version() != pinned:
            raise RuntimeError(f"npm ci did not install {PACKAGE} {pinned} into {PRISM_DIR}")
    return pinned


def command(document: Path, host: str, port: int) -> list[str]:
    """``prism mock`` on ``document``, run by node directly (so the process measured is Prism's)."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed: it is needed for the Prism baseline (or pass --baselines flask)")
    cli = PRISM_DIR / "node_modules" / PACKAGE / "dist" / "index.js"
    return [node, str(cli), "mock", "--host", host, "--port", str(port), "--dynamic=false", "--cors=false",
            "--errors=false", "--multiprocess=false", "--verboseLevel", "warn", str(document)]


def _local(components: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """``node`` itself, or the component a ``$ref: '#/components/<kind>/<name>'`` names (copied)."""
    ref = node.get("$ref")
    if ref is None:
        return copy.deepcopy(node)
    _, _, kind, name = ref.split("/")
    return copy.deepcopy(components[kind][name])


def _with_example(components: dict[str, Any], response: dict[str, Any], captured: dict[str, Any],
                  body: bytes) -> dict[str, Any]:
    answer = _local(components, response)
    answer.pop("links", None)  # they name operations this document does not have
    answer["content"]["application/json"]["example"] = json.loads(body)
    headers = answer.get("headers", {})
    for name, header in list(headers.items()):
        header = _local(components, header)
        value = captured["headers"].get(name.lower())
        if value is not None:
            header["example"] = int(value) if header.get("schema", {}).get("type") == "integer" else value
        headers[name] = header
    return answer


def example_document(captured: dict[str, dict[str, Any]], bodies: dict[str, bytes]) -> dict[str, Any]:
    """The OpenAPI document Prism serves: our two operations answering ``captured`` (status, headers)
    with ``bodies``, keyed like OPERATIONS."""
    spec = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    components = copy.deepcopy(spec["components"])
    for scheme in components.get("securitySchemes", {}).values():
        scheme.pop("x-tokenInfoFunc", None)  # connexion's hook into mock-ic, meaningless to Prism
    paths: dict[str, Any] = {}
    for key, (path, method) in OPERATIONS.items():
        operation = copy.deepcopy(spec["paths"][path][method])
        operation["parameters"] = [APP_NAME, *operation.get("parameters", [])]
        status = str(captured[key]["status"])
        responses = operation["responses"]
        for code in [c for c in responses if c.startswith("2") and c != status]:
            del responses[code]  # Prism answers the first 2xx: keep only the captured one
        responses[status] = _with_example(components, responses[status], captured[key], bodies[key])
        paths[BASE + path] = {method: operation}
    return {"openapi": spec["openapi"], "info": {**spec["info"], "title": f"{spec['info']['title']} — Prism baseline"},
            "paths": paths, "components": components}
