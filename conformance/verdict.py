"""What a conformance run found: per suite, per failing test, per behaviour; and the exit status.

The runner (:mod:`conformance.runner`) fills a :class:`Verdict` while pytest runs; the terminal lines,
the markdown report (:mod:`conformance.report`) and the exit status are read from it.

A suite *passes* when it ran and none of its tests failed or errored (skipped tests, e.g. the writes
of a ``--read-only`` run or the IC expectations of the ``oneroster-1.2`` profile, do not fail it). A
suite the kit does not carry is *not available*: it fails the run only when it was asked for by
name (``--suite``); one that only the profile implied is reported and left out of the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE = 0, 1, 3
LINE_WIDTH = 20  # a suite line's name and dots: "contract ........... passed 12  0:08"

# A suite's state, as its line and the report word it.
PASSED, FAILED, ERROR, NOT_AVAILABLE, SKIPPED = "passed", "failed", "error", "not available", "skipped"


@dataclass
class Failure:
    suite: str
    test: str  # the test's name inside its module (``test_x``, ``TestMachine::runTest``, ``test_y[param]``)
    behaviours: list[str]  # the catalogue behaviours it is reported under
    message: str  # what was wrong (the assertion's message)
    requests: str = ""  # the request sequence that reproduces it, as curl lines
    phase: str = "call"  # setup / call / teardown / collect


@dataclass
class SuiteVerdict:
    name: str
    available: bool = True
    asked_for: bool = False  # named with --suite (a missing one then fails the run)
    total: int = 0  # tests collected
    passed: int = 0
    failed: int = 0  # tests that failed or errored
    skipped: int = 0
    collect_errors: int = 0  # the module could not be collected (an import error, a syntax error)
    seconds: float = 0.0

    @property
    def state(self) -> str:
        if not self.available:
            return NOT_AVAILABLE
        if self.collect_errors:
            return ERROR
        if self.failed:
            return FAILED
        if self.total and self.skipped == self.total:
            return SKIPPED
        return PASSED

    @property
    def ok(self) -> bool:
        """Does this suite let the run pass?"""
        if not self.available:
            return not self.asked_for
        return self.state in (PASSED, SKIPPED)

    def counts(self) -> str:
        """``passed 12``, ``failed 2 of 15``, ``passed 10, skipped 3``, ``error (not collected)``."""
        if not self.available:
            return "not available" + (" (asked for with --suite)" if self.asked_for else "")
        if self.collect_errors:
            return "error (could not be collected)"
        if self.failed:
            text = f"failed {self.failed} of {self.total}"
        elif self.total and self.skipped == self.total:
            return f"skipped {self.skipped}"
        else:
            text = f"passed {self.passed}"
        return text + (f", skipped {self.skipped}" if self.skipped else "")

    def line(self) -> str:
        """The one line printed when the suite finishes (times as m:ss)."""
        dots = "." * max(3, LINE_WIDTH - len(self.name) - 1)
        text = f"{self.name} {dots} {self.counts()}"
        return text if not self.available else f"{text}  {clock(self.seconds)}"


@dataclass
class BehaviourTally:
    passed: int = 0
    failed: int = 0

    @property
    def state(self) -> str:
        return FAILED if self.failed else PASSED


@dataclass
class Verdict:
    profile: str
    target: str  # what was judged, without secrets
    seed: str | None = None  # --seed; None: derandomized (the same examples every run)
    examples: int | None = None
    read_only: bool = False
    suites: dict[str, SuiteVerdict] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    behaviours: dict[str, BehaviourTally] = field(default_factory=dict)
    seconds: float = 0.0
    interrupted: bool = False

    def tally(self, behaviours: list[str], *, failed: bool) -> None:
        """A test that checks ``behaviours`` ran: count it for each of them."""
        for behaviour in behaviours:
            tally = self.behaviours.setdefault(behaviour, BehaviourTally())
            if failed:
                tally.failed += 1
            else:
                tally.passed += 1

    @property
    def passed(self) -> bool:
        ran = [s for s in self.suites.values() if s.available]
        return bool(ran) and not self.interrupted and all(s.ok for s in self.suites.values())

    @property
    def exit_code(self) -> int:
        return EXIT_PASSED if self.passed else EXIT_FAILED

    def summary(self) -> str:
        """The closing line: ``FAILED: profile ic-1.2, 6 suites: 4 passed, 1 failed, 1 not available; 2 failing
        tests  3:02``."""
        states: dict[str, int] = {}
        for suite in self.suites.values():
            states[suite.state] = states.get(suite.state, 0) + 1
        parts = [f"{states[state]} {state}" for state in (PASSED, FAILED, ERROR, SKIPPED, NOT_AVAILABLE)
                 if state in states]
        failing = sum(s.failed for s in self.suites.values())
        tests = f"; {failing} failing test{'s' if failing != 1 else ''}" if failing else ""
        word = "PASSED" if self.passed else "INTERRUPTED" if self.interrupted else "FAILED"
        count = len(self.suites)
        return (f"{word}: profile {self.profile}, {count} suite{'s' if count != 1 else ''}: "
                f"{', '.join(parts) or 'none ran'}{tests}  {clock(self.seconds)}")


def clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
