"""The passback suite's verdicts: what a sync left in the class, and what its report says, against the oracle.

Each problem is one line naming the behaviour it breaks (the catalogue's IDs for what Infinite Campus
stores, refuses and shows; none for a Canvas-side rule, section 7 having no IDs: those failures are
reported under the test's markers), the request concerned, and expected vs got.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import fields
from typing import Any

from conformance.passback.plan import Plan
from conformance.passback.report import SyncReport
from conformance.suites.passback_observe import Seen
from conformance.suites.passback_oracle import (
    UNCATEGORIZED,
    Expected,
    LineItemOutcome,
    ResultOutcome,
    expected_cell,
)
from conformance.suites.passback_sandbox import SandboxedClient

RULE_TAG = re.compile(r"\[?\b(?:IC|OR|FAULT|RULE)-[A-Z0-9]+(?:-[A-Z0-9]+)*\b\]?\s*")  # as the plugin reads them
NO_CHANGES = "No changes: nothing to send"  # docs/passback.md: a second run with no changes


def _score_rule(score: float | None, max_points: float) -> str:
    if score is not None and score > max_points:
        return "IC-RES-EXTRA-CREDIT"
    if score is not None and score != math.floor(score):
        return "IC-RES-DECIMAL"
    return "IC-RES-UPSERT"


def judge_state(seen: Seen, expected: Expected, version: str, box: SandboxedClient, when: str) -> list[str]:
    """Does the class hold exactly what the oracle says the sync stores, and does the teacher see it?"""
    problems = _judge_line_items(seen, expected, version, box, when)
    problems += _judge_results(seen, expected, box, when)
    if seen.columns is not None and seen.cells is not None:
        problems += _judge_view(seen, expected, version, box, when)
    return problems


def _judge_line_items(seen: Seen, expected: Expected, version: str, box: SandboxedClient, when: str) -> list[str]:
    problems = []
    category_rule = "IC-LI-CATEGORY-1P1" if version == "1.1" else "IC-LI-CATEGORY-1P2"
    for local, want in expected.line_items.items():
        put = f"PUT lineItems/{box.wire(local)} (title {want.title!r}, dueDate {want.due.isoformat()})"
        got = seen.line_items.get(local)
        if got is None:
            problems.append(f"IC-LI-UPSERT: {when}, {put} should have been stored (no IC rule refuses it) but the "
                            "class's line items do not include it")
            continue
        for name, wanted, actual, rule in (
                ("title", want.title, got.title, "IC-LI-UPSERT"),
                ("dueDate", want.due, got.due, "IC-LI-UPSERT"),
                ("resultValueMax", want.max_points, got.max_points, "IC-LI-UPSERT"),
                ("category", want.category, got.category, category_rule),
                ("status", "active", got.status, "IC-LI-UPSERT")):
            if wanted != actual:
                problems.append(f"{rule}: {when}, {put} is stored with {name} {actual!r}; expected {wanted!r}")
        if want.grading_periods and got.grading_period not in want.grading_periods:
            problems.append(f"IC-LI-DUE-DATE: {when}, {put} sent no gradingPeriod, so IC derives it from the term "
                            f"holding the due date ({', '.join(want.grading_periods)}); got {got.grading_period!r}")
    for local in seen.line_items.keys() - expected.line_items.keys():
        rules = expected.refused_line_items.get(local) or ("IC-LI-UPSERT",)
        problems.append(f"{', '.join(rules)}: {when}, PUT lineItems/{box.wire(local)} (title "
                        f"{seen.line_items[local].title!r}) was stored; expected it refused (422), nothing stored")
    return problems


def _result_put(box: SandboxedClient, want: ResultOutcome) -> str:
    body = {k: v for k, v in (("score", want.score), ("scoreStatus", want.score_status), ("textScore", want.text_score),
                              ("late", want.late), ("missing", want.missing)) if v is not None}
    return f"PUT results/{box.wire(want.local_id)} (student {want.student}, {body})"


def _judge_results(seen: Seen, expected: Expected, box: SandboxedClient, when: str) -> list[str]:
    problems = []
    for local, want in expected.results.items():
        max_points = expected.line_items[want.line_item].max_points
        got = seen.results.get(local)
        put = _result_put(box, want)
        if got is None:
            problems.append(f"IC-RES-UPSERT: {when}, {put} should have been stored (the student is enrolled, the "
                            "line item exists) but the class's results do not include it")
            continue
        for name, wanted, actual, rule in (
                ("score", want.score, got.score, _score_rule(want.score, max_points)),
                ("scoreStatus", want.score_status, got.score_status, "IC-RES-UPSERT"),
                ("textScore", want.text_score, got.text_score, "IC-RES-BLANK"),
                ("late", want.late, got.late, "IC-RES-FLAGS"),
                ("missing", want.missing, got.missing, "IC-RES-FLAGS"),
                ("student", want.student, got.student, "IC-RES-UPSERT"),
                ("lineItem", want.line_item, got.line_item, "IC-RES-UPSERT")):
            if wanted != actual:
                problems.append(f"{rule}: {when}, {put} is stored with {name} {actual!r}; expected {wanted!r}")
    for local in seen.results.keys() - expected.results.keys():
        got = seen.results[local]
        rules = expected.refused_results.get(local) or expected.refused_line_items.get(got.line_item) \
            or ("IC-RES-UPSERT",)
        problems.append(f"{', '.join(rules)}: {when}, PUT results/{box.wire(local)} (student {got.student}, score "
                        f"{got.score!r}) was stored; expected it refused (422), nothing stored")
    return problems


def _judge_view(seen: Seen, expected: Expected, version: str, box: SandboxedClient, when: str) -> list[str]:
    assert seen.columns is not None and seen.cells is not None
    problems = []
    for local, want in expected.line_items.items():
        column = seen.columns.get(local)
        where = f"the teacher view's column {want.title!r} (lineItems/{box.wire(local)})"
        if column is None:
            problems.append(f"IC-VIEW: {when}, {where} is missing from the class's grade book")
            continue
        problems += _column_problems(column, want, version, where, when)
    for local in seen.columns.keys() - expected.line_items.keys():
        rules = expected.refused_line_items.get(local) or ("IC-VIEW",)
        problems.append(f"{', '.join(rules)}: {when}, the teacher view shows a column {seen.columns[local].title!r} "
                        f"(lineItems/{box.wire(local)}) that IC should have refused")
    wanted_cells = {(r.line_item, r.student): (r, expected.line_items[r.line_item]) for r in expected.results.values()}
    for key, (result, line_item) in wanted_cells.items():
        want = expected_cell(result, line_item.max_points)
        got = seen.cells.get(key)
        where = (f"the teacher view's cell of student {result.student} in {line_item.title!r} "
                 f"({_result_put(box, result)})")
        if got is None:
            problems.append(f"IC-VIEW: {when}, {where} is empty; expected {want}")
            continue
        problems += _cell_problems(got, want, where, when)
    for key in seen.cells.keys() - wanted_cells.keys():
        refused = [rules for local, rules in expected.refused_results.items() if local.startswith(f"{key[0]}-u")]
        rules = refused[0] if refused else expected.refused_line_items.get(key[0]) or ("IC-VIEW",)
        problems.append(f"{', '.join(rules)}: {when}, the teacher view shows {seen.cells[key]} for student {key[1]} in "
                        f"lineItems/{box.wire(key[0])}; expected an empty cell (nothing stored)")
    return problems


def _column_problems(column: Any, want: LineItemOutcome, version: str, where: str, when: str) -> list[str]:
    problems = []
    for name, wanted, actual in (("title", want.title, column.title), ("due date", want.due, column.due),
                                 ("maximum", want.max_points, column.max_points)):
        if wanted != actual:
            problems.append(f"IC-VIEW: {when}, {where} shows {name} {actual!r}; expected {wanted!r}")
    if version == "1.1" and column.category_title != "Uncategorized" and column.category != UNCATEGORIZED:
        problems.append(f"IC-LI-CATEGORY-1P1: {when}, {where} is under {column.category_title!r}; a 1.1 vendor line "
                        "item is under Uncategorized until the teacher moves it")
    if version == "1.2" and column.category != want.category:
        problems.append(f"IC-LI-CATEGORY-1P2: {when}, {where} is under category {column.category!r} "
                        f"({column.category_title!r}); expected {want.category!r}")
    return problems


def _cell_problems(got: Any, want: Any, where: str, when: str) -> list[str]:
    problems = []
    if got.display != want.display:
        rule = ("IC-RES-BLANK" if want.score is None else "IC-RES-EXTRA-CREDIT" if want.extra_credit is not None
                else "IC-RES-DECIMAL" if want.score != math.floor(want.score) else "IC-VIEW")
        problems.append(f"{rule}: {when}, {where} displays {got.display!r}; expected {want.display!r}")
    if got.score != want.score:
        problems.append(f"IC-RES-DECIMAL: {when}, {where} has the detail score {got.score!r}; expected {want.score!r}")
    if (got.extra_credit is None) != (want.extra_credit is None) or (
            want.extra_credit is not None and not math.isclose(got.extra_credit, want.extra_credit, abs_tol=1e-9)):
        problems.append(f"IC-RES-EXTRA-CREDIT: {when}, {where} marks extra credit {got.extra_credit!r}; expected "
                        f"{want.extra_credit!r}")
    if got.flags != want.flags:
        problems.append(f"IC-RES-FLAGS: {when}, {where} shows flags {sorted(got.flags)}; expected {sorted(want.flags)}")
    if got.score_status != want.score_status:
        problems.append(f"IC-VIEW: {when}, {where} has scoreStatus {got.score_status!r}; "
                        f"expected {want.score_status!r}")
    return problems


# --- the sync report -------------------------------------------------------------------------------

def judge_reasons(plan: Plan, report: SyncReport, expected: Expected) -> list[str]:
    """Every assignment Canvas keeps out carries its reason (and Learning Mastery outcomes theirs)."""
    problems = []
    got = {(assignment.id if assignment is not None else reason.outcome_id, str(reason.code))
           for assignment, reason in plan.filtered_assignments}
    for item, code in sorted(expected.filtered - got, key=str):
        problems.append(f"Canvas eligibility: {item} should be kept out of the sync with reason {code!r}; the plan "
                        f"gives {sorted(c for i, c in got if i == item) or 'none'}")
    for item, code in sorted(got - expected.filtered, key=str):
        problems.append(f"Canvas eligibility: {item} is kept out with reason {code!r}, which does not apply to it")
    for assignment, reason in plan.filtered_assignments:
        if reason.code == "name_too_long" and str(expected.name_limit) not in reason.message:
            problems.append(f"Canvas eligibility: the name_too_long message of assignment {assignment.id} "
                            f"({reason.message!r}) does not name the account's limit {expected.name_limit}")
    counted = Counter(code for _, code in expected.filtered)
    if dict(report.counts.assignments_filtered) != dict(counted):
        problems.append(f"the report counts assignments filtered {dict(report.counts.assignments_filtered)}; "
                        f"expected {dict(counted)}")
    return problems


def judge_errors(report: SyncReport, expected: Expected, when: str) -> list[str]:
    """Every refused or failed item carries the SIS error title its refusal earns, and nothing else fails."""
    problems = []
    actual = [(e.assignment_id, e.student, str(e.title), e.message) for e in report.errors]
    left = list(actual)
    for failure in expected.failures:
        found = next((a for a in left if a[0] == failure.assignment_id and a[1] == failure.student
                      and a[2] in failure.titles), None)
        if found is not None:
            left.remove(found)
            continue
        same = [f"{a[2]!r} ({RULE_TAG.sub('', a[3])})" for a in actual
                if a[0] == failure.assignment_id and a[1] == failure.student]
        rules = ", ".join(failure.rules) or "Canvas's category check"
        problems.append(f"{rules}: {when}, the report should title the failure of {failure.what} "
                        f"{' or '.join(sorted(map(repr, failure.titles)))}; it reports {', '.join(same) or 'no error'}")
    for assignment_id, student, title, message in left:
        # An error for a line item the oracle says IC refuses (or its grades): that refusal's rules did
        # not fire. Otherwise the server's words, without the rule ID it names: the rule that fired is
        # not the one broken.
        rules = next((f.rules for f in expected.failures if f.assignment_id == assignment_id and f.student is None
                      and f.rules), ())
        problems.append(f"{', '.join(rules) + ': ' if rules and student else ''}{when}, the report has an error no "
                        f"rule explains: {title!r} for assignment {assignment_id}"
                        f"{f', student {student}' if student else ''}: {RULE_TAG.sub('', message)}")
    warned = Counter(w.assignment_id for w in report.warnings if w.title is not None)
    if warned != expected.warnings:
        problems.append(f"{when}, the report warns of students without a SIS id {dict(warned)} (by assignment); "
                        f"expected {dict(expected.warnings)}")
    return problems


def judge_counts(report: SyncReport, expected: Expected, when: str, *, again: bool = False) -> list[str]:
    """The report's counts: ``again`` for a normal sync after one that sent the same course."""
    c = report.counts
    wanted = {"line items sent": 0 if again else len(expected.line_items),
              "grades sent": 0 if again else len(expected.results),
              "grades failed": expected.grades_failed,
              "grades filtered": dict(expected.grades_filtered)}
    got = {"line items sent": c.line_items_sent, "grades sent": c.grades_sent, "grades failed": c.grades_failed,
           "grades filtered": dict(c.grades_filtered)}
    if again:
        wanted["grades unchanged"] = len(expected.results)
        got["grades unchanged"] = c.grades_unchanged
    status = "success" if not expected.failures else "partial" if not again and (
        expected.line_items or expected.results) else "failed"
    wanted["status"], got["status"] = status, report.status
    return [f"{when}, the report says {name} {got[name]!r}; expected {wanted[name]!r}"
            for name in wanted if wanted[name] != got[name]]


def judge_second_sync(report: SyncReport, puts: list[str], expected: Expected) -> list[str]:
    """A second normal sync of an unchanged course sends nothing, except again what was refused."""
    retried = {f"lineItems/{local}" for local in expected.refused_line_items}
    retried |= {f"results/{local}" for local in expected.refused_results}
    problems = [f"a second sync with no changes sent PUT {put}, which the first sync already stored" for put in puts
                if put not in retried]
    if len(puts) != expected.puts_retried:
        problems.append(f"a second sync with no changes sent {len(puts)} PUT(s); expected {expected.puts_retried} "
                        "(only what IC refused the first time is sent again)")
    if not expected.failures and report.message != NO_CHANGES:
        problems.append(f"a second sync with no changes reports {report.message!r}; expected {NO_CHANGES!r}")
    return problems


def differences(before: Seen, after: Seen) -> list[str]:
    """What differs between two states of the class, field by field, named by the behaviour it concerns."""
    problems = []
    for name, rule in (("line_items", "IC-LI-UPSERT"), ("results", "IC-RES-UPSERT"), ("columns", "IC-VIEW"),
                       ("cells", "IC-VIEW")):
        a, b = getattr(before, name), getattr(after, name)
        if a is None or b is None:
            continue
        for key in sorted(a.keys() | b.keys(), key=str):
            if a.get(key) != b.get(key):
                problems.append(f"{rule}: {name[:-1].replace('_', ' ')} {key}: {_show(a.get(key))} became "
                                f"{_show(b.get(key))}")
    return problems


def _show(value: Any) -> str:
    if value is None:
        return "(absent)"
    return "{" + ", ".join(f"{f.name}={getattr(value, f.name)!r}" for f in fields(value)) + "}"
