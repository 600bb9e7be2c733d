"""mock_ic.testing: the MockIC context manager and the `mock_ic` pytest fixture, used from outside."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from mock_ic.testing import MockIC

OUTSIDE_TEST = '''
import requests


def test_it_talks_to_a_fresh_tenant(mock_ic):
    token = mock_ic.token()
    headers = {"Authorization": f"Bearer {token}"}
    schools = requests.get(f"{mock_ic.rostering_url}/schools", headers=headers, timeout=30).json()["orgs"]
    assert len(schools) == 3
    klass = requests.get(f"{mock_ic.rostering_url}/classes?limit=1", headers=headers, timeout=30).json()["classes"][0]
    assert mock_ic.admin.gradebook(klass["sourcedId"])["class"]["sourcedId"] == klass["sourcedId"]
    assert mock_ic.app_name and mock_ic.client_id and mock_ic.vendor_key and mock_ic.base_url
'''


def test_mock_ic_fixture_works_in_a_test_file_outside_the_project(tmp_path: Path) -> None:
    (tmp_path / "test_outside.py").write_text(OUTSIDE_TEST, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_mockic_tenants_are_isolated_and_removed_afterwards() -> None:
    small = {"schools": 1, "students": 30, "teachers": 3, "courses": 3, "classes": 6}
    with MockIC(recipe={**small, "seed": 1}) as one, MockIC(recipe={**small, "seed": 2, "schools": 2}) as two:
        assert one.app_name != two.app_name
        count = []
        for instance in (one, two):
            headers = {"Authorization": f"Bearer {instance.token()}"}
            count.append(len(requests.get(f"{instance.rostering_url}/schools", headers=headers, timeout=30)
                             .json()["orgs"]))
        assert count == [1, 2]
        cross = requests.get(f"{two.rostering_url}/schools", timeout=30,
                             headers={"Authorization": f"Bearer {one.token()}"})
        assert cross.status_code == 401
        base, name = one.base_url, one.app_name
    assert requests.get(f"{base}/_mock/tenants/{name}", timeout=30).status_code == 404


def test_fault_rules_over_the_admin_api_seen_by_a_real_client() -> None:
    """FAULT-RULES through /_mock: next 2 calls 503 (with Retry-After), then success; counters listed."""
    with MockIC(recipe={"schools": 1, "students": 30, "teachers": 3, "courses": 3, "classes": 6}) as ic:
        assert ic.admin is not None
        headers = {"Authorization": f"Bearer {ic.token()}"}
        rule = ic.admin.add_fault(id="two-503", operationId="getAllSchools", times=2, status=503)
        assert rule["id"] == "two-503"
        statuses = [requests.get(f"{ic.rostering_url}/schools", headers=headers, timeout=30) for _ in range(3)]
        assert [r.status_code for r in statuses] == [503, 503, 200]
        assert statuses[0].headers["Retry-After"] and statuses[0].headers["X-Mock-Fault"] == "two-503"
        minor = statuses[0].json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
        assert minor == "server_busy"
        listed = ic.admin.faults()
        assert listed[0]["fired"] == 2 and listed[0]["spent"] is True
        ic.admin.clear_faults()
        assert ic.admin.faults() == []
        bad = requests.post(f"{ic.base_url}/_mock/tenants/{ic.app_name}/faults", json={"times": 1}, timeout=30)
        assert bad.status_code == 422 and "effect" in bad.json()["imsx_description"].lower()
