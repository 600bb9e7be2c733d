"""``mock-ic conformance``: judge a OneRoster server with the kit's suites; a verdict for CI.

The parser's description (``DESCRIPTION``, plain text: it is what ``--help`` prints) says how a target
is named and where secrets come from, as ``mock-ic passback`` does. Every usage or configuration
error (no target, a missing secret, a server that does not answer) is one line on stderr and exit
status 3 (``EXIT_USAGE``), before any suite runs. docs/conformance.md is the guide.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.profiles import DEFAULT_PROFILE, PROFILES, SUITES
from conformance.sandbox import PREFIX
from conformance.target import CLIENT_SECRET_ENV, VENDOR_SECRET_ENV
from conformance.verdict import EXIT_FAILED, EXIT_USAGE

if TYPE_CHECKING:  # imported when the command runs: `mock-ic --help` need not load pytest
    from conformance.runner import RunConfig
    from conformance.target import Target

EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C
ARGUMENT_ERROR_EXIT = EXIT_USAGE  # mock_ic.cli: argparse's refusals (an unknown flag, a bad choice) exit 3, not 2

DESCRIPTION = f"""\
Judge a OneRoster server with the conformance kit's property-based suites: does it behave like
Infinite Campus's OneRoster for grade passback (profiles ic-1.2, ic-1.1), or like the 1EdTech
standard (oneroster-1.2)? docs/conformance.md is the guide.

Name the target with --base-url, --token-url and --client-id, and give its secrets through the
environment ({CLIENT_SECRET_ENV}, and {VENDOR_SECRET_ENV} with --vendor-key): they stay out of
the process list and the shell history. Or judge a mock-ic started for the run with --in-process
(it needs the server: pip install 'mock-ic[server]').

Everything the kit writes has ids starting with "{PREFIX}", lives in the class named by
--sandbox-class and is deleted at the end; --cleanup deletes what an interrupted run left there.
--read-only writes nothing at all (for a production connection).

One line per suite as it finishes, then each failure: the behaviour IDs it is reported under, the
message, and the requests that reproduce it as curl lines.

Exit status: 0 every selected suite passed, 1 a suite failed, 3 usage or configuration error
(or the suites could not run), 130 interrupted.
"""


def add_parser(commands: Any) -> None:
    p = commands.add_parser("conformance", help="judge a OneRoster server with the kit's suites (a CI verdict)",
                            description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = p.add_argument_group("target (one of --in-process or --base-url)")
    target.add_argument("--in-process", action="store_true",
                        help="judge a mock-ic started in this process (a fresh tenant of the demo district)")
    target.add_argument("--base-url", metavar="URL",
                        help="the connection's OneRoster root, ending in /ims/oneroster")
    target.add_argument("--token-url", metavar="URL", help="the OAuth 2.0 token endpoint")
    target.add_argument("--client-id", metavar="ID", help=f"the OAuth 2.0 client id (secret: ${CLIENT_SECRET_ENV})")
    target.add_argument("--vendor-key", metavar="KEY",
                        help=f"the key of the grade book calls' x-vendor-authorization header (secret: "
                             f"${VENDOR_SECRET_ENV})")
    target.add_argument("--spec", metavar="FILE", type=Path, action="append", default=[],
                        help="an OpenAPI file of the target (repeatable), for the contract suite when the target "
                             "serves none (a real Infinite Campus does not)")
    target.add_argument("--in-process-settings", metavar="JSON",
                        help="with --in-process: the mock tenant's settings, e.g. "
                             "'{\"rules\": {\"IC-LI-DUP-TITLE\": false}}' (docs/admin-api.md)")
    what = p.add_argument_group("what to judge")
    what.add_argument("--profile", choices=sorted(PROFILES), default=DEFAULT_PROFILE,
                      help=f"what the target is judged against (default {DEFAULT_PROFILE}): " +
                           "; ".join(f"{name}: {prof.summary}" for name, prof in PROFILES.items()))
    what.add_argument("--suite", metavar="NAME", nargs="+", action="extend", choices=SUITES, dest="suites",
                      help=f"run only these suites (repeatable; default: all of the profile's): {', '.join(SUITES)}")
    what.add_argument("--examples", metavar="N", type=_positive,
                      help="hypothesis examples per property (default: each suite's own)")
    what.add_argument("--seed", metavar="S",
                      help="hypothesis seed: other examples than the default run's, reproducible with the same "
                           "seed (default: derandomized, the same examples every run)")
    what.add_argument("--read-only", action="store_true",
                      help="send no PUT, POST or DELETE: the writing tests are skipped (for a production connection)")
    what.add_argument("--sandbox-class", metavar="ID",
                      help="the one class the kit may write in (needed to write to a remote target)")
    what.add_argument("--suites-dir", metavar="DIR", type=Path,
                      help="run the test_<suite>.py modules of DIR instead of the kit's own")
    out = p.add_argument_group("output")
    out.add_argument("--junit", metavar="FILE", type=Path, help="write JUnit XML here: one testsuite per suite")
    out.add_argument("--report", metavar="FILE", type=Path,
                     help="write a markdown report here: target, profile, seed, counts, failures, behaviours")
    p.add_argument("--mutants", choices=("rules", "faults", "all"),
                   help="with --in-process: judge the kit itself — run it against the mock with each rule switched "
                        "off (rules), each OneRoster-level fault injected (faults), or both, and print the "
                        "fraction caught (exit 0 only when every one is caught)")
    p.add_argument("--cleanup", action="store_true",
                   help=f"run no suite: delete every {PREFIX}* object an interrupted run left in --sandbox-class")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        config, target = _config(args)
    except UsageError as exc:
        return _usage(str(exc))
    if args.cleanup:
        assert target is not None
        return _cleanup(target, str(args.sandbox_class))
    if args.mutants:
        return _mutants(config, args.mutants, args.report)
    if target is not None:
        problem = _preflight(target)
        if problem:
            return _usage(problem)
    from conformance.report import markdown
    from conformance.runner import RunError
    from conformance.runner import run as run_suites

    try:
        verdict = run_suites(config)
    except RunError as exc:
        return _usage(str(exc))
    except OSError as exc:  # --junit's file could not be written
        return _usage(f"could not write {exc.filename or 'a file'}: {exc.strerror or exc}")
    if args.report:
        try:
            args.report.parent.mkdir(parents=True, exist_ok=True)
            args.report.write_text(markdown(verdict), encoding="utf-8")
        except OSError as exc:
            return _usage(f"could not write the report: {exc}")
    if verdict.interrupted:
        hint = (f" (--cleanup --sandbox-class {args.sandbox_class} deletes what it may have left)"
                if args.sandbox_class and not args.read_only else "")
        print(f"interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return verdict.exit_code


def _mutants(config: RunConfig, which: str, report: Path | None) -> int:
    """``--mutants``: is each mutant caught? One line per mutant as it is judged, then the fraction."""
    from conformance import mutants

    faults = mutants.FAULTS if which in ("faults", "all") else {}
    rules = mutants.switchable_rules(PROFILES[config.profile].version, faults)  # also checks the faults
    chosen = mutants.mutants(rules if which in ("rules", "all") else [], faults)
    others = tuple(name for name, prof in PROFILES.items() if prof.ic and name != config.profile)

    def show(outcome: mutants.Outcome) -> None:
        print(outcome.line(), flush=True)

    outcomes = mutants.run_mutants(config, chosen, profiles=others, progress=show)
    print(mutants.summary(outcomes), flush=True)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(mutants.markdown(outcomes), encoding="utf-8")
    return 0 if all(o.caught for o in outcomes) else 1


class UsageError(Exception):
    """A command line that cannot run; the message is the one line to show."""


def _config(args: argparse.Namespace) -> tuple[RunConfig, Target | None]:
    """The run the command line asks for, and the remote target (None: in process); UsageError if it cannot run."""
    from conformance.runner import RunConfig

    if args.in_process and args.base_url:
        raise UsageError("give either --in-process or --base-url, not both")
    if not args.in_process and not args.base_url:
        raise UsageError("no target: give --base-url, --token-url and --client-id (secrets in "
                         f"{CLIENT_SECRET_ENV} / {VENDOR_SECRET_ENV}), or --in-process")
    if args.base_url:
        missing = [flag for flag, value in (("--token-url", args.token_url), ("--client-id", args.client_id))
                   if not value]
        if missing:
            raise UsageError(f"--base-url needs {' and '.join(missing)}")
    target = None if args.in_process else _target(args)
    if args.in_process_settings is not None:
        if not args.in_process:
            raise UsageError("--in-process-settings sets the in-process mock's tenant: it needs --in-process")
        try:
            settings = json.loads(args.in_process_settings)
        except json.JSONDecodeError as exc:
            raise UsageError(f"--in-process-settings is not JSON: {exc}") from None
        if not isinstance(settings, dict):
            raise UsageError("--in-process-settings must be a JSON object")
    if args.mutants and not args.in_process:
        raise UsageError("--mutants judges the kit against a mock it changes on purpose: it needs --in-process")
    if args.cleanup:
        _check_cleanup(args)
    elif args.base_url and not args.read_only and not args.sandbox_class:
        raise UsageError("writing to a remote target needs --sandbox-class ID (the one class the kit may write "
                         "in), or --read-only")
    chosen = PROFILES[args.profile]
    outside = [s for s in args.suites or () if s not in chosen.suites]
    if outside:
        raise UsageError(f"profile {args.profile} does not run {', '.join(outside)} (its suites: "
                         f"{', '.join(chosen.suites)})")
    if args.suites_dir is not None and not args.suites_dir.is_dir():
        raise UsageError(f"--suites-dir {args.suites_dir} is not a directory")
    config = RunConfig(profile=args.profile, suites=tuple(dict.fromkeys(args.suites or ())),
                       in_process=args.in_process, base_url=args.base_url, token_url=args.token_url,
                       client_id=args.client_id, vendor_key=args.vendor_key, read_only=args.read_only,
                       sandbox_class=args.sandbox_class, examples=args.examples, seed=args.seed,
                       in_process_settings=args.in_process_settings, junit=args.junit, suites_dir=args.suites_dir,
                       specs=tuple(args.spec))
    return config, target


def _check_cleanup(args: argparse.Namespace) -> None:
    if args.in_process:
        raise UsageError("--cleanup needs a remote target: an in-process mock starts empty and is gone after the run")
    if not args.sandbox_class:
        raise UsageError("--cleanup needs --sandbox-class ID: the class to delete the kit's objects from")
    if args.read_only:
        raise UsageError("--cleanup deletes, and --read-only forbids it")


def _target(args: argparse.Namespace) -> Target:
    from conformance.target import from_environment

    version = PROFILES[args.profile].version
    try:
        return from_environment(base_url=args.base_url, token_url=args.token_url, client_id=args.client_id,
                                version=version, vendor_key=args.vendor_key)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _preflight(target: Target) -> str | None:
    """One token and one read before any suite: a connection that cannot work is one line, not 200 errors."""
    from conformance.passback.preflight import PreflightError, preflight

    with target.client(retries=1, timeout=30) as client:
        try:
            preflight(client)
        except PreflightError as exc:
            return str(exc)
    return None


def _cleanup(target: Target, class_id: str) -> int:
    from conformance.client_errors import OneRosterError
    from conformance.sandbox import cleanup_class

    problem = _preflight(target)
    if problem:
        return _usage(problem)
    with target.client() as client:
        try:
            deleted, problems = cleanup_class(client, class_id)
        except OneRosterError as exc:
            return _usage(f"could not list class {class_id}'s line items, results and categories: {exc}")
    for line in problems:
        print(f"could not delete {line}", file=sys.stderr)
    print(f"deleted {deleted - len(problems)} of the kit's objects ({PREFIX}*) from class {class_id}"
          + (f"; {len(problems)} could not be deleted" if problems else ""))
    return EXIT_FAILED if problems else 0


def _usage(message: str) -> int:
    print(f"mock-ic conformance: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
