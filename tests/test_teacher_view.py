"""The teacher's view of the IC grade book (IC-VIEW) and the teacher edit (IC-RES-ONE-WAY).

Everything goes through the real HTTP API on the demo tenant: results are written with 1.2 PUTs
as a vendor would, then read back through ``/_mock`` as the teacher sees them. The class used is
the fourth of the demo tenant (offset 3) so that other test files' writes never show up here.
"""

from __future__ import annotations

import re
import uuid
from html import unescape
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_ic.control.runtime import Runtime
from mock_ic.ic.view import display_cell
from mock_ic.store import documents
from tests.conftest import DEMO, GRADEBOOK, ROSTER, code_minor

UNCATEGORIZED = "11111111-1111-1111-1111-111111111111"
ADMIN = "/_mock"


def new_id(kind: str) -> str:
    return f"tv-{kind}-{uuid.uuid4().hex[:10]}"


def ref(kind: str, sourced_id: str, type_: str) -> dict[str, str]:
    base = "rostering" if kind in ("classes", "orgs", "users") else "gradebook"
    return {"href": f"/ims/oneroster/{base}/v1p2/{kind}/{sourced_id}", "sourcedId": sourced_id, "type": type_}


@pytest.fixture(scope="module")
def klass(client: TestClient, auth: dict[str, str], gb_auth: dict[str, str]) -> dict[str, Any]:
    """The fourth demo class, its first term, its categories and its students."""
    found = client.get(f"{ROSTER}/classes", headers=auth, params={"limit": 1, "offset": 3}).json()["classes"][0]
    cid = found["sourcedId"]
    term = client.get(f"{ROSTER}/terms/{found['terms'][0]['sourcedId']}", headers=auth).json()["academicSession"]
    students = client.get(f"{ROSTER}/classes/{cid}/students", headers=auth, params={"limit": 1000}).json()["users"]
    categories = client.get(f"{GRADEBOOK}/classes/{cid}/categories", headers=gb_auth).json()["categories"]
    assert len(students) >= 8 and categories
    return {"class": found, "term": term, "students": students, "categories": categories}


def put_line_item(client: TestClient, gb_auth: dict[str, str], klass: dict[str, Any], *, title: str,
                  category: str, max_points: float = 20, due_time: str = "23:59:00") -> str:
    sid = new_id("li")
    body = {"lineItem": {
        "title": title, "dueDate": f"{klass['term']['startDate']}T{due_time}Z",
        "assignDate": f"{klass['term']['startDate']}T08:00:00Z",
        "class": {"sourcedId": klass["class"]["sourcedId"]}, "category": {"sourcedId": category},
        "resultValueMin": 0, "resultValueMax": max_points,
    }}
    response = client.put(f"{GRADEBOOK}/lineItems/{sid}", json=body, headers=gb_auth)
    assert response.status_code == 201, response.text
    return sid


def put_result(client: TestClient, gb_auth: dict[str, str], line_item: str, student: str,
               **fields: Any) -> str:
    rid = new_id("res")
    body = {"result": {"lineItem": {"sourcedId": line_item}, "student": {"sourcedId": student}, **fields}}
    response = client.put(f"{GRADEBOOK}/results/{rid}", json=body, headers=gb_auth)
    assert response.status_code == 201, response.text
    return rid


# One line item out of 20 and a result per display rule, each for its own student.
CASES: dict[str, dict[str, Any]] = {
    "decimal": {"score": 10.5, "scoreStatus": "fully graded"},
    "extra_credit": {"score": 30, "scoreStatus": "fully graded"},
    "blank": {"scoreStatus": "not submitted"},
    "exempt": {"scoreStatus": "exempt"},
    "late": {"score": 12, "scoreStatus": "fully graded", "late": "true"},
    "missing": {"score": 0, "scoreStatus": "fully graded", "missing": "true"},
}


@pytest.fixture(scope="module")
def graded(client: TestClient, gb_auth: dict[str, str], klass: dict[str, Any]) -> dict[str, Any]:
    category = klass["categories"][0]["sourcedId"]
    line_item = put_line_item(client, gb_auth, klass, title=f"TV Quiz {uuid.uuid4().hex[:6]}", category=category)
    students = [s["sourcedId"] for s in klass["students"]]
    results = {name: (students[i], put_result(client, gb_auth, line_item, students[i], **fields))
               for i, (name, fields) in enumerate(CASES.items())}
    return {"lineItem": line_item, "category": category, "results": results, "ungraded": students[len(CASES)]}


def teacher_view(client: TestClient, class_id: str, app: str = DEMO) -> dict[str, Any]:
    response = client.get(f"{ADMIN}/tenants/{app}/classes/{class_id}/gradebook")
    assert response.status_code == 200, response.text
    return response.json()


def cell(view: dict[str, Any], student: str, line_item: str) -> dict[str, Any]:
    row = next(r for r in view["students"] if r["sourcedId"] == student)
    return row["cells"][line_item]


def case_cell(client: TestClient, klass: dict[str, Any], graded: dict[str, Any], name: str) -> dict[str, Any]:
    student, _ = graded["results"][name]
    return cell(teacher_view(client, klass["class"]["sourcedId"]), student, graded["lineItem"])


# --- the cell rules, pure --------------------------------------------------------------------------

@pytest.mark.parametrize("score,max_points,display,bonus", [
    (10.5, 20, "10", None),
    (0.9, 20, "0", None),
    (20, 20, "20", None),
    (20.1, 20, "20", 0.1),
    (30, 20, "20", 10),
    (45.5, None, "45", None),
    (None, 20, "", None),
])
def test_ic_res_decimal_and_extra_credit_display_cell(score: float | None, max_points: float | None, display: str,
                                                      bonus: float | None) -> None:
    shown = display_cell(score, max_points, "fully graded")
    assert (shown.display, shown.score, shown.extra_credit) == (display, score, bonus)


def test_ic_res_flags_display_cell_order_x_l_m() -> None:
    assert display_cell(None, 20, "exempt", "true", "true").flags == ("X", "L", "M")
    assert display_cell(5, 20, "fully graded", "false", "false").flags == ()


# --- the JSON view ---------------------------------------------------------------------------------

def test_ic_res_decimal_grid_shows_whole_part_api_keeps_exact(client: TestClient, gb_auth: dict[str, str],
                                                              klass: dict, graded: dict) -> None:
    shown = case_cell(client, klass, graded, "decimal")
    assert shown["display"] == "10" and shown["score"] == 10.5 and shown["extraCredit"] is None
    _, rid = graded["results"]["decimal"]
    assert shown["resultSourcedId"] == rid
    assert client.get(f"{GRADEBOOK}/results/{rid}", headers=gb_auth).json()["result"]["score"] == 10.5


def test_ic_res_extra_credit_shows_max_plus_extra(client: TestClient, klass: dict, graded: dict) -> None:
    shown = case_cell(client, klass, graded, "extra_credit")
    assert (shown["display"], shown["score"], shown["extraCredit"]) == ("20", 30, 10)


def test_ic_res_blank_result_without_score_is_blank_but_exists(client: TestClient, klass: dict,
                                                                graded: dict) -> None:
    shown = case_cell(client, klass, graded, "blank")
    assert shown["display"] == "" and shown["score"] is None
    assert shown["resultSourcedId"] == graded["results"]["blank"][1]
    assert shown["scoreStatus"] == "not submitted"


def test_ic_view_no_result_is_an_empty_cell(client: TestClient, klass: dict, graded: dict) -> None:
    view = teacher_view(client, klass["class"]["sourcedId"])
    assert cell(view, graded["ungraded"], graded["lineItem"]) == {
        "display": "", "score": None, "extraCredit": None, "flags": [], "scoreStatus": None, "comment": None,
        "resultSourcedId": None}


@pytest.mark.parametrize("name,display,flags", [("exempt", "", ["X"]), ("late", "12", ["L"]),
                                                ("missing", "0", ["M"])])
def test_ic_res_flags_exempt_late_missing(client: TestClient, klass: dict, graded: dict, name: str, display: str,
                                          flags: list[str]) -> None:
    shown = case_cell(client, klass, graded, name)
    assert shown["display"] == display and shown["flags"] == flags


def test_ic_view_students_are_the_enrolled_students_by_name(client: TestClient, klass: dict, graded: dict) -> None:
    view = teacher_view(client, klass["class"]["sourcedId"])
    assert {r["sourcedId"] for r in view["students"]} == {s["sourcedId"] for s in klass["students"]}
    by_id = {s["sourcedId"]: s for s in klass["students"]}
    names = [(by_id[r["sourcedId"]]["familyName"].casefold(), by_id[r["sourcedId"]]["givenName"].casefold())
             for r in view["students"]]
    assert names == sorted(names)
    first = by_id[view["students"][0]["sourcedId"]]
    assert view["students"][0]["name"] == f"{first['familyName']}, {first['givenName']}"
    assert all(set(r["cells"]) >= {graded["lineItem"]} for r in view["students"])


def test_ic_view_uncategorized_first_then_categories_by_id_then_due_date(
        client: TestClient, gb_auth: dict[str, str], runtime: Runtime, klass: dict, graded: dict) -> None:
    """IC-LI-CATEGORY-1P1: a 1.1 item (placeholder category) and an item of a foreign category are
    Uncategorized, shown first. 1.2 refuses the placeholder, so those are stored directly."""
    cid = klass["class"]["sourcedId"]
    stored = []
    for category in (UNCATEGORIZED, "not-a-category-of-this-class"):
        sid = new_id("li11")
        doc = {
            "sourcedId": sid, "status": "active", "dateLastModified": documents.now_stamp(),
            "title": f"TV 1.1 item {sid[-4:]}", "assignDate": f"{klass['term']['startDate']}T08:00:00.000Z",
            "dueDate": f"{klass['term']['startDate']}T12:00:00.000Z",
            "class": ref("classes", cid, "class"), "school": ref("orgs", klass["class"]["school"]["sourcedId"], "org"),
            "category": ref("categories", category, "category"), "resultValueMin": 0.0, "resultValueMax": 10.0,
        }
        with runtime.db.write() as conn:
            documents.put(conn, DEMO, "lineItems", doc)
        stored.append(sid)
    earlier = put_line_item(client, gb_auth, klass, title=f"TV Early {uuid.uuid4().hex[:6]}",
                            category=graded["category"], due_time="06:00:00")
    view = teacher_view(client, cid)
    groups = view["categories"]
    assert groups[0]["sourcedId"] == UNCATEGORIZED and groups[0]["title"] == "Uncategorized"
    assert set(stored) <= {c["sourcedId"] for c in groups[0]["lineItems"]}
    assert [g["sourcedId"] for g in groups[1:]] == sorted(c["sourcedId"] for c in klass["categories"])
    home = next(g for g in groups if g["sourcedId"] == graded["category"])
    ids = [c["sourcedId"] for c in home["lineItems"]]
    assert ids.index(earlier) < ids.index(graded["lineItem"])
    for group in groups:
        keys = [(c["dueDate"], c["title"].casefold()) for c in group["lineItems"]]
        assert keys == sorted(keys)
    column = next(c for c in home["lineItems"] if c["sourcedId"] == graded["lineItem"])
    assert column["maxPoints"] == 20 and column["origin"] == "vendor" and column["dueDate"].startswith(
        klass["term"]["startDate"])


def test_ic_view_campus_line_items_have_origin_campus(client: TestClient, gb_auth: dict[str, str],
                                                      klass: dict) -> None:
    cid = klass["class"]["sourcedId"]
    listed = client.get(f"{GRADEBOOK}/classes/{cid}/lineItems", headers=gb_auth,
                        params={"filter": "metadata.ic.origin='campus'"}).json()["lineItems"]
    assert listed, "the demo class has IC-made line items"
    view = teacher_view(client, cid)
    columns = {c["sourcedId"]: c for g in view["categories"] for c in g["lineItems"]}
    tasks = {c["sourcedId"]: c for c in view["gradingTasks"]}  # IC-GRADING-TASK: a column group of their own
    assert tasks and not set(tasks) & set(columns)
    for item in listed:
        if item["sourcedId"] in tasks:
            assert tasks[item["sourcedId"]]["gradingPeriod"] == item["gradingPeriod"]["sourcedId"]
            continue
        assert columns[item["sourcedId"]]["origin"] == "campus"
        assert columns[item["sourcedId"]]["gradingPeriod"] == item["gradingPeriod"]["sourcedId"]


def test_ic_view_unknown_class_or_tenant_is_404_oneroster_body(client: TestClient) -> None:
    for path, fragment in ((f"{ADMIN}/tenants/{DEMO}/classes/no-such-class/gradebook", "no-such-class"),
                           (f"{ADMIN}/tenants/nope/classes/1/gradebook", "Unknown tenant 'nope'"),
                           (f"{ADMIN}/tenants/{DEMO}/classes/no-such-class/gradebook?gradingPeriod=gp",
                            "no-such-class")):
        response = client.get(path)
        assert response.status_code == 404, path
        assert code_minor(response.json()) == "unknownobject"
        assert fragment in response.json()["imsx_description"]


def test_ic_view_unknown_class_tenant_or_period_is_a_404_page_saying_so(client: TestClient, klass: dict) -> None:
    cid = klass["class"]["sourcedId"]
    for path, fragment in ((f"{ADMIN}/ui/{DEMO}/classes/no-such-class", "Unknown class 'no-such-class'"),
                           (f"{ADMIN}/ui/nope", "No tenant 'nope'"),
                           (f"{ADMIN}/ui/{DEMO}/classes/{cid}?period=gp-x", "has no grading period 'gp-x'"),
                           (f"{ADMIN}/ui/{DEMO}/requests/999999999", "no recorded request 999999999")):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert fragment in unescape(response.text), path


# --- the teacher edit ------------------------------------------------------------------------------

def test_ic_res_one_way_teacher_edit_seen_by_vendor_and_overwritten_by_next_put(
        client: TestClient, gb_auth: dict[str, str], klass: dict, graded: dict) -> None:
    student = klass["students"][len(CASES) + 1]["sourcedId"]
    body = {"lineItem": {"sourcedId": graded["lineItem"]}, "student": {"sourcedId": student},
            "score": 8, "scoreStatus": "fully graded", "comment": "vendor"}
    rid = new_id("res")
    assert client.put(f"{GRADEBOOK}/results/{rid}", json={"result": body}, headers=gb_auth).status_code == 201
    before = client.get(f"{GRADEBOOK}/results/{rid}", headers=gb_auth).json()["result"]

    edit = client.put(f"{ADMIN}/tenants/{DEMO}/results/{rid}/teacher-edit", json={"score": 17.5})
    assert edit.status_code == 200, edit.text
    edited = edit.json()["result"]
    assert edited["score"] == 17.5 and edited["metadata"]["ic"]["editedBy"] == "teacher"
    assert edited["comment"] == "vendor"  # a score edit leaves the comment alone
    assert edited["dateLastModified"] > before["dateLastModified"]
    seen = client.get(f"{GRADEBOOK}/results/{rid}", headers=gb_auth).json()["result"]
    assert {k: seen[k] for k in ("score", "dateLastModified", "metadata")} == {
        k: edited[k] for k in ("score", "dateLastModified", "metadata")}
    assert cell(teacher_view(client, klass["class"]["sourcedId"]), student, graded["lineItem"])["display"] == "17"

    assert client.put(f"{GRADEBOOK}/results/{rid}", json={"result": {**body, "score": 9}},
                      headers=gb_auth).status_code == 200
    after = client.get(f"{GRADEBOOK}/results/{rid}", headers=gb_auth).json()["result"]
    assert after["score"] == 9 and "editedBy" not in after.get("metadata", {}).get("ic", {})


def test_ic_res_one_way_teacher_edit_status_comment_and_clearing(client: TestClient, gb_auth: dict[str, str],
                                                                  klass: dict, graded: dict) -> None:
    student = klass["students"][len(CASES) + 2]["sourcedId"]
    rid = put_result(client, gb_auth, graded["lineItem"], student, scoreStatus="not submitted")
    url = f"{ADMIN}/tenants/{DEMO}/results/{rid}/teacher-edit"
    graded_now = client.put(url, json={"score": 14}).json()["result"]
    assert graded_now["scoreStatus"] == "fully graded"  # a score typed into a "not submitted" cell grades it
    exempt = client.put(url, json={"score": None, "scoreStatus": "exempt", "comment": "excused"}).json()["result"]
    assert "score" not in exempt and exempt["scoreStatus"] == "exempt" and exempt["comment"] == "excused"
    shown = cell(teacher_view(client, klass["class"]["sourcedId"]), student, graded["lineItem"])
    assert (shown["display"], shown["flags"], shown["comment"]) == ("", ["X"], "excused")
    cleared = client.put(url, json={"score": 3, "comment": ""}).json()["result"]
    assert "comment" not in cleared and cleared["scoreStatus"] == "exempt"


def test_ic_res_one_way_teacher_edit_refusals(client: TestClient, graded: dict) -> None:
    _, rid = graded["results"]["decimal"]
    negative = client.put(f"{ADMIN}/tenants/{DEMO}/results/{rid}/teacher-edit", json={"score": -2.5})
    assert negative.status_code == 422 and code_minor(negative.json()) == "invaliddata"
    assert "-2.5" in negative.json()["imsx_description"]
    unknown = client.put(f"{ADMIN}/tenants/{DEMO}/results/no-such-result/teacher-edit", json={"score": 1})
    assert unknown.status_code == 404 and "no-such-result" in unknown.json()["imsx_description"]
    tenant = client.put(f"{ADMIN}/tenants/nope/results/{rid}/teacher-edit", json={"score": 1})
    assert tenant.status_code == 404 and "Unknown tenant 'nope'" in tenant.json()["imsx_description"]
    malformed = client.put(f"{ADMIN}/tenants/{DEMO}/results/{rid}/teacher-edit", json={"points": 1})
    assert malformed.status_code == 400 and "imsx_description" in malformed.json()


# --- the HTML pages --------------------------------------------------------------------------------

def cell_text(html: str, result_id: str) -> tuple[str, str]:
    """(visible text, tooltip) of the grid cell holding a result."""
    match = re.search(r'<td[^>]*data-result="' + re.escape(result_id) + r'"[^>]*>\s*<a[^>]*title="([^"]*)"[^>]*>'
                      r'(.*?)</a>', html, re.S)
    assert match, f"no cell for result {result_id}"
    text = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", match[2])  # a blank cell's spoken "blank"
    text = re.sub(r"<[^>]+>", "", text)
    return " ".join(unescape(text).split()), unescape(match[1])


def test_ic_view_html_page_shows_the_grid(client: TestClient, runtime: Runtime, klass: dict, graded: dict) -> None:
    """IC-VIEW: the page shows each cell as the teacher sees it, and the Uncategorized group (made here, so
    the test does not depend on another one having run first in this worker)."""
    cid = klass["class"]["sourcedId"]
    doc = {"sourcedId": new_id("li-page"), "status": "active", "dateLastModified": documents.now_stamp(),
           "title": "TV page item", "assignDate": f"{klass['term']['startDate']}T08:00:00.000Z",
           "dueDate": f"{klass['term']['startDate']}T12:00:00.000Z", "class": ref("classes", cid, "class"),
           "school": ref("orgs", klass["class"]["school"]["sourcedId"], "org"),
           "category": ref("categories", UNCATEGORIZED, "category"), "resultValueMin": 0.0, "resultValueMax": 10.0}
    with runtime.db.write() as conn:
        documents.put(conn, DEMO, "lineItems", doc)
    response = client.get(f"{ADMIN}/ui/{DEMO}/classes/{klass['class']['sourcedId']}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    results = {name: rid for name, (_, rid) in graded["results"].items()}
    assert cell_text(html, results["decimal"]) == ("10", f"10.5 of 20 · fully graded · result {results['decimal']}")
    assert cell_text(html, results["extra_credit"])[0] == "20 +10 EC"
    assert cell_text(html, results["exempt"])[0] == "X"
    assert cell_text(html, results["late"])[0] == "12 L"
    assert cell_text(html, results["blank"])[0] == ""
    assert "out of 20" in html and "Uncategorized" in html
    category = next(c["title"] for c in klass["categories"] if c["sourcedId"] == graded["category"])
    assert re.search(r'<th scope="colgroup" colspan="\d+"\s*>' + re.escape(category) + "</th>", html)


def test_ic_view_html_escapes_what_vendors_send(client: TestClient, runtime: Runtime, klass: dict) -> None:
    cid = klass["class"]["sourcedId"]
    sid = new_id("li-html")
    doc = {"sourcedId": sid, "status": "active", "dateLastModified": documents.now_stamp(),
           "title": "<script>alert(1)</script>", "assignDate": "2026-09-01T00:00:00.000Z",
           "dueDate": "2026-09-02T00:00:00.000Z", "class": ref("classes", cid, "class"),
           "school": ref("orgs", klass["class"]["school"]["sourcedId"], "org"),
           "category": ref("categories", UNCATEGORIZED, "category")}
    with runtime.db.write() as conn:
        documents.put(conn, DEMO, "lineItems", doc)
    html = client.get(f"{ADMIN}/ui/{DEMO}/classes/{cid}").text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "no maximum" in html  # a line item without resultValueMax


def test_ic_view_class_list_and_tenant_list_link_to_the_pages(client: TestClient, klass: dict) -> None:
    cid = klass["class"]["sourcedId"]
    classes = client.get(f"{ADMIN}/ui/{DEMO}/classes", params={"q": cid})
    assert classes.status_code == 200 and classes.headers["content-type"].startswith("text/html")
    assert f'href="{ADMIN}/ui/{DEMO}/classes/{cid}"' in classes.text
    assert klass["class"]["title"] in unescape(classes.text)
    assert client.get(f"{ADMIN}/ui/{DEMO}", follow_redirects=False).headers["location"] == f"{ADMIN}/ui/{DEMO}/classes"
    tenants = client.get(f"{ADMIN}/ui/")
    assert tenants.status_code == 200 and f'href="{ADMIN}/ui/{DEMO}/classes"' in tenants.text


def test_ic_view_class_list_is_remembered_until_a_kind_it_reads_changes(store_db: Any,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The class picker's rows (IC-VIEW) are gathered once per version of the kinds they read: asked again they
    come from memory, and after a write (a vendor's line item, a student turned no-show) they are gathered
    again and show it. On SQLite and PostgreSQL."""
    from datetime import date

    from mock_ic.control import seed, seeding
    from mock_ic.store import class_lists

    tenant = f"picker-{uuid.uuid4().hex[:6]}"
    with store_db.write() as conn:
        seeding.load(conn, tenant, seed.load_recipe({"schools": 1, "students": 60, "teachers": 4, "courses": 4,
                                                     "classes": 8, "seed": 3}), today=date(2026, 10, 1))
    with store_db.read() as conn:
        first = class_lists.class_rows(conn, tenant)
    gathered = []
    real_gather = class_lists._gather
    monkeypatch.setattr(class_lists, "_gather", lambda conn, t: gathered.append(t) or real_gather(conn, t))
    with store_db.read() as conn:
        assert class_lists.class_rows(conn, tenant) == first and gathered == []
    klass = first[0]
    with store_db.write() as conn:
        documents.put(conn, tenant, "lineItems", {
            "sourcedId": "vendor-li", "status": "active", "dateLastModified": "2026-10-01T00:00:00.000Z",
            "title": "Vendor Quiz", "class": {"sourcedId": klass.sourced_id}, "dueDate": "2026-10-02T00:00:00.000Z"})
    with store_db.read() as conn:
        after = {row.sourced_id: row for row in class_lists.class_rows(conn, tenant)}
    assert gathered == [tenant] and after[klass.sourced_id].vendor_line_items == klass.vendor_line_items + 1
    with store_db.read() as conn:
        enrolled = documents.all_docs(conn, tenant)["enrollments"]
    shown = next(e for e in enrolled if e["role"] == "student" and e["class"]["sourcedId"] == klass.sourced_id
                 and e["metadata"]["ic"]["noShow"] == "false")
    with store_db.write() as conn:
        documents.put(conn, tenant, "enrollments", {**shown, "metadata": {"ic": {"noShow": "true"}}})
    with store_db.read() as conn:
        assert {row.sourced_id: row for row in class_lists.class_rows(conn, tenant)}[
            klass.sourced_id].students == klass.students - 1
    assert gathered == [tenant, tenant]
