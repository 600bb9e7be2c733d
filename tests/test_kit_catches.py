"""The kit catches what it claims to (issue 12): a mock made wrong on purpose fails the kit, by name.

- Every rule of the registry, switched off in turn (RULE-SWITCH), makes ``mock-ic conformance`` fail
  with a failure reported under that rule's ID — on the profile whose version the rule applies to.
- OneRoster-level faults injected by fault rules (FAULT-RULES: a wrong X-Total-Count, a schema-invalid
  body, a short page, a 500) fail it too; ``--mutants`` prints the fraction caught.

Each run is a real ``mock-ic conformance --in-process`` in its own process (the kit's pytest session
must not share this one's hypothesis settings), reading its verdict from the markdown report.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mock_ic.ic.registry import switchable_rules

ROOT = Path(__file__).resolve().parents[1]
# Rules with an effect on one version only are caught by that version's profile (the rest by ic-1.2).
PROFILE_OF = {"IC-LI-CATEGORY-1P1": "ic-1.1", "IC-RES-FLAGS": "ic-1.1"}


def kit(*args: str, report: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mock_ic.cli", "conformance", "--in-process", "--report",
                           str(report), *args], cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_the_kit_fails_naming_each_rule_switched_off(tmp_path: Path) -> None:
    """RULE-SWITCH: for each registered rule in turn, the kit against a mock with that rule off fails
    under the rule's ID (``--mutants rules``: one run per rule, ic-1.2 first, then ic-1.1 for a rule that
    acts on 1.1 only). One process for all of them: a run per rule costs a tenant, not a server start."""
    report = tmp_path / "report.md"
    result = kit("--suite", "gradebook", "--examples", "1", "--mutants", "rules", report=report)
    rules = switchable_rules()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"mutants caught: {len(rules)}/{len(rules)} (100 %)" in result.stdout, result.stdout
    rows = {line.split(" | ")[0].removeprefix("| "): line for line in report.read_text("utf-8").splitlines()
            if line.startswith("| IC-")}
    for rule in rules:
        row = rows.get(f"{rule} switched off", "")
        assert "| yes |" in row and rule in row.split(" | ")[3], f"{rule}: {row or 'no row'}"
        profile = row.split(" | ")[2]
        assert profile == PROFILE_OF.get(rule, "ic-1.2"), f"{rule} was caught on {profile}"


def test_the_profiles_cover_every_rule() -> None:
    """Every rule with an effect on one version only is a registered, switchable rule."""
    assert set(PROFILE_OF) <= set(switchable_rules())


def test_mutants_faults_are_all_caught_and_the_fraction_is_printed(tmp_path: Path) -> None:
    """FAULT-RULES: a wrong X-Total-Count, a schema-invalid body, a short page and a 500 each fail the kit."""
    report = tmp_path / "report.md"
    result = kit("--suite", "rostering", "--examples", "1", "--mutants", "faults", report=report)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mutants caught: 4/4 (100 %)" in result.stdout
    text = report.read_text(encoding="utf-8")
    for name in ("wrong X-Total-Count", "schema-invalid body", "a dropped page (short answer)", "HTTP 500"):
        assert f"| {name} | yes |" in text, text
