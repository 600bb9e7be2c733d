"""The layering is enforced, not described: `make lint` runs import-linter over pyproject.toml's contracts,
and a forbidden import planted in a copy of the tree makes it fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """import-linter over the packages of ``tree`` (found first on the path, before the installed ones)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")], cwd=tree,
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for package in ("mock_ic", "conformance"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold(tree: Path) -> None:
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_a_new_top_level_module_must_take_its_place_in_the_layers(tree: Path) -> None:
    """The layers contract is exhaustive: a module added at the top of mock_ic/ is refused until it is placed."""
    (tree / "mock_ic" / "utils.py").write_text("X = 1\n", encoding="utf-8")
    result = lint_imports(tree)
    assert result.returncode != 0, result.stdout
    assert "mock_ic.utils" in result.stdout + result.stderr


@pytest.mark.parametrize(("module", "planted", "contract"), [
    ("conformance/client.py", "import mock_ic.control.seed", "it never imports mock_ic"),
    ("mock_ic/store/documents.py", "import mock_ic.control.tenants", "The store imports nothing of ours"),
    ("mock_ic/ic/rules.py", "import flask", "know no HTTP framework"),
    ("mock_ic/oneroster/reading.py", "import sqlalchemy", "Only the store talks SQL"),
    ("mock_ic/control/state.py", "from alembic import command", "Only the store talks SQL"),
    ("mock_ic/store/facts.py", "import mock_ic.oneroster.query", "Layers:"),
    ("mock_ic/ic/rules.py", "import mock_ic.control.tenants", "Layers:"),
    ("mock_ic/control/state.py", "import mock_ic.api.handlers", "Layers:"),
    ("mock_ic/edge/context.py", "import mock_ic.web.landing", "Layers:"),
    ("mock_ic/oneroster/filters.py", "import mock_ic.oneroster.query", "No import cycles"),
])
def test_a_forbidden_import_breaks_lint(tree: Path, module: str, planted: str, contract: str) -> None:
    path = tree / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{planted}  # planted by the test\n", encoding="utf-8")
    result = lint_imports(tree)
    assert result.returncode != 0, result.stdout
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout, result.stdout
