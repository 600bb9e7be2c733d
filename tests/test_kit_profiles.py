"""The kit's verdict on the mock (issue 12): every suite passes on ic-1.2 and ic-1.1, and the plain 1EdTech
profile oneroster-1.2 passes against the mock with every IC rule switched off (RULE-SWITCH).

Real ``mock-ic conformance --in-process`` runs, each in its own process; ``--examples 1`` keeps the
generated part small here (benchmarks/BENCHMARKS.md times the default run).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mock_ic.ic.registry import switchable_rules

ROOT = Path(__file__).resolve().parents[1]
EVERY_RULE_OFF = json.dumps({"rules": dict.fromkeys(switchable_rules(), False)})


# The contract suite (schemathesis, three quarters of a run's time) runs here once, in the
# oneroster-1.2 run; the IC runs take the other suites (the full default runs: BENCHMARKS.md).
NOT_CONTRACT = ["--suite", "auth", "rostering", "gradebook", "grade-sync", "passback"]


@pytest.mark.parametrize("args", [
    ["--profile", "ic-1.2", *NOT_CONTRACT],
    ["--profile", "ic-1.1", *NOT_CONTRACT],
    ["--profile", "oneroster-1.2", "--in-process-settings", EVERY_RULE_OFF],
], ids=["ic-1.2", "ic-1.1", "oneroster-1.2-every-rule-off"])
def test_every_suite_of_the_profile_passes_against_the_mock(args: list[str], tmp_path: Path) -> None:
    """RULE-SWITCH: the plain-standard profile judges a mock without IC rules as conformant."""
    report = tmp_path / "report.md"
    result = subprocess.run([sys.executable, "-m", "mock_ic.cli", "conformance", "--in-process", "--examples", "1",
                             "--report", str(report), *args], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert report.read_text(encoding="utf-8").startswith("# OneRoster conformance: passed")
    ran = ["auth", "rostering", "gradebook", "grade-sync"] + ([] if "--suite" in args else ["contract"])
    for suite in ran:
        assert re.search(rf"^{suite} \.+ passed", result.stdout, flags=re.M), result.stdout
