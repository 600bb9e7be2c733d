"""`mock-ic serve` as a real process on a free port, spoken to over real HTTP (and curl, as in the README)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import requests

from conformance.passback.canvas import load_course
from mock_ic.control.seed import school_year_bounds
from mock_ic.control.tenants import DEMO_CREDENTIALS
from mock_ic.testing import free_port, stop_process, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
VENDOR = f"{DEMO_CREDENTIALS['vendor_key']}:{DEMO_CREDENTIALS['vendor_secret']}"


@contextmanager
def serving(data_dir: Path, port: int) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    cmd = [sys.executable, "-m", "mock_ic.cli", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_healthy(base, process=proc)
        except (RuntimeError, TimeoutError) as exc:
            out = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"mock-ic serve did not come up ({exc}):\n{out}") from None
        yield base, proc
    finally:
        stop_process(proc, timeout=20)


def token(base: str) -> str:
    response = requests.post(f"{base}/campus/oauth2/token?appName=demo", data={"grant_type": "client_credentials"},
                             auth=(DEMO_CREDENTIALS["client_id"], DEMO_CREDENTIALS["client_secret"]), timeout=10)
    response.raise_for_status()
    return response.json()["access_token"]


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    example = next(b for b in blocks if "TOKEN=" in b)
    return example


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    data_dir = tmp_path_factory.mktemp("served")
    with serving(data_dir, free_port()) as (base, proc):
        yield base, data_dir, proc


def test_serve_answers_real_http(served: tuple[str, Path, subprocess.Popen[str]]) -> None:
    base, _, _ = served
    headers = {"Authorization": f"Bearer {token(base)}"}
    response = requests.get(f"{base}/campus/api/oneroster/v1p2/demo/ims/oneroster/rostering/v1p2/schools",
                            headers=headers, timeout=10)
    assert response.status_code == 200
    assert len(response.json()["orgs"]) == 3


def test_readme_curl_example_works_as_printed(served: tuple[str, Path, subprocess.Popen[str]]) -> None:
    base, _, _ = served
    script = readme_example().replace("http://127.0.0.1:8080", base)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert '"orgs":[' in result.stdout and '"type":"school"' in result.stdout


def test_passback_demo_course_syncs_against_the_served_demo_tenant(
        served: tuple[str, Path, subprocess.Popen[str]], tmp_path: Path) -> None:
    """The README's `mock-ic passback fixtures/canvas/demo-course.json`: only the port differs from
    `make run` (and the years, once the mock's school year has moved on from the course's)."""
    base, _, _ = served
    course = ROOT / "fixtures" / "canvas" / "demo-course.json"
    exported = load_course(course).exported_at.date()
    years = school_year_bounds(date.today())[0].year - school_year_bounds(exported)[0].year
    cmd = [sys.executable, "-m", "mock_ic.cli", "passback", str(course), "--quiet", "--state", str(tmp_path / "s.json"),
           "--base-url", f"{base}/campus/api/oneroster/v1p2/demo/ims/oneroster",
           "--token-url", f"{base}/campus/oauth2/token?appName=demo", "--shift-years", str(years)]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.startswith("success: 24 line item(s) and ")
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert (again.returncode, again.stdout.strip()) == (0, "success: No changes: nothing to send")


def test_restart_with_same_data_dir_keeps_a_written_line_item(tmp_path: Path) -> None:
    port = free_port()
    gradebook = f"http://127.0.0.1:{port}/campus/api/oneroster/v1p2/demo/ims/oneroster/gradebook/v1p2"
    roster = f"http://127.0.0.1:{port}/campus/api/oneroster/v1p2/demo/ims/oneroster/rostering/v1p2"
    with serving(tmp_path, port) as (base, _):
        headers = {"Authorization": f"Bearer {token(base)}", "x-vendor-authorization": VENDOR}
        klass = requests.get(f"{roster}/classes?limit=1", headers=headers, timeout=10).json()["classes"][0]
        term = requests.get(f"{roster}/terms/{klass['terms'][0]['sourcedId']}", headers=headers,
                            timeout=10).json()["academicSession"]
        category = requests.get(f"{gradebook}/classes/{klass['sourcedId']}/categories", headers=headers,
                                timeout=10).json()["categories"][0]
        body = {"lineItem": {"title": "Survives restart", "dueDate": f"{term['startDate']}T12:00:00Z",
                             "class": {"sourcedId": klass["sourcedId"]},
                             "category": {"sourcedId": category["sourcedId"]},
                             "resultValueMax": 10}}
        put = requests.put(f"{gradebook}/lineItems/persist-1", json=body, headers=headers, timeout=10)
        assert put.status_code == 201, put.text
    with serving(tmp_path, port) as (base, _):
        headers = {"Authorization": f"Bearer {token(base)}", "x-vendor-authorization": VENDOR}
        again = requests.get(f"{gradebook}/lineItems/persist-1", headers=headers, timeout=10)
        assert again.status_code == 200
        assert again.json()["lineItem"]["title"] == "Survives restart"


def test_readme_passback_examples_work_as_printed(served: tuple[str, Path, subprocess.Popen[str]],
                                                  tmp_path: Path) -> None:
    """The README's passback blocks (1.2 on demo, then 1.1 on a tenant of its own), run as printed but
    for the port, the interpreter and (once the course's school year is over) --shift-years."""
    base, _, _ = served
    text = README.read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```sh\n(.*?)```", text, flags=re.S) if "mock-ic passback" in b]
    script = "\n".join(blocks).replace("http://127.0.0.1:8080", base)
    script = script.replace(".venv/bin/mock-ic", f"{sys.executable} -m mock_ic.cli")
    course = ROOT / "fixtures" / "canvas" / "demo-course.json"
    exported = load_course(course).exported_at.date()
    years = school_year_bounds(date.today())[0].year - school_year_bounds(exported)[0].year
    first = re.compile(r"(-m mock_ic\.cli passback fixtures/canvas/demo-course\.json)")
    script = first.sub(rf"\1 --shift-years {years} --quiet", script)
    # the first command has no URL: it reaches `make run`'s port; this server's is another
    script = script.replace("demo-course.json --shift-years", "demo-course.json --base-url "
                            f"{base}/campus/api/oneroster/v1p2/demo/ims/oneroster --token-url "
                            f"'{base}/campus/oauth2/token?appName=demo' --shift-years", 1)
    env = {**os.environ, "MOCK_IC_URL": base, "XDG_STATE_HOME": str(tmp_path)}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                            timeout=300, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    summaries = [line for line in result.stdout.splitlines() if line.startswith(("success", "partial", "failed"))]
    assert len(summaries) == 2 and all(s.startswith("success: ") for s in summaries), result.stdout
