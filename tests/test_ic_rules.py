"""Infinite Campus grade-passback rules (IC_BEHAVIOUR.md sections 3-5), each test named after its rule.

Runs on its own tenant ("rules") so settings can change without touching the demo tenant. Every
rejection is checked to change nothing: the stored object is byte-for-byte what GET returned before.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_ic.control.runtime import Runtime
from mock_ic.control.tenants import Tenant
from mock_ic.ic.rules import UNCATEGORIZED
from mock_ic.oneroster import schemas
from tests.conftest import code_minor, fetch_token

APP = "rules"
V12 = f"/campus/api/oneroster/v1p2/{APP}/ims/oneroster"
ROSTER, GRADEBOOK = f"{V12}/rostering/v1p2", f"{V12}/gradebook/v1p2"
V11 = f"/campus/oneroster/{APP}/ims/oneroster/v1p1"
_n = itertools.count(1)


@dataclass
class Api:
    client: TestClient
    headers: dict[str, str]

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, headers=self.headers, params=params)

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(path, headers=self.headers, json=body)

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self.headers)


@pytest.fixture(scope="module")
def tenant(runtime: Runtime) -> Iterator[Tenant]:
    if runtime.tenants.get(APP) is None:
        runtime.tenants.create(APP, recipe="demo")
    tenant = runtime.tenants.get(APP)
    assert tenant is not None
    yield tenant
    runtime.tenants.update_settings(APP, tenant.settings)


@pytest.fixture(scope="module")
def api(client: TestClient, tenant: Tenant) -> Api:
    token = fetch_token(client, app_name=APP, client_id=tenant.client_id, client_secret=tenant.client_secret)
    return Api(client, {"Authorization": f"Bearer {token}",
                        "x-vendor-authorization": f"{tenant.vendor_key}:{tenant.vendor_secret}"})


@pytest.fixture
def settings(runtime: Runtime, tenant: Tenant) -> Iterator[Any]:
    """Change the rules tenant's settings for one test: settings(title_max_length_v1p2=40)."""

    def change(**values: Any) -> None:
        runtime.tenants.update_settings(APP, replace(tenant.settings, **values))

    yield change
    runtime.tenants.update_settings(APP, tenant.settings)


@pytest.fixture(scope="module")
def school_class(api: Api) -> dict[str, Any]:
    """A class with its terms, categories, students, and a second class with other categories."""
    first, second = api.get(f"{ROSTER}/classes", limit=2, offset=5).json()["classes"]
    terms = [api.get(f"{ROSTER}/terms/{t['sourcedId']}").json()["academicSession"] for t in first["terms"]]
    categories = api.get(f"{GRADEBOOK}/classes/{first['sourcedId']}/categories").json()["categories"]
    other_categories = api.get(f"{GRADEBOOK}/classes/{second['sourcedId']}/categories").json()["categories"]
    students = api.get(f"{ROSTER}/classes/{first['sourcedId']}/students").json()["users"]
    other_term = api.get(f"{ROSTER}/terms/{second['terms'][0]['sourcedId']}").json()["academicSession"]
    return {"id": first["sourcedId"], "other": second["sourcedId"], "other_term": other_term,
            "terms": sorted(terms, key=lambda t: t["startDate"]), "categories": categories,
            "other_categories": other_categories, "students": students}


def body(c: dict[str, Any], *, title: str | None = None, category: str | bool | None = True,
         due: str | None = None, class_id: str | None = None, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "title": title or f"Item {next(_n)}",
        "dueDate": due or f"{c['terms'][0]['startDate']}T23:59:00Z",
        "class": {"sourcedId": class_id or c["id"]},
        "resultValueMax": 20,
        **extra,
    }
    if category is True:
        item["category"] = {"sourcedId": c["categories"][0]["sourcedId"]}
    elif isinstance(category, str):
        item["category"] = {"sourcedId": category}
    return {"lineItem": item}


def new_id() -> str:
    return f"rule-li-{next(_n)}"


def assert_refused(response: Any, *fragments: str, status: int = 422) -> None:
    assert response.status_code == status, response.text
    expected = {"forbidden"} if status == 403 else {"invaliddata", "invalid data"}  # 1.2 and 1.1 spellings
    assert code_minor(response.json()) in expected
    body = response.json()
    description = (body["statusInfoSet"][0] if "statusInfoSet" in body else body)["imsx_description"]
    for fragment in fragments:
        assert fragment in description, description


# --- IC-LI-TITLE-LEN / IC-TITLE-OVER --------------------------------------------------------------

def test_ic_li_title_len_31_chars_rejected_on_1p2_nothing_stored(api: Api, school_class: dict) -> None:
    sid = new_id()
    assert_refused(api.put(f"{GRADEBOOK}/lineItems/{sid}", body(school_class, title="x" * 31)), "31", "30")
    assert api.get(f"{GRADEBOOK}/lineItems/{sid}").status_code == 404


def test_ic_li_title_len_31_chars_accepted_on_1p1_51_rejected(api: Api, school_class: dict) -> None:
    ok = api.put(f"{V11}/lineItems/{new_id()}", body(school_class, title="y" * 31))
    assert ok.status_code == 201, ok.text
    assert_refused(api.put(f"{V11}/lineItems/{new_id()}", body(school_class, title="z" * 51)), "51", "50")


def test_ic_li_title_len_limit_follows_tenant_setting(api: Api, school_class: dict, settings: Any) -> None:
    settings(title_max_length_v1p2=40)
    assert api.put(f"{GRADEBOOK}/lineItems/{new_id()}", body(school_class, title="w" * 40)).status_code == 201
    assert_refused(api.put(f"{GRADEBOOK}/lineItems/{new_id()}", body(school_class, title="v" * 41)), "40")


def test_ic_title_over_truncate_stores_the_first_n_characters(api: Api, school_class: dict, settings: Any) -> None:
    settings(title_over_limit="truncate")
    sid = new_id()
    response = api.put(f"{GRADEBOOK}/lineItems/{sid}", body(school_class, title="Chapter 12 review: " + "t" * 30))
    assert response.status_code == 201
    stored = api.get(f"{GRADEBOOK}/lineItems/{sid}").json()["lineItem"]["title"]
    assert stored == ("Chapter 12 review: " + "t" * 30)[:30]


# --- IC-LI-DUP-TITLE ------------------------------------------------------------------------------

def test_ic_li_dup_title_rejected_case_insensitive_and_trimmed(api: Api, school_class: dict) -> None:
    first = new_id()
    assert api.put(f"{GRADEBOOK}/lineItems/{first}", body(school_class, title="Dup Quiz 1")).status_code == 201
    before = api.get(f"{GRADEBOOK}/lineItems/{first}").content
    for clash in ("Dup Quiz 1", " dup quiz 1 "):
        sid = new_id()
        assert_refused(api.put(f"{GRADEBOOK}/lineItems/{sid}", body(school_class, title=clash)), "Dup Quiz 1", first)
        assert api.get(f"{GRADEBOOK}/lineItems/{sid}").status_code == 404
    assert api.get(f"{GRADEBOOK}/lineItems/{first}").content == before


def test_ic_li_dup_title_same_title_in_another_class_accepted(api: Api, school_class: dict) -> None:
    assert api.put(f"{GRADEBOOK}/lineItems/{new_id()}", body(school_class, title="Shared Title")).status_code == 201
    other = body(school_class, title="Shared Title", class_id=school_class["other"],
                 category=school_class["other_categories"][0]["sourcedId"],
                 due=f"{school_class['other_term']['startDate']}T12:00:00Z")
    assert api.put(f"{GRADEBOOK}/lineItems/{new_id()}", other).status_code == 201


def test_ic_li_dup_title_renaming_onto_an_existing_title_rejected(api: Api, school_class: dict) -> None:
    a, b = new_id(), new_id()
    api.put(f"{GRADEBOOK}/lineItems/{a}", body(school_class, title="Rename A"))
    api.put(f"{GRADEBOOK}/lineItems/{b}", body(school_class, title="Rename B"))
    before = api.get(f"{GRADEBOOK}/lineItems/{b}").content
    assert_refused(api.put(f"{GRADEBOOK}/lineItems/{b}", body(school_class, title="rename a")), "Rename A")
    assert api.get(f"{GRADEBOOK}/lineItems/{b}").content == before
    assert api.put(f"{GRADEBOOK}/lineItems/{b}", body(school_class, title="Rename B")).status_code == 200


# --- IC-LI-CATEGORY-1P1 / 1P2 ---------------------------------------------------------------------

def test_ic_li_category_1p1_any_category_becomes_uncategorized(api: Api, school_class: dict) -> None:
    sid = new_id()
    response = api.put(f"{V11}/lineItems/{sid}", body(school_class, category="whatever-the-lms-sent"))
    assert response.status_code == 201, response.text
    assert response.json()["lineItem"]["category"]["sourcedId"] == UNCATEGORIZED
    assert api.get(f"{V11}/lineItems/{sid}").json()["lineItem"]["category"]["sourcedId"] == UNCATEGORIZED
    assert api.get(f"{GRADEBOOK}/lineItems/{sid}").json()["lineItem"]["category"]["sourcedId"] == UNCATEGORIZED
    view = api.get(f"/_mock/tenants/{APP}/classes/{school_class['id']}/gradebook").json()
    first = view["categories"][0]
    assert first["title"] == "Uncategorized" and sid in {column["sourcedId"] for column in first["lineItems"]}


@pytest.mark.parametrize("category", [None, UNCATEGORIZED, "other-class"])
def test_ic_li_category_1p2_missing_sentinel_or_foreign_category_rejected(api: Api, school_class: dict,
                                                                          category: str | None) -> None:
    chosen = school_class["other_categories"][0]["sourcedId"] if category == "other-class" else category
    sid = new_id()
    response = api.put(f"{GRADEBOOK}/lineItems/{sid}", body(school_class, category=chosen))
    own = school_class["categories"]
    assert_refused(response, *(c["sourcedId"] for c in own), *(c["title"] for c in own))
    assert api.get(f"{GRADEBOOK}/lineItems/{sid}").status_code == 404


# --- IC-LI-DUE-DATE / IC-LI-GRADING-WINDOW / IC-LI-CLASS ------------------------------------------

def test_ic_li_due_date_outside_every_term_rejected(api: Api, school_class: dict) -> None:
    last = school_class["terms"][-1]["endDate"]
    year = int(last[:4]) + 1
    sid = new_id()
    assert_refused(api.put(f"{GRADEBOOK}/lineItems/{sid}", body(school_class, due=f"{year}-08-15T12:00:00Z")),
                   "dueDate", f"{year}-08-15", school_class["terms"][0]["startDate"])
    assert api.get(f"{GRADEBOOK}/lineItems/{sid}").status_code == 404


def test_ic_li_due_date_missing_rejected(api: Api, school_class: dict) -> None:
    item = body(school_class)
    del item["lineItem"]["dueDate"]
    assert_refused(api.put(f"{GRADEBOOK}/lineItems/{new_id()}", item), "dueDate")


def test_ic_li_due_date_derives_grading_period_from_term(api: Api, school_class: dict) -> None:
    term = school_class["terms"][-1]
    periods = api.get(f"{ROSTER}/terms/{term['sourcedId']}/gradingPeriods").json()["academicSessions"]
    sid = new_id()
    assert api.put(f"{GRADEBOOK}/lineItems/{sid}", body(school_class, due=f"{term['endDate']}T10:00:00Z")
                   ).status_code == 201
    stored = api.get(f"{GRADEBOOK}/lineItems/{sid}").json()["lineItem"]
    assert stored["gradingPeriod"]["sourcedId"] == periods[0]["sourcedId"]
    assert api.get(f"{V11}/lineItems/{sid}").json()["lineItem"]["gradingPeriod"]["sourcedId"] == periods[0]["sourcedId"]


def test_ic_li_grading_window_closed_period_rejects_line_items_and_results(api: Api, school_class: dict,
                                                                          settings: Any) -> None:
    sid = new_id()
    api.put(f"{GRADEBOOK}/lineItems/{sid}", body(school_class))
    period = api.get(f"{GRADEBOOK}/lineItems/{sid}").json()["lineItem"]["gradingPeriod"]["sourcedId"]
    before = api.get(f"{GRADEBOOK}/lineItems/{sid}").content
    settings(closed_grading_periods=(period,))
    assert_refused(api.put(f"{GRADEBOOK}/lineItems/{sid}", body(school_class, title="Changed")), period, "closed")
    assert_refused(api.put(f"{GRADEBOOK}/lineItems/{new_id()}", body(school_class)), period)
    student = school_class["students"][0]["sourcedId"]
    result = {"result": {"lineItem": {"sourcedId": sid}, "student": {"sourcedId": student}, "score": 5,
                         "scoreStatus": "fully graded"}}
    assert_refused(api.put(f"{GRADEBOOK}/results/res-{sid}", result), "closed")
    assert_refused(api.delete(f"{GRADEBOOK}/lineItems/{sid}"), "closed")
    assert api.get(f"{GRADEBOOK}/lineItems/{sid}").content == before


def test_ic_li_class_unknown_class_rejected_naming_it(api: Api, school_class: dict) -> None:
    sid = new_id()
    assert_refused(api.put(f"{GRADEBOOK}/lineItems/{sid}", body(school_class, class_id="no-such-section")),
                   "no-such-section")
    assert api.get(f"{GRADEBOOK}/lineItems/{sid}").status_code == 404


# --- IC-RES-* ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def line_item(api: Api, school_class: dict) -> str:
    sid = new_id()
    assert api.put(f"{GRADEBOOK}/lineItems/{sid}", body(school_class)).status_code == 201
    return sid


def result(line_item: str, student: str, **fields: Any) -> dict[str, Any]:
    return {"result": {"lineItem": {"sourcedId": line_item}, "student": {"sourcedId": student},
                       "scoreStatus": "fully graded", **fields}}


def test_ic_res_decimal_api_returns_exactly_what_was_stored(api: Api, school_class: dict, line_item: str) -> None:
    student = school_class["students"][0]["sourcedId"]
    assert api.put(f"{GRADEBOOK}/results/dec-1", result(line_item, student, score=10.5)).status_code == 201
    assert api.get(f"{GRADEBOOK}/results/dec-1").json()["result"]["score"] == 10.5


def test_ic_res_extra_credit_score_above_max_accepted(api: Api, school_class: dict, line_item: str) -> None:
    student = school_class["students"][1]["sourcedId"]
    assert api.put(f"{GRADEBOOK}/results/ec-1", result(line_item, student, score=30)).status_code == 201
    assert api.get(f"{GRADEBOOK}/results/ec-1").json()["result"]["score"] == 30.0


def test_ic_res_extra_credit_negative_score_rejected(api: Api, school_class: dict, line_item: str) -> None:
    student = school_class["students"][2]["sourcedId"]
    assert_refused(api.put(f"{GRADEBOOK}/results/neg-1", result(line_item, student, score=-1)), "-1", "negative")
    assert api.get(f"{GRADEBOOK}/results/neg-1").status_code == 404


def test_ic_res_blank_result_without_score_is_kept(api: Api, school_class: dict, line_item: str) -> None:
    student = school_class["students"][3]["sourcedId"]
    response = api.put(f"{GRADEBOOK}/results/blank-1", result(line_item, student, scoreStatus="not submitted"))
    assert response.status_code == 201
    stored = api.get(f"{GRADEBOOK}/results/blank-1").json()["result"]
    assert "score" not in stored and stored["scoreStatus"] == "not submitted"


def test_ic_res_flags_1p2_keeps_late_and_missing_1p1_has_none(api: Api, school_class: dict, line_item: str) -> None:
    student = school_class["students"][4]["sourcedId"]
    assert api.put(f"{GRADEBOOK}/results/late-1", result(line_item, student, score=5, late="true")).status_code == 201
    assert api.get(f"{GRADEBOOK}/results/late-1").json()["result"]["late"] == "true"
    legacy = api.get(f"{ROSTER}/users/{student}").json()["user"]["metadata"]["ic"]["legacySourcedId"]
    v11 = api.put(f"{V11}/results/late-2", result(line_item, legacy, score=5, late="true"))
    assert v11.status_code == 201, v11.text
    assert "late" not in api.get(f"{GRADEBOOK}/results/late-2").json()["result"]
    assert "late" not in api.get(f"{V11}/results/late-2").json()["result"]


def test_ic_res_upsert_student_not_enrolled_rejected(api: Api, school_class: dict, line_item: str) -> None:
    enrolled = {s["sourcedId"] for s in school_class["students"]}
    others = api.get(f"{ROSTER}/classes/{school_class['other']}/students").json()["users"]
    outsider = next(s["sourcedId"] for s in others if s["sourcedId"] not in enrolled)
    assert_refused(api.put(f"{GRADEBOOK}/results/out-1", result(line_item, outsider, score=1)), outsider)
    assert api.get(f"{GRADEBOOK}/results/out-1").status_code == 404


def test_ic_res_upsert_replace_keeps_the_previous_result_on_rejection(api: Api, school_class: dict,
                                                                      line_item: str) -> None:
    student = school_class["students"][5]["sourcedId"]
    api.put(f"{GRADEBOOK}/results/keep-1", result(line_item, student, score=12))
    before = api.get(f"{GRADEBOOK}/results/keep-1").content
    assert_refused(api.put(f"{GRADEBOOK}/results/keep-1", result(line_item, student, score=-3)), "-3")
    assert api.get(f"{GRADEBOOK}/results/keep-1").content == before


# --- IC-IDS / IC-USERS / 1.1 <-> 1.2 consistency ----------------------------------------------------

def test_ic_ids_1p1_users_prefixed_1p2_unprefixed_with_legacy_id(api: Api, school_class: dict) -> None:
    student = school_class["students"][0]
    legacy = student["metadata"]["ic"]["legacySourcedId"]
    assert legacy == "s" + student["sourcedId"]
    v11 = api.get(f"{V11}/users/{legacy}").json()["user"]
    assert v11["sourcedId"] == legacy and v11["role"] == "student"
    assert {o["sourcedId"] for o in v11["orgs"]} == {r["org"]["sourcedId"] for r in student["roles"]}
    teacher = api.get(f"{ROSTER}/classes/{school_class['id']}/teachers").json()["users"][0]
    assert api.get(f"{V11}/teachers/t{teacher['sourcedId']}").json()["user"]["sourcedId"] == f"t{teacher['sourcedId']}"
    enrollments = api.get(f"{V11}/schools/{teacher['roles'][0]['org']['sourcedId']}/enrollments",
                          filter=f"user.sourcedId='t{teacher['sourcedId']}'").json()["enrollments"]
    assert enrollments and all(e["user"]["sourcedId"] == f"t{teacher['sourcedId']}" for e in enrollments)


def test_ic_users_1p1_hides_users_without_portal_account(api: Api) -> None:
    hidden = api.get(f"{ROSTER}/users", filter="metadata.ic.portalAccount='false'", limit=1).json()["users"]
    assert hidden, "the demo district has users without a portal account"
    user = hidden[0]
    legacy = user["metadata"]["ic"]["legacySourcedId"]
    assert api.get(f"{ROSTER}/users/{user['sourcedId']}").status_code == 200
    assert api.get(f"{V11}/users/{legacy}").status_code == 404
    total_12 = int(api.get(f"{ROSTER}/users", limit=1).headers["X-Total-Count"])
    total_11 = int(api.get(f"{V11}/users", limit=1).headers["X-Total-Count"])
    hidden_total = int(api.get(f"{ROSTER}/users", filter="metadata.ic.portalAccount='false'",
                               limit=1).headers["X-Total-Count"])
    assert total_11 == total_12 - hidden_total


def test_ic_users_no_show_enrollments_not_returned(api: Api, runtime: Runtime) -> None:
    from mock_ic.store import documents

    with runtime.db.read() as conn:
        no_show = [d for d in documents.all_docs(conn, APP, ["enrollments"])["enrollments"]
                   if d.get("metadata", {}).get("ic", {}).get("noShow") == "true"]
    assert no_show
    sid = no_show[0]["sourcedId"]
    assert api.get(f"{ROSTER}/enrollments/{sid}").status_code == 404
    assert api.get(f"{V11}/enrollments/{sid}").status_code == 404
    listed = api.get(f"{ROSTER}/classes/{no_show[0]['class']['sourcedId']}/students").json()["users"]
    assert no_show[0]["user"]["sourcedId"] not in {u["sourcedId"] for u in listed}


def test_same_line_item_through_1p1_and_1p2_is_one_object(api: Api, school_class: dict) -> None:
    """IC-URL-1P1, IC-LI-UPSERT: a line item written on 1.1 and read on 1.2 is one object."""
    a = new_id()
    assert api.put(f"{V11}/lineItems/{a}", body(school_class, title="Via 1.1")).status_code == 201
    v12 = api.get(f"{GRADEBOOK}/lineItems/{a}").json()["lineItem"]
    v11 = api.get(f"{V11}/lineItems/{a}").json()["lineItem"]
    for field in ("sourcedId", "title", "dueDate", "assignDate", "dateLastModified", "resultValueMax", "status"):
        assert v11[field] == v12[field], field
    assert v11["class"]["sourcedId"] == v12["class"]["sourcedId"]
    assert v11["gradingPeriod"]["sourcedId"] == v12["gradingPeriod"]["sourcedId"]
    assert "school" not in v11 and v12["school"]["sourcedId"]
    b = new_id()
    assert api.put(f"{GRADEBOOK}/lineItems/{b}", body(school_class, title="Via 1.2")).status_code == 201
    assert api.get(f"{V11}/lineItems/{b}").json()["lineItem"]["title"] == "Via 1.2"
    assert a in {li["sourcedId"] for li in api.get(f"{V11}/classes/{school_class['id']}/lineItems",
                                                    limit=500).json()["lineItems"]}


def test_ic_ids_1p1_result_names_prefixed_student_same_user_as_1p2(api: Api, school_class: dict,
                                                                   line_item: str) -> None:
    student = school_class["students"][6]
    legacy = student["metadata"]["ic"]["legacySourcedId"]
    assert api.put(f"{V11}/results/ids-1", result(line_item, legacy, score=9)).status_code == 201
    assert api.get(f"{GRADEBOOK}/results/ids-1").json()["result"]["student"]["sourcedId"] == student["sourcedId"]
    assert api.get(f"{V11}/results/ids-1").json()["result"]["student"]["sourcedId"] == legacy
    found = api.get(f"{V11}/results", filter=f"student.sourcedId='{legacy}'").json()["results"]
    assert [r["sourcedId"] for r in found] == ["ids-1"]


# --- IC-LENIENT-IN --------------------------------------------------------------------------------

def test_ic_lenient_in_strict_input_refuses_what_lenient_mode_accepts(api: Api, school_class: dict,
                                                                       settings: Any) -> None:
    lenient = body(school_class)  # references by sourcedId only, no status, no dateLastModified
    assert api.put(f"{GRADEBOOK}/lineItems/{new_id()}", lenient).status_code == 201
    settings(strict_input=True)
    sid = new_id()
    response = api.put(f"{GRADEBOOK}/lineItems/{sid}", body(school_class))
    assert response.status_code == 400
    assert code_minor(response.json()) == "invaliddata"
    for fragment in ("strict_input", "status", "href"):
        assert fragment in response.json()["imsx_description"]
    assert api.get(f"{GRADEBOOK}/lineItems/{sid}").status_code == 404


def test_ic_lenient_in_strict_input_refuses_a_date_time_score_date_naming_it(api: Api, school_class: dict,
                                                                            line_item: str, settings: Any) -> None:
    student = school_class["students"][7]["sourcedId"]
    stamp = f"{school_class['terms'][0]['startDate']}T10:30:00Z"
    # Lenient (the default): a date-time scoreDate is accepted and stored as its date.
    lenient = api.put(f"{GRADEBOOK}/results/strict-date-1", result(line_item, student, score=4, scoreDate=stamp))
    assert lenient.status_code == 201, lenient.text
    stored = api.get(f"{GRADEBOOK}/results/strict-date-1").json()["result"]
    assert stored["scoreDate"] == stamp[:10]
    before = api.get(f"{GRADEBOOK}/results/strict-date-1").content
    settings(strict_input=True)
    # Strict: the complete object read back is accepted, the same object with a date-time scoreDate is not.
    for bad in (stamp, "15/01/2026", "2026-02-30"):
        refused = api.put(f"{GRADEBOOK}/results/strict-date-1", {"result": {**stored, "scoreDate": bad, "score": 5}})
        assert refused.status_code == 400 and code_minor(refused.json()) == "invaliddata", refused.text
        for fragment in ("strict_input", "scoreDate", repr(bad), "YYYY-MM-DD"):
            assert fragment in refused.json()["imsx_description"], refused.json()["imsx_description"]
        assert api.get(f"{GRADEBOOK}/results/strict-date-1").content == before
    v11 = api.put(f"{V11}/results/strict-date-1", {"result": {**stored, "scoreDate": stamp}})
    assert v11.status_code == 400 and "scoreDate" in v11.json()["statusInfoSet"][0]["imsx_description"], v11.text
    accepted = api.put(f"{GRADEBOOK}/results/strict-date-1", {"result": {**stored, "score": 5}})
    assert accepted.status_code == 200, accepted.text
    assert api.get(f"{GRADEBOOK}/results/strict-date-1").json()["result"]["score"] == 5.0


def test_ic_lenient_in_strict_input_checks_every_date_field_of_every_schema() -> None:
    """Not only scoreDate: every ``format: date`` property the strict (response) schemas hold is checked."""
    checked = []
    for kind, (spec_name, component) in schemas.KIND_SCHEMAS.items():
        for version in ("1.1", "1.2"):
            raw = schemas.spec("v1p1" if version == "1.1" else spec_name)["components"]["schemas"].get(component)
            if raw is None:  # 1.1 has no score scales (IC-LI-1P1-ONLY)
                continue
            for name, prop in schemas.properties(kind, version).items():
                if prop.shape is not schemas.Shape.DATE or raw["properties"][name].get("format") != "date":
                    continue
                errors = list(schemas.output_validator(kind, version).iter_errors({name: "2026-01-15T10:30:00Z"}))
                assert any(e.validator == "format" and list(e.absolute_path) == [name] for e in errors), (kind, name)
                assert not [e for e in schemas.output_validator(kind, version).iter_errors({name: "2026-01-15"})
                            if e.validator == "format"], (kind, name)
                checked.append((kind, version, name))
    assert ("results", "1.2", "scoreDate") in checked and ("academicSessions", "1.2", "startDate") in checked
    assert ("results", "1.1", "scoreDate") in checked


# --- IC-SCHOOL-SCOPE ------------------------------------------------------------------------------

def test_ic_school_scope_hides_other_schools_from_lists_reads_and_writes(api: Api, school_class: dict,
                                                                         settings: Any) -> None:
    schools = [o["sourcedId"] for o in api.get(f"{ROSTER}/schools").json()["orgs"]]
    mine = api.get(f"{ROSTER}/classes/{school_class['id']}").json()["class"]["school"]["sourcedId"]
    other = next(s for s in schools if s != mine)
    foreign_class = api.get(f"{ROSTER}/schools/{other}/classes", limit=1).json()["classes"][0]
    foreign_user = api.get(f"{ROSTER}/schools/{other}/students", limit=1).json()["users"][0]
    settings(schools=(mine,))
    assert [o["sourcedId"] for o in api.get(f"{ROSTER}/schools").json()["orgs"]] == [mine]
    assert api.get(f"{ROSTER}/orgs").json()["orgs"]  # the district stays visible
    assert api.get(f"{ROSTER}/schools/{other}").status_code == 404
    assert api.get(f"{ROSTER}/classes/{foreign_class['sourcedId']}").status_code == 404
    assert api.get(f"{ROSTER}/schools/{other}/classes").status_code == 404
    assert api.get(f"{ROSTER}/users/{foreign_user['sourcedId']}").status_code == 404
    classes = api.get(f"{ROSTER}/classes", limit=5000).json()["classes"]
    assert classes and all(c["school"]["sourcedId"] == mine for c in classes)
    enrollments = api.get(f"{ROSTER}/enrollments", limit=50000).json()["enrollments"]
    assert all(e["school"]["sourcedId"] == mine for e in enrollments)
    assert [o["sourcedId"] for o in api.get(f"{V11}/schools").json()["orgs"]] == [mine]
    foreign = body(school_class, class_id=foreign_class["sourcedId"])
    assert_refused(api.put(f"{GRADEBOOK}/lineItems/{new_id()}", foreign), foreign_class["sourcedId"])
    assert api.put(f"{GRADEBOOK}/lineItems/{new_id()}", body(school_class)).status_code == 201
    settings(schools=None)
    assert len(api.get(f"{ROSTER}/schools").json()["orgs"]) == len(schools)
