"""Does the kit catch what it claims to? Mutants: a mock-ic made wrong on purpose, one way at a time.

Each mutant is a fresh in-process mock tenant with one IC rule switched off (RULE-SWITCH) or one
OneRoster-level fault injected (FAULT-RULES: a wrong X-Total-Count, a schema-invalid body, a short
page, a 500). The kit runs its suites against it; a mutant is *caught* when the verdict is a failure
— for a switched-off rule, a failure reported under that rule's ID. ``mock-ic conformance
--in-process --mutants`` prints the fraction caught; the goal is 100 %.

The rules are the ones the mock says can be switched off (its admin API's TenantSettings schema),
not a list of the kit's: a rule added to the server without a kit check that catches it shows up
here as a survivor.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import requests

from conformance.runner import RunConfig, run
from conformance.target import in_process
from conformance.verdict import Verdict

# Fault rules on every collection read: what a server gets wrong at the OneRoster level.
FAULTS: dict[str, dict[str, Any]] = {
    "wrong X-Total-Count": {"method": "GET", "path": "*", "every": 1, "totalCountOffset": 3},
    "schema-invalid body": {"method": "GET", "path": "*", "every": 1, "malformed": "schema"},
    "a dropped page (short answer)": {"method": "GET", "path": "*", "every": 1, "dropItems": 1},
    "HTTP 500": {"method": "GET", "path": "*/classes", "every": 1, "status": 500},
}


@dataclass(frozen=True)
class Mutant:
    name: str
    rule: str | None = None  # the rule switched off (a catching run must name it)
    fault: dict[str, Any] | None = None

    @property
    def settings(self) -> dict[str, Any]:
        return {"rules": {self.rule: False}} if self.rule else {}


@dataclass
class Outcome:
    mutant: Mutant
    caught: bool
    profile: str  # the profile of the run that caught it (of the last run when none did)
    named: list[str] = field(default_factory=list)  # the behaviours the failing run was reported under
    seconds: float = 0.0

    def line(self) -> str:
        said = f" (failures name {', '.join(self.named[:6])})" if self.named else ""
        return f"{'caught  ' if self.caught else 'SURVIVED'} {self.mutant.name} [{self.profile}]{said}"


def switchable_rules(version: str = "1.2", faults: dict[str, dict[str, Any]] = FAULTS) -> list[str]:
    """The rules a mock-ic tenant can switch off, as its admin API's TenantSettings schema lists them.

    The fault rules are tried on the same tenant first: one the mock refuses would make every run fail
    before any test, and a mutant "caught" that way would prove nothing (``add_fault`` raises instead).
    """
    with in_process(version=version) as target:
        for fault in faults.values():
            target.admin.add_fault(**fault)
        target.admin.clear_faults()
        spec = requests.get(f"{target.admin.base_url}/_mock/openapi.json", timeout=30).json()
    rules = spec["components"]["schemas"]["TenantSettings"]["properties"]["rules"]["properties"]
    return sorted(rules)


def mutants(rules: Iterable[str], faults: dict[str, dict[str, Any]] = FAULTS) -> list[Mutant]:
    return ([Mutant(f"{rule} switched off", rule=rule) for rule in rules]
            + [Mutant(name, fault=fault) for name, fault in faults.items()])


def judge(mutant: Mutant, verdict: Verdict, profile: str) -> Outcome:
    named = sorted({b for failure in verdict.failures for b in failure.behaviours})
    # A switched-off rule must be named by a failure; a fault is caught by any failure.
    caught = not verdict.passed and (mutant.rule is None or mutant.rule in named)
    return Outcome(mutant, caught, profile, named, verdict.seconds)


def run_mutants(config: RunConfig, chosen: list[Mutant], *, profiles: tuple[str, ...] = (),
                progress: Callable[[Outcome], Any] = lambda outcome: None) -> list[Outcome]:
    """Run the kit (``config``'s suites, in process) against each mutant, under ``config``'s profile and
    then each of ``profiles`` until one catches it (a 1.1-only rule is caught by the ic-1.1 profile)."""
    outcomes = []
    for mutant in chosen:
        outcome = None
        for name in dict.fromkeys((config.profile, *profiles)):
            mutant_config = replace(config, profile=name, in_process=True, junit=None,
                                    in_process_settings=json.dumps(mutant.settings),
                                    in_process_faults=json.dumps([mutant.fault] if mutant.fault else []))
            outcome = judge(mutant, run(mutant_config, out=io.StringIO()), name)
            if outcome.caught:
                break
        assert outcome is not None
        outcomes.append(outcome)
        progress(outcome)
    return outcomes


def summary(outcomes: list[Outcome]) -> str:
    caught = sum(o.caught for o in outcomes)
    share = 100 * caught / len(outcomes) if outcomes else 100.0
    return f"mutants caught: {caught}/{len(outcomes)} ({share:.0f} %)"


def markdown(outcomes: list[Outcome]) -> str:
    lines = ["## Mutants", "", summary(outcomes), "", "| mutant | caught | profile | failures named |",
             "|---|---|---|---|"]
    lines += [f"| {o.mutant.name} | {'yes' if o.caught else '**no**'} | {o.profile} | {', '.join(o.named) or '—'} |"
              for o in outcomes]
    return "\n".join(lines) + "\n"
