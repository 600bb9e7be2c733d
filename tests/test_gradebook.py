"""Gradebook writes and reads: IC-LI-UPSERT, IC-RES-UPSERT, IC-LI-DELETE, IC-LI-OWNER, IC-LENIENT-IN, bulk POST."""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from mock_ic.ic.rules import UNCATEGORIZED
from tests.conftest import GRADEBOOK, ROSTER, code_minor

_ids = itertools.count(1)


_URI = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")  # RFC 3986's characters, nothing else
_PCHAR = "-._~!$&'()*+,;=:@"


def new_id(prefix: str = "canvas-li") -> str:
    return f"{prefix}-{next(_ids)}"


@pytest.fixture(scope="module")
def klass(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    """A demo class with its term, a category, a student and a student of another class."""
    classes = client.get(f"{ROSTER}/classes", headers=auth, params={"limit": 2}).json()["classes"]
    first, other = classes
    term = client.get(f"{ROSTER}/terms/{first['terms'][0]['sourcedId']}", headers=auth).json()["academicSession"]
    students = client.get(f"{ROSTER}/classes/{first['sourcedId']}/students", headers=auth).json()["users"]
    enrolled = {s["sourcedId"] for s in students}
    others = client.get(f"{ROSTER}/classes/{other['sourcedId']}/students", headers=auth).json()["users"]
    outsider = next(s for s in others if s["sourcedId"] not in enrolled)
    return {"class": first, "term": term, "student": students[0], "outsider": outsider}


@pytest.fixture(scope="module")
def category(client: TestClient, gb_auth: dict[str, str], klass: dict[str, Any]) -> dict[str, Any]:
    cid = klass["class"]["sourcedId"]
    response = client.get(f"{GRADEBOOK}/classes/{cid}/categories", headers=gb_auth)
    assert response.status_code == 200
    return response.json()["categories"][0]


def line_item_body(klass: dict[str, Any], category: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """What Canvas sends: references with sourcedId only, no status, no dateLastModified (IC-LENIENT-IN)."""
    due = klass["term"]["startDate"] + "T23:59:00Z"
    body = {
        "title": f"Quiz {next(_ids)}",
        "description": "Chapter 1 quiz",
        "assignDate": klass["term"]["startDate"] + "T08:00:00Z",
        "dueDate": due,
        "class": {"sourcedId": klass["class"]["sourcedId"]},
        "category": {"sourcedId": category["sourcedId"]},
        "resultValueMin": 0,
        "resultValueMax": 20,
    }
    body.update(overrides)
    return {"lineItem": body}


def test_ic_li_upsert_201_then_200_and_get_returns_what_was_stored(client: TestClient, gb_auth: dict[str, str],
                                                                   klass: dict, category: dict) -> None:
    """OR-STATUS, IC-LENIENT-IN: 201 on create, 200 on replace, and the lenient input is stored."""
    sid = new_id()
    created = client.put(f"{GRADEBOOK}/lineItems/{sid}", json=line_item_body(klass, category, title="Quiz A"),
                         headers=gb_auth)
    assert created.status_code == 201, created.text
    first = client.get(f"{GRADEBOOK}/lineItems/{sid}", headers=gb_auth).json()["lineItem"]
    assert first["title"] == "Quiz A" and first["status"] == "active"
    assert first["resultValueMax"] == 20.0
    assert first["class"]["type"] == "class"
    assert first["class"]["href"].endswith(f"/classes/{klass['class']['sourcedId']}")
    assert first["school"]["sourcedId"] == klass["class"]["school"]["sourcedId"]  # filled in from the class
    replaced = client.put(f"{GRADEBOOK}/lineItems/{sid}", json=line_item_body(klass, category, title="Quiz A2"),
                          headers=gb_auth)
    assert replaced.status_code == 200
    second = client.get(f"{GRADEBOOK}/lineItems/{sid}", headers=gb_auth).json()["lineItem"]
    assert second["title"] == "Quiz A2"
    assert second["dateLastModified"] > first["dateLastModified"]  # OR-STATUS
    listed = client.get(f"{GRADEBOOK}/classes/{klass['class']['sourcedId']}/lineItems", headers=gb_auth,
                        params={"filter": f"sourcedId='{sid}'"}).json()["lineItems"]
    assert listed == [second]


def test_ic_li_upsert_same_object_on_every_base_path(client: TestClient, gb_auth: dict[str, str],
                                                     klass: dict, category: dict) -> None:
    """IC-URL-1P2, IC-URL-STD: the app-scoped and the standard base paths serve one object."""
    sid = new_id()
    assert client.put(f"/ims/oneroster/gradebook/v1p2/lineItems/{sid}", json=line_item_body(klass, category),
                      headers=gb_auth).status_code == 201
    for base in ("/campus/api/ims/oneroster/gradebook/v1p2", GRADEBOOK):
        assert client.get(f"{base}/lineItems/{sid}", headers=gb_auth).json()["lineItem"]["sourcedId"] == sid


def test_ic_url_1p2_hrefs_are_percent_encoded_uris_that_lead_back_to_the_object(
        client: TestClient, gb_auth: dict[str, str], klass: dict, category: dict) -> None:
    """A sourcedId may hold a space, '#', '?', '%' or a non-ASCII letter (SourcedIdInPath); every href naming it is
    still a URI (the 1EdTech schemas' ``format: uri``: only URI characters, the id percent-encoded) and following
    it answers the object, on the line item itself and on a result's reference to it."""
    sid, rid = new_id() + " Quiz #1? 50% \u00e9t\u00e9", new_id("canvas-res") + " \u00fc"
    put = client.put(f"{GRADEBOOK}/lineItems/{quote(sid, safe='')}", json=line_item_body(klass, category),
                     headers=gb_auth)
    assert put.status_code == 201, put.text
    result = {"result": {"lineItem": {"sourcedId": sid}, "student": {"sourcedId": klass["student"]["sourcedId"]},
                         "score": 15, "scoreStatus": "fully graded"}}
    assert client.put(f"{GRADEBOOK}/results/{quote(rid, safe='')}", json=result, headers=gb_auth).status_code == 201
    stored = client.get(f"{GRADEBOOK}/results/{quote(rid, safe='')}", headers=gb_auth).json()["result"]
    listed = client.get(f"{GRADEBOOK}/lineItems", params={"filter": f"sourcedId='{sid}'"}, headers=gb_auth)
    reference = stored["lineItem"]
    assert _URI.fullmatch(reference["href"]), reference["href"]
    assert reference["href"].endswith(f"/lineItems/{quote(sid, safe=_PCHAR)}") and reference["sourcedId"] == sid
    followed = client.get(stored["lineItem"]["href"].removeprefix("http://testserver"), headers=gb_auth)
    assert followed.status_code == 200 and followed.json()["lineItem"]["sourcedId"] == sid
    assert [item["sourcedId"] for item in listed.json()["lineItems"]] == [sid]


def test_ic_li_delete_204_then_404_and_results_go_too(client: TestClient, gb_auth: dict[str, str],
                                                      klass: dict, category: dict) -> None:
    sid, rid = new_id(), new_id("canvas-res")
    client.put(f"{GRADEBOOK}/lineItems/{sid}", json=line_item_body(klass, category), headers=gb_auth)
    result = {"result": {"lineItem": {"sourcedId": sid}, "student": {"sourcedId": klass["student"]["sourcedId"]},
                         "score": 15, "scoreStatus": "fully graded"}}
    assert client.put(f"{GRADEBOOK}/results/{rid}", json=result, headers=gb_auth).status_code == 201
    assert client.delete(f"{GRADEBOOK}/lineItems/{sid}", headers=gb_auth).status_code == 204
    gone = client.get(f"{GRADEBOOK}/lineItems/{sid}", headers=gb_auth)
    assert gone.status_code == 404 and code_minor(gone.json()) == "unknownobject"
    assert client.get(f"{GRADEBOOK}/results/{rid}", headers=gb_auth).status_code == 404
    again = client.delete(f"{GRADEBOOK}/lineItems/{sid}", headers=gb_auth)
    assert again.status_code == 404


def test_ic_res_upsert_201_then_200_with_lenient_input(client: TestClient, gb_auth: dict[str, str],
                                                       klass: dict, category: dict) -> None:
    """IC-LENIENT-IN: a result with what real clients send is accepted."""
    sid, rid = new_id(), new_id("canvas-res")
    client.put(f"{GRADEBOOK}/lineItems/{sid}", json=line_item_body(klass, category), headers=gb_auth)
    body = {"result": {"lineItem": {"sourcedId": sid}, "student": {"sourcedId": klass["student"]["sourcedId"]},
                       "score": 10, "scoreDate": "2026-09-15T14:00:00Z", "scoreStatus": "fully graded"}}
    assert client.put(f"{GRADEBOOK}/results/{rid}", json=body, headers=gb_auth).status_code == 201
    stored = client.get(f"{GRADEBOOK}/results/{rid}", headers=gb_auth).json()["result"]
    assert stored["score"] == 10.0 and stored["scoreDate"] == "2026-09-15"
    assert stored["class"]["sourcedId"] == klass["class"]["sourcedId"]
    body["result"]["score"] = 10.5
    assert client.put(f"{GRADEBOOK}/results/{rid}", json=body, headers=gb_auth).status_code == 200
    assert client.get(f"{GRADEBOOK}/results/{rid}", headers=gb_auth).json()["result"]["score"] == 10.5
    for_line_item = client.get(f"{GRADEBOOK}/classes/{klass['class']['sourcedId']}/lineItems/{sid}/results",
                               headers=gb_auth).json()["results"]
    assert [r["sourcedId"] for r in for_line_item] == [rid]


def test_ic_res_upsert_student_not_enrolled_is_422_and_nothing_stored(client: TestClient, gb_auth: dict[str, str],
                                                                      klass: dict, category: dict) -> None:
    sid, rid = new_id(), new_id("canvas-res")
    client.put(f"{GRADEBOOK}/lineItems/{sid}", json=line_item_body(klass, category), headers=gb_auth)
    body = {"result": {"lineItem": {"sourcedId": sid}, "student": {"sourcedId": klass["outsider"]["sourcedId"]},
                       "score": 3, "scoreStatus": "fully graded"}}
    response = client.put(f"{GRADEBOOK}/results/{rid}", json=body, headers=gb_auth)
    assert response.status_code == 422
    assert klass["outsider"]["sourcedId"] in response.json()["imsx_description"]
    assert client.get(f"{GRADEBOOK}/results/{rid}", headers=gb_auth).status_code == 404


def test_ic_res_upsert_unknown_line_item_is_422(client: TestClient, gb_auth: dict[str, str], klass: dict) -> None:
    body = {"result": {"lineItem": {"sourcedId": "nope"}, "student": {"sourcedId": klass["student"]["sourcedId"]},
                       "score": 1, "scoreStatus": "fully graded"}}
    response = client.put(f"{GRADEBOOK}/results/{new_id('r')}", json=body, headers=gb_auth)
    assert response.status_code == 422
    assert "'nope'" in response.json()["imsx_description"]


def test_rejected_replace_changes_nothing(client: TestClient, gb_auth: dict[str, str], klass: dict,
                                          category: dict) -> None:
    sid = new_id()
    client.put(f"{GRADEBOOK}/lineItems/{sid}", json=line_item_body(klass, category), headers=gb_auth)
    before = client.get(f"{GRADEBOOK}/lineItems/{sid}", headers=gb_auth).content
    bad = line_item_body(klass, category, dueDate="next tuesday")
    response = client.put(f"{GRADEBOOK}/lineItems/{sid}", json=bad, headers=gb_auth)
    assert response.status_code in (400, 422)
    assert "dueDate" in response.json()["imsx_description"]
    assert client.get(f"{GRADEBOOK}/lineItems/{sid}", headers=gb_auth).content == before


@pytest.mark.parametrize("body,fragment", [
    ({"lineItem": {"title": "x"}}, "dueDate"),
    ({"notALineItem": {}}, "lineItem"),
    ([], "object"),
])
def test_incomplete_or_wrong_body_is_a_clear_error(client: TestClient, gb_auth: dict[str, str], body: Any,
                                                   fragment: str) -> None:
    response = client.put(f"{GRADEBOOK}/lineItems/{new_id()}", json=body, headers=gb_auth)
    assert response.status_code in (400, 422)
    assert fragment in response.json()["imsx_description"]


def test_ic_li_owner_campus_line_items_are_read_only(client: TestClient, gb_auth: dict[str, str],
                                                     klass: dict, category: dict) -> None:
    items = client.get(f"{GRADEBOOK}/lineItems", headers=gb_auth,
                       params={"filter": "metadata.ic.origin='campus'", "limit": 1}).json()["lineItems"]
    assert items, "the demo district has IC-made line items"
    native = items[0]
    before = client.get(f"{GRADEBOOK}/lineItems/{native['sourcedId']}", headers=gb_auth).content
    put = client.put(f"{GRADEBOOK}/lineItems/{native['sourcedId']}", json=line_item_body(klass, category),
                     headers=gb_auth)
    assert put.status_code == 403 and code_minor(put.json()) == "forbidden"
    delete = client.delete(f"{GRADEBOOK}/lineItems/{native['sourcedId']}", headers=gb_auth)
    assert delete.status_code == 403
    assert client.get(f"{GRADEBOOK}/lineItems/{native['sourcedId']}", headers=gb_auth).content == before


def test_post_line_items_for_class_allocates_ids(client: TestClient, gb_auth: dict[str, str], klass: dict,
                                                 category: dict) -> None:
    items = [line_item_body(klass, category, title=f"Bulk {i}", sourcedId=f"mine-{i}")["lineItem"] for i in range(2)]
    for item in items:
        item.pop("class")
    response = client.post(f"{GRADEBOOK}/classes/{klass['class']['sourcedId']}/lineItems",
                           json={"lineItems": items}, headers=gb_auth)
    assert response.status_code == 201, response.text
    pairs = response.json()["sourcedIdPairs"]
    assert [p["suppliedSourcedId"] for p in pairs] == ["mine-0", "mine-1"]
    for pair in pairs:
        stored = client.get(f"{GRADEBOOK}/lineItems/{pair['allocatedSourcedId']}", headers=gb_auth)
        assert stored.status_code == 200
        assert stored.json()["lineItem"]["class"]["sourcedId"] == klass["class"]["sourcedId"]


def test_post_results_for_line_item(client: TestClient, gb_auth: dict[str, str], klass: dict,
                                    category: dict) -> None:
    sid = new_id()
    client.put(f"{GRADEBOOK}/lineItems/{sid}", json=line_item_body(klass, category), headers=gb_auth)
    results = [{"student": {"sourcedId": klass["student"]["sourcedId"]}, "score": 7, "scoreStatus": "fully graded"}]
    response = client.post(f"{GRADEBOOK}/lineItems/{sid}/results", json={"results": results}, headers=gb_auth)
    assert response.status_code == 201
    allocated = response.json()["sourcedIdPairs"][0]["allocatedSourcedId"]
    assert client.get(f"{GRADEBOOK}/results/{allocated}", headers=gb_auth).json()["result"]["score"] == 7.0


def test_post_for_unknown_class_is_404(client: TestClient, gb_auth: dict[str, str]) -> None:
    response = client.post(f"{GRADEBOOK}/classes/no-such-class/lineItems", json={"lineItems": []}, headers=gb_auth)
    assert response.status_code == 404


def test_categories_and_score_scales_put_get_delete(client: TestClient, gb_auth: dict[str, str],
                                                    klass: dict) -> None:
    cat = new_id("cat")
    assert client.put(f"{GRADEBOOK}/categories/{cat}", json={"category": {"title": "Labs", "weight": 10}},
                      headers=gb_auth).status_code == 201
    assert client.get(f"{GRADEBOOK}/categories/{cat}", headers=gb_auth).json()["category"]["weight"] == 10.0
    scale = new_id("scale")
    body = {"scoreScale": {"title": "Letter", "type": "letter", "class": {"sourcedId": klass["class"]["sourcedId"]},
                           "scoreScaleValue": [{"itemValueLHS": "90", "itemValueRHS": "A"}]}}
    assert client.put(f"{GRADEBOOK}/scoreScales/{scale}", json=body, headers=gb_auth).status_code == 201
    scales = client.get(f"{GRADEBOOK}/classes/{klass['class']['sourcedId']}/scoreScales", headers=gb_auth).json()
    assert scale in [s["sourcedId"] for s in scales["scoreScales"]]  # the class may hold other scales too
    school = klass["class"]["school"]["sourcedId"]
    assert scale in {s["sourcedId"] for s in client.get(f"{GRADEBOOK}/schools/{school}/scoreScales",
                                                        headers=gb_auth).json()["scoreScales"]}
    assert client.delete(f"{GRADEBOOK}/scoreScales/{scale}", headers=gb_auth).status_code == 204
    assert client.delete(f"{GRADEBOOK}/categories/{cat}", headers=gb_auth).status_code == 204
    assert client.get(f"{GRADEBOOK}/categories/{cat}", headers=gb_auth).status_code == 404


def test_or_nested_gradebook_parent_exists_without_children(client: TestClient, gb_auth: dict[str, str],
                                                            klass: dict) -> None:
    other = client.get(f"{ROSTER}/classes", headers=gb_auth, params={"limit": 1, "offset": 50}).json()["classes"][0]
    response = client.get(f"{GRADEBOOK}/classes/{other['sourcedId']}/results", headers=gb_auth)
    assert response.status_code == 200 and response.json() == {"results": []}
    missing = client.get(f"{GRADEBOOK}/classes/no-such-class/results", headers=gb_auth)
    assert missing.status_code == 404 and code_minor(missing.json()) == "unknownobject"


def test_integer_beyond_64_bits_in_metadata_is_422_not_500(client: TestClient, gb_auth: dict[str, str]) -> None:
    body = {"category": {"title": "Huge", "metadata": {"n": 2**70}}}
    response = client.put(f"{GRADEBOOK}/categories/{new_id('cat')}", json=body, headers=gb_auth)
    assert response.status_code == 422
    assert "64" in response.json()["imsx_description"]


# --- IC-CAT-OWNER -----------------------------------------------------------------------------------

V11 = "/campus/oneroster/demo/ims/oneroster/v1p1"


def _description(response: Any) -> str:
    body = response.json()
    return (body["statusInfoSet"][0] if "statusInfoSet" in body else body)["imsx_description"]


def _class_category_ids(client: TestClient, gb_auth: dict[str, str], class_id: str) -> set[str]:
    response = client.get(f"{GRADEBOOK}/classes/{class_id}/categories", headers=gb_auth, params={"limit": 1000})
    return {c["sourcedId"] for c in response.json()["categories"]}


def _vendor_category(client: TestClient, gb_auth: dict[str, str], class_id: str, **fields: Any) -> str:
    """A category the vendor creates in a class: the class is named in metadata.ic.class, as IC stores it."""
    sid = new_id("vendor-cat")
    body = {"category": {"title": f"Labs {sid}", "metadata": {"ic": {"class": class_id}}, **fields}}
    response = client.put(f"{GRADEBOOK}/categories/{sid}", json=body, headers=gb_auth)
    assert response.status_code == 201, response.text
    return sid


def test_ic_cat_owner_seeded_categories_are_read_only_put_and_delete_403_nothing_changed(
        client: TestClient, gb_auth: dict[str, str]) -> None:
    items = client.get(f"{GRADEBOOK}/lineItems", headers=gb_auth,
                       params={"filter": "metadata.ic.origin='campus'", "limit": 50}).json()["lineItems"]
    # a seeded category that IC's own assignments use (a grading task is in none: IC-GRADING-TASK)
    seeded = next(i for i in items if i["category"]["sourcedId"] != UNCATEGORIZED)["category"]["sourcedId"]
    before = client.get(f"{GRADEBOOK}/categories/{seeded}", headers=gb_auth).content
    class_id = client.get(f"{GRADEBOOK}/categories/{seeded}", headers=gb_auth).json()["category"]["metadata"]["ic"][
        "class"]
    # A spec-valid replacement, even one claiming to be the vendor's own, is refused.
    spec_valid = {"category": {"sourcedId": seeded, "status": "active", "dateLastModified": "2026-01-01T00:00:00Z",
                               "title": "Renamed", "weight": 1, "metadata": {"ic": {"origin": "vendor"}}}}
    for put in (client.put(f"{GRADEBOOK}/categories/{seeded}", json=spec_valid, headers=gb_auth),
                client.put(f"{V11}/categories/{seeded}", json=spec_valid, headers=gb_auth)):
        assert put.status_code == 403 and code_minor(put.json()) == "forbidden", put.text
        assert seeded in _description(put) and "Infinite Campus" in _description(put)
    for delete in (client.delete(f"{GRADEBOOK}/categories/{seeded}", headers=gb_auth),
                   client.delete(f"{V11}/categories/{seeded}", headers=gb_auth)):
        assert delete.status_code == 403 and code_minor(delete.json()) == "forbidden", delete.text
        assert seeded in _description(delete)
    assert client.get(f"{GRADEBOOK}/categories/{seeded}", headers=gb_auth).content == before
    assert seeded in _class_category_ids(client, gb_auth, class_id)


def test_ic_cat_owner_vendor_category_replaced_keeps_its_class_and_weight(
        client: TestClient, gb_auth: dict[str, str], klass: dict) -> None:
    class_id = klass["class"]["sourcedId"]
    sid = _vendor_category(client, gb_auth, class_id, weight=15)
    created = client.get(f"{GRADEBOOK}/categories/{sid}", headers=gb_auth).json()["category"]
    assert created["metadata"]["ic"]["class"] == class_id and created["weight"] == 15.0
    assert sid in _class_category_ids(client, gb_auth, class_id)
    # A spec-valid 1.2 replacement carries neither a class nor a weight: both stay.
    spec_valid = {"category": {"sourcedId": sid, "status": "active", "dateLastModified": "2026-01-01T00:00:00Z",
                               "title": "Labs renamed"}}
    replaced = client.put(f"{GRADEBOOK}/categories/{sid}", json=spec_valid, headers=gb_auth)
    assert replaced.status_code == 200, replaced.text
    stored = client.get(f"{GRADEBOOK}/categories/{sid}", headers=gb_auth).json()["category"]
    assert stored["title"] == "Labs renamed" and stored["weight"] == 15.0
    assert stored["metadata"]["ic"]["class"] == class_id
    assert sid in _class_category_ids(client, gb_auth, class_id)
    # 1.1 has no weight field: a 1.1 replacement keeps the weight and the class too.
    assert client.put(f"{V11}/categories/{sid}", json={"category": {"title": "Labs 1.1"}},
                      headers=gb_auth).status_code == 200
    stored = client.get(f"{GRADEBOOK}/categories/{sid}", headers=gb_auth).json()["category"]
    assert stored["weight"] == 15.0 and stored["metadata"]["ic"]["class"] == class_id
    # A line item made after the replacement can use it (IC-LI-CATEGORY-1P2).
    li = new_id()
    response = client.put(f"{GRADEBOOK}/lineItems/{li}", json=line_item_body(klass, {"sourcedId": sid}),
                          headers=gb_auth)
    assert response.status_code == 201, response.text
    assert client.delete(f"{GRADEBOOK}/lineItems/{li}", headers=gb_auth).status_code == 204
    assert client.delete(f"{GRADEBOOK}/categories/{sid}", headers=gb_auth).status_code == 204


def test_ic_cat_owner_vendor_category_cannot_move_class_or_name_an_unknown_class(
        client: TestClient, gb_auth: dict[str, str], klass: dict) -> None:
    class_id = klass["class"]["sourcedId"]
    sid = _vendor_category(client, gb_auth, class_id)
    before = client.get(f"{GRADEBOOK}/categories/{sid}", headers=gb_auth).content
    other = client.get(f"{ROSTER}/classes", headers=gb_auth, params={"limit": 1, "offset": 40}).json()["classes"][0]
    moved = client.put(f"{GRADEBOOK}/categories/{sid}", headers=gb_auth,
                       json={"category": {"title": "Moved", "metadata": {"ic": {"class": other["sourcedId"]}}}})
    assert moved.status_code == 422 and code_minor(moved.json()) == "invaliddata", moved.text
    for fragment in (sid, class_id, other["sourcedId"]):
        assert fragment in _description(moved)
    assert client.get(f"{GRADEBOOK}/categories/{sid}", headers=gb_auth).content == before
    assert sid not in _class_category_ids(client, gb_auth, other["sourcedId"])
    unknown = new_id("vendor-cat")
    response = client.put(f"{GRADEBOOK}/categories/{unknown}", headers=gb_auth,
                          json={"category": {"title": "Nowhere", "metadata": {"ic": {"class": "no-such-class"}}}})
    assert response.status_code == 422 and "no-such-class" in _description(response), response.text
    assert client.get(f"{GRADEBOOK}/categories/{unknown}", headers=gb_auth).status_code == 404
    assert client.delete(f"{GRADEBOOK}/categories/{sid}", headers=gb_auth).status_code == 204


def test_ic_cat_owner_delete_while_active_line_items_reference_it_is_422_naming_them(
        client: TestClient, gb_auth: dict[str, str], klass: dict) -> None:
    class_id = klass["class"]["sourcedId"]
    sid = _vendor_category(client, gb_auth, class_id, weight=20)
    items = [new_id(), new_id()]
    for li in items:
        response = client.put(f"{GRADEBOOK}/lineItems/{li}", json=line_item_body(klass, {"sourcedId": sid}),
                              headers=gb_auth)
        assert response.status_code == 201, response.text
    before = client.get(f"{GRADEBOOK}/categories/{sid}", headers=gb_auth).content
    refused = client.delete(f"{GRADEBOOK}/categories/{sid}", headers=gb_auth)
    assert refused.status_code == 422 and code_minor(refused.json()) == "invaliddata", refused.text
    for fragment in (sid, *items):
        assert fragment in _description(refused)
    assert client.get(f"{GRADEBOOK}/categories/{sid}", headers=gb_auth).content == before
    assert sid in _class_category_ids(client, gb_auth, class_id)
    for li in items:
        assert client.get(f"{GRADEBOOK}/lineItems/{li}", headers=gb_auth).json()["lineItem"]["category"][
            "sourcedId"] == sid
    # Only active line items hold it: one deleted, the other marked tobedeleted, and the category can go.
    assert client.delete(f"{GRADEBOOK}/lineItems/{items[0]}", headers=gb_auth).status_code == 204
    refused = client.delete(f"{V11}/categories/{sid}", headers=gb_auth)
    assert refused.status_code == 422 and items[1] in _description(refused) and items[0] not in _description(refused)
    retired = line_item_body(klass, {"sourcedId": sid}, status="tobedeleted")
    assert client.put(f"{GRADEBOOK}/lineItems/{items[1]}", json=retired, headers=gb_auth).status_code == 200
    assert client.delete(f"{GRADEBOOK}/categories/{sid}", headers=gb_auth).status_code == 204
    assert client.get(f"{GRADEBOOK}/categories/{sid}", headers=gb_auth).status_code == 404
    assert client.delete(f"{GRADEBOOK}/lineItems/{items[1]}", headers=gb_auth).status_code == 204
