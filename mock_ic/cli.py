"""The ``mock-ic`` command: serve, tenant, and the kit's passback and conformance.

The kit installs alone (``pip install mock-ic``; the server is the ``server`` extra), so this module
imports nothing of the server at the top: ``serve`` imports it when it runs, ``tenant`` needs only
requests and rich, and the kit's commands never load it.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import secrets
import sys
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

from mock_ic import SERVER_EXTRA, __version__, seed_cli, tenant_cli

if TYPE_CHECKING:
    from mock_ic.settings import Settings

# The kit's commands (conformance/): imported only when one runs, so `mock-ic serve` never loads the kit.
KIT_COMMANDS = {
    "passback": ("conformance.passback.cli", "sync a Canvas course's grades to a OneRoster server, as Canvas does"),
    "provision": ("conformance.provisioning.cli", "pull the roster as Canvas's provisioning does; write its SIS CSVs"),
    "conformance": ("conformance.cli", "judge a OneRoster server with the kit's suites (a CI verdict)"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in KIT_COMMANDS:
        return _kit_command(argv)
    parser = argparse.ArgumentParser(prog="mock-ic", description="A mock Infinite Campus OneRoster server, a "
                                     "Canvas-like passback client and a conformance kit.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print the mock-ic version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the mock (the demo tenant included)",
                                description="Serve the mock Infinite Campus server. Flags override the MOCK_IC_* "
                                "environment variables of the same names.")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8080; 0 picks a free one)")
    serve.add_argument("--data-dir", type=Path, help="where the SQLite database lives (default: per-user data dir)")
    serve.add_argument("--database", help="SQLAlchemy URL, overrides --data-dir (e.g. sqlite:///:memory:)")
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")
    serve.add_argument("--validate-responses", action="store_true", default=None,
                       help="validate every response against openapi/ (slower)")
    serve.add_argument("--no-demo", dest="demo_tenant", action="store_false", default=None,
                       help="do not create the demo tenant")
    serve.add_argument("--admin-token", help="require this token on /_mock (default: open on 127.0.0.1, "
                       "generated and printed when binding another address)")
    serve.add_argument("--request-log-keep", type=int, help="request-log entries kept per tenant (default 5000)")
    serve.add_argument("--max-body-bytes", type=int, help="larger OneRoster and token request bodies get 413 "
                       "(default 1048576)")
    serve.add_argument("--scenario", help="apply a SIS-error scenario to the demo tenant (docs/scenarios.md)")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"],
                       help="server log level; debug also logs each request (default %(default)s)")
    serve.set_defaults(func=_serve)
    tenant_cli.add_parser(commands)
    seed_cli.add_parser(commands)
    for name, (_, text) in KIT_COMMANDS.items():
        kit = commands.add_parser(name, help=text, add_help=False)
        kit.add_argument("arguments", nargs=argparse.REMAINDER, help=f"see `mock-ic {name} --help`")

    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


def _kit_command(argv: list[str]) -> int:
    module = importlib.import_module(KIT_COMMANDS[argv[0]][0])
    parser = argparse.ArgumentParser(prog="mock-ic")
    module.add_parser(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        # argparse's own refusals (an unknown flag, a bad choice) exit 2; a command may call them usage errors
        if exc.code == 2:
            raise SystemExit(getattr(module, "ARGUMENT_ERROR_EXIT", 2)) from None
        raise
    return int(args.func(args) or 0)


def _settings(args: argparse.Namespace) -> Settings:
    from mock_ic.settings import Settings

    return Settings.from_env().with_overrides(
        host=args.host, port=args.port, data_dir=args.data_dir, database=args.database, workers=args.workers,
        validate_responses=args.validate_responses, demo_tenant=args.demo_tenant, admin_token=args.admin_token,
        request_log_keep=args.request_log_keep, max_body_bytes=args.max_body_bytes,
    )


def _serve(args: argparse.Namespace) -> int:
    # Start-up makes ~150k long-lived objects (modules, specs, routes, the demo district) and little
    # garbage: the cyclic collector's passes over them were 15-20 % of a start (BENCHMARKS.md,
    # "Start-up"). Paused until the server is built, then those objects are frozen out of every later
    # pass (_serving_collector); a refusal (exit 3) or an error gives the collector back as it was.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _start(args)
    finally:
        if was_enabled:
            gc.enable()


def _start(args: argparse.Namespace) -> int:
    import socket

    try:
        import uvicorn

        from mock_ic.app import build_runtime, create_app
        from mock_ic.banner import banner
        from mock_ic.control.tenants import DEMO_APP
    except ImportError as exc:  # a kit-only install (pip install mock-ic): no uvicorn, connexion, ...
        if not exc.name or exc.name.split(".")[0] == "mock_ic":
            raise  # a defect of ours, not a missing library
        print(f"mock-ic serve: the server is not installed ({exc.name} is missing): {SERVER_EXTRA}", file=sys.stderr)
        return 3
    settings = _settings(args)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if args.log_level != "debug":  # connexion's "Adding spec json" per mount, Alembic's plugin set-up: noise
        quiet = max(logging.WARNING, logging.getLevelName(args.log_level.upper()))
        for name in ("connexion", "alembic"):
            logging.getLogger(name).setLevel(quiet)
    generated = not settings.admin_token and not settings.loopback
    if generated:
        settings = settings.with_overrides(admin_token=secrets.token_urlsafe(18))
    if settings.port == 0:
        with socket.socket() as probe:
            probe.bind((settings.host, 0))
            settings = settings.with_overrides(port=probe.getsockname()[1])
    if settings.workers > 1 and settings.database_url.endswith(":memory:"):
        print("mock-ic: an in-memory database cannot be shared by several workers; use --workers 1",
              file=sys.stderr)
        return 3
    # Make the schema, the signing secret and the demo tenant once, before any worker starts.
    runtime = build_runtime(settings)
    if args.scenario:
        from mock_ic.control import scenarios

        try:
            applied = scenarios.apply(runtime, DEMO_APP, args.scenario)
        except KeyError as exc:
            print(f"mock-ic: {exc.args[0] if exc.args else exc}", file=sys.stderr)
            return 3
        print(f"scenario {applied['scenario']!r} applied to tenant {DEMO_APP!r}: {applied['title']}")
    print(banner(settings, runtime.tenants.get(DEMO_APP), admin_token_generated=generated), flush=True)
    if settings.workers == 1:
        app = create_app(settings, runtime=runtime)
        _serving_collector()
        uvicorn.run(app, host=settings.host, port=settings.port,
                    log_level=args.log_level, access_log=args.log_level == "debug")
        return 0
    runtime.db.dispose()
    _export(settings)
    _serving_collector()
    uvicorn.run("mock_ic.server:app", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, log_level=args.log_level, access_log=args.log_level == "debug")
    return 0


def _serving_collector() -> None:
    """The collector back on, the start-up's objects moved out of its sight: a pass during serving scans
    only what requests make (the start's little cyclic garbage, ~2 MB, is kept rather than collected)."""
    gc.freeze()
    gc.enable()


def _export(settings: Settings) -> None:
    """Hand the effective settings to the worker processes (they build the app from the environment)."""
    for f in fields(settings):
        value = getattr(settings, f.name)
        if value is not None:
            os.environ[f"MOCK_IC_{f.name.upper()}"] = str(value)


if __name__ == "__main__":
    sys.exit(main())
