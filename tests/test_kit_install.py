"""The kit installs alone (issue 12): a CI job that judges a remote server runs ``pip install mock-ic`` and
gets none of the server's libraries; the server is ``pip install 'mock-ic[server]'``.

Proved without a network: the wheel's metadata (built offline, as tests/test_packaging.py does) lists no
server library among its unconditional requirements; every library the kit imports comes with those
requirements; and ``mock-ic conformance`` judges a mock-ic served by another process from a Python in
which the server's libraries cannot be imported at all.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mock_ic.testing import free_port, stop_process, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
LIVE_SUITES = ROOT / "tests" / "data" / "kit-suites" / "live"
# The server's libraries (what mock_ic imports and the kit must not need). werkzeug is not among them: the
# kit's schemathesis requires it, so a kit-only install has it anyway.
SERVER_LIBRARIES = ("connexion", "sqlalchemy", "alembic", "flask", "starlette", "uvicorn", "jinja2", "faker",
                    "itsdangerous")
BLOCKER = '''\
"""Installed by tests/test_kit_install.py: the server's libraries cannot be imported in this Python."""
import os
import sys

BLOCKED = {blocked!r}


class _ServerLibraries:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            with open(os.environ["KIT_BLOCKED_LOG"], "a", encoding="utf-8") as log:
                log.write(name + "\\n")
            raise ImportError(f"{{name}} is a server library: not installed with the kit alone", name=name)
        return None


sys.meta_path.insert(0, _ServerLibraries())
'''


@pytest.fixture(scope="module")
def wheel_metadata(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = zipfile.ZipFile(next(out.glob("mock_ic-*.whl")))
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    return wheel.read(name).decode("utf-8")


def requirements(metadata: str, extra: str | None = None) -> set[str]:
    """The Requires-Dist names of the base install (extra None) or of one extra."""
    found = set()
    for line in Parser().parsestr(metadata).get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        marker = requirement.marker
        unconditional = marker is None or marker.evaluate({"extra": ""})
        wanted = unconditional if extra is None else (not unconditional and marker.evaluate({"extra": extra}))
        if wanted:
            found.add(canonicalize_name(requirement.name))
    return found


def test_the_wheel_requires_no_server_library_unless_the_server_extra_is_asked(wheel_metadata: str) -> None:
    base = requirements(wheel_metadata)
    assert not base & set(SERVER_LIBRARIES), sorted(base & set(SERVER_LIBRARIES))
    assert {"requests", "pytest", "hypothesis", "schemathesis", "rich"} <= base
    assert {"connexion", "sqlalchemy", "alembic", "faker", "jinja2", "itsdangerous"} <= requirements(
        wheel_metadata, "server")


def test_every_library_the_kit_imports_comes_with_the_base_install(wheel_metadata: str) -> None:
    """The suites are being written by several hands: an import of a library the base install does not bring
    (directly or through its own requirements) would work here and fail in a kit-only CI job."""
    closure = _with_dependencies(requirements(wheel_metadata))
    providers = packages_distributions()
    missing = {}
    for path in sorted((ROOT / "conformance").rglob("*.py")):
        for name in _top_level_imports(path):
            if name in sys.stdlib_module_names or name in ("conformance", "mock_ic", "__future__"):
                continue
            dists = {canonicalize_name(d) for d in providers.get(name, [])}
            if not dists & closure:
                missing[f"{path.relative_to(ROOT)}: {name}"] = sorted(dists) or "not installed"
    assert missing == {}


def _top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _with_dependencies(names: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            continue
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return seen


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A mock-ic served by another process (with the server's libraries), the demo tenant in it."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("served")
    proc = subprocess.Popen([sys.executable, "-m", "mock_ic.cli", "serve", "--port", str(port), "--data-dir",
                             str(data_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process=proc, timeout=300)
        yield base
    finally:
        stop_process(proc, timeout=20)


@pytest.fixture
def kit_only(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """An environment in which importing a server library fails (and is logged to the returned file)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER.format(blocked=set(SERVER_LIBRARIES)), encoding="utf-8")
    log = tmp_path / "blocked.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(":"),
           "KIT_BLOCKED_LOG": str(log), "ONEROSTER_CLIENT_SECRET": "mock-ic-demo-secret",
           "ONEROSTER_VENDOR_SECRET": "mock-ic-vendor-secret"}
    yield env, log


def mock_ic(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mock_ic.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def test_the_blocker_blocks(kit_only: tuple[dict[str, str], Path]) -> None:
    env, log = kit_only
    result = subprocess.run([sys.executable, "-c", "import connexion"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1 and "connexion is a server library" in result.stderr
    assert log.read_text(encoding="utf-8") == "connexion\n"


def test_the_kits_commands_run_without_the_server_libraries(kit_only: tuple[dict[str, str], Path]) -> None:
    env, log = kit_only
    for args in (["--help"], ["conformance", "--help"], ["passback", "--help"], ["tenant", "--help"]):
        result = mock_ic(env, *args)
        assert result.returncode == 0, (args, result.stderr)
    assert not log.exists(), log.read_text(encoding="utf-8")
    result = mock_ic(env, "serve")  # says what to install instead of a traceback
    assert result.returncode == 3
    assert result.stderr.startswith("mock-ic serve: the server is not installed (")
    assert result.stderr.rstrip().endswith("pip install 'mock-ic[server]'")


def test_mock_ic_conformance_judges_a_served_mock_without_the_server_libraries(
        served: str, kit_only: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, log = kit_only
    junit = tmp_path / "kit.xml"
    result = mock_ic(env, "conformance", "--base-url", f"{served}/campus/api/oneroster/v1p2/demo/ims/oneroster",
                     "--token-url", f"{served}/campus/oauth2/token?appName=demo", "--client-id", "mock-ic-demo",
                     "--vendor-key", "mock-ic-vendor", "--read-only", "--suites-dir", str(LIVE_SUITES),
                     "--junit", str(junit))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "auth ............... passed 1" in result.stdout and "rostering .......... passed 2" in result.stdout
    assert junit.exists()
    assert not log.exists(), "the kit tried to import a server library:\n" + log.read_text(encoding="utf-8")


REAL_READ_ONLY = [s for s in ("auth", "rostering") if (ROOT / "conformance" / "suites" / f"test_{s}.py").exists()]


@pytest.mark.skipif(not REAL_READ_ONLY, reason="neither the auth nor the rostering suite is in the kit yet")
def test_the_real_read_only_suites_run_without_the_server_libraries(
        served: str, kit_only: tuple[dict[str, str], Path]) -> None:
    env, log = kit_only
    result = mock_ic(env, "conformance", "--base-url", f"{served}/campus/api/oneroster/v1p2/demo/ims/oneroster",
                     "--token-url", f"{served}/campus/oauth2/token?appName=demo", "--client-id", "mock-ic-demo",
                     "--vendor-key", "mock-ic-vendor", "--read-only",
                     *[arg for suite in REAL_READ_ONLY for arg in ("--suite", suite)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert not log.exists(), "the kit tried to import a server library:\n" + log.read_text(encoding="utf-8")


def test_the_install_lines_of_the_docs_name_the_extras_pyproject_has() -> None:
    text = (ROOT / "docs" / "conformance.md").read_text(encoding="utf-8")
    assert "pip install mock-ic " in text and "pip install 'mock-ic[server]'" in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(r.startswith("connexion") for r in project["optional-dependencies"]["server"])


def test_the_image_and_make_run_install_the_server() -> None:
    """The base install is the kit alone: whatever serves must ask for the `server` extra."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    extras = [set(re.findall(r"\[([\w,]+)\]", line)[0].split(",")) if "[" in line else set() for line in installs]
    assert installs and all("server" in found for found in extras), installs
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install --quiet -e '.[server]'" in makefile and "pip install --quiet -e '.[server,test]'" in makefile
