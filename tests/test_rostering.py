"""Rostering reads on the demo district: every operation, OR-ENVELOPE, OR-NESTED, OR-PAGING, OR-SORT, OR-FIELDS.

The test app validates every response against openapi/ (a non-conforming body becomes a 500), so
a 200 here also means "schema-valid".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import yaml
from starlette.testclient import TestClient

from mock_ic.resources import openapi_dir
from tests.conftest import ROSTER, code_minor


def _get(client: TestClient, auth: dict[str, str], path: str, **params: Any) -> Any:
    response = client.get(f"{ROSTER}{path}", headers=auth, params=params)
    assert response.status_code == 200, response.text
    return response


@pytest.fixture(scope="module")
def ids(client: TestClient, auth: dict[str, str]) -> dict[str, str]:
    """Real identifiers of the demo district, discovered through the API."""
    school = _get(client, auth, "/schools", limit=1).json()["orgs"][0]["sourcedId"]
    klass = _get(client, auth, f"/schools/{school}/classes", limit=1).json()["classes"][0]
    student = _get(client, auth, f"/classes/{klass['sourcedId']}/students", limit=1).json()["users"][0]
    teacher = _get(client, auth, f"/classes/{klass['sourcedId']}/teachers", limit=1).json()["users"][0]
    enrollment = _get(client, auth, "/enrollments", limit=1).json()["enrollments"][0]
    term = klass["terms"][0]["sourcedId"]
    grading_period = _get(client, auth, f"/terms/{term}/gradingPeriods").json()["academicSessions"][0]
    demographics = _get(client, auth, "/demographics", limit=1).json()["demographics"][0]
    return {
        "schoolSourcedId": school, "classSourcedId": klass["sourcedId"],
        "courseSourcedId": klass["course"]["sourcedId"],
        "studentSourcedId": student["sourcedId"], "teacherSourcedId": teacher["sourcedId"],
        "userSourcedId": student["sourcedId"], "termSourcedId": term,
        "enrollment": enrollment["sourcedId"], "gradingPeriod": grading_period["sourcedId"],
        "demographics": demographics["sourcedId"], "org": school, "academicSession": term,
    }


def _operations() -> list[tuple[str, str]]:
    with open(openapi_dir() / "oneroster-v1p2-rostering.yaml", encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    return [(op["operationId"], path) for path, item in spec["paths"].items() for op in item.values()]


# The single-object reads take {sourcedId}: which id of the district fits each.
_SINGLE_ID = {
    "getAcademicSession": "academicSession", "getClass": "classSourcedId", "getCourse": "courseSourcedId",
    "getDemographics": "demographics", "getEnrollment": "enrollment", "getGradingPeriod": "gradingPeriod",
    "getOrg": "org", "getSchool": "schoolSourcedId", "getStudent": "studentSourcedId",
    "getTeacher": "teacherSourcedId", "getTerm": "termSourcedId", "getUser": "userSourcedId",
}


def _fill(operation_id: str, path: str, ids: dict[str, str]) -> str:
    if "{sourcedId}" in path:
        return path.replace("{sourcedId}", ids[_SINGLE_ID[operation_id]])
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


OPERATIONS = _operations()


def test_all_41_rostering_operations_are_served() -> None:
    assert len(OPERATIONS) == 41


@pytest.mark.parametrize("operation_id,path", OPERATIONS, ids=[op for op, _ in OPERATIONS])
def test_or_envelope_every_rostering_operation_answers_200(client: TestClient, auth: dict[str, str],
                                                          ids: dict[str, str], operation_id: str, path: str) -> None:
    body = _get(client, auth, _fill(operation_id, path, ids)).json()
    assert len(body) == 1
    (wrapper, value), = body.items()
    if "{sourcedId}" in path:
        assert isinstance(value, dict) and value["sourcedId"] == ids[_SINGLE_ID[operation_id]]
    else:
        assert isinstance(value, list) and value, f"{operation_id} returned no {wrapper}"


WITH_IDS = [(op, path) for op, path in OPERATIONS if "{" in path]


@pytest.mark.parametrize("operation_id,path", WITH_IDS, ids=[op for op, _ in WITH_IDS])
def test_or_nested_unknown_id_or_parent_is_404(client: TestClient, auth: dict[str, str], ids: dict[str, str],
                                             operation_id: str, path: str) -> None:
    unknown = {k: "no-such-id" for k in ids} | {k: "no-such-id" for k in _SINGLE_ID.values()}
    response = client.get(f"{ROSTER}{_fill(operation_id, path, unknown)}", headers=auth)
    assert response.status_code == 404
    assert code_minor(response.json()) == "unknownobject"
    assert "no-such-id" in response.json()["imsx_description"]


def test_or_envelope_empty_collection_is_200_with_empty_list(client: TestClient, auth: dict[str, str],
                                                              ids: dict[str, str]) -> None:
    body = _get(client, auth, f"/terms/{ids['termSourcedId']}/classes", filter="title='no such class'").json()
    assert body == {"classes": []}


def test_or_nested_student_endpoint_refuses_a_teacher(client: TestClient, auth: dict[str, str],
                                                      ids: dict[str, str]) -> None:
    response = client.get(f"{ROSTER}/students/{ids['teacherSourcedId']}", headers=auth)
    assert response.status_code == 404


def test_or_envelope_1p2_wrappers(client: TestClient, auth: dict[str, str]) -> None:
    assert set(_get(client, auth, "/students", limit=1).json()) == {"users"}
    assert set(_get(client, auth, "/schools", limit=1).json()) == {"orgs"}
    assert set(_get(client, auth, "/terms", limit=1).json()) == {"academicSessions"}


def test_hrefs_are_absolute_for_the_base_the_client_used(client: TestClient, auth: dict[str, str],
                                                         ids: dict[str, str]) -> None:
    """IC-URL-1P2, IC-URL-STD: hrefs follow the base path of the request."""
    klass = _get(client, auth, f"/classes/{ids['classSourcedId']}").json()["class"]
    assert klass["school"]["href"] == f"http://testserver{ROSTER}/orgs/{ids['schoolSourcedId']}"
    plain = client.get(f"/ims/oneroster/rostering/v1p2/classes/{ids['classSourcedId']}", headers=auth).json()
    assert plain["class"]["school"]["href"] == f"http://testserver/ims/oneroster/rostering/v1p2/orgs/{ids['schoolSourcedId']}"
    assert client.get(klass["school"]["href"].removeprefix("http://testserver"), headers=auth).status_code == 200


# --- OR-PAGING ------------------------------------------------------------------------------------

def test_or_paging_total_count_and_links(client: TestClient, auth: dict[str, str]) -> None:
    first = _get(client, auth, "/users", limit=100)
    total = int(first.headers["X-Total-Count"])
    assert total > 500
    assert len(first.json()["users"]) == 100
    links = first.headers["Link"]
    assert 'rel="first"' in links and 'rel="next"' in links and 'rel="last"' in links
    assert 'rel="prev"' not in links
    middle = _get(client, auth, "/users", limit=100, offset=200)
    assert 'rel="prev"' in middle.headers["Link"] and "offset=100" in middle.headers["Link"]
    last_offset = ((total - 1) // 100) * 100
    last = _get(client, auth, "/users", limit=100, offset=last_offset)
    assert 'rel="next"' not in last.headers["Link"]
    assert len(last.json()["users"]) == total - last_offset


def test_or_paging_pages_cover_every_row_once(client: TestClient, auth: dict[str, str]) -> None:
    seen: list[str] = []
    offset = 0
    while True:
        page = _get(client, auth, "/courses", limit=7, offset=offset).json()["courses"]
        if not page:
            break
        seen += [c["sourcedId"] for c in page]
        offset += 7
    total = int(_get(client, auth, "/courses", limit=1).headers["X-Total-Count"])
    assert len(seen) == len(set(seen)) == total


def test_or_paging_limit_above_cap_is_clamped(client: TestClient, auth: dict[str, str]) -> None:
    response = _get(client, auth, "/enrollments", limit=60000)
    total = int(response.headers["X-Total-Count"])
    assert len(response.json()["enrollments"]) == min(total, 50000)
    assert "limit=50000" in response.headers["Link"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": -5}, {"limit": "ten"}, {"offset": -1}, {"offset": "x"}])
def test_or_paging_bad_limit_or_offset_is_400(client: TestClient, auth: dict[str, str], params: dict) -> None:
    response = client.get(f"{ROSTER}/classes", headers=auth, params=params)
    assert response.status_code == 400
    assert code_minor(response.json()) == "invaliddata"
    name, value = next(iter(params.items()))
    assert name in response.json()["imsx_description"] and str(value) in response.json()["imsx_description"]


# --- OR-FILTER ------------------------------------------------------------------------------------

def _users(client: TestClient, auth: dict[str, str], flt: str, **params: Any) -> list[dict[str, Any]]:
    return _get(client, auth, "/users", filter=flt, limit=5000, **params).json()["users"]


def test_or_filter_each_operator(client: TestClient, auth: dict[str, str]) -> None:
    everyone = _get(client, auth, "/users", limit=5000).json()["users"]
    pivot = sorted(u["familyName"] for u in everyone)[len(everyone) // 2]
    expected = {
        "=": [u for u in everyone if u["familyName"] == pivot],
        "!=": [u for u in everyone if u["familyName"] != pivot],
        ">": [u for u in everyone if u["familyName"] > pivot],
        ">=": [u for u in everyone if u["familyName"] >= pivot],
        "<": [u for u in everyone if u["familyName"] < pivot],
        "<=": [u for u in everyone if u["familyName"] <= pivot],
        "~": [u for u in everyone if pivot[1:3].lower() in u["familyName"].lower()],
    }
    for op, want in expected.items():
        value = pivot[1:3].upper() if op == "~" else pivot
        got = _users(client, auth, f"familyName{op}'{value}'")
        assert {u["sourcedId"] for u in got} == {u["sourcedId"] for u in want}, op
        assert want, op


def test_or_filter_and_or_and_dotted_paths(client: TestClient, auth: dict[str, str], ids: dict[str, str]) -> None:
    school = ids["schoolSourcedId"]
    in_school = _get(client, auth, "/enrollments", filter=f"school.sourcedId='{school}'", limit=50000).json()
    teachers = _get(client, auth, "/enrollments", filter=f"school.sourcedId='{school}' AND role='teacher'",
                    limit=50000).json()["enrollments"]
    assert teachers and all(e["role"] == "teacher" and e["school"]["sourcedId"] == school for e in teachers)
    assert len(teachers) < len(in_school["enrollments"])
    either = _get(client, auth, "/enrollments", filter=f"role='teacher' OR school.sourcedId='{school}'",
                  limit=50000).json()["enrollments"]
    assert all(e["role"] == "teacher" or e["school"]["sourcedId"] == school for e in either)
    assert len(either) > len(in_school["enrollments"])


def test_or_filter_date_last_modified_delta(client: TestClient, auth: dict[str, str]) -> None:
    assert _get(client, auth, "/classes", filter="dateLastModified>'2999-01-01'").json() == {"classes": []}
    assert _get(client, auth, "/classes", filter="dateLastModified>'2000-01-01'", limit=1).json()["classes"]


def test_or_filter_teacher_lookup_by_email(client: TestClient, auth: dict[str, str], ids: dict[str, str]) -> None:
    teacher = _get(client, auth, f"/teachers/{ids['teacherSourcedId']}").json()["user"]
    found = _get(client, auth, "/teachers", filter=f"email='{teacher['email']}'").json()["users"]
    assert [u["sourcedId"] for u in found] == [teacher["sourcedId"]]


@pytest.mark.parametrize("flt", ["nosuchfield='x'", "title='x'"])
def test_or_filter_unknown_field_is_400(client: TestClient, auth: dict[str, str], flt: str) -> None:
    response = client.get(f"{ROSTER}/users", headers=auth, params={"filter": flt})
    assert response.status_code == 400
    assert code_minor(response.json()) == "invalid_filter_field"
    assert flt.split("=")[0] in response.json()["imsx_description"]


@pytest.mark.parametrize("flt", ["familyName='unterminated", "familyName=='x'", "familyName='x' AND", "='x'"])
def test_or_filter_malformed_is_400(client: TestClient, auth: dict[str, str], flt: str) -> None:
    response = client.get(f"{ROSTER}/users", headers=auth, params={"filter": flt})
    assert response.status_code == 400
    assert code_minor(response.json()) == "invalid_filter_field"


# --- OR-SORT and OR-FIELDS ------------------------------------------------------------------------

def test_or_sort_asc_desc_with_sourced_id_tie_break(client: TestClient, auth: dict[str, str]) -> None:
    asc = _get(client, auth, "/users", sort="familyName", orderBy="asc", limit=5000).json()["users"]
    desc = _get(client, auth, "/users", sort="familyName", orderBy="desc", limit=5000).json()["users"]
    assert [u["familyName"] for u in asc] == sorted(u["familyName"] for u in asc)
    assert [u["sourcedId"] for u in desc] == [u["sourcedId"] for u in reversed(asc)]
    assert [(u["familyName"], u["sourcedId"]) for u in asc] == sorted((u["familyName"], u["sourcedId"]) for u in asc)


def test_or_sort_paging_is_stable(client: TestClient, auth: dict[str, str]) -> None:
    whole = _get(client, auth, "/users", sort="familyName", limit=300).json()["users"]
    pieces = [u for off in range(0, 300, 50)
              for u in _get(client, auth, "/users", sort="familyName", limit=50, offset=off).json()["users"]]
    assert [u["sourcedId"] for u in pieces] == [u["sourcedId"] for u in whole]


def test_or_sort_unknown_field_is_400_on_1p2(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{ROSTER}/users", headers=auth, params={"sort": "shoeSize"})
    assert response.status_code == 400
    assert code_minor(response.json()) == "invalid_sort_field"
    assert "familyName" in response.json()["imsx_description"]


def test_or_fields_selection(client: TestClient, auth: dict[str, str], ids: dict[str, str]) -> None:
    users = _get(client, auth, "/users", fields="sourcedId,givenName", limit=3).json()["users"]
    assert all(set(u) == {"sourcedId", "givenName"} for u in users)
    one = _get(client, auth, f"/classes/{ids['classSourcedId']}", fields="title").json()
    assert set(one["class"]) == {"title"}


def test_or_fields_unknown_field_is_400_on_1p2(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{ROSTER}/users", headers=auth, params={"fields": "sourcedId,shoeSize"})
    assert response.status_code == 400
    assert code_minor(response.json()) == "invalid_selection_field"
    assert "shoeSize" in response.json()["imsx_description"]


def test_path_with_encoded_characters_is_404_not_500(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{ROSTER}/classes/{quote('a b/../c', safe='')}", headers=auth)
    assert response.status_code == 404
