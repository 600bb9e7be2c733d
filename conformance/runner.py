"""Run the suites of a profile in one pytest session and turn what happens into a :class:`Verdict`.

``mock-ic conformance`` (:mod:`conformance.cli`) builds a :class:`RunConfig` and calls :func:`run`.
The suites are the modules ``test_<suite>.py`` of ``conformance/suites/`` (or of ``--suites-dir``);
one the kit does not carry is reported as "not available", not a crash. pytest runs in this process,
isolated from whatever else the environment holds: no ini file, no conftest above the suites, no
plugin but the kit's own (``conformance.plugin``) and those of the libraries the suites are written
with (hypothesis, schemathesis) — a CI image with pytest-randomly or a ``-n auto`` in its ini file
gets the same verdict as a laptop.

While pytest runs, :class:`SuiteReporter` (a plugin of ours) prints one line per suite as it finishes
(``contract ........... passed 12  0:08``; a live progress display instead when stdout is a
terminal); after it, each failure with its behaviour IDs and its request sequence as curl lines.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol, TextIO

import pytest

from conformance import junit
from conformance.profiles import DEFAULT_PROFILE, profile, suite_module
from conformance.verdict import FAILED, NOT_AVAILABLE, PASSED, SKIPPED, Failure, SuiteVerdict, Verdict

SUITES_DIR = Path(__file__).resolve().parent / "suites"
# The libraries whose pytest plugins the suites are written with: their entry points are loaded, no other.
PLUGIN_DISTRIBUTIONS = frozenset({"hypothesis", "schemathesis"})
MESSAGE_LINES = 25  # a failure's message shown in the terminal and the report is cut after this many lines
SHOWN_PER_SUITE = 10  # failures printed per suite; the rest are in --junit / --report


@dataclass(frozen=True)
class RunConfig:
    profile: str = DEFAULT_PROFILE
    suites: tuple[str, ...] = ()  # asked for by name (--suite); () = every suite of the profile
    in_process: bool = False
    base_url: str | None = None
    token_url: str | None = None
    client_id: str | None = None
    vendor_key: str | None = None
    read_only: bool = False
    sandbox_class: str | None = None
    examples: int | None = None
    seed: str | None = None
    in_process_settings: str | None = None  # JSON, the tenant settings of the in-process mock
    in_process_faults: str | None = None  # JSON, fault rules of the in-process mock (conformance/mutants.py)
    specs: tuple[Path, ...] = ()  # --spec: the target's OpenAPI files, for the contract suite
    junit: Path | None = None
    suites_dir: Path | None = None  # None: the kit's own (conformance/suites)

    @property
    def selected(self) -> tuple[str, ...]:
        """The suites this run judges, in the profile's order."""
        chosen = profile(self.profile).suites
        return tuple(s for s in chosen if s in self.suites) if self.suites else chosen

    def target_text(self) -> str:
        """What is judged, without secrets (the report's and the summary's wording)."""
        if self.in_process:
            return "mock-ic started in process (a fresh tenant of the demo district)"
        parts = [f"{self.base_url} (token {self.token_url}, client id {self.client_id}"]
        if self.vendor_key:
            parts.append(f", vendor key {self.vendor_key}")
        return "".join(parts) + ")"


def run(config: RunConfig, out: TextIO | None = None) -> Verdict:
    """Run the selected suites; print their lines and failures on ``out`` (default stdout)."""
    out = out if out is not None else sys.stdout
    suites_dir = (config.suites_dir or SUITES_DIR).resolve()
    verdict = Verdict(profile=config.profile, target=config.target_text(), seed=config.seed,
                      examples=config.examples, read_only=config.read_only)
    modules: dict[str, str] = {}  # module file name -> suite
    for suite in config.selected:
        module = suite_module(suite)
        available = (suites_dir / module).is_file()
        verdict.suites[suite] = SuiteVerdict(suite, available=available, asked_for=suite in config.suites)
        if available:
            modules[module] = suite
    started = time.monotonic()
    with _display(out) as display, tempfile.TemporaryDirectory(prefix="mock-ic-kit-") as scratch:
        reporter = SuiteReporter(verdict, modules, display)
        raw_junit = Path(scratch) / "pytest-junit.xml"
        if modules:
            args = pytest_args(config, suites_dir, list(modules), raw_junit if config.junit else None)
            code = _pytest_main(args, reporter, suites_dir, list(modules))
            if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
                raise RunError(f"pytest could not run the suites (exit status {int(code)}; see above)")
            verdict.interrupted = verdict.interrupted or code == pytest.ExitCode.INTERRUPTED
        else:
            reporter.finish_all()
        verdict.seconds = time.monotonic() - started
        if config.junit:
            junit.write(config.junit, raw_junit if raw_junit.exists() else None, modules, verdict)
    print_failures(verdict, out.write)
    out.write(verdict.summary() + "\n")
    out.flush()
    return verdict


class RunError(Exception):
    """pytest itself could not run (an internal error, a bad option): not a verdict on the target."""


def pytest_args(config: RunConfig, suites_dir: Path, modules: list[str], junit_xml: Path | None) -> list[str]:
    args = [str(suites_dir / module) for module in modules]
    args += [
        "-c", os.devnull,  # no ini file: the project's or a CI's pytest settings do not change the verdict
        "--rootdir", str(suites_dir), "--confcutdir", str(suites_dir),  # no conftest above the suites
        "--import-mode=importlib",  # the suites' module names cannot clash with a caller's test modules
        "--continue-on-collection-errors",  # a broken suite is reported; the others still run
        "-p", "no:terminal", "-p", "no:cacheprovider",  # SuiteReporter prints; nothing written to the cwd
        "--disable-plugin-autoload", "-p", "conformance.plugin", *_library_plugins(),
        "--oneroster-profile", config.profile,
    ]
    if config.in_process:
        args.append("--oneroster-in-process")
        if config.in_process_settings:
            args += ["--oneroster-in-process-settings", config.in_process_settings]
        if config.in_process_faults:
            args += ["--oneroster-in-process-faults", config.in_process_faults]
    else:
        args += ["--oneroster-base-url", str(config.base_url), "--oneroster-token-url", str(config.token_url),
                 "--oneroster-client-id", str(config.client_id)]
        if config.vendor_key:
            args += ["--oneroster-vendor-key", config.vendor_key]
    for spec in config.specs:
        args += ["--oneroster-spec", str(spec)]
    if config.read_only:
        args.append("--oneroster-read-only")
    if config.sandbox_class:
        args += ["--oneroster-sandbox-class", config.sandbox_class]
    if config.examples:
        args += ["--oneroster-examples", str(config.examples)]
    if config.seed is not None:
        args.append(f"--hypothesis-seed={config.seed}")
    if junit_xml is not None:
        # legacy: each case keeps its file (its suite), and its properties (behaviours, requests)
        args += [f"--junitxml={junit_xml}", "-o", "junit_family=legacy", "-o", "junit_logging=no"]
    return args


def _library_plugins() -> list[str]:
    found = []
    for ep in entry_points(group="pytest11"):
        dist = getattr(ep, "dist", None)
        if dist is not None and dist.name.lower() in PLUGIN_DISTRIBUTIONS:
            found += ["-p", ep.value]
    return found


def _pytest_main(args: list[str], reporter: SuiteReporter, suites_dir: Path,
                 modules: list[str]) -> int | pytest.ExitCode:
    """pytest.main, leaving hypothesis's settings profile as it found it (the kit's plugin loads its own)."""
    from hypothesis import settings

    before = settings.get_current_profile_name()
    try:
        with _own_modules(suites_dir, modules), _without_pytest_environment():
            return pytest.main(args, plugins=[reporter])
    finally:
        settings.load_profile(before)


@contextlib.contextmanager
def _without_pytest_environment() -> Iterator[None]:
    """PYTEST_ADDOPTS and PYTEST_PLUGINS belong to the caller's own test runs (a CI's ``-n auto``, its
    plugins), not to the kit's session: set aside while it runs."""
    saved = {name: os.environ.pop(name) for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS") if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


@contextlib.contextmanager
def _own_modules(suites_dir: Path, modules: list[str]) -> Iterator[None]:
    """The suites are imported afresh, under names no other module of this process holds, and forgotten after.

    pytest's importlib mode names a module outside a package by its file name and takes an entry of
    sys.modules of that name as already imported: without this, a process that had imported some other
    ``test_auth`` (a caller's own tests, an earlier run of another suites directory) would run that one
    instead, and a module that failed to import once would be collected again as an empty, passing suite.
    """
    stems = {Path(module).stem for module in modules} | {"conftest"}

    def ours(name: str, module: Any) -> bool:
        path = getattr(module, "__file__", None)
        return name.rsplit(".", 1)[-1] in stems or bool(path and Path(path).resolve().is_relative_to(suites_dir))

    saved = {name: module for name, module in list(sys.modules.items()) if ours(name, module)}
    for name in saved:
        del sys.modules[name]
    try:
        yield
    finally:
        for name, module in list(sys.modules.items()):
            if ours(name, module):
                del sys.modules[name]
        sys.modules.update(saved)


# --- the live view ------------------------------------------------------------------------------------

class Display(Protocol):
    def start(self, totals: dict[str, int]) -> None: ...
    def advance(self, suite: str) -> None: ...
    def finish(self, suite: SuiteVerdict) -> None: ...


class PlainLines:
    """Not a terminal (CI logs, a pipe): one plain line per suite as it finishes."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def start(self, totals: dict[str, int]) -> None:
        pass

    def advance(self, suite: str) -> None:
        pass

    def finish(self, suite: SuiteVerdict) -> None:
        self.out.write(suite.line() + "\n")
        self.out.flush()  # a pipe is block-buffered: the CI log shows the line now, not at the end


class LiveProgress:
    """A terminal: a progress bar per running suite, and the same line per suite as it finishes."""

    STYLES = {PASSED: "green", SKIPPED: "yellow", FAILED: "red", NOT_AVAILABLE: "dim"}

    def __init__(self, console: Any) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = console
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description:<12}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True)
        self.tasks: dict[str, Any] = {}

    def start(self, totals: dict[str, int]) -> None:
        self.tasks = {suite: self.progress.add_task(suite, total=total) for suite, total in totals.items() if total}
        self.progress.start()

    def advance(self, suite: str) -> None:
        if suite in self.tasks:
            self.progress.advance(self.tasks[suite])

    def finish(self, suite: SuiteVerdict) -> None:
        from rich.markup import escape

        task = self.tasks.pop(suite.name, None)
        if task is not None:
            self.progress.remove_task(task)
        style = self.STYLES.get(suite.state, "red")
        self.console.print(f"[{style}]{escape(suite.line())}[/{style}]", highlight=False)

    def stop(self) -> None:
        self.progress.stop()


@contextlib.contextmanager
def _display(out: TextIO) -> Iterator[Display]:
    if not _is_terminal(out):
        yield PlainLines(out)
        return
    from rich.console import Console

    # pytest captures file descriptors 1 and 2 while a test runs; the progress display refreshes from
    # a thread at any moment, so it writes to a duplicate of the terminal's descriptor, which no
    # capture redirects.
    with os.fdopen(os.dup(out.fileno()), "w", buffering=1) as terminal:
        live = LiveProgress(Console(file=terminal, soft_wrap=True))
        try:
            yield live
        finally:
            live.stop()


def _is_terminal(out: TextIO) -> bool:
    try:
        return out.isatty() and out.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        return False


# --- the pytest plugin that watches the run -----------------------------------------------------------

@dataclass
class _Test:
    suite: str
    name: str
    behaviours: list[str]  # its behaviour markers
    outcome: str = "passed"  # passed / failed / skipped (the worst of its phases)
    failed_behaviours: list[str] = field(default_factory=list)


class SuiteReporter:
    """Counts each suite's tests as pytest reports them, and finishes each suite's line in order."""

    def __init__(self, verdict: Verdict, modules: dict[str, str], display: Display) -> None:
        self.verdict = verdict
        self.modules = modules
        self.display = display
        self.tests: dict[str, _Test] = {}
        self.left: dict[str, int] = {}
        self.started: dict[str, float] = {}
        self.order = [name for name, suite in verdict.suites.items() if suite.available]
        self.done: set[str] = set()
        self.messages: dict[int, str] = {}  # id(report) -> a failure's message told better than its longrepr

    def suite_of(self, nodeid: str) -> str | None:
        return self.modules.get(nodeid.split("::", 1)[0].rsplit("/", 1)[-1])

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        suite = self.suite_of(report.nodeid)
        if report.failed and suite is not None:
            self.verdict.suites[suite].collect_errors += 1
            self.verdict.failures.append(Failure(suite, "(the module could not be collected)", [],
                                                 _collect_error(report), phase="collect"))

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            suite = self.suite_of(item.nodeid)
            if suite is None:
                continue
            marked = [i for marker in item.iter_markers("behaviour") for i in marker.args]
            self.tests[item.nodeid] = _Test(suite, item.nodeid.split("::", 1)[-1], list(dict.fromkeys(marked)))
            self.verdict.suites[suite].total += 1
        self.left = {name: self.verdict.suites[name].total for name in self.order}
        self.display.start(dict(self.left))
        self._flush()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
        """Keep the failure's own exception: a group of them (hypothesis found several distinct failures)
        is shown with each one's message, which the report's one-line summary of the group lacks."""
        outcome = yield
        report = outcome.get_result()
        if report.failed and call.excinfo is not None and isinstance(call.excinfo.value, BaseExceptionGroup):
            self.messages[id(report)] = _cut(_exception_text(call.excinfo.value))

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        test = self.tests.get(nodeid)
        if test is not None:
            self.started.setdefault(test.suite, time.monotonic())

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        test = self.tests.get(report.nodeid)
        if test is None:
            return
        if report.failed:
            test.outcome = "failed"
            properties = dict(report.user_properties)
            named = [b for b in str(properties.get("behaviours", "")).split(", ") if b] or test.behaviours
            test.failed_behaviours = list(dict.fromkeys([*test.failed_behaviours, *named]))
            message = self.messages.pop(id(report), None) or _message(report)
            self.verdict.failures.append(Failure(test.suite, test.name + _subtest(report), named, message,
                                                 str(properties.get("requests", "")), report.when))
        elif report.skipped and test.outcome != "failed":
            test.outcome = "skipped"

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        test = self.tests.get(nodeid)
        if test is None:
            return
        suite = self.verdict.suites[test.suite]
        if test.outcome == "failed":
            suite.failed += 1
            self.verdict.tally(test.failed_behaviours, failed=True)
        elif test.outcome == "skipped":
            suite.skipped += 1
        else:
            suite.passed += 1
            self.verdict.tally(test.behaviours, failed=False)
        self.left[test.suite] -= 1
        suite.seconds = time.monotonic() - self.started.get(test.suite, time.monotonic())
        self.display.advance(test.suite)
        self._flush()

    def pytest_keyboard_interrupt(self) -> None:
        self.verdict.interrupted = True

    def pytest_sessionfinish(self) -> None:
        self.finish_all()

    def finish_all(self) -> None:
        """The lines not printed yet (the run ended: interrupted, or nothing to run)."""
        for name in self.verdict.suites:
            if name not in self.done:
                self.done.add(name)
                self.display.finish(self.verdict.suites[name])

    def _flush(self) -> None:
        """Print the lines of the suites that are complete, in the order they run (a suite's line is
        printed when its last test finishes; an empty or uncollectable suite's when it is reached)."""
        for name in self.verdict.suites:
            if name in self.done:
                continue
            if name in self.order and self.left.get(name, 0) > 0:
                return
            self.done.add(name)
            self.display.finish(self.verdict.suites[name])


def _subtest(report: pytest.TestReport) -> str:
    """A subtest's label (schemathesis reports each API operation as one: `` [GET /classes]``)."""
    context = getattr(report, "context", None)
    label = getattr(context, "msg", None)
    return f" [{label}]" if label else ""


def _message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = getattr(crash, "message", None) or report.longreprtext or "(no message)"
    return _cut(text)


def _exception_text(error: BaseException) -> str:
    """``Type: message``; a group as its own line, then each of its exceptions, numbered and indented."""
    if isinstance(error, BaseExceptionGroup):
        lines = [f"{type(error).__name__}: {error.message}"]
        for number, inner in enumerate(error.exceptions, 1):
            text = _exception_text(inner).splitlines()
            lines.append(f"  [{number}] {text[0]}")
            lines += [f"      {line}" for line in text[1:]]
        return "\n".join(lines)
    return f"{type(error).__name__}: {error}"


def _collect_error(report: pytest.CollectReport) -> str:
    """The end of a collection error: the exception line (``ModuleNotFoundError: No module named 'x'``)."""
    lines = [line for line in report.longreprtext.splitlines() if line.strip()]
    errors = [line.removeprefix("E   ").strip() for line in lines if line.startswith("E ")]
    return _cut("\n".join(errors or lines[-3:]))


def _cut(text: str) -> str:
    lines = text.rstrip().splitlines()
    if len(lines) <= MESSAGE_LINES:
        return "\n".join(lines)
    return "\n".join([*lines[:MESSAGE_LINES], f"... ({len(lines) - MESSAGE_LINES} more lines)"])


# --- after the run --------------------------------------------------------------------------------------

def print_failures(verdict: Verdict, write: Callable[[str], Any]) -> None:
    """Each failure: its suite and test, the behaviours it is reported under, the message, the requests."""
    shown: dict[str, int] = {}
    order = list(verdict.suites)
    for failure in sorted(verdict.failures, key=lambda f: order.index(f.suite) if f.suite in order else len(order)):
        shown[failure.suite] = shown.get(failure.suite, 0) + 1
        if shown[failure.suite] > SHOWN_PER_SUITE:
            continue
        write("\n" + failure_text(failure) + "\n")
    for suite, count in shown.items():
        if count > SHOWN_PER_SUITE:
            write(f"\n... and {count - SHOWN_PER_SUITE} more failures in {suite} (all of them: --junit, --report)\n")
    if verdict.failures:
        write("\n")


def failure_text(failure: Failure) -> str:
    # pytest's words: a test FAILED in its body; an ERROR came before or after it, or kept it from being collected
    word = "FAILED" if failure.phase == "call" else "ERROR"
    where = f" (at {failure.phase})" if failure.phase in ("setup", "teardown") else ""
    lines = [f"{word} {failure.suite} :: {failure.test}{where}",
             f"  behaviours: {', '.join(failure.behaviours) or '(none named)'}"]
    lines += ["  " + line for line in failure.message.splitlines()]
    if failure.requests:
        lines.append("  requests (the shortest sequence that reproduces it):")
        lines += ["    " + line for line in failure.requests.splitlines()]
    return "\n".join(lines)

