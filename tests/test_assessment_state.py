"""Score scales and assessments (IC-ASSESS-1P2) through the control plane: the admin export, snapshots, reset,
the CSV import of a 1.2 bundle that carries them, and the request log.

Tenants of their own (``assess-*``), created through the admin API with a small recipe, which seeds score scales
and assessments as the demo district does (tests/test_seed.py).
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from starlette.testclient import TestClient

from mock_ic.control import request_log
from mock_ic.control.runtime import Runtime
from mock_ic.resources import fixtures_dir
from tests.test_admin_tenants import ADMIN, create, token_for

ASSESSMENT_KINDS = ("scoreScales", "assessmentLineItems", "assessmentResults")
_ids = itertools.count(1)


def gradebook(tenant: dict[str, Any]) -> str:
    return tenant["urls"]["gradebook"].removeprefix("http://testserver")


def export(client: TestClient, app_name: str) -> dict[str, list[dict[str, Any]]]:
    response = client.get(f"{ADMIN}/tenants/{app_name}/export")
    assert response.status_code == 200, response.text
    return response.json()["documents"]


def vendor_assessment(client: TestClient, tenant: dict[str, Any], headers: dict[str, str]) -> tuple[str, str]:
    """A vendor's assessment line item on a seeded score scale and a result of one of its class's students."""
    scale = export(client, tenant["appName"])["scoreScales"][0]
    class_id = scale["class"]["sourcedId"]
    student = client.get(f"{tenant['urls']['rostering'].removeprefix('http://testserver')}/classes/{class_id}/students",
                         headers=headers).json()["users"][0]["sourcedId"]
    item, result = f"assess-state-ali-{next(_ids)}", f"assess-state-ar-{next(_ids)}"
    value = scale["scoreScaleValue"][0]["itemValueLHS"]
    body = {"title": "Vendor benchmark", "class": {"sourcedId": class_id},
            "scoreScale": {"sourcedId": scale["sourcedId"]}}
    put = client.put(f"{gradebook(tenant)}/assessmentLineItems/{item}", headers=headers,
                     json={"assessmentLineItem": body})
    assert put.status_code == 201, put.text
    put = client.put(f"{gradebook(tenant)}/assessmentResults/{result}", headers=headers, json={"assessmentResult": {
        "assessmentLineItem": {"sourcedId": item}, "student": {"sourcedId": student}, "textScore": value}})
    assert put.status_code == 201, put.text
    return item, result


def test_ic_assess_1p2_export_snapshot_restore_and_reset_keep_score_scales_and_assessments(
        client: TestClient) -> None:
    tenant = create(client, "assess-state")
    headers = token_for(client, tenant)
    seeded = export(client, "assess-state")
    assert all(seeded[kind] for kind in ASSESSMENT_KINDS), {kind: len(seeded[kind]) for kind in ASSESSMENT_KINDS}
    item, result = vendor_assessment(client, tenant, headers)
    assert client.post(f"{ADMIN}/tenants/assess-state/snapshots", json={"name": "with-vendor"}).status_code == 201
    saved = export(client, "assess-state")
    assert item in {doc["sourcedId"] for doc in saved["assessmentLineItems"]}
    assert result in {doc["sourcedId"] for doc in saved["assessmentResults"]}
    assert client.delete(f"{gradebook(tenant)}/assessmentLineItems/{item}", headers=headers).status_code == 204
    assert client.get(f"{gradebook(tenant)}/assessmentResults/{result}", headers=headers).status_code == 404
    assert client.post(f"{ADMIN}/tenants/assess-state/snapshots/with-vendor/restore").status_code == 200
    assert export(client, "assess-state") == saved
    restored = client.get(f"{gradebook(tenant)}/assessmentResults/{result}", headers=headers)
    assert restored.status_code == 200, restored.text
    assert restored.json()["assessmentResult"]["assessmentLineItem"]["sourcedId"] == item
    assert client.post(f"{ADMIN}/tenants/assess-state/reset").status_code == 200
    assert export(client, "assess-state") == seeded


def test_ic_assess_1p2_csv_bundle_with_score_scales_and_assessments_is_served_and_ruled(client: TestClient) -> None:
    """The 1.2 fixture bundle carries scoreScales.csv, assessmentLineItems.csv and assessmentResults.csv: imported,
    they are served like any other, and the IC rules hold on them (a score outside the imported scale)."""
    tenant = create(client, "assess-csv")
    bundle = (fixtures_dir() / "csv" / "oneroster-1.2-small.zip").read_bytes()
    imported = client.post(f"{ADMIN}/tenants/assess-csv/import", content=bundle,
                           headers={"content-type": "application/zip"})
    assert imported.status_code == 200, imported.text
    documents = export(client, "assess-csv")
    assert {kind: len(documents[kind]) for kind in ASSESSMENT_KINDS} == {
        "scoreScales": 2, "assessmentLineItems": 3, "assessmentResults": 5}
    headers = token_for(client, tenant)
    scale = client.get(f"{gradebook(tenant)}/scoreScales/7101", headers=headers)
    assert scale.status_code == 200 and scale.json()["scoreScale"]["scoreScaleValue"][2] == {
        "itemValueLHS": "3", "itemValueRHS": "Proficient"}
    child = client.get(f"{gradebook(tenant)}/assessmentLineItems/8102", headers=headers).json()["assessmentLineItem"]
    assert child["parentAssessmentLineItem"]["sourcedId"] == "8101" and child["class"]["sourcedId"] == "5101"
    listed = client.get(f"{gradebook(tenant)}/assessmentResults", headers=headers,
                        params={"filter": "assessmentLineItem.sourcedId='8101'"}).json()["assessmentResults"]
    assert sorted(r["sourcedId"] for r in listed) == ["ares-0001", "ares-0002"]
    outside = client.put(f"{gradebook(tenant)}/assessmentResults/assess-csv-1", headers=headers, json={
        "assessmentResult": {"assessmentLineItem": {"sourcedId": "8101"}, "student": {"sourcedId": "1005"},
                             "score": 7}})
    assert outside.status_code == 422 and outside.headers["X-Mock-IC-Rule"] == "IC-ASSESS-1P2", outside.text


def test_ic_assess_1p2_request_log_records_assessment_writes_with_their_operation_ids(
        client: TestClient, runtime: Runtime) -> None:
    tenant = create(client, "assess-log")
    headers = token_for(client, tenant)
    item, result = vendor_assessment(client, tenant, headers)
    assert client.delete(f"{gradebook(tenant)}/assessmentResults/{result}", headers=headers).status_code == 204
    wanted = {("PUT", f"*/assessmentLineItems/{item}"): ("putAssessmentLineItem", 201),
              ("PUT", f"*/assessmentResults/{result}"): ("putAssessmentResult", 201),
              ("DELETE", f"*/assessmentResults/{result}"): ("deleteAssessmentResult", 204)}
    for (method, path), (operation, status) in wanted.items():
        entry = logged(runtime, "assess-log", method, path)
        assert (entry["operationId"], entry["status"]) == (operation, status), entry
        assert entry["path"] == f"{gradebook(tenant)}/{path.removeprefix('*/')}"
    put = logged(runtime, "assess-log", "PUT", f"*/assessmentLineItems/{item}")
    assert json.loads(put["request"]["body"])["assessmentLineItem"]["title"] == "Vendor benchmark"
    assert json.loads(put["response"]["body"])["assessmentLineItem"]["sourcedId"] == item


def logged(runtime: Runtime, tenant: str, method: str, path_glob: str, timeout: float = 10.0) -> dict[str, Any]:
    """The newest entry of that method and path: entries are written just after the answer was sent."""
    deadline = time.monotonic() + timeout
    while True:
        found = request_log.entries(runtime.db, tenant, method=method, path_glob=path_glob, limit=1)
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no request log entry {method} {path_glob}"
        time.sleep(0.01)
