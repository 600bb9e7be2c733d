"""An exact contract (issue 10): schemathesis finds nothing to report on any spec the server serves.

Each spec gets a fresh ``mock-ic serve`` process (a free port, a temporary data directory) and one run of
the schemathesis CLI over the spec as served, with every check, the examples, coverage and fuzzing
phases, a fixed number of examples per operation and deterministic generation. The run's JUnit report
must hold no failure and no error: every request the schema admits is accepted, every one it refuses
is refused, every answer (status, headers, body) is the one the spec declares. docs/contract.md lists
what the specs say and the two narrow settings in tests/schemathesis.toml.

The OneRoster calls go to a tenant of their own whose ``limit_cap`` is 100 (OR-PAGING clamps a larger
``limit``), so no answer is big: a generated ``limit=2147483647`` answers 100 objects, not the 5.8 MB
of every enrollment of the demo district, whatever the machine's load. Requests may take up to
``REQUEST_TIMEOUT`` seconds, a bound for a hung server, not a speed requirement.

Examples per operation: 25 (issue 10's setting) under ``make test-deep`` (``HYPOTHESIS_PROFILE=deep``),
10 under ``make test``, where the four runs take about 1.7 instead of 2.3 minutes of a 2-core machine
(the coverage phase, which does not depend on the count, is most of it); ``CONTRACT_EXAMPLES=n`` sets
any other count.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from mock_ic.testing import free_port, stop_process, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tests" / "schemathesis.toml"
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES") or (25 if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else 10))
REQUEST_TIMEOUT = 300  # seconds: only a hung server takes that long
LIMIT_CAP = 100
TENANT = "contract"

SPECS = {  # name -> where the server serves it
    "rostering-v1p2": "/campus/api/ims/oneroster/rostering/v1p2/openapi.json",
    "gradebook-v1p2": "/campus/api/ims/oneroster/gradebook/v1p2/openapi.json",
    "v1p1": "/ims/oneroster/v1p1/openapi.json",
    "admin": "/_mock/openapi.json",
}
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@contextmanager
def serving(data_dir: Path) -> Iterator[str]:
    """``mock-ic serve`` on a free port; stopped (SIGINT, then killed if it lingers) on the way out."""
    port = free_port()
    log = (data_dir / "server.log").open("w")
    cmd = [sys.executable, "-m", "mock_ic.cli", "serve", "--port", str(port), "--data-dir", str(data_dir),
           "--no-demo"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_healthy(base, timeout=REQUEST_TIMEOUT, process=proc)  # a deadline for a hung start
        except (RuntimeError, TimeoutError) as exc:
            raise AssertionError(f"mock-ic serve did not come up ({exc}):\n{_tail(data_dir / 'server.log')}") from None
        yield base
    finally:
        stop_process(proc, timeout=60)
        log.close()


def contract_tenant(base: str) -> dict[str, str]:
    """A tenant with a small limit cap, and the headers every OneRoster call of the run carries."""
    response = requests.post(f"{base}/_mock/tenants", json={"appName": TENANT, "settings": {"limit_cap": LIMIT_CAP}},
                             timeout=REQUEST_TIMEOUT)
    assert response.status_code == 201, response.text
    tenant = response.json()
    token = requests.post(f"{base}/campus/oauth2/token?appName={TENANT}", data={"grant_type": "client_credentials"},
                          auth=(tenant["clientId"], tenant["clientSecret"]), timeout=REQUEST_TIMEOUT)
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}",
            "x-vendor-authorization": f"{tenant['vendorKey']}:{tenant['vendorSecret']}"}


def run_schemathesis(base: str, spec_path: str, headers: dict[str, str],
                     report: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", f"{base}{spec_path}",
        "--checks", "all",
        # replaced by tests/schemathesis_hooks.py's check, which knows `fields=` answers are partial (OR-FIELDS)
        "--exclude-checks", "response_schema_conformance",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(EXAMPLES), "--seed", "1", "--generation-deterministic",
        "--request-timeout", str(REQUEST_TIMEOUT),
        "--report", "junit", "--report-junit-path", str(report),
        "--no-color",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    # cwd: the hooks module (tests.schemathesis_hooks) is imported from the repository root
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def problems(report: Path) -> tuple[int, list[str]]:
    """(operations tested, one line per failed or erroring operation) from a schemathesis JUnit report."""
    cases = list(ET.parse(report).getroot().iter("testcase"))
    found = []
    for case in cases:
        for problem in [*case.findall("failure"), *case.findall("error")]:
            text = (problem.text or problem.get("message") or "").strip()
            found.append(f"{case.get('name')}: {' | '.join(text.splitlines()[:12])}")
    return len(cases), found


def operation_count(spec: dict[str, object]) -> int:
    paths = spec["paths"]
    assert isinstance(paths, dict)
    return sum(1 for item in paths.values() for method in item if method in _METHODS)


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]) if path.exists() else ""


@pytest.mark.parametrize("name", list(SPECS))
def test_contract_schemathesis_finds_nothing(name: str, tmp_path: Path) -> None:
    with serving(tmp_path) as base:
        headers = contract_tenant(base)
        spec = requests.get(f"{base}{SPECS[name]}", timeout=REQUEST_TIMEOUT).json()
        report = tmp_path / f"{name}.xml"
        result = run_schemathesis(base, SPECS[name], headers, report)
    output = result.stdout + result.stderr
    assert report.exists(), f"schemathesis wrote no report (exit {result.returncode}):\n{output[-4000:]}"
    tested, found = problems(report)
    assert not found, "\n".join([f"schemathesis on {SPECS[name]}: {len(found)} problem(s)", *found,
                                 "", "its output ends:", output[-3000:]])
    assert tested == operation_count(spec), f"{tested} operations tested of {operation_count(spec)}:\n{output[-3000:]}"
    assert result.returncode == 0, output[-4000:]
