"""OneRoster 1.1 at IC-URL-1P1 (and the plain 1EdTech base): every operation, 1.1 errors and warnings."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from mock_ic.resources import openapi_dir
from tests.conftest import ROSTER, VENDOR, code_minor

V11 = "/campus/oneroster/demo/ims/oneroster/v1p1"


def _operations() -> list[tuple[str, str]]:
    with open(openapi_dir() / "oneroster-v1p1.yaml", encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    return [(op["operationId"], path) for path, item in spec["paths"].items()
            for method, op in item.items() if method == "get"]


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def headers(auth: dict[str, str]) -> dict[str, str]:
    return {**auth, **VENDOR}


@pytest.fixture(scope="module")
def ids(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    """Identifiers of the demo district as 1.1 names them (users with their role prefix)."""

    def first(path: str, wrapper: str, **params: Any) -> dict[str, Any]:
        response = client.get(f"{V11}{path}", headers=headers, params={"limit": 1, **params})
        assert response.status_code == 200, response.text
        return response.json()[wrapper][0]

    school = first("/schools", "orgs")["sourcedId"]
    klass = first(f"/schools/{school}/classes", "classes")
    student = first(f"/classes/{klass['sourcedId']}/students", "users")["sourcedId"]
    teacher = first(f"/classes/{klass['sourcedId']}/teachers", "users")["sourcedId"]
    term = klass["terms"][0]["sourcedId"]
    category = client.get(f"{V11}/categories", headers=headers, params={"limit": 1}).json()["categories"][0]
    line_item = first(f"/classes/{klass['sourcedId']}/lineItems", "lineItems")
    return {
        "schoolSourcedId": school, "classSourcedId": klass["sourcedId"],
        "courseSourcedId": klass["course"]["sourcedId"],
        "studentSourcedId": student, "teacherSourcedId": teacher, "userSourcedId": student, "termSourcedId": term,
        "lineItemSourcedId": line_item["sourcedId"],
        "single": {
            "getAcademicSession": term, "getClass": klass["sourcedId"], "getCourse": klass["course"]["sourcedId"],
            "getDemographics": first("/demographics", "demographics")["sourcedId"],
            "getEnrollment": first("/enrollments", "enrollments")["sourcedId"],
            "getGradingPeriod": first("/gradingPeriods", "academicSessions")["sourcedId"], "getOrg": school,
            "getSchool": school, "getStudent": student, "getTeacher": teacher, "getTerm": term, "getUser": student,
            "getCategory": category["sourcedId"], "getLineItem": line_item["sourcedId"],
        },
    }


def _fill(operation_id: str, path: str, ids: dict[str, Any]) -> str:
    if "{sourcedId}" in path:
        return path.replace("{sourcedId}", ids["single"][operation_id])
    for name, value in ids.items():
        if isinstance(value, str):
            path = path.replace("{" + name + "}", value)
    return path


@pytest.mark.parametrize("operation_id,path", OPERATIONS, ids=[op for op, _ in OPERATIONS])
def test_or_envelope_1p1_every_operation_answers_200(client: TestClient, headers: dict[str, str],
                                                    ids: dict[str, Any], operation_id: str, path: str) -> None:
    """IC-URL-1P1: every 1.1 operation answers on the 1.1 base path."""
    if operation_id == "getResult":
        path = "/results"  # the demo district has no results until a vendor writes some
    response = client.get(f"{V11}{_fill(operation_id, path, ids)}", headers=headers)
    assert response.status_code == 200, response.text
    assert len(response.json()) == 1


def test_ic_users_1p1_user_shape(client: TestClient, headers: dict[str, str], ids: dict[str, Any]) -> None:
    user = client.get(f"{V11}/students/{ids['studentSourcedId']}", headers=headers).json()["user"]
    assert user["role"] == "student" and user["sourcedId"].startswith("s")
    assert "roles" not in user and "primaryOrg" not in user and user["orgs"]


def test_or_errors_1p1_style_and_spellings(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get(f"{V11}/classes/no-such-class", headers=headers)
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"statusInfoSet"}
    assert code_minor(body) == "unknown object"
    unauthorised = client.get(f"{V11}/classes")
    assert unauthorised.status_code == 401 and code_minor(unauthorised.json()) == "unauthorized"
    bad_limit = client.get(f"{V11}/classes", headers=headers, params={"limit": 0})
    assert bad_limit.status_code == 400 and code_minor(bad_limit.json()) == "invalid data"


def test_or_sort_and_fields_unknown_are_warnings_on_1p1(client: TestClient, headers: dict[str, str]) -> None:
    """OR-SORT, OR-FIELDS: on 1.1 an unknown sort or selection field is a warning, not an error."""
    response = client.get(f"{V11}/classes", headers=headers, params={"sort": "shoeSize", "fields": "title,x",
                                                                     "limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert len(body["classes"]) == 3 and "sourcedId" in body["classes"][0]  # all fields, unsorted
    codes = {info["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
             for info in body["statusInfoSet"]}
    assert codes == {"invalid_sort_field", "invalid_selection_field"}
    assert all(info["imsx_severity"] == "warning" for info in body["statusInfoSet"])


@pytest.mark.parametrize("path", ["/scoreScales", "/assessmentLineItems", "/assessmentResults"])
def test_ic_li_1p1_only_no_score_scales_or_assessments_on_1p1(client: TestClient, headers: dict[str, str],
                                                             path: str) -> None:
    response = client.get(f"{V11}{path}", headers=headers)
    assert response.status_code == 404
    assert code_minor(response.json()) == "unknown object"
    assert client.get(f"{ROSTER.replace('rostering', 'gradebook')}/scoreScales", headers=headers).status_code == 200


def test_plain_1edtech_1p1_base_takes_the_tenant_from_the_token(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/ims/oneroster/v1p1/schools", headers=headers)
    assert response.status_code == 200 and len(response.json()["orgs"]) == 3


def test_1p1_hrefs_point_at_the_1p1_base(client: TestClient, headers: dict[str, str], ids: dict[str, Any]) -> None:
    klass = client.get(f"{V11}/classes/{ids['classSourcedId']}", headers=headers).json()["class"]
    assert klass["school"]["href"] == f"http://testserver{V11}/orgs/{ids['schoolSourcedId']}"
