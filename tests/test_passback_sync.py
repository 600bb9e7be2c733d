"""The reference passback client against the mock, in process (issue 6): a Canvas "Sync to SIS".

Each test gets its own demo-district tenant (``MockIC``) and syncs the demo Canvas course
(``fixtures/canvas/demo-course.json``, moved into the school year the mock serves today). What a
sync sent is checked by reading it back through the OneRoster API, not by trusting the report.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conformance.client import NotFound, OneRosterClient
from conformance.passback.canvas import CanvasCourse, load_course
from conformance.passback.eligibility import ReasonCode
from conformance.passback.plan import SyncOptions, make_plan, result_id
from conformance.passback.report import SyncReport
from conformance.passback.sis_errors import Title
from conformance.passback.state import SyncState, TargetState
from conformance.passback.sync import sync
from conformance.state_file import target_key
from mock_ic.control.seed import school_year_bounds
from mock_ic.testing import MockIC

ROOT = Path(__file__).resolve().parent.parent
DEMO_COURSE = ROOT / "fixtures" / "canvas" / "demo-course.json"


def demo_course() -> CanvasCourse:
    """The demo course, moved into the school year the mock's demo district has today (IC-TERMS)."""
    course = load_course(DEMO_COURSE)
    served = school_year_bounds(date.today())[0].year
    return course.shifted(served - school_year_bounds(course.exported_at.date())[0].year)


@pytest.fixture(scope="module")
def course() -> CanvasCourse:
    return demo_course()


@pytest.fixture
def ic() -> Iterator[MockIC]:
    with MockIC() as instance:
        yield instance


def client_for(ic: MockIC, version: str = "1.2", **options: Any) -> OneRosterClient:
    settings: dict[str, Any] = {"backoff_factor": 0.01, "max_backoff": 0.05, "timeout": 20.0}
    settings.update(options)
    return OneRosterClient(base_url=ic.gradebook_url if version == "1.2" else ic.v1p1_url, token_url=ic.token_url,
                           client_id=ic.client_id, client_secret=ic.client_secret, vendor_key=ic.vendor_key,
                           vendor_secret=ic.vendor_secret, version=version, **settings)


def titles(report: SyncReport) -> set[Title | None]:
    return {issue.title for issue in report.errors}


def planned(course: CanvasCourse, version: str = "1.2", **options: Any) -> Any:
    return make_plan(course, SyncOptions(version=version, **options), TargetState())


def graded_item(course: CanvasCourse) -> Any:
    """The first line item a normal sync sends grades for (the earliest assignments' grades are older
    than 30 days in the demo course)."""
    return next(item for item in planned(course).items if item.grades)


@pytest.mark.parametrize("version", ["1.2", "1.1"])
def test_demo_course_syncs_each_assignment_once_per_section_then_sends_nothing(ic: MockIC, course: CanvasCourse,
                                                                               version: str) -> None:
    plan = planned(course, version)
    assert plan.items and plan.grades_to_send
    state = SyncState(None)
    with client_for(ic, version) as client:
        report = sync(course, client, state)
        assert report.status == "success", report.errors
        assert report.counts.line_items_sent == len(plan.items)
        assert report.counts.grades_sent == plan.grades_to_send
        for item in plan.items:
            titles_in_class = [li["title"] for li in client.class_line_items(item.class_id)]
            assert titles_in_class.count(item.title) == 1, (item.class_id, item.title)
            for grade in item.grades:
                stored = client.get_result(grade.result_id)
                assert stored["lineItem"]["sourcedId"] == item.line_item_id
                assert stored["scoreStatus"] == grade.body["scoreStatus"]
                assert stored.get("score") == grade.body.get("score")
                assert stored["student"]["sourcedId"].removeprefix("s") == grade.student.sis_user_id

        again = sync(course, client, state)
    assert again.status == "success" and again.message == "No changes: nothing to send"
    assert again.counts.grades_sent == again.counts.line_items_sent == 0
    assert again.requests == len({item.class_id for item in plan.items})  # one "still there?" read per section
    assert again.counts.grades_unchanged == plan.grades_to_send
    assert [entry["id"] for entry in state.history] == [report.id, again.id]


def test_the_same_tenant_syncs_over_1_1_and_1_2_alike(ic: MockIC, course: CanvasCourse) -> None:
    """One IC line item per assignment and section whichever connection sent it."""
    with client_for(ic, "1.1") as v1p1, client_for(ic, "1.2") as v1p2:
        first = sync(course, v1p1, SyncState(None))
        second = sync(course, v1p2, SyncState(None))
        assert first.status == second.status == "success"
        item = planned(course).items[0]
        assert [li["title"] for li in v1p2.class_line_items(item.class_id)].count(item.title) == 1
        # 1.1 filed it under Uncategorized (IC-LI-CATEGORY-1P1); the 1.2 PUT moved it into its category.
        assert v1p2.get_line_item(item.line_item_id)["category"]["sourcedId"] != "11111111-1111-1111-1111-111111111111"


def test_normal_sync_leaves_grades_older_than_30_days_and_remaster_sends_them(ic: MockIC,
                                                                              course: CanvasCourse) -> None:
    normal, remaster = planned(course), planned(course, remaster=True)
    old = {g.result_id for item in remaster.items for g in item.grades} - {
        g.result_id for item in normal.items for g in item.grades}
    assert old and normal.filtered_grades["older_than_since"] == len(old)
    with client_for(ic) as client:
        report = sync(course, client, SyncState(None))
        assert report.counts.grades_filtered["older_than_since"] == len(old)
        for rid in old:
            with pytest.raises(NotFound):
                client.get_result(rid)
        full = sync(course, client, SyncState(None), SyncOptions(remaster=True))
        assert full.status == "success" and full.since is None
        assert all(client.get_result(rid)["sourcedId"] == rid for rid in old)


def test_remaster_restores_the_canvas_score_after_a_teacher_edit_in_ic(ic: MockIC, course: CanvasCourse) -> None:
    """IC-RES-ONE-WAY: a teacher's change in IC stays until Canvas resends the grade."""
    state = SyncState(None)
    grade = next(g for item in planned(course).items for g in item.grades if g.body.get("score"))
    with client_for(ic) as client:
        assert sync(course, client, state).status == "success"
        assert ic.admin is not None
        ic.admin.teacher_edit(grade.result_id, score=0.5)
        normal = sync(course, client, state)
        assert normal.counts.grades_sent == 0 and client.get_result(grade.result_id)["score"] == 0.5
        remaster = sync(course, client, state, SyncOptions(remaster=True))
        assert remaster.status == "success"
        assert remaster.counts.grades_sent == planned(course, remaster=True).grades_to_send
        assert client.get_result(grade.result_id)["score"] == grade.body["score"]


def test_a_changed_canvas_grade_is_the_only_one_sent_again(ic: MockIC, course: CanvasCourse) -> None:
    state = SyncState(None)
    with client_for(ic) as client:
        sync(course, client, state)
        document = course.to_dict()
        grade = next(g for item in planned(course).items for g in item.grades if g.body.get("score"))
        submission = next(s for s in document["submissions"] if s["assignment_id"] == grade.submission.assignment_id
                          and s["user_id"] == grade.submission.user_id)
        submission["score"] = submission["entered_score"] = 1.0
        report = sync(load_course(document), client, state)
        assert report.counts.grades_sent == 1 and report.counts.line_items_sent == 0
        assert client.get_result(grade.result_id)["score"] == 1.0


def test_429_with_retry_after_and_two_503s_are_retried_and_the_sync_succeeds(ic: MockIC, course: CanvasCourse) -> None:
    assert ic.admin is not None
    ic.admin.add_fault(id="busy", method="PUT", path="*/results/*", times=1, status=429, retryAfter=1)
    ic.admin.add_fault(id="down", method="PUT", path="*/results/*", times=2, status=503, retryAfter=0)
    with client_for(ic, max_backoff=2.0) as client:
        report = sync(course, client, SyncState(None))
    assert report.status == "success", report.errors
    assert report.retries == 3
    assert report.counts.grades_sent == planned(course).grades_to_send


def test_a_dropped_connection_on_a_result_put_is_retried_without_a_duplicate(ic: MockIC, course: CanvasCourse) -> None:
    assert ic.admin is not None
    ic.admin.add_fault(id="drop", method="PUT", path="*/results/*", times=1, drop=True)
    with client_for(ic) as client:
        report = sync(course, client, SyncState(None))
        assert report.status == "success" and report.retries == 1
        for class_id in {item.class_id for item in planned(course).items}:
            ids = [r["sourcedId"] for r in client.class_results(class_id)]
            assert len(ids) == len(set(ids))
        sent = {g.result_id for item in planned(course).items for g in item.grades}
        stored = {r["sourcedId"] for c in {i.class_id for i in planned(course).items} for r in client.class_results(c)}
        assert sent <= stored


def count_in_flight(client: OneRosterClient) -> dict[str, int]:
    """``{"most": N}``: the most calls ``client`` had in flight at once from now on, counted around
    its ``_send`` (as the kit's transcript wraps it, conformance/transcript.py)."""
    seen = {"now": 0, "most": 0}
    lock = threading.Lock()
    send = client._send

    def counted(method: str, url: str, **kwargs: Any) -> Any:
        with lock:
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])
        try:
            return send(method, url, **kwargs)
        finally:
            with lock:
                seen["now"] -= 1

    client._send = counted  # type: ignore[method-assign]
    return seen


@pytest.mark.parametrize("concurrency", [2, 5])
def test_a_concurrent_sync_stays_within_its_limit_and_stores_every_grade(ic: MockIC, course: CanvasCourse,
                                                                         concurrency: int) -> None:
    """IC-LOAD: at most ``concurrency`` requests at once, the sync's own reads and line item PUTs
    included, although the next line item is pushed while the last one's results are in flight."""
    plan = planned(course, remaster=True)
    state = SyncState(None)
    with client_for(ic) as client:
        flight = count_in_flight(client)
        report = sync(course, client, state, SyncOptions(remaster=True), concurrency=concurrency)
        assert report.status == "success", report.errors
        assert 2 <= flight["most"] <= concurrency
        assert report.counts.line_items_sent == len(plan.items)
        assert report.counts.grades_sent == plan.grades_to_send
        for item in plan.items:
            stored = {r["sourcedId"]: r for r in client.line_item_results(item.class_id, item.line_item_id)}
            assert {g.result_id for g in item.grades} <= set(stored)
            for grade in item.grades:
                assert stored[grade.result_id].get("score") == grade.body.get("score")
        again = sync(course, client, state, concurrency=concurrency)
    assert again.message == "No changes: nothing to send"
    assert again.counts.grades_unchanged == planned(course).grades_to_send  # a normal sync's share of them


def test_a_concurrent_sync_reports_failed_grades_in_plan_order_and_counts_each_once(ic: MockIC,
                                                                                   course: CanvasCourse) -> None:
    """Answers come back in any order; the report is written in the order of the plan."""
    assert ic.admin is not None
    ic.admin.add_fault(id="refuse", method="PUT", path="*/results/*", every=4, status=422)
    plan = planned(course, remaster=True)
    order = {g.result_id: n for n, g in enumerate(g for item in plan.items for g in item.grades)}
    with client_for(ic) as client:
        report = sync(course, client, SyncState(None), SyncOptions(remaster=True), concurrency=5)
    refused = [e for e in report.errors if e.status == 422]
    assert report.status == "partial" and refused and len(refused) == len(report.errors)
    assert report.counts.grades_failed == len(refused) == plan.grades_to_send // 4
    assert report.counts.grades_sent + report.counts.grades_failed == plan.grades_to_send
    by_student = {(g.result_id.split("-u")[0], g.student.sis_user_id): g.result_id
                  for item in plan.items for g in item.grades}
    positions = [order[by_student[(f"canvas-{course.id}-a{e.assignment_id}-s"
                                   f"{next(i.section.id for i in plan.items if i.class_id == e.section)}",
                                   e.student)]] for e in refused]
    assert positions == sorted(positions)


def test_a_deadline_during_a_concurrent_sync_counts_every_grade_once(ic: MockIC, course: CanvasCourse) -> None:
    """Data Sync Job Timed Out with results in flight: each grade is sent, failed or timed out — one of them."""
    assert ic.admin is not None
    ic.admin.add_fault(id="slow", method="PUT", path="*/results/*", every=1, latencyMs=400)
    plan = planned(course, remaster=True)
    state = SyncState(None)
    with client_for(ic) as client:
        report = sync(course, client, state, SyncOptions(remaster=True), concurrency=5, deadline=3.0)
        assert Title.DATA_SYNC_JOB_TIMED_OUT in titles(report)
        assert titles(report) == {Title.DATA_SYNC_JOB_TIMED_OUT}
        assert report.counts.grades_sent + report.counts.grades_failed == plan.grades_to_send
        sent = [g for item in plan.items for g in item.grades if state.target(
            target_key(client.version, client.root)).result_digest(g.result_id) == g.digest]
        assert len(sent) == report.counts.grades_sent
        for grade in sent:
            assert client.get_result(grade.result_id)["sourcedId"] == grade.result_id
    timed_out = {(e.section, e.assignment_id) for e in report.errors}
    for item in plan.items:  # a line item whose grades all went out is not reported as timed out
        if all(g in sent for g in item.grades) and item.grades:
            assert (item.class_id, item.assignment.id) not in timed_out


SCENARIO_TITLES = {
    "assignment-cannot-be-created": (Title.ASSIGNMENT_CANNOT_BE_CREATED, 422),
    "assignment-dates-error": (Title.ASSIGNMENT_DATES_ERROR, 422),
    "assignment-scores-export-error": (Title.ASSIGNMENT_SCORES_EXPORT_ERROR, 500),
    "assignment-scores-export-put-error": (Title.ASSIGNMENT_SCORES_EXPORT_PUT_ERROR, 400),
    "cannot-export-submission-in-section": (Title.CANNOT_EXPORT_SUBMISSION_IN_SECTION, 422),
    "could-not-determine-class-or-grading-period": (Title.COULD_NOT_DETERMINE_CLASS_OR_GRADING_PERIOD, 422),
    "exchange-error": (Title.EXCHANGE_ERROR, 503),
    "data-sync-job-timed-out": (Title.DATA_SYNC_JOB_TIMED_OUT, None),
    "put-for-oneroster-error": (Title.PUT_FOR_ONEROSTER_ERROR, 400),
    "unable-to-process-score": (Title.UNABLE_TO_PROCESS_SCORE, 422),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIO_TITLES))
def test_each_sis_error_scenario_gives_its_canvas_title(ic: MockIC, course: CanvasCourse, scenario: str) -> None:
    """FAULT-SCENARIOS: each SIS-error scenario gives the Canvas error title it reproduces."""
    title, status = SCENARIO_TITLES[scenario]
    assert ic.admin is not None
    ic.admin.scenario(scenario)
    with client_for(ic, retries=1) as client:
        report = sync(course, client, SyncState(None), deadline=3.0 if scenario == "data-sync-job-timed-out" else None)
    assert report.status in ("partial", "failed")
    matching = [e for e in report.errors if e.title == title]
    assert matching, f"{scenario}: no {title!r} among {titles(report)}"
    assert all(e.status == status for e in matching)
    if status is not None:
        assert all(e.description for e in matching)
    assert all(e.section and e.assignment for e in matching)


def test_every_canvas_title_is_met_by_a_scenario() -> None:
    assert {title for title, _ in SCENARIO_TITLES.values()} == set(Title)


def test_multiple_matches_in_the_class_stop_that_assignment(ic: MockIC, course: CanvasCourse) -> None:
    item = graded_item(course)
    with client_for(ic) as client:
        template = {"title": item.title, "dueDate": item.due_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "assignDate": item.due_at.strftime("%Y-%m-%dT00:00:00Z"), "class": {"sourcedId": item.class_id},
                    "category": {"sourcedId": client.class_categories(item.class_id)[0]["sourcedId"]},
                    "resultValueMin": 0, "resultValueMax": 10}
        # IC refuses a duplicate title in a class (IC-LI-DUP-TITLE); another integration's twin got in anyway.
        assert ic.admin is not None
        ic.admin.settings(duplicate_title_check=False)
        client.put_line_item("other-1", template)
        client.put_line_item("other-2", template)
        report = sync(course, client, SyncState(None))
        assert report.status == "partial"
        [error] = [e for e in report.errors if e.section == item.class_id and e.assignment == item.title]
        assert error.title is Title.ASSIGNMENT_CANNOT_BE_CREATED
        assert error.message.startswith(f'Multiple matches found for "{item.title}" due on '
                                        f'{item.due_at.date().isoformat()} in OneRoster.')
        with pytest.raises(NotFound):
            client.get_line_item(item.line_item_id)
        assert item.grades
        for grade in item.grades:
            with pytest.raises(NotFound):
                client.get_result(grade.result_id)


def test_one_matching_ic_assignment_is_adopted_not_duplicated(ic: MockIC, course: CanvasCourse) -> None:
    item = graded_item(course)
    with client_for(ic) as client:
        client.put_line_item("made-in-ic-before", {
            "title": item.title, "dueDate": item.due_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "assignDate": item.due_at.strftime("%Y-%m-%dT00:00:00Z"), "class": {"sourcedId": item.class_id},
            "category": {"sourcedId": client.class_categories(item.class_id)[0]["sourcedId"]},
            "resultValueMin": 0, "resultValueMax": 10})
        state = SyncState(None)
        assert sync(course, client, state).status == "success"
        assert [li["title"] for li in client.class_line_items(item.class_id)].count(item.title) == 1
        assert item.grades
        for grade in item.grades:
            assert client.get_result(grade.result_id)["lineItem"]["sourcedId"] == "made-in-ic-before"
        again = sync(course, client, state)
        assert again.message == "No changes: nothing to send" and again.counts.grades_unchanged


def test_1_2_grading_category_not_found_lists_the_available_ones(ic: MockIC, course: CanvasCourse) -> None:
    document = course.to_dict()
    target = planned(course).items[0].assignment
    for assignment in document["assignments"]:
        if assignment["id"] == target.id:
            assignment["assignment_group"] = {**assignment["assignment_group"], "id": 999, "name": "Bonus Points"}
    renamed = load_course(document)
    with client_for(ic) as client:
        report = sync(renamed, client, SyncState(None))
        categories = {item.class_id: [c["title"] for c in client.class_categories(item.class_id)]
                      for item in planned(renamed).items}
    errors = [e for e in report.errors if e.assignment_id == target.id]
    assert errors and report.status == "partial"
    for error in errors:
        assert error.title is Title.ASSIGNMENT_CANNOT_BE_CREATED
        assert error.message.startswith('Grading category "Bonus Points" not found in Infinite Campus')
        assert all(f'"{title}"' in error.message for title in categories[error.section or ""])


def test_the_report_counts_each_eligibility_reason(ic: MockIC, course: CanvasCourse) -> None:
    with client_for(ic) as client:
        report = sync(course, client, SyncState(None), dry_run=True)
    filtered = report.counts.assignments_filtered
    for code in ReasonCode:
        if code not in (ReasonCode.COURSE_NO_SIS_ID, ReasonCode.COURSE_UNPUBLISHED):
            assert filtered[str(code)] >= 1, code
    assert report.counts.assignments_eligible == len({i.assignment.id for i in planned(course).items})


def test_dry_run_plans_and_sends_nothing(ic: MockIC, course: CanvasCourse) -> None:
    with client_for(ic) as client:
        report = sync(course, client, SyncState(None), dry_run=True)
        assert report.requests == 0 and client.stats.requests == 0
        item = planned(course).items[0]
        with pytest.raises(NotFound):
            client.get_line_item(item.line_item_id)
    assert report.mode == "dry-run" and report.status == "success"
    assert sum(row["grades"] for row in report.planned) == planned(course).grades_to_send


def test_sections_and_assignments_can_be_chosen(ic: MockIC, course: CanvasCourse) -> None:
    item = graded_item(course)
    options = SyncOptions(sections=frozenset({item.class_id}), assignments=frozenset({item.assignment.name}))
    with client_for(ic) as client:
        report = sync(course, client, SyncState(None), options)
        assert report.counts.line_items_sent == 1 and report.counts.grades_sent == len(item.grades) > 0
        other = next(i for i in planned(course).items if i.class_id != item.class_id)
        with pytest.raises(NotFound):
            client.get_line_item(other.line_item_id)


def test_an_unready_course_is_refused_with_canvas_reasons(ic: MockIC) -> None:
    unready = load_course(ROOT / "fixtures" / "canvas" / "course-not-ready.json")
    with client_for(ic) as client:
        report = sync(unready, client, SyncState(None))
    assert report.status == "failed" and report.requests == 0
    assert any("SIS ID" in e.message for e in report.errors)


def test_the_state_file_survives_between_runs(tmp_path: Path, ic: MockIC, course: CanvasCourse) -> None:
    path = tmp_path / "state" / "course.json"
    with client_for(ic) as client:
        first = sync(course, client, SyncState.load(path))
        second = sync(course, client, SyncState.load(path))
    assert first.counts.grades_sent and second.counts.grades_sent == 0
    assert [h["id"] for h in SyncState.load(path).history] == [first.id, second.id]


def test_result_ids_are_stable_and_distinct(course: CanvasCourse) -> None:
    plan = planned(course, remaster=True)
    ids = [g.result_id for item in plan.items for g in item.grades]
    assert len(ids) == len(set(ids))
    item = plan.items[0]
    grade = item.grades[0]
    assert grade.result_id == result_id(course, item.assignment, item.section, grade.student)


def test_on_1_1_results_name_the_role_prefixed_student_id(ic: MockIC, course: CanvasCourse) -> None:
    """IC-IDS: Canvas holds the 1.2 user id; on a 1.1 connection the client sends IC's ``s<id>``."""
    grade = graded_item(course).grades[0]
    with client_for(ic, "1.1") as client:
        assert sync(course, client, SyncState(None)).status == "success"
    assert ic.admin is not None
    [entry] = ic.admin.requests(method="PUT", path=f"*/results/{grade.result_id}")
    sent = json.loads(entry["request"]["body"])["result"]["student"]["sourcedId"]
    assert sent == f"s{grade.student.sis_user_id}"


@pytest.mark.parametrize("version", ["1.2", "1.1"])
def test_after_a_tenant_reset_a_normal_sync_resends_the_sections_whose_line_items_are_gone(
        ic: MockIC, course: CanvasCourse, version: str) -> None:
    """Stale sync state (issue 10): the state says sent, the server (reset to its seeded district) has none
    of it. One read per section finds that out; the section is sent again, line items and every grade."""
    plan, everything = planned(course, version), planned(course, version, remaster=True)
    sections = sorted({item.class_id for item in plan.items})
    state = SyncState(None)
    with client_for(ic, version) as client:
        assert sync(course, client, state).status == "success"
        assert ic.admin is not None
        ic.admin.reset()
        with pytest.raises(NotFound):
            client.get_line_item(plan.items[0].line_item_id)

        again = sync(course, client, state)
        assert again.status == "success", again.errors
        assert sorted(w.section or "" for w in again.warnings if w.title is None) == sections
        assert all("gone" in w.message for w in again.warnings if w.title is None)
        assert again.resent_sections == sections
        assert again.counts.line_items_sent == len(plan.items)
        assert again.counts.grades_sent == everything.grades_to_send and again.counts.grades_unchanged == 0
        assert again.message.endswith(f"; {len(sections)} section(s) resent: their line items were gone")
        for item in everything.items:
            assert [li["title"] for li in client.class_line_items(item.class_id)].count(item.title) == 1
            for grade in item.grades:
                assert client.get_result(grade.result_id)["lineItem"]["sourcedId"] == item.line_item_id

        third = sync(course, client, state)
    assert third.message == "No changes: nothing to send" and third.warnings == []
    assert third.requests == len(sections)  # the one check per section, nothing else


def test_a_section_that_cannot_be_checked_is_a_notice_and_the_state_is_trusted(ic: MockIC,
                                                                              course: CanvasCourse) -> None:
    state = SyncState(None)
    sections = sorted({item.class_id for item in planned(course).items})
    with client_for(ic, retries=0) as client:
        assert sync(course, client, state).status == "success"
        assert ic.admin is not None
        ic.admin.add_fault(id="broken", method="GET", path="*/lineItems/*", status=500, times=len(sections))
        again = sync(course, client, state)
    assert again.status == "success" and again.message == "No changes: nothing to send"
    assert sorted(w.section or "" for w in again.warnings) == sections
    assert all(w.title is None and w.status == 500 and w.message.startswith("Could not check that the line items")
               for w in again.warnings)
