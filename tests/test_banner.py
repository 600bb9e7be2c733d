"""`mock-ic serve` prints, on every start, where to point a client: snapshot tests of a served process,
and the CLI's help texts (what users read is part of the interface)."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from mock_ic import __version__
from mock_ic.cli import main
from mock_ic.testing import free_port, wait_until_healthy

SNAPSHOTS = Path(__file__).parent / "snapshots"
LAST_LINE = re.compile(r"^  curl -s ")


@contextmanager
def started(tmp_path: Path, *args: str) -> Iterator[tuple[str, int, Path]]:
    """A `mock-ic serve` process; yields its banner (read from stdout as it is printed), port and data dir."""
    port = free_port()
    cmd = [sys.executable, "-m", "mock_ic.cli", "serve", "--port", str(port), "--data-dir", str(tmp_path), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0,  # select needs raw
                            env={**os.environ, "MOCK_IC_ADMIN_TOKEN": ""})
    try:
        lines = _read_banner(proc)
        wait_until_healthy(f"http://127.0.0.1:{port}", process=proc)
        yield "".join(lines), port, tmp_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _read_banner(proc: subprocess.Popen[bytes], timeout: float = 120.0) -> list[str]:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline().decode("utf-8")
            if not line:
                break
            lines.append(line)
            if LAST_LINE.match(line):
                return lines
        elif proc.poll() is not None:
            break
    raise AssertionError(f"no banner within {timeout:.0f} s:\n{''.join(lines)}")


def normalised(text: str, port: int, data_dir: Path, token: str | None = None) -> str:
    text = text.replace(f":{port}", ":PORT").replace(str(data_dir), "DATA_DIR").replace(__version__, "VERSION")
    return text.replace(token, "ADMIN_TOKEN") if token else text


def assert_snapshot(name: str, text: str) -> None:
    """Compare with tests/snapshots/NAME; MOCK_IC_UPDATE_SNAPSHOTS=1 rewrites it (then read the diff)."""
    path = SNAPSHOTS / name
    if os.environ.get("MOCK_IC_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; MOCK_IC_UPDATE_SNAPSHOTS=1 rewrites it"


def test_serve_prints_the_banner_on_every_start(tmp_path: Path) -> None:
    for _ in range(2):  # first start (creates the demo tenant) and a restart on the same data dir
        with started(tmp_path) as (banner, port, data_dir):
            assert_snapshot("serve-banner.txt", normalised(banner, port, data_dir))


def test_banner_curl_line_gets_a_token(tmp_path: Path) -> None:
    with started(tmp_path) as (banner, _port, _):
        curl = next(line for line in banner.splitlines() if LAST_LINE.match(line))
        result = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0 and '"access_token"' in result.stdout, result.stdout + result.stderr


def test_serve_on_every_interface_prints_a_generated_admin_token_that_opens_the_control_plane(tmp_path: Path) -> None:
    """The Dockerfile's `mock-ic serve --host 0.0.0.0`: the token is generated, printed, and works."""
    with started(tmp_path, "--host", "0.0.0.0") as (banner, port, data_dir):
        token = re.search(r"admin token {5}(\S+)", banner)
        assert token, banner
        assert_snapshot("serve-banner-all-interfaces.txt", normalised(banner, port, data_dir, token[1]))
        base = f"http://127.0.0.1:{port}"
        assert requests.get(f"{base}/_mock/tenants", timeout=30).status_code == 401
        answer = requests.get(f"{base}/_mock/tenants", headers={"X-Mock-Admin-Token": token[1]}, timeout=30)
        assert answer.status_code == 200 and answer.json()["tenants"]
        pages = re.search(r"web pages {7}(\S+)", banner)
        assert pages, banner
        browser = requests.Session()  # the printed link opens the pages, and their own links work after it
        page = browser.get(pages[1], timeout=30)
        assert page.status_code == 200, page.text
        link = re.search(r'href="(/_mock/ui/demo/classes)"', page.text)
        assert link and browser.get(base + link[1], timeout=30).status_code == 200
        assert requests.get(base + link[1], timeout=30).status_code == 401  # not without the cookie
        assert requests.get(f"{base}/_mock/openapi.json", timeout=30).status_code == 200  # the docs are public


def test_serve_without_the_demo_tenant_says_how_to_make_one(tmp_path: Path) -> None:
    with started(tmp_path, "--no-demo") as (banner, port, data_dir):
        assert_snapshot("serve-banner-no-demo.txt", normalised(banner, port, data_dir))


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"mock-ic {__version__}\n"


HELP = [("mock-ic-help.txt", []), ("serve-help.txt", ["serve"]), ("tenant-help.txt", ["tenant"]),
        ("tenant-create-help.txt", ["tenant", "create"]), ("passback-help.txt", ["passback"]),
        ("seed-help.txt", ["seed"])]


@pytest.mark.parametrize(("name", "argv"), HELP)
def test_help_texts(name: str, argv: list[str], capsys: pytest.CaptureFixture[str],
                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Every argument has help text, and no help shows reST markup."""
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    text = capsys.readouterr().out
    assert "``" not in text and ":class:" not in text
    assert_snapshot(name, text)


def test_every_argument_has_help() -> None:
    import argparse

    from mock_ic import cli

    parsers: list[argparse.ArgumentParser] = []
    original = argparse.ArgumentParser.parse_args

    def capture(self: argparse.ArgumentParser, *args: object, **kwargs: object) -> argparse.Namespace:
        parsers.append(self)
        raise SystemExit(0)

    argparse.ArgumentParser.parse_args = capture  # type: ignore[method-assign,assignment]
    try:
        for argv in ([], *([name] for name in cli.KIT_COMMANDS)):
            with pytest.raises(SystemExit):
                cli.main(argv)
    finally:
        argparse.ArgumentParser.parse_args = original  # type: ignore[method-assign]
    missing: list[str] = []
    todo = list(parsers)
    while todo:
        parser = todo.pop()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo += list(action.choices.values())
            elif not action.help:
                missing.append(f"{parser.prog}: {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def test_serving_does_not_load_the_conformance_kit() -> None:
    """The kit is imported only when one of its commands runs (mock-ic serve, tenant never load it)."""
    code = ("import sys; from mock_ic import cli, app; "
            "assert not [m for m in sys.modules if m.split('.')[0] == 'conformance'], 'kit loaded'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_a_first_start_logs_no_library_noise(tmp_path: Path) -> None:
    """At the default log level a newcomer sees the banner and uvicorn's lines, not Alembic's plugin set-up
    or connexion's "Adding spec json" per mount."""
    port = free_port()
    log = tmp_path / "stderr.log"
    with log.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "mock_ic.cli", "serve", "--port", str(port), "--data-dir",
                                 str(tmp_path / "data")], stdout=subprocess.DEVNULL, stderr=err)
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}", process=proc)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    text = log.read_text(encoding="utf-8")
    assert "Application startup complete" in text
    assert "alembic" not in text and "Adding spec json" not in text, text
