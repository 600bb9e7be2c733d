"""The README's two commands: `make run` installs the server (the `server` extra), `make test` adds the test extra."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def planned(target: str, venv: Path) -> list[str]:
    """The commands `make` would run for a target on a machine without .venv (a dry run)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}  # under make test
    result = subprocess.run(["make", "--no-print-directory", "-n", target, f"VENV={venv}"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.splitlines()


def installs(lines: list[str]) -> list[str]:
    return [line for line in lines if "pip install" in line and "--upgrade pip" not in line]


def test_make_run_installs_the_server_only(tmp_path: Path) -> None:
    """The base install is the conformance kit alone; serving needs the `server` extra."""
    lines = planned("run", tmp_path / "venv")
    assert any("-m venv" in line for line in lines)
    assert installs(lines) and all("'.[server]'" in line for line in installs(lines)), installs(lines)
    assert lines[-1].rstrip().endswith("mock-ic serve")


def test_make_test_installs_the_test_extra(tmp_path: Path) -> None:
    lines = planned("test", tmp_path / "venv")
    assert any("'.[server,test]'" in line for line in installs(lines)), installs(lines)
    assert any("pytest" in line for line in lines)
