"""``mock-ic provision``: Canvas's nightly roster pull from a OneRoster 1.1/1.2 server, as SIS import CSVs.

The connection options and their defaults are the passback command's (the demo tenant of ``make run``;
secrets from the environment). The server is checked once first (the passback's preflight); a
connection that cannot work is one line on stderr and exit status 3.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from rich.console import Console
from rich.markup import escape

from conformance import connection_options
from conformance.passback.cli import EXIT_USAGE
from conformance.provisioning.mapping import DROP_STATUSES, TERM_MODES
from conformance.provisioning.pull import PAGE_SIZE, SCOPES

if TYPE_CHECKING:  # imported when the command runs
    from conformance.client import OneRosterClient

EXIT_WARNINGS = 1  # --strict only
EXIT_FAILED = 2
DEFAULT_OUT = Path("canvas-sis-import")

DESCRIPTION = """\
Pull the roster from a OneRoster 1.1 or 1.2 server as Canvas's provisioning does each night for
Infinite Campus, and write Canvas's SIS import CSVs (accounts, terms, courses, sections, users,
enrollments) with what changed since the previous run: created, updated, deleted (with the reason
for each deletion), and a warning for each known failure mode (docs/provisioning.md).

The defaults reach the demo tenant of "make run" (http://127.0.0.1:8080, public demo credentials),
so "mock-ic provision" works as is. Against a real district give --base-url, --token-url and
--client-id, and the secret through the environment (ONEROSTER_CLIENT_SECRET).

Exit status: 0 done (warnings or not; 1 with --strict when there are warnings), 2 the pull failed
(nothing written), 3 usage or configuration error.
"""


def add_parser(commands: Any) -> None:
    p = commands.add_parser("provision", help="pull the roster as Canvas's provisioning does; write its SIS CSVs",
                            description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = p.add_argument_group("server (defaults: the demo tenant of make run)")
    connection_options.add_connection(target)
    target.add_argument("--auth", choices=("basic", "form"), default="basic",
                        help="how the client authenticates to the token endpoint (default %(default)s)")
    what = p.add_argument_group("what Canvas is configured to do")
    what.add_argument("--terms", choices=TERM_MODES, default="consolidated",
                      help="one year-long term, or one Canvas term per grading period per school (default %(default)s)")
    what.add_argument("--scope", choices=SCOPES, default="bulk",
                      help="pull each collection once, or school by school (default %(default)s)")
    what.add_argument("--drop-status", choices=DROP_STATUSES, default="inactive",
                      help="what a dropped student's enrollment becomes (default %(default)s)")
    what.add_argument("--today", metavar="DATE", type=_day,
                      help="the day the run happens on, YYYY-MM-DD (default: today): decides what has ended")
    how = p.add_argument_group("how")
    how.add_argument("--out", metavar="DIR", type=Path, default=DEFAULT_OUT,
                     help="where the CSVs, diff.csv and report.json go (default ./%(default)s)")
    how.add_argument("--state", metavar="FILE", type=Path,
                     help="the state file of the previous run (default: per-user state dir, per connection)")
    how.add_argument("--no-state", action="store_true", help="remember nothing (every row counts as new)")
    how.add_argument("--dry-run", action="store_true", help="pull and report only: write no file, keep the state")
    how.add_argument("--page-size", metavar="N", type=int, default=PAGE_SIZE,
                     help="objects asked for per page (default %(default)s)")
    connection_options.add_transport(how)
    how.add_argument("--strict", action="store_true", help="exit 1 when there is any warning")
    how.add_argument("--quiet", action="store_true", help="print only the one-line summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from conformance.client_errors import OneRosterError
    from conformance.passback.preflight import PreflightError, preflight
    from conformance.provisioning.mapping import Options
    from conformance.provisioning.provision import provision
    from conformance.provisioning.state import ProvisioningState
    from conformance.state_file import StateFileError

    err = Console(stderr=True, soft_wrap=True)
    try:
        if args.page_size < 1:
            raise ValueError(f"--page-size must be at least 1, got {args.page_size}")
        client = connection_options.client(args)
        state = ProvisioningState.load(None if args.no_state else (args.state or default_state_path(client)))
        options = Options(terms=args.terms, drop_status=args.drop_status, today=args.today or date.today())
    except (StateFileError, ValueError, OSError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        return EXIT_USAGE
    try:
        preflight(client)
    except PreflightError as exc:
        client.close()
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        return EXIT_USAGE
    with client:
        try:
            report = provision(client, state, options, scope=args.scope, page_size=args.page_size,
                               out_dir=None if args.dry_run else args.out)
        except OneRosterError as exc:
            err.print(f"[red]error:[/red] the pull failed, nothing was written: {escape(str(exc))}")
            return EXIT_FAILED
    out = Console(soft_wrap=True)
    if args.quiet:
        out.print(report.message)
    else:
        report.print(out)
    return EXIT_WARNINGS if args.strict and report.warnings else 0


def default_state_path(client: OneRosterClient) -> Path:
    name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in f"{client.version}-{client.root}")
    return Path(platformdirs.user_state_dir("mock-ic")) / "provisioning" / f"{name}.json"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None
