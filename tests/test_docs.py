"""docs/behaviour.md stays true: every test it names exists, every rule ID the code enforces is listed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEHAVIOUR = (ROOT / "docs" / "behaviour.md").read_text(encoding="utf-8")


def _defined_tests() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").glob("test_*.py"):
        names |= set(re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), flags=re.M))
    return names


def test_every_test_named_in_behaviour_md_exists() -> None:
    named = set(re.findall(r"`(test_\w+)`", BEHAVIOUR))
    assert named, "behaviour.md names no tests"
    missing = sorted(named - _defined_tests())
    assert not missing, f"behaviour.md names tests that do not exist: {missing}"


def test_every_rule_id_in_the_code_is_in_behaviour_md() -> None:
    rule_id = re.compile(r"\b((?:IC|OR|FAULT)-[A-Z0-9]+(?:-[A-Z0-9]+)*)\b")
    in_code = {m for path in (ROOT / "mock_ic").rglob("*.py") for m in rule_id.findall(path.read_text("utf-8"))}
    listed = set(re.findall(r"^\| ((?:IC|OR|FAULT)-[A-Z0-9-]+) \|", BEHAVIOUR, flags=re.M))
    assert in_code <= listed, f"rule IDs used in code but missing from behaviour.md: {sorted(in_code - listed)}"


def test_tested_rules_name_at_least_one_test() -> None:
    for line in BEHAVIOUR.splitlines():
        if re.match(r"^\| (IC|OR|FAULT)-", line) and "| tested |" in line:
            assert "`test_" in line, f"rule marked tested without a test: {line[:60]}"
