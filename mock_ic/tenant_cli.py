"""``mock-ic tenant ...``: manage the tenants of a running server through its admin API."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import requests
from rich.console import Console
from rich.table import Table

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 2, 3


def add_parser(commands: Any) -> None:
    tenant = commands.add_parser("tenant", help="manage the tenants of a running mock-ic server")
    tenant.add_argument("--url", default="http://127.0.0.1:8080", help="the server (default %(default)s)")
    actions = tenant.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a tenant (credentials are generated when not given)")
    create.add_argument("app_name")
    create.add_argument("--recipe", default="demo", help="a recipe name from fixtures/districts, or a JSON object")
    create.add_argument("--setting", action="append", default=[], metavar="NAME=JSON",
                        help="a tenant setting, e.g. title_max_length_v1p2=40 (repeatable)")
    for name in ("client-id", "client-secret", "vendor-key", "vendor-secret"):
        create.add_argument(f"--{name}")
    actions.add_parser("list", help="list the tenants")
    for action in ("show", "reset", "delete", "export"):
        actions.add_parser(action, help=f"{action} a tenant").add_argument("app_name")
    snapshot = actions.add_parser("snapshot", help="save the tenant's state under a name")
    snapshot.add_argument("app_name")
    snapshot.add_argument("name")
    restore = actions.add_parser("restore", help="restore a saved snapshot")
    restore.add_argument("app_name")
    restore.add_argument("name")
    load = actions.add_parser("import-csv", help="replace the tenant's roster with a OneRoster CSV bundle (zip)")
    load.add_argument("app_name")
    load.add_argument("bundle", type=Path)
    tenant.set_defaults(func=run)


def _settings(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep:
            raise ValueError(f"--setting {pair!r} is not NAME=VALUE")
        try:
            out[name] = json.loads(raw)
        except json.JSONDecodeError:
            out[name] = raw
    return out


def _request(args: argparse.Namespace) -> tuple[str, str, dict[str, Any]]:
    app = getattr(args, "app_name", "")
    if args.action == "create":
        recipe = json.loads(args.recipe) if args.recipe.lstrip().startswith("{") else args.recipe
        body = {"appName": app, "recipe": recipe, "settings": _settings(args.setting)}
        for flag, key in (("client_id", "clientId"), ("client_secret", "clientSecret"),
                          ("vendor_key", "vendorKey"), ("vendor_secret", "vendorSecret")):
            if getattr(args, flag):
                body[key] = getattr(args, flag)
        return "POST", "/tenants", {"json": body}
    simple = {"list": ("GET", "/tenants"), "show": ("GET", f"/tenants/{app}"),
              "reset": ("POST", f"/tenants/{app}/reset"), "delete": ("DELETE", f"/tenants/{app}"),
              "export": ("GET", f"/tenants/{app}/export")}
    if args.action in simple:
        method, path = simple[args.action]
        return method, path, {}
    if args.action == "snapshot":
        return "POST", f"/tenants/{app}/snapshots", {"json": {"name": args.name}}
    if args.action == "restore":
        return "POST", f"/tenants/{app}/snapshots/{args.name}/restore", {}
    data = args.bundle.read_bytes()
    return "POST", f"/tenants/{app}/import", {"data": data, "headers": {"content-type": "application/zip"}}


def run(args: argparse.Namespace) -> int:
    console = Console()
    try:
        method, path, kwargs = _request(args)
    except (ValueError, OSError) as exc:
        print(f"mock-ic tenant: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        response = requests.request(method, f"{args.url.rstrip('/')}/_mock{path}", timeout=120, **kwargs)
    except requests.ConnectionError:
        print(f"mock-ic tenant: no mock-ic server answers at {args.url} (start one with `make run`)", file=sys.stderr)
        return EXIT_FAILED
    if response.status_code >= 400:
        detail = response.json().get("imsx_description", response.text) if response.content else ""
        print(f"mock-ic tenant {args.action}: {response.status_code} {detail}", file=sys.stderr)
        return EXIT_FAILED
    if args.action == "list":
        console.print(_table(response.json()["tenants"]))
    elif response.content:
        print(json.dumps(response.json(), indent=2))
    return EXIT_OK


def _table(tenants: list[dict[str, Any]]) -> Table:
    table = Table(title="mock-ic tenants")
    for column in ("appName", "clientId", "recipe", "1.2 rostering base"):
        table.add_column(column)
    for t in tenants:
        recipe = t["recipe"].get("name", "inline") if isinstance(t["recipe"], dict) else str(t["recipe"])
        table.add_row(t["appName"], t["clientId"], recipe, t["urls"]["rostering"])
    return table
