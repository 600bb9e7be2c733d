"""The kit catches what it claims to (issue 12): a mock made wrong on purpose fails the kit, by name.

- Every rule of the registry, switched off in turn (RULE-SWITCH), makes ``mock-ic conformance`` fail
  with a failure reported under that rule's ID — on the profile whose version the rule applies to.
- OneRoster-level faults injected by fault rules (FAULT-RULES: a wrong X-Total-Count, a schema-invalid
  body, a short page, a 500) fail it too; ``--mutants`` prints the fraction caught.

Each run is a real ``mock-ic conformance --in-process`` in its own process (the kit's pytest session
must not share this one's hypothesis settings), reading its verdict from the markdown report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mock_ic.ic.registry import switchable_rules

ROOT = Path(__file__).resolve().parents[1]
# Rules with an effect on one version only are caught by that version's profile (the rest by ic-1.2).
PROFILE_OF = {"IC-LI-CATEGORY-1P1": "ic-1.1", "IC-RES-FLAGS": "ic-1.1"}


def kit(*args: str, report: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mock_ic.cli", "conformance", "--in-process", "--report",
                           str(report), *args], cwd=ROOT, capture_output=True, text=True, timeout=900)


@pytest.mark.parametrize("rule", switchable_rules())
def test_the_kit_fails_naming_each_rule_switched_off(rule: str, tmp_path: Path) -> None:
    """RULE-SWITCH: the grade book suite, against a mock with ``rule`` off, fails under that rule's ID."""
    report = tmp_path / "report.md"
    result = kit("--profile", PROFILE_OF.get(rule, "ic-1.2"), "--suite", "gradebook", "--examples", "1",
                 "--in-process-settings", json.dumps({"rules": {rule: False}}), report=report)
    assert result.returncode == 1, result.stdout + result.stderr
    text = report.read_text(encoding="utf-8")
    named = [line for line in text.splitlines() if line.startswith("Behaviours:") and rule in line]
    assert named, f"no failure is reported under {rule}:\n{text}"


def test_the_profiles_cover_every_rule() -> None:
    """Every switchable rule has a profile that exercises it; a 1.1-only rule is judged by ic-1.1."""
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
