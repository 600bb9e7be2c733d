"""The server options the kit's client commands share (``mock-ic passback``, ``mock-ic provision``) and the client
they make: by default the demo tenant of ``make run``; secrets from the flag, else the environment (they stay out
of the process list and the shell history), else the public demo ones.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a command runs: `mock-ic serve` need not load the client
    from conformance.client import OneRosterClient

DEMO_SERVER = "http://127.0.0.1:8080"
DEMO_BASE = {"1.2": f"{DEMO_SERVER}/campus/api/oneroster/v1p2/demo/ims/oneroster",
             "1.1": f"{DEMO_SERVER}/campus/oneroster/demo/ims/oneroster"}
DEMO_TOKEN_URL = f"{DEMO_SERVER}/campus/oauth2/token?appName=demo"


def add_connection(target: argparse._ArgumentGroup) -> None:
    """--oneroster-version, --base-url, --token-url, --client-id, --client-secret."""
    target.add_argument("--oneroster-version", choices=("1.1", "1.2"), default="1.2",
                        help="the OneRoster version of the connection (default 1.2)")
    target.add_argument("--base-url", metavar="URL",
                        help="the connection's OneRoster root, ending in /ims/oneroster (default: the demo tenant's)")
    target.add_argument("--token-url", metavar="URL", default=DEMO_TOKEN_URL,
                        help="the OAuth 2.0 token endpoint (default: the demo tenant's)")
    target.add_argument("--client-id", metavar="ID", default="mock-ic-demo",
                        help="the OAuth 2.0 client id (default %(default)s)")
    target.add_argument("--client-secret", metavar="SECRET",
                        help="the OAuth 2.0 client secret (default: $ONEROSTER_CLIENT_SECRET, else the demo secret)")


def add_transport(how: argparse._ArgumentGroup) -> None:
    """--timeout and --retries."""
    how.add_argument("--timeout", metavar="SECONDS", type=float, default=30.0,
                     help="seconds per request (default 30)")
    how.add_argument("--retries", metavar="N", type=int, default=5,
                     help="retries of 429/502/503/504 and connection errors (default %(default)s)")


def client(args: argparse.Namespace, **extra: Any) -> OneRosterClient:
    """The client for the connection those options (and --auth) name; ``extra`` goes to it as it is (the vendor
    header's key and secret)."""
    from conformance.client import OneRosterClient

    secret = args.client_secret or os.environ.get("ONEROSTER_CLIENT_SECRET") or "mock-ic-demo-secret"
    version = args.oneroster_version
    return OneRosterClient(base_url=args.base_url or DEMO_BASE[version], token_url=args.token_url,
                           client_id=args.client_id, client_secret=secret, version=version, auth_method=args.auth,
                           timeout=args.timeout, retries=args.retries, **extra)
