"""RULE-SWITCH: every registered IC rule names itself when it refuses (body and X-Mock-IC-Rule), and a
tenant that switches it off gets the violation it guards accepted.

One case per switchable rule of the registry (a test fails when a rule is registered without one).
Runs on its own small tenant; the switch is set through the admin API, as a conformance suite would.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_ic.control.runtime import Runtime
from mock_ic.ic.registry import RULES, switchable_rules
from mock_ic.ic.rules import UNCATEGORIZED
from tests.conftest import fetch_token

APP = "switches"
GRADEBOOK = f"/campus/api/oneroster/v1p2/{APP}/ims/oneroster/gradebook/v1p2"
ROSTER = f"/campus/api/oneroster/v1p2/{APP}/ims/oneroster/rostering/v1p2"
V11 = f"/campus/oneroster/{APP}/ims/oneroster/v1p1"
_n = itertools.count(1)


@dataclass
class World:
    client: TestClient
    headers: dict[str, str]
    klass: dict[str, Any]
    term: dict[str, Any]
    category: dict[str, Any]
    other_category: dict[str, Any]
    spare_category: dict[str, Any]  # a seeded category of the class no other case uses
    student: dict[str, Any]
    outsider: dict[str, Any]

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(path, headers=self.headers, json=body)

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)

    def line_item(self, **fields: Any) -> dict[str, Any]:
        body = {"title": f"Switch {next(_n)}", "dueDate": f"{self.term['startDate']}T12:00:00Z",
                "class": {"sourcedId": self.klass["sourcedId"]}, "category": {"sourcedId": self.category["sourcedId"]},
                "resultValueMax": 10, **fields}
        return {"lineItem": body}

    def new_line_item(self) -> str:
        sid = f"sw-li-{next(_n)}"
        assert self.put(f"{GRADEBOOK}/lineItems/{sid}", self.line_item()).status_code == 201
        return sid

    def result(self, line_item: str, **fields: Any) -> dict[str, Any]:
        return {"result": {"lineItem": {"sourcedId": line_item}, "student": {"sourcedId": self.student["sourcedId"]},
                           "score": 5, "scoreStatus": "fully graded", **fields}}

    def switch(self, rule_id: str, on: bool) -> None:
        response = self.client.patch(f"/_mock/tenants/{APP}", json={"settings": {"rules": {rule_id: on}}})
        assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def world(client: TestClient, runtime: Runtime) -> Iterator[World]:
    tenant = runtime.tenants.get(APP) or runtime.tenants.create(
        APP, recipe={"schools": 1, "students": 40, "teachers": 4, "courses": 4, "classes": 8})
    token = fetch_token(client, app_name=APP, client_id=tenant.client_id, client_secret=tenant.client_secret)
    headers = {"Authorization": f"Bearer {token}",
               "x-vendor-authorization": f"{tenant.vendor_key}:{tenant.vendor_secret}"}
    get = lambda path: client.get(path, headers=headers).json()  # noqa: E731
    classes = get(f"{ROSTER}/classes?limit=8")["classes"]
    roster = {c["sourcedId"]: get(f"{ROSTER}/classes/{c['sourcedId']}/students")["users"] for c in classes}
    # two classes, and a student of the second who is not in the first (IC-RES-UPSERT's "not enrolled" case)
    first, second, outsider = next(
        (a, b, s) for a in classes for b in classes if a is not b
        for s in roster[b["sourcedId"]] if s["sourcedId"] not in {t["sourcedId"] for t in roster[a["sourcedId"]]})
    students = roster[first["sourcedId"]]
    categories = get(f"{GRADEBOOK}/classes/{first['sourcedId']}/categories")["categories"]
    yield World(client, headers, first, get(f"{ROSTER}/terms/{first['terms'][0]['sourcedId']}")["academicSession"],
                categories[0], get(f"{GRADEBOOK}/classes/{second['sourcedId']}/categories")["categories"][0],
                categories[-1], students[0], outsider)
    client.patch(f"/_mock/tenants/{APP}", json={"settings": {"rules": {}, "closed_grading_periods": []}})


# rule -> (make the violating request; what shows it was let through once the rule is off)
Case = Callable[[World], tuple[Callable[[], Any], Callable[[Any], None]]]


def _title_length(w: World) -> Any:
    sid = f"sw-li-{next(_n)}"
    return lambda: w.put(f"{GRADEBOOK}/lineItems/{sid}", w.line_item(title="T" * 31)), \
        lambda r: _stored(r, 201, "lineItem", title="T" * 31)


def _dup_title(w: World) -> Any:
    first = f"sw-li-{next(_n)}"
    w.put(f"{GRADEBOOK}/lineItems/{first}", w.line_item(title="Same name"))
    sid = f"sw-li-{next(_n)}"
    return lambda: w.put(f"{GRADEBOOK}/lineItems/{sid}", w.line_item(title="SAME NAME ")), \
        lambda r: _stored(r, 201, "lineItem", title="SAME NAME ")


def _due_date(w: World) -> Any:
    sid = f"sw-li-{next(_n)}"
    return lambda: w.put(f"{GRADEBOOK}/lineItems/{sid}", w.line_item(dueDate="1999-01-01T12:00:00Z")), \
        lambda r: _stored(r, 201, "lineItem", dueDate="1999-01-01T12:00:00.000Z")


def _grading_window(w: World) -> Any:
    sid = w.new_line_item()
    period = w.get(f"{GRADEBOOK}/lineItems/{sid}").json()["lineItem"]["gradingPeriod"]["sourcedId"]
    closed = w.client.put(f"/_mock/tenants/{APP}/grading-periods/{period}/window", json={"open": False})
    assert closed.status_code == 200
    return lambda: w.put(f"{GRADEBOOK}/lineItems/{sid}", w.line_item(title="Moved on")), \
        lambda r: _stored(r, 200, "lineItem", title="Moved on")


def _category_1p2(w: World) -> Any:
    sid = f"sw-li-{next(_n)}"
    foreign = {"sourcedId": w.other_category["sourcedId"]}
    return lambda: w.put(f"{GRADEBOOK}/lineItems/{sid}", w.line_item(category=foreign)), \
        lambda r: _stored(r, 201, "lineItem", category={**foreign, "href": r.json()["lineItem"]["category"]["href"],
                                                         "type": "category"})


def _category_1p1(w: World) -> Any:
    """Not a refusal: IC files a 1.1 item under Uncategorized; switched off, the category sent stays."""
    sid = f"sw-li-{next(_n)}"
    body = w.line_item(category={"sourcedId": w.category["sourcedId"]})

    def request() -> Any:
        w.put(f"{V11}/lineItems/{sid}", body)
        return w.get(f"{GRADEBOOK}/lineItems/{sid}")

    return request, lambda r: _same(r.json()["lineItem"]["category"]["sourcedId"], w.category["sourcedId"])


def _li_owner(w: World) -> Any:
    campus = next(li for li in w.get(f"{GRADEBOOK}/classes/{w.klass['sourcedId']}/lineItems").json()["lineItems"]
                  if li.get("metadata", {}).get("ic", {}).get("origin") == "campus")
    body = w.line_item(title=f"Vendor rename {next(_n)}")
    return lambda: w.put(f"{GRADEBOOK}/lineItems/{campus['sourcedId']}", body), \
        lambda r: _stored(r, 200, "lineItem", title=body["lineItem"]["title"])


def _cat_owner(w: World) -> Any:
    seeded = w.spare_category
    body = {"category": {"title": f"{seeded['title']} (vendor)", "weight": 0.25}}
    return lambda: w.put(f"{GRADEBOOK}/categories/{seeded['sourcedId']}", body), \
        lambda r: _stored(r, 200, "category", title=body["category"]["title"])


def _res_upsert(w: World) -> Any:
    li, rid = w.new_line_item(), f"sw-res-{next(_n)}"
    body = w.result(li, student={"sourcedId": w.outsider["sourcedId"]})
    return lambda: w.put(f"{GRADEBOOK}/results/{rid}", body), lambda r: _stored(r, 201, "result")


def _extra_credit(w: World) -> Any:
    li, rid = w.new_line_item(), f"sw-res-{next(_n)}"
    return lambda: w.put(f"{GRADEBOOK}/results/{rid}", w.result(li, score=-2)), \
        lambda r: _stored(r, 201, "result", score=-2.0)


def _flags(w: World) -> Any:
    """Not a refusal: 1.1 results carry no late flag; switched off, a late flag sent through 1.1 stays."""
    li, rid = w.new_line_item(), f"sw-res-{next(_n)}"
    body = w.result(li, student={"sourcedId": "s" + w.student["sourcedId"]}, late="true")

    def request() -> Any:
        assert w.put(f"{V11}/results/{rid}", body).status_code in (200, 201)
        return w.get(f"{GRADEBOOK}/results/{rid}")

    return request, lambda r: _same(r.json()["result"].get("late"), "true")


def _assess_1p2(w: World) -> Any:
    sid, rid = f"sw-ali-{next(_n)}", f"sw-ar-{next(_n)}"
    item = {"assessmentLineItem": {"title": "Switch check", "class": {"sourcedId": w.klass["sourcedId"]}}}
    assert w.put(f"{GRADEBOOK}/assessmentLineItems/{sid}", item).status_code == 201
    body = {"assessmentResult": {"assessmentLineItem": {"sourcedId": sid},
                                 "student": {"sourcedId": w.outsider["sourcedId"]}, "score": 3}}
    return lambda: w.put(f"{GRADEBOOK}/assessmentResults/{rid}", body), \
        lambda r: _stored(r, 201, "assessmentResult", score=3.0)


def _grading_task(w: World) -> Any:
    task = next(li for li in w.get(f"{GRADEBOOK}/classes/{w.klass['sourcedId']}/lineItems").json()["lineItems"]
                if "ext_infiniteCampus_isGradingWindowOpen" in li.get("metadata", {}))
    rid = f"sw-res-{next(_n)}"
    body = w.result(task["sourcedId"], metadata={"ext_infiniteCampus_scoreGrade": "ZZ"})
    return lambda: w.put(f"{GRADEBOOK}/results/{rid}", body), \
        lambda r: _stored(r, 201, "result", metadata={"ext_infiniteCampus_scoreGrade": "ZZ"}, score=5.0)


def _stored(response: Any, status: int, wrapper: str, **fields: Any) -> None:
    assert response.status_code == status, response.text
    stored = response.json()[wrapper]
    for name, value in fields.items():
        assert stored[name] == value, (name, stored)


def _same(actual: Any, expected: Any) -> None:
    assert actual == expected


CASES: dict[str, Case] = {
    "IC-LI-TITLE-LEN": _title_length, "IC-LI-DUP-TITLE": _dup_title, "IC-LI-DUE-DATE": _due_date,
    "IC-LI-GRADING-WINDOW": _grading_window, "IC-LI-CATEGORY-1P2": _category_1p2,
    "IC-LI-CATEGORY-1P1": _category_1p1, "IC-LI-OWNER": _li_owner, "IC-CAT-OWNER": _cat_owner,
    "IC-RES-UPSERT": _res_upsert, "IC-RES-EXTRA-CREDIT": _extra_credit, "IC-RES-FLAGS": _flags,
    "IC-ASSESS-1P2": _assess_1p2, "IC-GRADING-TASK": _grading_task,
}
DERIVATIONS = {"IC-LI-CATEGORY-1P1", "IC-RES-FLAGS"}  # rules that change what is stored instead of refusing


def test_every_switchable_rule_has_a_case() -> None:
    """RULE-SWITCH: every switchable rule has a case here."""
    assert set(CASES) == set(switchable_rules())


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_switch_each_rule_names_itself_and_switched_off_lets_its_violation_through(
        world: World, rule_id: str) -> None:
    request, accepted = CASES[rule_id](world)
    world.switch(rule_id, True)
    refused = request()
    if rule_id in DERIVATIONS:
        with pytest.raises(AssertionError):
            accepted(refused)  # IC's derivation applied
    else:
        assert refused.status_code in (403, 422), refused.text
        assert refused.headers["X-Mock-IC-Rule"] == rule_id
        assert refused.json()["imsx_description"].startswith(f"[{rule_id}] ")
    world.switch(rule_id, False)
    try:
        accepted(request())
    finally:
        world.switch(rule_id, True)
        world.client.patch(f"/_mock/tenants/{APP}", json={"settings": {"closed_grading_periods": []}})


def test_a_rule_that_cannot_be_switched_off_says_so(world: World) -> None:
    """RULE-SWITCH: switching off a rule that cannot be is refused, saying why."""
    assert not RULES["IC-LI-CLASS"].switchable
    response = world.client.patch(f"/_mock/tenants/{APP}", json={"settings": {"rules": {"IC-LI-CLASS": False}}})
    assert response.status_code == 422
    assert "the rules that can be switched off: " in response.json()["imsx_description"]
    unknown = world.put(f"{GRADEBOOK}/lineItems/sw-li-no-class", world.line_item(**{"class": {"sourcedId": "nope"}}))
    assert unknown.status_code == 422 and unknown.headers["X-Mock-IC-Rule"] == "IC-LI-CLASS"


def test_1p1_rejections_name_the_rule_too(world: World) -> None:
    """RULE-SWITCH: 1.1 error bodies name the rule as 1.2 ones do."""
    response = world.put(f"{V11}/lineItems/sw-li-long-{next(_n)}", world.line_item(title="T" * 51))
    assert response.status_code == 422
    assert response.headers["X-Mock-IC-Rule"] == "IC-LI-TITLE-LEN"
    assert response.json()["statusInfoSet"][0]["imsx_description"].startswith("[IC-LI-TITLE-LEN] ")


def test_uncategorized_placeholder_is_the_1p1_category(world: World) -> None:
    assert UNCATEGORIZED == "11111111-1111-1111-1111-111111111111"
