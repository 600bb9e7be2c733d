"""``--report FILE``: the verdict of a conformance run as markdown, for a person (CI keeps the JUnit XML).

What was judged (the target without its secrets, the profile, the seed), each suite's counts, each
failure with the behaviours it is reported under, its message and its requests as curl lines, and
the table of behaviours checked: for every catalogue ID a test ran for, how many of those tests
passed and failed.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version

from conformance.profiles import PROFILES
from conformance.verdict import FAILED, Verdict, clock


def markdown(verdict: Verdict) -> str:
    word = "passed" if verdict.passed else "interrupted" if verdict.interrupted else "FAILED"
    chosen = PROFILES.get(verdict.profile)
    seed = verdict.seed if verdict.seed is not None else "none: derandomized, the same examples every run"
    examples = verdict.examples or "each suite's default"
    lines = [f"# OneRoster conformance: {word}", "", "| | |", "|---|---|",
             f"| target | {_cell(verdict.target)} |",
             f"| profile | {verdict.profile}{' — ' + chosen.summary if chosen and chosen.summary else ''} |",
             f"| read-only | {'yes: nothing was written' if verdict.read_only else 'no'} |",
             f"| seed | {seed} |",
             f"| examples | {examples} |",
             f"| kit | mock-ic {_kit_version()} |",
             f"| time | {clock(verdict.seconds)} |", ""]
    lines += ["## Suites", "", "| suite | state | tests | passed | failed | skipped | time |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for suite in verdict.suites.values():
        if suite.available:
            lines.append(f"| {suite.name} | {suite.state} | {suite.total} | {suite.passed} | {suite.failed} | "
                         f"{suite.skipped} | {clock(suite.seconds)} |")
        else:
            lines.append(f"| {suite.name} | {suite.counts()} | | | | | |")
    lines.append("")
    lines += _failures(verdict)
    lines += _behaviours(verdict)
    return "\n".join(lines).rstrip() + "\n"


def _failures(verdict: Verdict) -> list[str]:
    if not verdict.failures:
        return ["## Failures", "", "None.", ""]
    order = list(verdict.suites)
    lines = ["## Failures", ""]
    for failure in sorted(verdict.failures, key=lambda f: order.index(f.suite) if f.suite in order else len(order)):
        where = f" (at {failure.phase})" if failure.phase in ("setup", "teardown") else ""
        lines += [f"### {failure.suite} :: {failure.test}{where}", "",
                  f"Behaviours: {', '.join(failure.behaviours) or '(none named)'}", ""]
        lines += _fenced("text", failure.message)
        if failure.requests:
            lines += ["Requests (the shortest sequence that reproduces it; `$TOKEN` and `$VENDOR` stand for the "
                      "credentials):", ""]
            lines += _fenced("sh", failure.requests)
    return lines


def _behaviours(verdict: Verdict) -> list[str]:
    lines = ["## Behaviours checked", ""]
    if not verdict.behaviours:
        return [*lines, "No test that ran named a behaviour.", ""]
    failed = sum(1 for t in verdict.behaviours.values() if t.state == FAILED)
    lines += [f"{len(verdict.behaviours)} behaviours checked, {failed} failed.", "",
              "| behaviour | verdict | tests passed | tests failed |", "|---|---|---:|---:|"]
    for behaviour, tally in sorted(verdict.behaviours.items()):
        lines.append(f"| {behaviour} | {tally.state} | {tally.passed} | {tally.failed} |")
    return [*lines, ""]


def _fenced(language: str, text: str) -> list[str]:
    """A code block whose fence is longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", text.rstrip(), fence, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _kit_version() -> str:
    try:
        return version("mock-ic")
    except PackageNotFoundError:  # a source tree that was never installed
        return "(not installed)"
