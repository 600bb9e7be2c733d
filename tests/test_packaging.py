"""The shipped artefacts: the wheel carries openapi/, fixtures/ and the migrations, and the Dockerfile lints clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "mock_ic" / "store" / "migrations"


def test_wheel_ships_specs_fixtures_and_templates(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("mock_ic-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for spec in ROOT.glob("openapi/*.yaml"):
        assert f"mock_ic/openapi/{spec.name}" in names
    assert "mock_ic/fixtures/districts/demo.yaml" in names
    assert any(n.startswith("mock_ic/web/templates/") for n in names)
    assert "conformance/passback/canvas-course.schema.json" in names
    assert "mock_ic/fixtures/canvas/demo-course.json" in names
    for migration in ("env.py", "script.py.mako", *(f"versions/{p.name}" for p in MIGRATIONS.glob("versions/*.py"))):
        assert f"mock_ic/store/migrations/{migration}" in names  # Database.create_schema() runs them


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run([hadolint, "--failure-threshold", "warning", str(ROOT / "Dockerfile")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_python_package_is_listed_in_pyproject() -> None:
    """setuptools lists packages by name here: a new package missing from the list would leave the wheel."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for init in sorted((ROOT / "mock_ic").rglob("__init__.py")) + sorted((ROOT / "conformance").rglob("__init__.py")):
        package = ".".join(init.parent.relative_to(ROOT).parts)
        assert f'"{package}"' in text, f"{package} is missing from [tool.setuptools] packages"
