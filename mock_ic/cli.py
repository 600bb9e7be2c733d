"""The ``mock-ic`` command: serve (and, as the project grows, seed, tenant, passback, conformance)."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from pathlib import Path

from conformance.passback import cli as passback_cli
from mock_ic import tenant_cli
from mock_ic.settings import Settings
from mock_ic.tenants import DEMO_APP, DEMO_CREDENTIALS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mock-ic", description="A mock Infinite Campus OneRoster server")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the mock (the demo tenant included)")
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
    serve.add_argument("--scenario", help="apply a SIS-error scenario to the demo tenant (docs/scenarios.md)")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.set_defaults(func=_serve)
    tenant_cli.add_parser(commands)
    passback_cli.add_parser(commands)

    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env().with_overrides(
        host=args.host, port=args.port, data_dir=args.data_dir, database=args.database, workers=args.workers,
        validate_responses=args.validate_responses, demo_tenant=args.demo_tenant, admin_token=args.admin_token,
        request_log_keep=args.request_log_keep,
    )


def _serve(args: argparse.Namespace) -> int:
    import socket

    import uvicorn

    from mock_ic.app import build_runtime, create_app

    settings = _settings(args)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if not settings.admin_token and not settings.loopback:
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
    if args.scenario and settings.workers > 1:
        print("mock-ic: --scenario fault rules live per process; use --workers 1 with a scenario", file=sys.stderr)
        return 3
    if args.scenario:
        from mock_ic import scenarios

        try:
            applied = scenarios.apply(runtime, DEMO_APP, args.scenario)
        except KeyError as exc:
            print(f"mock-ic: {exc.args[0] if exc.args else exc}", file=sys.stderr)
            return 3
        print(f"scenario {applied['scenario']!r} applied to tenant {DEMO_APP!r}: {applied['title']}")
    if settings.workers == 1:
        uvicorn.run(create_app(settings, runtime=runtime), host=settings.host, port=settings.port,
                    log_level=args.log_level, access_log=args.log_level == "debug")
        return 0
    runtime.db.dispose()
    _export(settings)
    uvicorn.run("mock_ic.server:app", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, log_level=args.log_level, access_log=args.log_level == "debug")
    return 0


def _export(settings: Settings) -> None:
    """Hand the effective settings to the worker processes (they build the app from the environment)."""
    os.environ.update({
        "MOCK_IC_HOST": settings.host,
        "MOCK_IC_PORT": str(settings.port),
        "MOCK_IC_DATA_DIR": str(settings.data_dir),
        "MOCK_IC_VALIDATE_RESPONSES": str(settings.validate_responses),
        "MOCK_IC_DEMO_TENANT": str(settings.demo_tenant),
    })
    if settings.admin_token:
        os.environ["MOCK_IC_ADMIN_TOKEN"] = settings.admin_token
    if settings.database:
        os.environ["MOCK_IC_DATABASE"] = settings.database
    if settings.public_url:
        os.environ["MOCK_IC_PUBLIC_URL"] = settings.public_url


def _print_banner(settings: Settings) -> None:
    base = settings.base_url
    c = DEMO_CREDENTIALS
    print(f"""
mock-ic — a mock Infinite Campus OneRoster server
  database     {settings.database_url}
  token        POST {base}/campus/oauth2/token?appName={DEMO_APP}
  rostering    {base}/campus/api/oneroster/v1p2/{DEMO_APP}/ims/oneroster/rostering/v1p2
  gradebook    {base}/campus/api/oneroster/v1p2/{DEMO_APP}/ims/oneroster/gradebook/v1p2
  1.1          {base}/campus/oneroster/{DEMO_APP}/ims/oneroster/v1p1
  also         {base}/campus/api/ims/oneroster/... and {base}/ims/oneroster/... (tenant from the token)
  teacher view {base}/_mock/ui/{DEMO_APP}
  API docs     {base}/ims/oneroster/rostering/v1p2/ui/  (admin API: {base}/_mock/docs/)
  health       {base}/_mock/health
  admin token  {settings.admin_token or "(none: the control plane is open on this loopback address)"}

demo tenant '{DEMO_APP}':
  client_id {c['client_id']}   client_secret {c['client_secret']}
  x-vendor-authorization: {c['vendor_key']}:{c['vendor_secret']}

try:
  TOKEN=$(curl -s -u {c['client_id']}:{c['client_secret']} -d grant_type=client_credentials \\
      "{base}/campus/oauth2/token?appName={DEMO_APP}" \\
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  curl -s -H "Authorization: Bearer $TOKEN" \\
      "{base}/campus/api/oneroster/v1p2/{DEMO_APP}/ims/oneroster/rostering/v1p2/schools"
""", flush=True)


if __name__ == "__main__":
    sys.exit(main())
