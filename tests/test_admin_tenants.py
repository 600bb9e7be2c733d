"""The control plane's tenant and state endpoints under /_mock (IC-TENANT), through HTTP."""

from __future__ import annotations

import io
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_ic.app import build_runtime, create_app
from mock_ic.resources import fixtures_dir
from mock_ic.settings import Settings
from tests.conftest import code_minor

ADMIN = "/_mock"


def token_for(client: TestClient, tenant: dict[str, Any]) -> dict[str, str]:
    response = client.post(tenant["urls"]["token"].removeprefix("http://testserver"),
                           data={"grant_type": "client_credentials"},
                           auth=(tenant["clientId"], tenant["clientSecret"]))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}",
            "x-vendor-authorization": f"{tenant['vendorKey']}:{tenant['vendorSecret']}"}


def rostering(tenant: dict[str, Any]) -> str:
    return tenant["urls"]["rostering"].removeprefix("http://testserver")


SMALL = {"schools": 1, "students": 40, "teachers": 4, "courses": 4, "classes": 8}  # quick to seed


def create(client: TestClient, app_name: str, **extra: Any) -> dict[str, Any]:
    response = client.post(f"{ADMIN}/tenants", json={"appName": app_name, "recipe": SMALL, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def test_ic_tenant_create_generates_credentials_and_serves_its_own_district(client: TestClient) -> None:
    tenant = create(client, "admin-a", recipe={"seed": 7, "schools": 2, "students": 60, "teachers": 6,
                                               "courses": 6, "classes": 12})
    assert tenant["clientSecret"] and tenant["vendorSecret"] and tenant["clientId"] != "mock-ic-demo"
    headers = token_for(client, tenant)
    schools = client.get(f"{rostering(tenant)}/schools", headers=headers).json()["orgs"]
    assert len(schools) == 2
    listed = client.get(f"{ADMIN}/tenants").json()["tenants"]
    assert "admin-a" in {t["appName"] for t in listed}
    assert client.get(f"{ADMIN}/tenants/admin-a").json()["clientId"] == tenant["clientId"]


def test_ic_tenant_two_tenants_created_in_parallel_see_only_their_own_data(app: Any) -> None:
    recipes = {"par-1": {"seed": 11, "schools": 1}, "par-2": {"seed": 22, "schools": 2}}

    def make(name: str) -> dict[str, Any]:
        with TestClient(app) as own:
            return create(own, name, recipe={**recipes[name], "students": 40, "teachers": 4, "courses": 4,
                                             "classes": 8})

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(make, ["par-1", "par-2"])
    with TestClient(app) as client:
        one, two = token_for(client, first), token_for(client, second)
        schools_1 = {o["sourcedId"] for o in client.get(f"{rostering(first)}/schools", headers=one).json()["orgs"]}
        schools_2 = {o["sourcedId"] for o in client.get(f"{rostering(second)}/schools", headers=two).json()["orgs"]}
        assert len(schools_1) == 1 and len(schools_2) == 2
        cross = client.get(f"{rostering(second)}/schools", headers=one)
        assert cross.status_code == 401 and code_minor(cross.json()) == "unauthorisedrequest"


def test_ic_tenant_duplicate_name_is_409_and_bad_settings_422(client: TestClient) -> None:
    create(client, "admin-dup")
    assert client.post(f"{ADMIN}/tenants", json={"appName": "admin-dup"}).status_code == 409
    bad = client.post(f"{ADMIN}/tenants", json={"appName": "admin-bad", "settings": {"shoe_size": 3}})
    assert bad.status_code == 422 and "shoe_size" in bad.json()["imsx_description"]
    assert client.get(f"{ADMIN}/tenants/admin-bad").status_code == 404


def test_ic_tenant_update_settings_and_delete(client: TestClient) -> None:
    create(client, "admin-upd")
    updated = client.patch(f"{ADMIN}/tenants/admin-upd", json={"settings": {"title_max_length_v1p2": 45}})
    assert updated.status_code == 200
    assert updated.json()["settings"]["title_max_length_v1p2"] == 45
    assert updated.json()["settings"]["title_max_length_v1p1"] == 50  # the others keep their values
    assert client.delete(f"{ADMIN}/tenants/admin-upd").status_code == 204
    assert client.get(f"{ADMIN}/tenants/admin-upd").status_code == 404


def test_ic_tenant_a_second_server_on_the_same_data_dir_sees_changes_at_once(client: TestClient,
                                                                          test_settings: Settings) -> None:
    """What ``--workers 2`` relies on, in one process: two servers over one database, each with its own
    tenants in memory, agree from the next request on (tests/test_workers.py does it with real workers)."""
    other_app = create_app(test_settings, runtime=build_runtime(test_settings))
    with TestClient(other_app) as other:
        tenant = create(client, "admin-other")
        assert other.get(f"{ADMIN}/tenants/admin-other").status_code == 200
        headers = token_for(other, tenant)
        assert other.get(f"{rostering(tenant)}/schools", headers=headers).status_code == 200
        changed = other.patch(f"{ADMIN}/tenants/admin-other", json={"settings": {"token_lifetime": 90}})
        assert changed.status_code == 200
        assert client.get(f"{ADMIN}/tenants/admin-other").json()["settings"]["token_lifetime"] == 90
        assert client.delete(f"{ADMIN}/tenants/admin-other").status_code == 204
        assert other.get(f"{ADMIN}/tenants/admin-other").status_code == 404
        assert other.get(f"{rostering(tenant)}/schools", headers=headers).status_code == 401


def _put_category(client: TestClient, tenant: dict[str, Any], headers: dict[str, str], sid: str) -> None:
    gradebook = tenant["urls"]["gradebook"].removeprefix("http://testserver")
    response = client.put(f"{gradebook}/categories/{sid}", json={"category": {"title": sid}}, headers=headers)
    assert response.status_code == 201, response.text


def test_reset_after_writes_returns_the_exact_seeded_export(client: TestClient) -> None:
    tenant = create(client, "admin-reset")
    seeded = client.get(f"{ADMIN}/tenants/admin-reset/export").json()
    _put_category(client, tenant, token_for(client, tenant), "written")
    assert client.get(f"{ADMIN}/tenants/admin-reset/export").json() != seeded
    assert client.post(f"{ADMIN}/tenants/admin-reset/reset").status_code == 200
    assert client.get(f"{ADMIN}/tenants/admin-reset/export").json() == seeded


def test_snapshot_and_restore_round_trip_over_http(client: TestClient) -> None:
    tenant = create(client, "admin-snap")
    headers = token_for(client, tenant)
    _put_category(client, tenant, headers, "before")
    assert client.post(f"{ADMIN}/tenants/admin-snap/snapshots", json={"name": "s1"}).status_code == 201
    saved = client.get(f"{ADMIN}/tenants/admin-snap/export").json()
    _put_category(client, tenant, headers, "after")
    assert client.post(f"{ADMIN}/tenants/admin-snap/snapshots/s1/restore").status_code == 200
    assert client.get(f"{ADMIN}/tenants/admin-snap/export").json() == saved
    assert [s["name"] for s in client.get(f"{ADMIN}/tenants/admin-snap/snapshots").json()["snapshots"]] == ["s1"]
    assert client.post(f"{ADMIN}/tenants/admin-snap/snapshots/nope/restore").status_code == 404


def test_import_csv_bundle_reads_back_through_1p1_and_1p2(client: TestClient) -> None:
    tenant = create(client, "admin-csv")
    bundle = (fixtures_dir() / "csv" / "oneroster-1.1-small.zip").read_bytes()
    response = client.post(f"{ADMIN}/tenants/admin-csv/import", content=bundle,
                           headers={"content-type": "application/zip"})
    assert response.status_code == 200, response.text
    headers = token_for(client, tenant)
    users = client.get(f"{rostering(tenant)}/users", headers=headers, params={"limit": 500}).json()["users"]
    assert "1001" in {u["sourcedId"] for u in users}
    v11 = tenant["urls"]["v1p1"].removeprefix("http://testserver")
    student = client.get(f"{v11}/users/s1001", headers=headers)
    assert student.status_code == 200 and student.json()["user"]["sourcedId"] == "s1001"
    classes = client.get(f"{v11}/students/s1001/classes", headers=headers).json()["classes"]
    assert classes
    enrolled = client.get(f"{rostering(tenant)}/classes/{classes[0]['sourcedId']}/students", headers=headers)
    assert "1001" in {u["sourcedId"] for u in enrolled.json()["users"]}


def _broken_bundle(source: Path) -> bytes:
    """The 1.1 fixture bundle with one enrollment pointing at a class that does not exist."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w") as broken:
        for item in original.infolist():
            data = original.read(item)
            if item.filename.endswith("enrollments.csv"):
                lines = data.decode().splitlines()
                cells = lines[3].split(",")
                header = lines[0].split(",")
                cells[header.index("classSourcedId")] = "no-such-class"
                lines[3] = ",".join(cells)
                data = ("\n".join(lines) + "\n").encode()
            broken.writestr(item, data)
    return out.getvalue()


def test_import_broken_bundle_is_refused_naming_file_line_column_and_changes_nothing(client: TestClient) -> None:
    create(client, "admin-broken")
    before = client.get(f"{ADMIN}/tenants/admin-broken/export").json()
    bundle = _broken_bundle(fixtures_dir() / "csv" / "oneroster-1.1-small.zip")
    response = client.post(f"{ADMIN}/tenants/admin-broken/import", content=bundle,
                           headers={"content-type": "application/zip"})
    assert response.status_code == 422
    description = response.json()["imsx_description"]
    for fragment in ("enrollments.csv", "line 4", "classSourcedId", "no-such-class"):
        assert fragment in description, description
    assert client.get(f"{ADMIN}/tenants/admin-broken/export").json() == before


def test_grading_window_close_and_open_over_http(client: TestClient) -> None:
    create(client, "admin-window")
    closed = client.put(f"{ADMIN}/tenants/admin-window/grading-periods/123-GP/window", json={"open": False})
    assert closed.json()["settings"]["closed_grading_periods"] == ["123-GP"]
    opened = client.put(f"{ADMIN}/tenants/admin-window/grading-periods/123-GP/window", json={"open": True})
    assert opened.json()["settings"]["closed_grading_periods"] == []


def test_clock_offset_expires_tokens(client: TestClient, auth: dict[str, str]) -> None:
    from tests.conftest import ROSTER

    assert client.get(f"{ROSTER}/schools", headers=auth).status_code == 200
    assert client.put(f"{ADMIN}/clock", json={"offsetSeconds": 7200}).json() == {"offsetSeconds": 7200}
    try:
        assert client.get(f"{ROSTER}/schools", headers=auth).status_code == 401
    finally:
        client.put(f"{ADMIN}/clock", json={"offsetSeconds": 0})
    assert client.get(f"{ROSTER}/schools", headers=auth).status_code == 200


@pytest.mark.parametrize("path", ["/tenants/nope", "/tenants/nope/export", "/tenants/nope/snapshots"])
def test_unknown_tenant_is_404(client: TestClient, path: str) -> None:
    response = client.get(f"{ADMIN}{path}")
    assert response.status_code == 404 and "nope" in response.json()["imsx_description"]


def test_admin_token_guards_the_control_plane(tmp_path: Path) -> None:
    from mock_ic.app import create_app
    from mock_ic.settings import Settings

    app = create_app(Settings(data_dir=tmp_path, demo_tenant=False, admin_token="s3cret"))
    with TestClient(app) as guarded:
        assert guarded.get(f"{ADMIN}/health").status_code == 200
        refused = guarded.get(f"{ADMIN}/tenants")
        assert refused.status_code == 401 and code_minor(refused.json()) == "unauthorisedrequest"
        assert guarded.get(f"{ADMIN}/tenants", headers={"X-Mock-Admin-Token": "wrong"}).status_code == 401
        assert guarded.get(f"{ADMIN}/tenants", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert guarded.get(f"{ADMIN}/ui", params={"admin_token": "s3cret"}).status_code == 200


def test_scenario_over_the_admin_api(client: TestClient) -> None:
    """FAULT-SCENARIOS through /_mock: the scenario's fault answers the next line-item PUT."""
    tenant = create(client, "admin-scenario")
    applied = client.post(f"{ADMIN}/tenants/admin-scenario/scenario", json={"name": "assignment-cannot-be-created"})
    assert applied.status_code == 200, applied.text
    assert applied.json()["faults"]
    gradebook = tenant["urls"]["gradebook"].removeprefix("http://testserver")
    response = client.put(f"{gradebook}/lineItems/sc-1", json={"lineItem": {"title": "x"}},
                          headers=token_for(client, tenant))
    assert response.status_code == 422 and response.headers["x-mock-fault"]
    unknown = client.post(f"{ADMIN}/tenants/admin-scenario/scenario", json={"name": "no-such"})
    assert unknown.status_code == 404 and "exchange-error" in unknown.json()["imsx_description"]


def test_request_log_over_the_admin_api_shows_a_put_without_the_token(client: TestClient) -> None:
    tenant = create(client, "admin-log")
    headers = token_for(client, tenant)
    token = headers["Authorization"].removeprefix("Bearer ")
    _put_category(client, tenant, headers, "logged-category")
    client.get(f"{rostering(tenant)}/schools", headers=headers)
    response = client.get(f"{ADMIN}/tenants/admin-log/requests", params={"method": "PUT", "path": "*/categories/*"})
    assert response.status_code == 200 and response.headers["X-Total-Count"] == "1"
    (entry,) = response.json()["entries"]
    assert entry["status"] == 201 and "logged-category" in entry["request"]["body"]
    har = client.get(f"{ADMIN}/tenants/admin-log/requests", params={"format": "har"})
    assert har.json()["log"]["version"] == "1.2" and len(har.json()["log"]["entries"]) >= 3
    for text in (response.text, har.text):
        assert token not in text and tenant["clientSecret"] not in text and tenant["vendorSecret"] not in text
    assert client.get(f"{ADMIN}/tenants/admin-log/requests", params={"status": "5xx"}).json()["entries"] == []
    assert client.delete(f"{ADMIN}/tenants/admin-log/requests").status_code == 204
    assert client.get(f"{ADMIN}/tenants/admin-log/requests").json()["entries"] == []


def test_serve_refuses_an_unknown_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mock_ic.cli import main

    assert main(["serve", "--data-dir", str(tmp_path), "--port", "0", "--scenario", "no-such-scenario"]) == 3
    assert "exchange-error" in capsys.readouterr().err
