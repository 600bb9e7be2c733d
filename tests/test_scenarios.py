"""FAULT-SCENARIOS: each named scenario makes a plain passback sequence meet its Canvas SIS error.

In process, on the session's app and runtime: a small tenant per test, the scenario applied with
``mock_ic.control.scenarios.apply``, then what a passback client does — PUT a line item for a class of the
tenant, PUT a result for a student who was enrolled before the scenario — and the status, codeMinor and
``X-Mock-Fault`` header that docs/scenarios.md promises. Every deliberate 5xx here carries X-Mock-Fault,
so the session's 5xx guard ignores it.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_ic.control import scenarios, state
from mock_ic.control.runtime import Runtime
from mock_ic.control.scenarios import ScenarioError, UnknownScenario, UnknownTenant
from mock_ic.control.tenants import Tenant
from mock_ic.edge.faults import FAULT_HEADER
from tests.conftest import code_minor, fetch_token

SMALL = {"schools": 1, "students": 24, "teachers": 3, "courses": 3, "classes": 4}  # seeds in well under 1 s
TITLES = {
    "assignment-cannot-be-created": "Assignment Cannot Be Created",
    "assignment-dates-error": "Assignment Dates Error",
    "assignment-scores-export-error": "Assignment Scores Export Error",
    "assignment-scores-export-put-error": "Assignment Scores Export PUT Error",
    "cannot-export-submission-in-section": "Cannot Export Canvas Submission in Section",
    "could-not-determine-class-or-grading-period": "Could Not Determine Class or Grading Period",
    "exchange-error": "Exchange Error",
    "data-sync-job-timed-out": "Data Sync Job Timed Out",
    "put-for-oneroster-error": "PUT for OneRoster Error",
    "unable-to-process-score": "Unable to Process Score",
}
# Not FAULT-SCENARIOS: the provisioning client's failure modes (docs/provisioning.md), titled as its warnings;
# tests/test_provisioning.py shows each on the next roster pull.
PROVISIONING_TITLES = {
    "provisioning-duplicate-enrollment": "More than one current enrollment",
    "provisioning-mid-year-drop": "Mid-year drop",
    "provisioning-partial-year": "Partial school year",
    "provisioning-resectioned-class": "Re-sectioned class",
}
_n = itertools.count(1)


def description(response: Any) -> str:
    body = response.json()
    return (body["statusInfoSet"][0] if "statusInfoSet" in body else body)["imsx_description"]


@dataclass
class Passback:
    """What a passback client knows before the sync: its credentials, a class, its category and a student."""

    client: TestClient
    tenant: Tenant
    headers: dict[str, str]
    class_id: str
    category_id: str
    student_id: str
    due: str  # inside the class's first term, as the district was seeded

    @property
    def v1p2(self) -> str:
        return f"/campus/api/oneroster/v1p2/{self.tenant.app_name}/ims/oneroster"

    @property
    def gradebook(self) -> str:
        return f"{self.v1p2}/gradebook/v1p2"

    @property
    def rostering(self) -> str:
        return f"{self.v1p2}/rostering/v1p2"

    @property
    def v1p1(self) -> str:
        return f"/campus/oneroster/{self.tenant.app_name}/ims/oneroster/v1p1"

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)

    def put_line_item(self, sid: str, *, due: str | None = None, base: str | None = None) -> Any:
        item = {"title": f"Canvas assignment {next(_n)}", "dueDate": due or self.due, "resultValueMax": 20,
                "class": {"sourcedId": self.class_id}, "category": {"sourcedId": self.category_id}}
        return self.client.put(f"{base or self.gradebook}/lineItems/{sid}", headers=self.headers,
                               json={"lineItem": item})

    def create_line_item(self, sid: str) -> None:
        """A line item the scenario does not refuse (201)."""
        response = self.put_line_item(sid)
        assert response.status_code == 201, response.text

    def put_result(self, sid: str, line_item_id: str, score: float = 15.0) -> Any:
        result = {"lineItem": {"sourcedId": line_item_id}, "student": {"sourcedId": self.student_id},
                  "score": score, "scoreStatus": "fully graded", "scoreDate": date.today().isoformat()}
        return self.client.put(f"{self.gradebook}/results/{sid}", headers=self.headers, json={"result": result})


@pytest.fixture
def make_tenant(runtime: Runtime) -> Iterator[Callable[[], Tenant]]:
    made: list[str] = []

    def make() -> Tenant:
        name = f"scn-{uuid.uuid4().hex[:10]}"
        made.append(name)
        return runtime.tenants.create(name, recipe=SMALL)

    yield make
    for name in made:
        runtime.faults.clear(name)
        runtime.tenants.delete(name)


@pytest.fixture
def passback(client: TestClient, make_tenant: Callable[[], Tenant]) -> Passback:
    """A fresh tenant and what the client reads from it before the scenario is applied."""
    tenant = make_tenant()
    token = fetch_token(client, app_name=tenant.app_name, client_id=tenant.client_id,
                        client_secret=tenant.client_secret)
    headers = {"Authorization": f"Bearer {token}",
               "x-vendor-authorization": f"{tenant.vendor_key}:{tenant.vendor_secret}"}
    pb = Passback(client, tenant, headers, "", "", "", "")
    for klass in pb.get(f"{pb.rostering}/classes").json()["classes"]:
        students = pb.get(f"{pb.rostering}/classes/{klass['sourcedId']}/students").json()["users"]
        if students:
            break
    else:
        pytest.fail("the small district has no class with students")
    categories = pb.get(f"{pb.gradebook}/classes/{klass['sourcedId']}/categories").json()["categories"]
    terms = [pb.get(f"{pb.rostering}/terms/{t['sourcedId']}").json()["academicSession"] for t in klass["terms"]]
    first_term = min(terms, key=lambda t: t["startDate"])
    return replace(pb, class_id=klass["sourcedId"], category_id=categories[0]["sourcedId"],
                   student_id=students[0]["sourcedId"], due=f"{first_term['startDate']}T12:00:00Z")


def apply(runtime: Runtime, pb: Passback, name: str) -> dict[str, Any]:
    applied = scenarios.apply(runtime, pb.tenant.app_name, name)
    assert applied["scenario"] == name and applied["title"] == TITLES[name]
    return applied


def assert_error(response: Any, status: int, minor: str, fault: str | None, *fragments: str) -> None:
    """The OneRoster error body with this status and codeMinor; ``fault``: the rule id of X-Mock-Fault, or
    None for an answer of the IC rules themselves (no header)."""
    assert response.status_code == status, response.text
    assert code_minor(response.json()) == minor
    assert response.headers.get(FAULT_HEADER) == fault
    for fragment in fragments:
        assert fragment in description(response), description(response)


# --- the catalogue and its files --------------------------------------------------------------------

def test_fault_scenarios_are_the_ten_canvas_errors_and_every_yaml_validates() -> None:
    assert scenarios.names() == sorted(TITLES | PROVISIONING_TITLES)
    for scenario in scenarios.load_all():
        assert scenario.title == (TITLES | PROVISIONING_TITLES)[scenario.name]
        assert scenario.canvas_message and scenario.ic_cause
        assert scenario.faults or scenario.data, f"{scenario.name} changes nothing"
        again = scenarios.parse(scenario.to_dict(), where=scenario.name)  # JSON round trip
        assert replace(again, path=scenario.path) == scenario


def test_fault_scenarios_unknown_name_lists_the_available_ones(runtime: Runtime, passback: Passback) -> None:
    with pytest.raises(UnknownScenario) as raised:
        scenarios.apply(runtime, passback.tenant.app_name, "no-such-scenario")
    assert isinstance(raised.value, KeyError)
    message = str(raised.value)
    assert "no-such-scenario" in message and all(name in message for name in TITLES)
    with pytest.raises(UnknownTenant, match="no-such-tenant"):
        scenarios.apply(runtime, "no-such-tenant", "exchange-error")


@pytest.mark.parametrize(("content", "fragments"), [
    ("- just a list\n", ["a scenario is a mapping"]),
    ("name: bad\ntitle: T\ncanvasMessage: M\nicCause: C\nshoe: 3\n", ["unknown key(s) ['shoe']"]),
    ("name: bad\ntitle: T\ncanvasMessage: M\n", ["icCause: required"]),
    ("name: other\ntitle: T\ncanvasMessage: M\nicCause: C\n", ["name: 'other' must equal the file name 'bad'"]),
    ("name: bad\ntitle: T\ncanvasMessage: M\nicCause: C\nsettings: {shoe_size: 3}\n",
     ["settings.shoe_size: 'shoe_size' is not a tenant setting", "title_max_length_v1p2"]),
    ("name: bad\ntitle: T\ncanvasMessage: M\nicCause: C\nsettings: {title_max_length_v1p2: long}\n",
     ["settings.title_max_length_v1p2: Tenant setting 'title_max_length_v1p2' (IC-LI-TITLE-LEN) must be an "
      "integer from 1 to 4000; got 'long'"]),
    ("name: bad\ntitle: T\ncanvasMessage: M\nicCause: C\nfaults: [{method: PUT, every: 1, status: 500}]\n",
     ["faults[0]: every rule needs an explicit id"]),
    ("name: bad\ntitle: T\ncanvasMessage: M\nicCause: C\nfaults: [{id: f1, every: 1, status: 700}]\n",
     ["faults[0] (f1): status must be from 400 to 599"]),
    ("name: bad\ntitle: T\ncanvasMessage: M\nicCause: C\ndata: {drop_everything: true}\n",
     ["data.drop_everything: unknown data change", "move_calendar"]),
    ("name: bad\ntitle: T\ncanvasMessage: M\nicCause: C\ndata: {unenroll_students: {fraction: 2}}\n",
     ["data.unenroll_students.fraction: must be a number with 0 < f <= 1"]),
    ("name: bad\ntitle: T\ncanvasMessage: M\nicCause: C\ndata: {move_calendar: {days: 3}}\n",
     ["data.move_calendar: must be a mapping {starts_in_days: <integer>}"]),
    ("name: bad\ntitle: T\ncanvasMessage: M\nicCause: C\ndata: {resection_classes: {count: 0}}\n",
     ["data.resection_classes.count: must be an integer from 1 to 50"]),
    ("name: [unclosed\n", ["cannot be read as YAML"]),
])
def test_fault_scenarios_file_errors_name_the_file_and_key(tmp_path: Path, content: str,
                                                           fragments: list[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ScenarioError) as raised:
        scenarios.parse_file(path)
    message = str(raised.value)
    assert "bad.yaml" in message
    for fragment in fragments:
        assert fragment in message, message


def test_fault_scenarios_applying_twice_equals_applying_once(runtime: Runtime, passback: Passback) -> None:
    app = passback.tenant.app_name
    book = runtime.faults
    for name in scenarios.names():
        first = scenarios.apply(runtime, app, name)
        once = (state.export(runtime.db, app), runtime.tenants.get(app), book.describe(app))
        second = scenarios.apply(runtime, app, name)
        assert (state.export(runtime.db, app), runtime.tenants.get(app), book.describe(app)) == once, name
        assert second["faults"] == first["faults"] and second["settings"] == first["settings"]
        assert all(summary.get("changed", 0) == 0 for summary in second["data"].values()), second["data"]


# --- each scenario, as a passback client meets it -----------------------------------------------------

def test_fault_scenarios_assignment_cannot_be_created_refuses_every_line_item(runtime: Runtime,
                                                                              passback: Passback) -> None:
    applied = apply(runtime, passback, "assignment-cannot-be-created")
    assert applied["faults"][0]["status"] == 422
    rule = "assignment-cannot-be-created"
    assert_error(passback.put_line_item("li-1"), 422, "invaliddata", rule, "Assignment cannot be created")
    assert passback.get(f"{passback.gradebook}/lineItems/li-1").status_code == 404  # nothing stored
    assert_error(passback.put_line_item("li-2", base=passback.v1p1), 422, "invalid data", rule)  # 1.1 spelling
    # Scores for the assignment that was never created: the IC rule itself refuses them.
    assert_error(passback.put_result("res-1", "li-1"), 422, "invaliddata", None, "does not exist")


def test_fault_scenarios_assignment_dates_error_due_dates_fall_outside_every_term(runtime: Runtime,
                                                                                  passback: Passback) -> None:
    applied = apply(runtime, passback, "assignment-dates-error")
    assert applied["data"]["move_calendar"]["startsOn"] == (date.today() + timedelta(days=60)).isoformat()
    for due in (passback.due, f"{date.today().isoformat()}T12:00:00Z"):
        assert_error(passback.put_line_item(f"li-{due[:10]}", due=due), 422, "invaliddata", None,
                     "Assignment dates error", "outside every term")
    # The real rule at work: a due date inside the moved terms is accepted.
    klass = passback.get(f"{passback.rostering}/classes/{passback.class_id}").json()["class"]
    starts = [passback.get(f"{passback.rostering}/terms/{t['sourcedId']}").json()["academicSession"]["startDate"]
              for t in klass["terms"]]
    assert passback.put_line_item("li-later", due=f"{min(starts)}T12:00:00Z").status_code == 201


def test_fault_scenarios_assignment_scores_export_error_fails_every_results_call(runtime: Runtime,
                                                                                 passback: Passback) -> None:
    apply(runtime, passback, "assignment-scores-export-error")
    passback.create_line_item("li-1")
    assert_error(passback.put_result("res-1", "li-1"), 500, "internal_server_error",
                 "assignment-scores-export-error", "Assignment scores export error")
    for path in (f"{passback.gradebook}/classes/{passback.class_id}/lineItems/li-1/results",
                 f"{passback.gradebook}/results"):
        assert_error(passback.get(path), 500, "internal_server_error", "assignment-scores-export-error-lists")
    assert passback.get(f"{passback.gradebook}/lineItems/li-1").status_code == 200


def test_fault_scenarios_assignment_scores_export_put_error_refuses_every_result_put(runtime: Runtime,
                                                                                     passback: Passback) -> None:
    apply(runtime, passback, "assignment-scores-export-put-error")
    passback.create_line_item("li-1")
    assert_error(passback.put_result("res-1", "li-1"), 400, "invaliddata", "assignment-scores-export-put-error",
                 "Assignment scores export-PUT for OneRoster error")
    listed = passback.get(f"{passback.gradebook}/classes/{passback.class_id}/lineItems/li-1/results")
    assert listed.status_code == 200 and listed.json()["results"] == []


def test_fault_scenarios_cannot_export_submission_in_section_student_no_longer_enrolled(
        runtime: Runtime, passback: Passback) -> None:
    applied = apply(runtime, passback, "cannot-export-submission-in-section")
    assert applied["data"]["unenroll_students"]["changed"] > 0
    passback.create_line_item("li-1")
    assert_error(passback.put_result("res-1", "li-1"), 422, "invaliddata", None,
                 "not actively enrolled", passback.student_id, passback.class_id)
    assert passback.get(f"{passback.gradebook}/results/res-1").status_code == 404


def test_fault_scenarios_could_not_determine_class_or_grading_period_every_window_closed(
        runtime: Runtime, passback: Passback) -> None:
    passback.create_line_item("li-before")  # while the grading windows are open
    applied = apply(runtime, passback, "could-not-determine-class-or-grading-period")
    closed = applied["settings"]["closed_grading_periods"]
    periods = passback.get(f"{passback.rostering}/gradingPeriods").json()["academicSessions"]
    assert periods and {p["sourcedId"] for p in periods} <= set(closed)
    assert_error(passback.put_line_item("li-1"), 422, "invaliddata", None, "grading window", "is closed")
    assert_error(passback.put_result("res-1", "li-before"), 422, "invaliddata", None, "grading window")


def test_fault_scenarios_exchange_error_every_oneroster_call_is_503(runtime: Runtime, client: TestClient,
                                                                   passback: Passback) -> None:
    apply(runtime, passback, "exchange-error")
    tenant = passback.tenant
    fetch_token(client, app_name=tenant.app_name, client_id=tenant.client_id, client_secret=tenant.client_secret)
    for response in (passback.put_line_item("li-1"), passback.put_result("res-1", "li-1"),
                     passback.get(f"{passback.rostering}/classes"), passback.get(f"{passback.v1p1}/classes")):
        assert response.status_code == 503, response.text
        assert response.headers[FAULT_HEADER] == "exchange-error"
        assert response.headers["Retry-After"] == "1"
        assert code_minor(response.json()) == "server_busy"
        assert "Exchange error" in description(response)


def test_fault_scenarios_data_sync_job_timed_out_every_put_is_delayed(runtime: Runtime,
                                                                      passback: Passback) -> None:
    applied = apply(runtime, passback, "data-sync-job-timed-out")
    assert applied["faults"][0]["latencyMs"] >= 60_000  # beyond the common 60 s read timeouts
    # The same rule with a short delay, so the test measures it instead of waiting a minute.
    book = runtime.faults
    rule = book.get(passback.tenant.app_name, "data-sync-job-timed-out")
    assert rule is not None
    book.add(passback.tenant.app_name, replace(rule, latency_ms=300), replace=True)
    for call in (lambda: passback.put_line_item("li-1"), lambda: passback.put_result("res-1", "li-1")):
        started = time.perf_counter()
        response = call()
        elapsed = time.perf_counter() - started
        assert response.status_code == 201, response.text  # served after the delay: the write happens
        assert response.headers[FAULT_HEADER] == "data-sync-job-timed-out"
        assert elapsed >= 0.3
    read = passback.get(f"{passback.gradebook}/results/res-1")
    assert read.status_code == 200 and FAULT_HEADER not in read.headers  # reads stay fast


def test_fault_scenarios_put_for_oneroster_error_refuses_every_line_item_put(runtime: Runtime,
                                                                             passback: Passback) -> None:
    apply(runtime, passback, "put-for-oneroster-error")
    assert_error(passback.put_line_item("li-1"), 400, "invaliddata", "put-for-oneroster-error",
                 "PUT for OneRoster error")
    assert passback.get(f"{passback.gradebook}/lineItems/li-1").status_code == 404
    assert_error(passback.put_result("res-1", "li-1"), 422, "invaliddata", None, "does not exist")


def test_fault_scenarios_unable_to_process_score_refuses_every_score(runtime: Runtime, passback: Passback) -> None:
    apply(runtime, passback, "unable-to-process-score")
    passback.create_line_item("li-1")
    assert_error(passback.put_result("res-1", "li-1"), 422, "invaliddata", "unable-to-process-score",
                 "Unable to process score")
    assert passback.get(f"{passback.gradebook}/results/res-1").status_code == 404
