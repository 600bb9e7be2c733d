"""``mock-ic tenant ...``: manage the tenants of a running server through its admin API."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import requests
from rich.console import Console
from rich.table import Table

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 2, 3
DEFAULT_URL = "http://127.0.0.1:8080"


def _server_options() -> argparse.ArgumentParser:
    """--url and --admin-token, taken before or after the action (``tenant --url U list`` = ``tenant list --url U``)."""
    options = argparse.ArgumentParser(add_help=False)
    server = options.add_argument_group("server")
    server.add_argument("--url", default=argparse.SUPPRESS,
                        help=f"the mock-ic server (default: $MOCK_IC_URL, else {DEFAULT_URL})")
    server.add_argument("--admin-token", default=argparse.SUPPRESS,
                        help="the server's admin token, when it has one (default: $MOCK_IC_ADMIN_TOKEN)")
    return options


def add_parser(commands: Any) -> None:
    options = _server_options()
    tenant = commands.add_parser("tenant", help="manage the tenants of a running mock-ic server", parents=[options],
                                 description="Manage the tenants of a running mock-ic server through its admin API.")
    actions = tenant.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, text: str, *app_args: tuple[str, str]) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".", parents=[options])
        for arg, arg_help in app_args:
            parser.add_argument(arg, help=arg_help)
        return parser

    app = ("app_name", "the tenant (its appName)")
    create = action("create", "create a tenant (credentials are generated when not given)",
                    ("app_name", "the new tenant's appName"))
    create.add_argument("--recipe", default="demo", help="a recipe name from fixtures/districts, or a JSON object "
                        "(default %(default)s)")
    create.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="a tenant setting, the value as JSON, e.g. title_max_length_v1p2=40 (repeatable)")
    for name in ("client-id", "client-secret", "vendor-key", "vendor-secret"):
        create.add_argument(f"--{name}", help=f"the tenant's {name.replace('-', ' ')} (default: generated)")
    action("list", "list the tenants")
    action("show", "show a tenant: credentials, settings, base URLs", app)
    action("reset", "reset a tenant to its seeded district", app)
    action("delete", "delete a tenant and all its data", app)
    action("export", "print a tenant's documents as JSON", app)
    action("snapshot", "save the tenant's state under a name", app, ("name", "the snapshot's name"))
    action("restore", "restore a saved snapshot", app, ("name", "the snapshot's name"))
    load = action("import-csv", "replace the tenant's roster with a OneRoster CSV bundle (zip)", app)
    load.add_argument("bundle", type=Path, help="the OneRoster CSV bundle (a .zip file)")
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
    if not args.bundle.is_file():
        raise OSError(f"no such file: {args.bundle}")
    return "POST", f"/tenants/{app}/import", {"data": args.bundle, "headers": {"content-type": "application/zip"}}


def run(args: argparse.Namespace) -> int:
    console = Console()
    try:
        method, path, kwargs = _request(args)
    except (ValueError, OSError) as exc:
        print(f"mock-ic tenant: {exc}", file=sys.stderr)
        return EXIT_USAGE
    url = getattr(args, "url", None) or os.environ.get("MOCK_IC_URL") or DEFAULT_URL
    admin_token = getattr(args, "admin_token", None) or os.environ.get("MOCK_IC_ADMIN_TOKEN")
    if admin_token:
        kwargs["headers"] = {**kwargs.get("headers", {}), "X-Mock-Admin-Token": admin_token}
    # A district-sized tenant's bundle and export are hundreds of megabytes: the bundle is sent from the file and
    # the export written as it arrives, neither held in memory (docs/large-district.md).
    try:
        with ExitStack() as files:
            if isinstance(kwargs.get("data"), Path):
                kwargs["data"] = files.enter_context(kwargs["data"].open("rb"))
            response = requests.request(method, f"{url.rstrip('/')}/_mock{path}", timeout=120,
                                        stream=args.action == "export", **kwargs)
    except requests.ConnectionError:
        print(f"mock-ic tenant: no mock-ic server answers at {url} (start one with `make run`)", file=sys.stderr)
        return EXIT_FAILED
    if response.status_code >= 400:
        detail = response.json().get("imsx_description", response.text) if response.content else ""
        if response.status_code == 401:
            detail += (" (the admin token is wrong)" if admin_token else
                       " (give it with --admin-token or $MOCK_IC_ADMIN_TOKEN; `mock-ic serve` prints it)")
        print(f"mock-ic tenant {args.action}: {response.status_code} {detail}", file=sys.stderr)
        return EXIT_FAILED
    if args.action == "list":
        console.print(_table(response.json()["tenants"]))
    elif args.action == "export":
        for chunk in response.iter_content(chunk_size=1 << 16):
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.write(b"\n")
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
