"""OneRoster 1.2 assessments (IC-ASSESS-1P2): assessmentLineItems and assessmentResults, their rules, the demo's
score scales, and their absence on 1.1 (IC-LI-1P1-ONLY).

Runs on the shared demo tenant (score scales of its own, and the demo's seeded score scales and assessments)
plus, for IC-SCHOOL-SCOPE, a small tenant of its own. Every object it writes has a sourcedId starting
``assess-``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_ic.control.runtime import Runtime
from mock_ic.oneroster.schemas import output_validator
from tests.conftest import GRADEBOOK, ROSTER, code_minor, fetch_token

_ids = itertools.count(1)
SCOPE_PREFIX = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
V11_BASES = ("/campus/oneroster/demo/ims/oneroster/v1p1", "/campus/api/ims/oneroster/rostering/v1p1",
             "/campus/api/ims/oneroster/gradebook/v1p1", "/ims/oneroster/v1p1")
OWN_SCALES = (("Points", "points", (("0", "0 points"), ("100", "100 points"))),
              ("Percent", "percent", (("0", "0%"), ("100", "100%"))),
              ("Standards 1-4", "standards", (("1", "Beginning"), ("2", "Developing"), ("3", "Proficient"),
                                              ("4", "Exceeds"))))
ASSESSMENT_PATHS = ("/assessmentLineItems", "/assessmentLineItems/assess-any", "/assessmentResults",
                    "/assessmentResults/assess-any")


def new_id(kind: str) -> str:
    return f"assess-{kind}-{next(_ids)}"


@pytest.fixture(scope="module")
def demo(client: TestClient, gb_auth: dict[str, str]) -> dict[str, Any]:
    """A demo class with score scales of this module's own (points 0-100, percent, standards 1-4), one of its
    students, another class and a student of that class only."""
    first, other = client.get(f"{ROSTER}/classes", headers=gb_auth, params={"limit": 2}).json()["classes"]
    class_id = first["sourcedId"]
    scales = {}
    for title, kind, values in OWN_SCALES:
        sid = f"assess-scale-{kind}"
        body = {"title": title, "type": kind, "class": {"sourcedId": class_id},
                "scoreScaleValue": [{"itemValueLHS": lhs, "itemValueRHS": rhs} for lhs, rhs in values]}
        response = client.put(f"{GRADEBOOK}/scoreScales/{sid}", headers=gb_auth, json={"scoreScale": body})
        assert response.status_code in (200, 201), response.text
        scales[kind] = response.json()["scoreScale"]
    students = client.get(f"{ROSTER}/classes/{class_id}/students", headers=gb_auth).json()["users"]
    enrolled = {s["sourcedId"] for s in students}
    others = client.get(f"{ROSTER}/classes/{other['sourcedId']}/students", headers=gb_auth).json()["users"]
    return {"class_id": class_id, "other_class": other["sourcedId"], "scales": scales,
            "student": students[0]["sourcedId"],
            "outsider": next(s["sourcedId"] for s in others if s["sourcedId"] not in enrolled)}


def put(client: TestClient, auth: dict[str, str], kind: str, sourced_id: str, body: dict[str, Any]) -> Any:
    wrapper = {"assessmentLineItems": "assessmentLineItem", "assessmentResults": "assessmentResult"}[kind]
    return client.put(f"{GRADEBOOK}/{kind}/{sourced_id}", json={wrapper: body}, headers=auth)


def line_item(demo: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """What a grade-sync vendor sends: references by sourcedId only, no status or dateLastModified."""
    return {"title": f"Benchmark {next(_ids)}", "class": {"sourcedId": demo["class_id"]}, **fields}


def new_line_item(client: TestClient, auth: dict[str, str], demo: dict[str, Any], **fields: Any) -> str:
    sid = new_id("ali")
    response = put(client, auth, "assessmentLineItems", sid, line_item(demo, **fields))
    assert response.status_code == 201, response.text
    return sid


def result(line_item_id: str, student: str, **fields: Any) -> dict[str, Any]:
    return {"assessmentLineItem": {"sourcedId": line_item_id}, "student": {"sourcedId": student}, **fields}


def scale_ref(demo: dict[str, Any], kind: str) -> dict[str, str]:
    return {"sourcedId": demo["scales"][kind]["sourcedId"]}


def refused(response: Any, rule: str | None, *words: str) -> None:
    """A 422 naming the rule (RULE-SWITCH) and saying what was wrong."""
    assert response.status_code == 422, response.text
    assert code_minor(response.json()) == "invaliddata"
    if rule is not None:
        assert response.headers["X-Mock-IC-Rule"] == rule
    description = response.json()["imsx_description"]
    assert all(word in description for word in words), description


def absent(client: TestClient, auth: dict[str, str], kind: str, sourced_id: str) -> None:
    assert client.get(f"{GRADEBOOK}/{kind}/{sourced_id}", headers=auth).status_code == 404


# --- the operations ----------------------------------------------------------------------------------


def test_ic_assess_1p2_get_all_assessment_line_items_lists_filters_and_sorts(
        client: TestClient, gb_auth: dict[str, str], demo: dict[str, Any]) -> None:
    """OR-PAGING, OR-FILTER, OR-SORT, OR-FIELDS, OR-ENVELOPE on assessment line items."""
    parent = new_line_item(client, gb_auth, demo, title="Spring Benchmark", resultValueMax=50)
    child = new_line_item(client, gb_auth, demo, title="Spring Benchmark: Part A", resultValueMax=20,
                          parentAssessmentLineItem={"sourcedId": parent})
    response = client.get(f"{GRADEBOOK}/assessmentLineItems", headers=gb_auth, params={"limit": 1})
    assert response.status_code == 200
    assert len(response.json()["assessmentLineItems"]) == 1 and int(response.headers["X-Total-Count"]) >= 2
    assert 'rel="next"' in response.headers["Link"]
    page = client.get(f"{GRADEBOOK}/assessmentLineItems", headers=gb_auth, params={
        "filter": f"parentAssessmentLineItem.sourcedId='{parent}' OR sourcedId='{parent}'", "sort": "resultValueMax",
        "orderBy": "desc", "fields": "sourcedId,title,parentAssessmentLineItem"})
    assert page.status_code == 200, page.text
    listed = page.json()["assessmentLineItems"]
    assert [item["sourcedId"] for item in listed] == [parent, child]
    assert set(listed[0]) == {"sourcedId", "title"}
    assert listed[1]["parentAssessmentLineItem"] == {
        "href": f"http://testserver{GRADEBOOK}/assessmentLineItems/{parent}", "sourcedId": parent,
        "type": "assessmentLineItem"}
    unknown = client.get(f"{GRADEBOOK}/assessmentLineItems", headers=gb_auth, params={"filter": "dueDate>'2026'"})
    assert unknown.status_code == 400 and code_minor(unknown.json()) == "invalid_filter_field"


def test_ic_assess_1p2_get_one_assessment_line_item_or_404(client: TestClient, gb_auth: dict[str, str],
                                                          demo: dict[str, Any]) -> None:
    sid = new_line_item(client, gb_auth, demo)
    response = client.get(f"{GRADEBOOK}/assessmentLineItems/{sid}", headers=gb_auth, params={"fields": "title"})
    assert response.status_code == 200 and set(response.json()["assessmentLineItem"]) == {"title"}
    missing = client.get(f"{GRADEBOOK}/assessmentLineItems/assess-none", headers=gb_auth)
    assert missing.status_code == 404 and code_minor(missing.json()) == "unknownobject"
    assert "assessmentLineItem 'assess-none'" in missing.json()["imsx_description"]


def test_ic_assess_1p2_put_assessment_line_item_201_then_200(client: TestClient, gb_auth: dict[str, str],
                                                             demo: dict[str, Any]) -> None:
    """IC-LENIENT-IN, OR-STATUS: lenient input is stored complete; 201 on create, 200 on replace."""
    sid = new_id("ali")
    body = line_item(demo, title="Winter Benchmark", description="District benchmark", resultValueMin=0,
                     resultValueMax=100, scoreScale=scale_ref(demo, "percent"),
                     metadata={"ic": {"origin": "campus"}})
    created = put(client, gb_auth, "assessmentLineItems", sid, body)
    assert created.status_code == 201, created.text
    stored = created.json()["assessmentLineItem"]
    assert stored["status"] == "active" and stored["resultValueMax"] == 100.0
    assert stored["class"] == {"href": f"http://testserver{ROSTER}/classes/{demo['class_id']}",
                               "sourcedId": demo["class_id"], "type": "class"}
    assert stored["scoreScale"]["type"] == "scoreScale"
    assert "origin" not in stored["metadata"]["ic"]  # a vendor cannot mark its item as made inside IC
    assert client.get(f"{GRADEBOOK}/assessmentLineItems/{sid}", headers=gb_auth).json() == created.json()
    replaced = put(client, gb_auth, "assessmentLineItems", sid, {**body, "title": "Winter Benchmark 2"})
    assert replaced.status_code == 200
    assert replaced.json()["assessmentLineItem"]["title"] == "Winter Benchmark 2"
    assert replaced.json()["assessmentLineItem"]["dateLastModified"] > stored["dateLastModified"]


def test_ic_assess_1p2_delete_assessment_line_item_takes_its_results(client: TestClient, gb_auth: dict[str, str],
                                                                     demo: dict[str, Any]) -> None:
    """IC-LI-DELETE, as for line items: 204, then 404; its results go with it."""
    sid, rid = new_line_item(client, gb_auth, demo), new_id("ar")
    assert put(client, gb_auth, "assessmentResults", rid, result(sid, demo["student"], score=3)).status_code == 201
    assert client.delete(f"{GRADEBOOK}/assessmentLineItems/{sid}", headers=gb_auth).status_code == 204
    absent(client, gb_auth, "assessmentLineItems", sid)
    absent(client, gb_auth, "assessmentResults", rid)
    assert client.delete(f"{GRADEBOOK}/assessmentLineItems/{sid}", headers=gb_auth).status_code == 404


def test_ic_assess_1p2_get_all_and_one_assessment_result(client: TestClient, gb_auth: dict[str, str],
                                                        demo: dict[str, Any]) -> None:
    sid = new_line_item(client, gb_auth, demo)
    for score in (3, 1, 2):
        assert put(client, gb_auth, "assessmentResults", new_id("ar"),
                   result(sid, demo["student"], score=score)).status_code == 201
    response = client.get(f"{GRADEBOOK}/assessmentResults", headers=gb_auth,
                          params={"filter": f"assessmentLineItem.sourcedId='{sid}'", "sort": "score"})
    assert response.status_code == 200
    results = response.json()["assessmentResults"]
    assert [r["score"] for r in results] == [1.0, 2.0, 3.0] and response.headers["X-Total-Count"] == "3"
    one = client.get(f"{GRADEBOOK}/assessmentResults/{results[0]['sourcedId']}", headers=gb_auth)
    assert one.status_code == 200 and one.json() == {"assessmentResult": results[0]}
    missing = client.get(f"{GRADEBOOK}/assessmentResults/assess-none", headers=gb_auth)
    assert missing.status_code == 404 and code_minor(missing.json()) == "unknownobject"


def test_ic_assess_1p2_put_assessment_result_201_then_200(client: TestClient, gb_auth: dict[str, str],
                                                          demo: dict[str, Any]) -> None:
    """IC-LENIENT-IN, IC-RES-DECIMAL: a date-time scoreDate is stored as its date; decimals are kept."""
    sid, rid = new_line_item(client, gb_auth, demo, resultValueMax=20), new_id("ar")
    body = result(sid, demo["student"], score=17, scoreDate="2026-09-15T14:00:00Z", scorePercentile=81,
                  comment="Well done", late="false")
    created = put(client, gb_auth, "assessmentResults", rid, body)
    assert created.status_code == 201, created.text
    stored = created.json()["assessmentResult"]
    assert stored["score"] == 17.0 and stored["scoreDate"] == "2026-09-15"
    assert stored["scoreStatus"] == "fully graded" and stored["scorePercentile"] == 81.0
    assert stored["assessmentLineItem"]["type"] == "assessmentLineItem" and stored["student"]["type"] == "user"
    replaced = put(client, gb_auth, "assessmentResults", rid, {**body, "score": 17.5})
    assert replaced.status_code == 200
    assert client.get(f"{GRADEBOOK}/assessmentResults/{rid}", headers=gb_auth).json()["assessmentResult"][
        "score"] == 17.5


def test_ic_assess_1p2_delete_assessment_result_204_then_404(client: TestClient, gb_auth: dict[str, str],
                                                             demo: dict[str, Any]) -> None:
    sid, rid = new_line_item(client, gb_auth, demo), new_id("ar")
    assert put(client, gb_auth, "assessmentResults", rid, result(sid, demo["student"])).status_code == 201
    assert client.delete(f"{GRADEBOOK}/assessmentResults/{rid}", headers=gb_auth).status_code == 204
    absent(client, gb_auth, "assessmentResults", rid)
    assert client.get(f"{GRADEBOOK}/assessmentLineItems/{sid}", headers=gb_auth).status_code == 200
    assert client.delete(f"{GRADEBOOK}/assessmentResults/{rid}", headers=gb_auth).status_code == 404


# --- the rules ----------------------------------------------------------------------------------------


def test_ic_assess_1p2_result_needs_an_existing_assessment_line_item(client: TestClient, gb_auth: dict[str, str],
                                                                     demo: dict[str, Any]) -> None:
    rid = new_id("ar")
    refused(put(client, gb_auth, "assessmentResults", rid, result("assess-none", demo["student"])),
            "IC-ASSESS-1P2", "assessmentLineItem 'assess-none'", "does not exist")
    refused(put(client, gb_auth, "assessmentResults", rid, {"student": {"sourcedId": demo["student"]}}),
            None, "assessmentResult.assessmentLineItem is required")
    absent(client, gb_auth, "assessmentResults", rid)


def test_ic_assess_1p2_result_needs_a_student_enrolled_in_the_class(client: TestClient, gb_auth: dict[str, str],
                                                                    demo: dict[str, Any]) -> None:
    sid, rid = new_line_item(client, gb_auth, demo), new_id("ar")
    refused(put(client, gb_auth, "assessmentResults", rid, result(sid, demo["outsider"], score=2)),
            "IC-ASSESS-1P2", repr(demo["outsider"]), f"class {demo['class_id']!r}")
    absent(client, gb_auth, "assessmentResults", rid)


def test_ic_assess_1p2_numeric_score_within_the_scale_range(client: TestClient, gb_auth: dict[str, str],
                                                           demo: dict[str, Any]) -> None:
    """Within a 1-4 standards scale: from its lowest to its highest numeric value, both included."""
    sid = new_line_item(client, gb_auth, demo, scoreScale=scale_ref(demo, "standards"))
    for score in (1, 2.5, 4):
        assert put(client, gb_auth, "assessmentResults", new_id("ar"),
                   result(sid, demo["student"], score=score)).status_code == 201
    for score in (0, 4.5):
        rid = new_id("ar")
        refused(put(client, gb_auth, "assessmentResults", rid, result(sid, demo["student"], score=score)),
                "IC-ASSESS-1P2", f"assessmentResult.score {score:g} is outside score scale", "runs from 1 to 4")
        absent(client, gb_auth, "assessmentResults", rid)


def test_ic_assess_1p2_text_score_is_a_value_of_the_scale(client: TestClient, gb_auth: dict[str, str],
                                                          demo: dict[str, Any]) -> None:
    """A textScore names a left- or right-hand value (trimmed, any case) or a number in a numeric scale's range."""
    sid = new_line_item(client, gb_auth, demo, scoreScale=scale_ref(demo, "standards"))
    for text in (" proficient ", "Exceeds", "3", "2.5"):
        assert put(client, gb_auth, "assessmentResults", new_id("ar"),
                   result(sid, demo["student"], textScore=text)).status_code == 201
    refused(put(client, gb_auth, "assessmentResults", new_id("ar"), result(sid, demo["student"], textScore="A+")),
            "IC-ASSESS-1P2", "assessmentResult.textScore 'A+' is not a value of score scale", "'Proficient'")


def test_ic_assess_1p2_scale_of_non_numeric_values_takes_only_its_values(client: TestClient, gb_auth: dict[str, str],
                                                                         demo: dict[str, Any]) -> None:
    """A scale of labels (E/M/P/N) has no order: a textScore must be one of them, a numeric score is refused."""
    scale_id = new_id("scale")
    labels = [{"itemValueLHS": lhs, "itemValueRHS": rhs}
              for lhs, rhs in (("E", "Exceeds"), ("M", "Meets"), ("P", "Progressing"), ("N", "Not yet"))]
    made = client.put(f"{GRADEBOOK}/scoreScales/{scale_id}", headers=gb_auth, json={"scoreScale": {
        "title": "EMPN", "type": "standards", "class": {"sourcedId": demo["class_id"]}, "scoreScaleValue": labels}})
    assert made.status_code == 201, made.text
    sid = new_line_item(client, gb_auth, demo, scoreScale={"sourcedId": scale_id})
    assert put(client, gb_auth, "assessmentResults", new_id("ar"),
               result(sid, demo["student"], textScore="m")).status_code == 201
    refused(put(client, gb_auth, "assessmentResults", new_id("ar"), result(sid, demo["student"], score=3)),
            "IC-ASSESS-1P2", "assessmentResult.score 3 is a number", "no numeric value", "textScore")
    refused(put(client, gb_auth, "assessmentResults", new_id("ar"), result(sid, demo["student"], textScore="X")),
            "IC-ASSESS-1P2", "'X' is not a value", "'E', 'M', 'P', 'N', 'Exceeds'")


def test_ic_assess_1p2_result_scale_comes_before_its_line_items(client: TestClient, gb_auth: dict[str, str],
                                                               demo: dict[str, Any]) -> None:
    """The result's own scoreScale, when it names one, is the scale its score must lie within."""
    sid = new_line_item(client, gb_auth, demo, scoreScale=scale_ref(demo, "standards"))
    on_percent = result(sid, demo["student"], score=87.5, scoreScale=scale_ref(demo, "percent"))
    assert put(client, gb_auth, "assessmentResults", new_id("ar"), on_percent).status_code == 201
    refused(put(client, gb_auth, "assessmentResults", new_id("ar"), result(sid, demo["student"], score=87.5)),
            "IC-ASSESS-1P2", "runs from 1 to 4")


def test_ic_assess_1p2_a_score_scale_named_must_exist(client: TestClient, gb_auth: dict[str, str],
                                                      demo: dict[str, Any]) -> None:
    sid = new_id("ali")
    refused(put(client, gb_auth, "assessmentLineItems", sid, line_item(demo, scoreScale={"sourcedId": "nope"})),
            "IC-ASSESS-1P2", "assessmentLineItem.scoreScale refers to scoreScale 'nope'")
    absent(client, gb_auth, "assessmentLineItems", sid)
    existing, rid = new_line_item(client, gb_auth, demo), new_id("ar")
    refused(put(client, gb_auth, "assessmentResults", rid,
                result(existing, demo["student"], scoreScale={"sourcedId": "nope"})),
            "IC-ASSESS-1P2", "assessmentResult.scoreScale refers to scoreScale 'nope'")
    absent(client, gb_auth, "assessmentResults", rid)


def test_ic_assess_1p2_parent_must_exist_in_the_same_class_without_cycles(
        client: TestClient, gb_auth: dict[str, str], demo: dict[str, Any]) -> None:
    """The parentAssessmentLineItem exists, belongs to the same class, and is not the item or a descendant."""
    sid = new_id("ali")
    refused(put(client, gb_auth, "assessmentLineItems", sid,
                line_item(demo, parentAssessmentLineItem={"sourcedId": "assess-none"})),
            "IC-ASSESS-1P2", "parentAssessmentLineItem refers to assessmentLineItem 'assess-none'")
    absent(client, gb_auth, "assessmentLineItems", sid)
    elsewhere = new_line_item(client, gb_auth, demo, **{"class": {"sourcedId": demo["other_class"]}})
    refused(put(client, gb_auth, "assessmentLineItems", sid,
                line_item(demo, parentAssessmentLineItem={"sourcedId": elsewhere})),
            "IC-ASSESS-1P2", f"belongs to class {demo['other_class']!r}")
    parent = new_line_item(client, gb_auth, demo)
    child = new_line_item(client, gb_auth, demo, parentAssessmentLineItem={"sourcedId": parent})
    refused(put(client, gb_auth, "assessmentLineItems", parent,
                line_item(demo, parentAssessmentLineItem={"sourcedId": child})),
            "IC-ASSESS-1P2", "its own ancestor")
    refused(put(client, gb_auth, "assessmentLineItems", parent,
                line_item(demo, parentAssessmentLineItem={"sourcedId": parent})),
            "IC-ASSESS-1P2", "its own ancestor")
    stored = client.get(f"{GRADEBOOK}/assessmentLineItems/{parent}", headers=gb_auth).json()["assessmentLineItem"]
    assert "parentAssessmentLineItem" not in stored  # nothing changed


def test_ic_assess_1p2_parent_is_not_deleted_while_it_has_children(client: TestClient, gb_auth: dict[str, str],
                                                                   demo: dict[str, Any]) -> None:
    parent = new_line_item(client, gb_auth, demo)
    child = new_line_item(client, gb_auth, demo, parentAssessmentLineItem={"sourcedId": parent})
    refused(client.delete(f"{GRADEBOOK}/assessmentLineItems/{parent}", headers=gb_auth),
            "IC-ASSESS-1P2", f"is the parentAssessmentLineItem of 1 active assessment line item(s): {child!r}")
    assert client.get(f"{GRADEBOOK}/assessmentLineItems/{parent}", headers=gb_auth).status_code == 200
    assert client.delete(f"{GRADEBOOK}/assessmentLineItems/{child}", headers=gb_auth).status_code == 204
    assert client.delete(f"{GRADEBOOK}/assessmentLineItems/{parent}", headers=gb_auth).status_code == 204


def test_ic_assess_1p2_line_item_needs_a_title_and_an_existing_class(client: TestClient, gb_auth: dict[str, str],
                                                                     demo: dict[str, Any]) -> None:
    """IC-LI-CLASS as for line items; the class is required, unlike 1EdTech's (IC files scores by section)."""
    sid = new_id("ali")
    refused(put(client, gb_auth, "assessmentLineItems", sid, {"title": "No class"}),
            None, "assessmentLineItem.class is required")
    refused(put(client, gb_auth, "assessmentLineItems", sid, line_item(demo, **{"class": {"sourcedId": "nope"}})),
            "IC-LI-CLASS", "assessmentLineItem refers to class 'nope'")
    refused(put(client, gb_auth, "assessmentLineItems", sid, {"class": {"sourcedId": demo["class_id"]}}),
            None, "assessmentLineItem.title is required")
    absent(client, gb_auth, "assessmentLineItems", sid)


def test_ic_assess_1p2_negative_score_refused_and_above_max_accepted(client: TestClient, gb_auth: dict[str, str],
                                                                     demo: dict[str, Any]) -> None:
    """IC-RES-EXTRA-CREDIT, as for results, where no score scale bounds the score."""
    sid = new_line_item(client, gb_auth, demo, resultValueMax=20)
    above = put(client, gb_auth, "assessmentResults", new_id("ar"), result(sid, demo["student"], score=25))
    assert above.status_code == 201 and above.json()["assessmentResult"]["score"] == 25.0
    rid = new_id("ar")
    refused(put(client, gb_auth, "assessmentResults", rid, result(sid, demo["student"], score=-1)),
            "IC-RES-EXTRA-CREDIT", "assessmentResult.score -1 is negative")
    absent(client, gb_auth, "assessmentResults", rid)


def test_ic_assess_1p2_grading_windows_do_not_apply(client: TestClient, gb_auth: dict[str, str],
                                                    demo: dict[str, Any]) -> None:
    """An assessment line item has no grading period: closing every window of its class changes nothing."""
    klass = client.get(f"{ROSTER}/classes/{demo['class_id']}", headers=gb_auth).json()["class"]
    periods = [f"{term['sourcedId']}-GP" for term in klass["terms"]]
    sid = new_line_item(client, gb_auth, demo)
    try:
        for period in periods:
            closed = client.put(f"/_mock/tenants/demo/grading-periods/{period}/window", json={"open": False})
            assert closed.status_code == 200, closed.text
        assert put(client, gb_auth, "assessmentResults", new_id("ar"),
                   result(sid, demo["student"], score=3)).status_code == 201
        assert client.delete(f"{GRADEBOOK}/assessmentLineItems/{sid}", headers=gb_auth).status_code == 204
    finally:
        for period in periods:
            client.put(f"/_mock/tenants/demo/grading-periods/{period}/window", json={"open": True})


def test_ic_assess_1p2_behind_the_vendor_header(client: TestClient, auth: dict[str, str], gb_auth: dict[str, str],
                                                demo: dict[str, Any]) -> None:
    """IC-VENDOR-HEADER: like every grade book call."""
    one = new_line_item(client, gb_auth, demo)
    for path in ("/assessmentLineItems", "/assessmentResults", f"/assessmentLineItems/{one}"):
        response = client.get(f"{GRADEBOOK}{path}", headers=auth)
        assert response.status_code == 401 and code_minor(response.json()) == "unauthorisedrequest"


def test_ic_assess_1p2_scopes_are_1edtechs_assessment_scopes(client: TestClient, demo: dict[str, Any],
                                                             gb_auth: dict[str, str]) -> None:
    """IC-AUTH-SCOPE: assessment.readonly reads, assessment.createput writes, assessment.delete deletes; the
    gradebook scopes do not reach assessments."""
    vendor = {"x-vendor-authorization": gb_auth["x-vendor-authorization"]}

    def headers(*scopes: str) -> dict[str, str]:
        token = fetch_token(client, scope=" ".join(SCOPE_PREFIX + s for s in scopes))
        return {"Authorization": f"Bearer {token}", **vendor}

    gradebook = headers("gradebook.readonly", "gradebook.createput", "gradebook.delete")
    reader, writer = headers("assessment.readonly"), headers("assessment.createput", "assessment.delete")
    sid = new_id("ali")
    assert client.get(f"{GRADEBOOK}/assessmentLineItems", headers=gradebook).status_code == 403
    assert client.get(f"{GRADEBOOK}/assessmentResults", headers=reader).status_code == 200
    assert put(client, reader, "assessmentLineItems", sid, line_item(demo)).status_code == 403
    assert put(client, gradebook, "assessmentLineItems", sid, line_item(demo)).status_code == 403
    assert put(client, writer, "assessmentLineItems", sid, line_item(demo)).status_code == 201
    assert client.delete(f"{GRADEBOOK}/assessmentLineItems/{sid}", headers=gradebook).status_code == 403
    assert client.delete(f"{GRADEBOOK}/assessmentLineItems/{sid}", headers=writer).status_code == 204


@pytest.mark.parametrize("base", V11_BASES)
def test_ic_li_1p1_only_no_assessment_path_on_any_1p1_base(client: TestClient, gb_auth: dict[str, str],
                                                           base: str) -> None:
    """IC-LI-1P1-ONLY: every assessment path, with every method, is 404 "No such endpoint" on 1.1."""
    for path in ASSESSMENT_PATHS:
        for method in ("GET", "PUT", "DELETE", "POST"):
            response = client.request(method, f"{base}{path}", headers=gb_auth, json={} if method == "PUT" else None)
            assert response.status_code == 404, (method, base, path, response.text)
            assert code_minor(response.json()) == "unknown object"
            assert "No such endpoint" in response.json()["statusInfoSet"][0]["imsx_description"]


# --- the demo district ----------------------------------------------------------------------------------

SEEDED_SCALES = {"Points 0-100": "points", "Percent": "percent", "Standards 1-4": "standards"}


@pytest.fixture(scope="module")
def seeded(client: TestClient, gb_auth: dict[str, str]) -> dict[str, Any]:
    """The demo's seeded score scales and assessment line items (made inside IC)."""
    scales = client.get(f"{GRADEBOOK}/scoreScales", headers=gb_auth, params={"limit": 1000}).json()["scoreScales"]
    items = client.get(f"{GRADEBOOK}/assessmentLineItems", headers=gb_auth, params={
        "filter": "metadata.ic.origin='campus'", "limit": 1000}).json()["assessmentLineItems"]
    return {"scales": [s for s in scales if SEEDED_SCALES.get(s["title"]) == s["type"]
                       and not s["sourcedId"].startswith("assess-")], "items": items}


def test_ic_assess_1p2_demo_score_scales_answer_200_and_schema_valid(client: TestClient, gb_auth: dict[str, str],
                                                                     seeded: dict[str, Any]) -> None:
    """`scoreScales/{id}` answers 200 with strictly valid bodies on the demo tenant: three per school (points,
    percent, a 1-4 standards scale) in its first class, named by some of that class's line items."""
    validator = output_validator("scoreScales")
    for scale in seeded["scales"]:
        response = client.get(f"{GRADEBOOK}/scoreScales/{scale['sourcedId']}", headers=gb_auth)
        assert response.status_code == 200 and response.json() == {"scoreScale": scale}
        assert not list(validator.iter_errors(scale)), scale
    schools = client.get(f"{ROSTER}/schools", headers=gb_auth).json()["orgs"]
    assert len(seeded["scales"]) == 3 * len(schools) == 9
    for school in schools:
        listed = client.get(f"{GRADEBOOK}/schools/{school['sourcedId']}/scoreScales", headers=gb_auth).json()
        types = sorted(s["type"] for s in listed["scoreScales"] if s in seeded["scales"])
        assert types == ["percent", "points", "standards"], school["sourcedId"]
    standards = next(s for s in seeded["scales"] if s["type"] == "standards")
    assert [v["itemValueLHS"] for v in standards["scoreScaleValue"]] == ["1", "2", "3", "4"]
    class_id = standards["class"]["sourcedId"]
    items = client.get(f"{GRADEBOOK}/classes/{class_id}/lineItems", headers=gb_auth).json()["lineItems"]
    named = {item["scoreScale"]["sourcedId"] for item in items  # a grading task names its score group (IC-GRADING-TASK)
             if "scoreScale" in item and "ext_infiniteCampus_isGradingWindowOpen" not in item.get("metadata", {})}
    assert named and named <= {s["sourcedId"] for s in seeded["scales"] if s["class"]["sourcedId"] == class_id}


def test_ic_assess_1p2_demo_assessments_and_results_follow_the_rules(client: TestClient, gb_auth: dict[str, str],
                                                                     seeded: dict[str, Any]) -> None:
    """Three seeded assessment line items per school (one the child of another), each with results of enrolled
    students within its score scale."""
    assert len(seeded["items"]) == 9
    assert sum("parentAssessmentLineItem" in item for item in seeded["items"]) == 3
    scales = {s["sourcedId"]: s for s in seeded["scales"]}
    for item in seeded["items"]:
        scale = scales[item["scoreScale"]["sourcedId"]]
        assert scale["class"] == item["class"]
        results = client.get(f"{GRADEBOOK}/assessmentResults", headers=gb_auth, params={
            "filter": f"assessmentLineItem.sourcedId='{item['sourcedId']}'"}).json()["assessmentResults"]
        enrolled = {u["sourcedId"] for u in client.get(
            f"{ROSTER}/classes/{item['class']['sourcedId']}/students", headers=gb_auth).json()["users"]}
        assert len(results) == 8
        for found in results:
            assert found["student"]["sourcedId"] in enrolled
            assert item["resultValueMin"] <= found["score"] <= item["resultValueMax"]
            assert found.get("textScore") in (None, *(v["itemValueRHS"] for v in scale["scoreScaleValue"]))


def test_ic_assess_1p2_seeded_assessment_line_items_are_read_only(client: TestClient, gb_auth: dict[str, str],
                                                                  seeded: dict[str, Any]) -> None:
    """IC-LI-OWNER, as for line items: what was made inside IC is read-only for a vendor."""
    item = seeded["items"][0]
    body = {"title": "Mine now", "class": {"sourcedId": item["class"]["sourcedId"]}}
    renamed = put(client, gb_auth, "assessmentLineItems", item["sourcedId"], body)
    assert renamed.status_code == 403 and code_minor(renamed.json()) == "forbidden"
    assert renamed.headers["X-Mock-IC-Rule"] == "IC-LI-OWNER"
    assert "Assessment line item" in renamed.json()["imsx_description"]
    deleted = client.delete(f"{GRADEBOOK}/assessmentLineItems/{item['sourcedId']}", headers=gb_auth)
    assert deleted.status_code == 403
    after = client.get(f"{GRADEBOOK}/assessmentLineItems/{item['sourcedId']}", headers=gb_auth)
    assert after.json() == {"assessmentLineItem": item}


# --- IC-SCHOOL-SCOPE -------------------------------------------------------------------------------------

SCOPED = "assess-scope"
SCOPED_GRADEBOOK = f"/campus/api/oneroster/v1p2/{SCOPED}/ims/oneroster/gradebook/v1p2"


@pytest.fixture(scope="module")
def scoped(client: TestClient, runtime: Runtime) -> Iterator[dict[str, str]]:
    tenant = runtime.tenants.get(SCOPED) or runtime.tenants.create(
        SCOPED, recipe={"schools": 2, "students": 40, "teachers": 4, "courses": 4, "classes": 6})
    token = fetch_token(client, app_name=SCOPED, client_id=tenant.client_id, client_secret=tenant.client_secret)
    yield {"Authorization": f"Bearer {token}",
           "x-vendor-authorization": f"{tenant.vendor_key}:{tenant.vendor_secret}"}
    client.patch(f"/_mock/tenants/{SCOPED}", json={"settings": {"schools": None}})


def test_ic_assess_1p2_school_scope_hides_other_schools_assessments(client: TestClient,
                                                                    scoped: dict[str, str]) -> None:
    """IC-SCHOOL-SCOPE: assessment line items through their class, assessment results through their line item."""
    def listed(kind: str) -> list[dict[str, Any]]:
        response = client.get(f"{SCOPED_GRADEBOOK}/{kind}", headers=scoped)
        assert response.status_code == 200
        return response.json()[kind]

    items, results = listed("assessmentLineItems"), listed("assessmentResults")
    assert len(items) == 6 and results  # three in the first class of each of the two schools
    classes = {item["class"]["sourcedId"] for item in items}
    kept = sorted(classes)[0]
    school = client.get(f"{SCOPED_GRADEBOOK.replace('gradebook', 'rostering')}/classes/{kept}",
                        headers=scoped).json()["class"]["school"]["sourcedId"]
    assert client.patch(f"/_mock/tenants/{SCOPED}", json={"settings": {"schools": [school]}}).status_code == 200
    try:
        shown = listed("assessmentLineItems")
        assert {item["class"]["sourcedId"] for item in shown} == {kept} and len(shown) == 3
        shown_ids = {item["sourcedId"] for item in shown}
        assert {r["assessmentLineItem"]["sourcedId"] for r in listed("assessmentResults")} == shown_ids
        hidden = next(item for item in items if item["sourcedId"] not in shown_ids)
        assert client.get(f"{SCOPED_GRADEBOOK}/assessmentLineItems/{hidden['sourcedId']}",
                          headers=scoped).status_code == 404
        body = {"assessmentResult": result(hidden["sourcedId"], results[0]["student"]["sourcedId"])}
        refused(client.put(f"{SCOPED_GRADEBOOK}/assessmentResults/assess-scoped", headers=scoped, json=body),
                "IC-ASSESS-1P2", f"assessmentLineItem {hidden['sourcedId']!r}, which does not exist")
    finally:
        client.patch(f"/_mock/tenants/{SCOPED}", json={"settings": {"schools": None}})


def test_ic_lenient_in_strict_input_holds_assessments_to_1edtech(client: TestClient, scoped: dict[str, str]) -> None:
    """IC-LENIENT-IN: with strict_input on, an assessment line item must already be a complete 1EdTech object."""
    roster = SCOPED_GRADEBOOK.replace("gradebook", "rostering")
    class_id = client.get(f"{roster}/classes", headers=scoped, params={"limit": 1}).json()["classes"][0]["sourcedId"]
    sid = new_id("strict")
    lenient = {"title": "Strict check", "class": {"sourcedId": class_id}}
    complete = {**lenient, "sourcedId": sid, "status": "active", "dateLastModified": "2026-09-01T00:00:00Z",
                "class": {"href": f"http://testserver{roster}/classes/{class_id}", "sourcedId": class_id,
                          "type": "class"}}
    assert client.patch(f"/_mock/tenants/{SCOPED}", json={"settings": {"strict_input": True}}).status_code == 200
    try:
        response = client.put(f"{SCOPED_GRADEBOOK}/assessmentLineItems/{sid}", headers=scoped,
                              json={"assessmentLineItem": lenient})
        assert response.status_code == 400 and code_minor(response.json()) == "invaliddata", response.text
        description = response.json()["imsx_description"]
        assert "strict_input" in description and "dateLastModified" in description and "href" in description
        assert client.put(f"{SCOPED_GRADEBOOK}/assessmentLineItems/{sid}", headers=scoped,
                          json={"assessmentLineItem": complete}).status_code == 201
    finally:
        client.patch(f"/_mock/tenants/{SCOPED}", json={"settings": {"strict_input": False}})
