"""``mock-ic passback COURSE.json``: a Canvas "Sync to SIS" against any OneRoster 1.1/1.2 server.

The parser's description (``DESCRIPTION``, plain text: it is what ``--help`` prints) says what the
defaults reach and where secrets come from. Before any work a preflight
(:mod:`conformance.passback.preflight`) checks the server once; a connection that cannot work is one
line on stderr and exit status 3 (``EXIT_USAGE``), like any other usage or configuration error.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from conformance import connection_options

if TYPE_CHECKING:  # imported when the command runs: `mock-ic serve` need not load the client
    from conformance.client import OneRosterClient
    from conformance.passback.canvas import CanvasCourse
    from conformance.passback.plan import Plan, SyncOptions

EXIT_USAGE = 3
MAX_CONCURRENCY = 5  # = conformance.passback.sync.MAX_CONCURRENCY (IC-LOAD); a test keeps them equal


DESCRIPTION = """\
Sync a Canvas course's grades to a OneRoster 1.1 or 1.2 server, as Canvas does on "Sync to SIS"
for Infinite Campus (docs/passback.md).

The defaults reach the demo tenant of "make run" (http://127.0.0.1:8080, public demo credentials),
so "mock-ic passback fixtures/canvas/demo-course.json" works as is. Against a real district give
--base-url, --token-url and --client-id, and the secrets through the environment
(ONEROSTER_CLIENT_SECRET, ONEROSTER_VENDOR_SECRET): they stay out of the process list and the
shell history.

Before any work the server is checked once (a token and one read): no server, a base URL that is
not a OneRoster root or a refused token is reported in one line, with exit status 3.

With --final-grades the same machinery posts each student's current Canvas grade to an Infinite
Campus grading task instead of syncing assignments.

Exit status: 0 success, 1 partial, 2 failed, 3 usage or configuration error.
"""


def add_parser(commands: Any) -> None:
    p = commands.add_parser("passback", help="sync a Canvas course's grades to a OneRoster server, as Canvas does",
                            description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("course", type=Path, help="the Canvas course file (docs/passback.md)")
    target = p.add_argument_group("server (defaults: the demo tenant of make run)")
    connection_options.add_connection(target)
    target.add_argument("--vendor-key", metavar="KEY", default="mock-ic-vendor",
                        help="the key of the x-vendor-authorization header (default %(default)s)")
    target.add_argument("--vendor-secret", metavar="SECRET",
                        help="the secret of that header (default: $ONEROSTER_VENDOR_SECRET, else the demo one)")
    target.add_argument("--no-vendor-header", action="store_true", help="send no x-vendor-authorization header")
    target.add_argument("--auth", choices=("basic", "form"), default="basic",
                        help="how the client authenticates to the token endpoint: HTTP Basic or form fields "
                             "(default %(default)s)")
    what = p.add_argument_group("what to sync")
    what.add_argument("--sections", metavar="LIST",
                      help="comma-separated section SIS ids, Canvas ids or names (default: all)")
    what.add_argument("--assignments", metavar="LIST",
                      help="comma-separated assignment ids or names (default: all eligible)")
    what.add_argument("--remaster", action="store_true", help="resend every grade of every eligible assignment")
    what.add_argument("--since", metavar="TIME", type=_moment,
                      help="normal sync: send the grades changed since TIME, ISO 8601 (default: 30 days before now)")
    what.add_argument("--now", metavar="TIME", type=_moment,
                      help="the moment the sync runs at, ISO 8601 (default: the course file's exported_at)")
    what.add_argument("--shift-years", metavar="N", type=int, default=0,
                      help="move every date of the course by whole years first (e.g. into the mock's school year)")
    what.add_argument("--name-limit", metavar="N", type=int, help="override the account's SIS assignment name limit")
    what.add_argument("--final-grades", metavar="TASK", nargs="?", const="", default=None,
                      help="instead of assignments, post each student's current Canvas grade (weighted groups or "
                           "points, as the course says) to the grading task TASK (its title or sourcedId), or "
                           "without TASK to each class's only open grading task")
    how = p.add_argument_group("how")
    how.add_argument("--dry-run", action="store_true",
                     help="plan only, from the course and state files: print what would be sent, contact no server")
    how.add_argument("--concurrency", metavar="N", type=int, default=1,
                     help=f"parallel result PUTs, 1..{MAX_CONCURRENCY} (default %(default)s)")
    how.add_argument("--deadline", metavar="SECONDS", type=float, default=3600.0,
                     help="seconds the whole sync may take (default 3600)")
    connection_options.add_transport(how)
    how.add_argument("--state", metavar="FILE", type=Path,
                     help="the sync-state file (default: per-user state dir, per course)")
    how.add_argument("--no-state", action="store_true", help="remember nothing (every grade counts as changed)")
    how.add_argument("--report", metavar="FILE", type=Path, help="also write the report as JSON here")
    how.add_argument("--quiet", action="store_true", help="print only the one-line summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from conformance.passback.canvas import CourseFileError, load_course
    from conformance.passback.final_grades import sync_final_grades
    from conformance.passback.preflight import PreflightError, preflight
    from conformance.passback.state import SyncState
    from conformance.passback.sync import sync
    from conformance.state_file import StateFileError

    err = Console(stderr=True, soft_wrap=True)
    try:
        course = load_course(args.course)
        if args.shift_years:
            course = course.shifted(args.shift_years)
        state = SyncState.load(None if args.no_state else (args.state or default_state_path(course)))
        client = _client(args)
        options = _options(args, course)
    except (CourseFileError, StateFileError, ValueError, OSError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        return EXIT_USAGE
    if not args.dry_run:  # a dry run plans from the files alone
        try:
            preflight(client)
        except PreflightError as exc:
            client.close()
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            return EXIT_USAGE
    out = Console(soft_wrap=True)  # the summary and the headline stay one line each, whatever the width
    if args.final_grades is not None:
        with client:
            report = sync_final_grades(course, client, state, options, args.final_grades or None,
                                       dry_run=args.dry_run, deadline=args.deadline)
    else:
        with client, _progress_bar(err, enabled=not args.quiet and not args.dry_run) as progress:
            report = sync(course, client, state, options, dry_run=args.dry_run, concurrency=args.concurrency,
                          deadline=args.deadline, progress=progress)
    if args.quiet:
        out.print(f"{report.status}: {report.message}")
    else:
        report.print(out)
    if args.report:
        args.report.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    return report.exit_code


def default_state_path(course: CanvasCourse) -> Path:
    name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in (course.sis_course_id or str(course.id)))
    return Path(platformdirs.user_state_dir("mock-ic")) / "passback" / f"{name}.json"


def _client(args: argparse.Namespace) -> OneRosterClient:
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"--concurrency must be 1..{MAX_CONCURRENCY}, got {args.concurrency}")
    vendor_secret = args.vendor_secret or os.environ.get("ONEROSTER_VENDOR_SECRET") or "mock-ic-vendor-secret"
    vendor = {} if args.no_vendor_header else {"vendor_key": args.vendor_key, "vendor_secret": vendor_secret}
    return connection_options.client(args, **vendor)


def _options(args: argparse.Namespace, course: CanvasCourse) -> SyncOptions:
    from conformance.passback.eligibility import EligibilitySettings
    from conformance.passback.plan import SyncOptions

    settings = EligibilitySettings.from_course(course)
    if args.name_limit is not None:
        settings = EligibilitySettings.from_course(course, name_length_limit=args.name_limit)
    return SyncOptions(version=args.oneroster_version, remaster=args.remaster, now=args.now, since=args.since,
                       sections=_names(args.sections), assignments=_names(args.assignments), settings=settings)


def _names(text: str | None) -> frozenset[str] | None:
    return frozenset(part.strip() for part in text.split(",") if part.strip()) if text else None


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 date or date-time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextmanager
def _progress_bar(console: Console, *, enabled: bool) -> Iterator[Callable[[Plan], Callable[[int], None]] | None]:
    if not enabled:
        yield None
        return
    bar = Progress(TextColumn("grades"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=console, transient=True, disable=not console.is_terminal)

    def start(plan: Plan) -> Callable[[int], None]:
        task = bar.add_task("grades", total=plan.grades_to_send)
        return lambda n: bar.advance(task, n)

    with bar:
        yield start

