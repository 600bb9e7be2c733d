"""IC-GRADING-TASK: grading tasks and standards as IC's read-only line items, their score groups, their grading
windows, and the final grades posted to them, on OneRoster 1.1 and 1.2, and what the teacher sees of them.

Runs on a small tenant of its own (one high school: letter-grade tasks); the windows are opened and closed
through the admin API, as a user of the mock would.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from conformance.client import OneRosterClient
from conformance.passback.canvas import CanvasCourse, load_course
from conformance.passback.course_grade import current_grade
from conformance.passback.final_grades import final_result_id, sync_final_grades
from conformance.passback.plan import SyncOptions
from conformance.passback.sis_errors import Title
from conformance.passback.state import SyncState
from mock_ic.cli import main as cli_main
from mock_ic.control.runtime import Runtime
from mock_ic.control.seed import school_year_bounds
from mock_ic.ic import grading_tasks
from mock_ic.testing import MockIC
from tests.conftest import code_minor, fetch_token

ROOT = Path(__file__).resolve().parents[1]
APP = "gtasks"
BASES = {"1.2": f"/campus/api/oneroster/v1p2/{APP}/ims/oneroster/gradebook/v1p2",
         "1.1": f"/campus/oneroster/{APP}/ims/oneroster/v1p1"}
ROSTER = f"/campus/api/oneroster/v1p2/{APP}/ims/oneroster/rostering/v1p2"
ADMIN = f"/_mock/tenants/{APP}"
VERSIONS = ("1.1", "1.2")
_n = itertools.count(1)


@dataclass
class World:
    client: TestClient
    headers: dict[str, str]
    class_id: str
    tasks: list[dict[str, Any]]  # the class's grading tasks as 1.2 reads them
    students: list[str]
    outsider: str  # a student of the tenant who is not in the class

    def get(self, version: str, path: str, **params: Any) -> Any:
        return self.client.get(f"{BASES[version]}/{path}", headers=self.headers, params=params)

    def put(self, version: str, path: str, body: Any) -> Any:
        return self.client.put(f"{BASES[version]}/{path}", headers=self.headers, json=body)

    def delete(self, version: str, path: str) -> Any:
        return self.client.delete(f"{BASES[version]}/{path}", headers=self.headers)

    def task(self, title: str) -> dict[str, Any]:
        return next(task for task in self.tasks if task["title"] == title)

    def window(self, task: dict[str, Any], *, open: bool) -> None:
        period = task["gradingPeriod"]["sourcedId"]
        answer = self.client.put(f"{ADMIN}/grading-periods/{period}/window", json={"open": open})
        assert answer.status_code == 200, answer.text

    def view(self) -> dict[str, Any]:
        answer = self.client.get(f"{ADMIN}/classes/{self.class_id}/gradebook")
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def world(client: TestClient, runtime: Runtime) -> Iterator[World]:
    tenant = runtime.tenants.get(APP) or runtime.tenants.create(
        APP, recipe={"schools": 1, "students": 40, "teachers": 3, "courses": 3, "classes": 6})
    token = fetch_token(client, app_name=APP, client_id=tenant.client_id, client_secret=tenant.client_secret)
    headers = {"Authorization": f"Bearer {token}",
               "x-vendor-authorization": f"{tenant.vendor_key}:{tenant.vendor_secret}"}
    get = lambda path: client.get(f"{ROSTER}/{path}", headers=headers).json()  # noqa: E731
    classes = [c for c in get("classes?limit=10")["classes"] if len(c["terms"]) == 4]  # full-year: every task
    roster = {c["sourcedId"]: [s["sourcedId"] for s in get(f"classes/{c['sourcedId']}/students")["users"]]
              for c in classes}
    klass = classes[0]["sourcedId"]
    outsider = next(s for other in classes[1:] for s in roster[other["sourcedId"]] if s not in roster[klass])
    items = client.get(f"{BASES['1.2']}/classes/{klass}/lineItems", headers=headers).json()["lineItems"]
    tasks = [item for item in items if grading_tasks.WINDOW_OPEN in item.get("metadata", {})]
    yield World(client, headers, klass, tasks, roster[klass], outsider)
    client.patch(ADMIN, json={"settings": {"rules": {}, "closed_grading_periods": []}})


def _refused(answer: Any, status: int, rule: str, *words: str) -> str:
    """The refusal names its rule (RULE-SWITCH) and says what was wrong; returns the description."""
    assert answer.status_code == status, answer.text
    assert answer.headers["X-Mock-IC-Rule"] == rule
    body = answer.json()
    description = (body["statusInfoSet"][0] if "statusInfoSet" in body else body)["imsx_description"]
    assert description.startswith(f"[{rule}] "), description
    for word in words:
        assert word in description, (word, description)
    return description


# --- the district's grading tasks --------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_ic_grading_task_line_items_carry_the_three_strings_and_name_their_score_group(
        world: World, version: str) -> None:
    """A full-year class of a quarter school: Q1-Q4, S1, S2 and Final Grade, each with the three metadata strings,
    in no category (IC's placeholder); on 1.2 the task names its score group, a score scale of the class."""
    listed = world.get(version, f"classes/{world.class_id}/lineItems").json()["lineItems"]
    tasks = {item["title"]: item for item in listed if grading_tasks.WINDOW_OPEN in item.get("metadata", {})}
    assert set(tasks) == {"Q1 Grade", "Q2 Grade", "S1 Grade", "Q3 Grade", "Q4 Grade", "S2 Grade", "Final Grade"}
    for title, task in tasks.items():
        metadata = task["metadata"]
        assert metadata[grading_tasks.WINDOW_OPEN] == "true" and metadata[grading_tasks.IS_STANDARD] == "false"
        assert metadata[grading_tasks.IS_ONE_TIME] == ("true" if title == "Final Grade" else "false")
        assert metadata["ic"]["origin"] == "campus"
        assert task["category"]["sourcedId"] == "11111111-1111-1111-1111-111111111111"
        assert ("scoreScale" in task) == (version == "1.2")
    assert tasks["S1 Grade"]["gradingPeriod"] == tasks["Q2 Grade"]["gradingPeriod"]  # posted in its 2nd quarter
    if version == "1.2":
        scale = world.get("1.2", f"scoreScales/{tasks['Q1 Grade']['scoreScale']['sourcedId']}").json()["scoreScale"]
        assert scale["class"]["sourcedId"] == world.class_id
        assert [(v["itemValueLHS"], v["itemValueRHS"]) for v in scale["scoreScaleValue"]] == [
            ("90", "A"), ("80", "B"), ("70", "C"), ("60", "D"), ("0", "F")]


@pytest.mark.parametrize("version", VERSIONS)
def test_ic_grading_task_window_follows_its_term_and_the_grading_window_control(world: World, version: str) -> None:
    """IC-LI-GRADING-WINDOW's control closes a task's window with its term's grading period: a read says
    "false" (single and list), the teacher's view says closed; reopened, "true" again."""
    q2, q3 = world.task("Q2 Grade"), world.task("Q3 Grade")
    world.window(q2, open=False)
    try:
        single = world.get(version, f"lineItems/{q2['sourcedId']}").json()["lineItem"]
        assert single["metadata"][grading_tasks.WINDOW_OPEN] == "false"
        listed = {i["sourcedId"]: i for i in world.get(version, f"classes/{world.class_id}/lineItems").json()[
            "lineItems"]}
        assert listed[world.task("S1 Grade")["sourcedId"]]["metadata"][grading_tasks.WINDOW_OPEN] == "false"
        assert listed[q3["sourcedId"]]["metadata"][grading_tasks.WINDOW_OPEN] == "true"
        windows = {task["title"]: task["windowOpen"] for task in world.view()["gradingTasks"]}
        assert (windows["Q2 Grade"], windows["S1 Grade"], windows["Q3 Grade"]) == (False, False, True)
    finally:
        world.window(q2, open=True)
    assert world.get(version, f"lineItems/{q2['sourcedId']}").json()["lineItem"]["metadata"][
        grading_tasks.WINDOW_OPEN] == "true"


@pytest.mark.parametrize("version", VERSIONS)
def test_ic_li_owner_a_grading_task_and_its_score_group_are_read_only_for_vendors(world: World, version: str) -> None:
    """IC-LI-OWNER: a vendor PUT or DELETE of a grading task's line item (or, on 1.2, of its score group's score
    scale) is 403 forbidden, and nothing changes."""
    task = world.task("Q1 Grade")
    as_read = world.get(version, f"lineItems/{task['sourcedId']}").json()["lineItem"]
    renamed = {**{k: v for k, v in as_read.items() if k != "dateLastModified"}, "title": "Vendor's Q1"}
    _refused(world.put(version, f"lineItems/{task['sourcedId']}", {"lineItem": renamed}), 403, "IC-LI-OWNER",
             repr(task["sourcedId"]), "read-only")
    _refused(world.delete(version, f"lineItems/{task['sourcedId']}"), 403, "IC-LI-OWNER")
    assert world.get(version, f"lineItems/{task['sourcedId']}").json()["lineItem"]["title"] == "Q1 Grade"
    if version == "1.2":
        scale_id = task["scoreScale"]["sourcedId"]
        scale = world.get("1.2", f"scoreScales/{scale_id}").json()["scoreScale"]
        body = {"scoreScale": {**{k: v for k, v in scale.items() if k != "dateLastModified"},
                               "scoreScaleValue": [{"itemValueLHS": "50", "itemValueRHS": "A"}]}}
        assert code_minor(_json(world.put("1.2", f"scoreScales/{scale_id}", body), 403)) == "forbidden"
        _refused(world.delete("1.2", f"scoreScales/{scale_id}"), 403, "IC-LI-OWNER", "Score scale")
        assert world.get("1.2", f"scoreScales/{scale_id}").json()["scoreScale"]["scoreScaleValue"] == scale[
            "scoreScaleValue"]


def _json(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    return dict(answer.json())


def test_ic_view_grading_tasks_are_a_column_group_of_their_own(world: World) -> None:
    """IC-VIEW: the tasks are not assignment columns; they head their own group in order (a quarter's grade, its
    semester's, the final last), each with its score group; the page shows the group."""
    view = world.view()
    titles = [task["title"] for task in view["gradingTasks"]]
    assert titles == ["Q1 Grade", "Q2 Grade", "S1 Grade", "Q3 Grade", "Q4 Grade", "S2 Grade", "Final Grade"]
    assert not {task["sourcedId"] for task in view["gradingTasks"]} & {
        column["sourcedId"] for group in view["categories"] for column in group["lineItems"]}
    group = view["gradingTasks"][0]["scoreGroup"]
    assert [item["score"] for item in group["scores"]] == ["A", "B", "C", "D", "F"]
    assert all(set(row["taskGrades"]) == {task["sourcedId"] for task in view["gradingTasks"]}
               for row in view["students"])
    page = world.client.get(f"/_mock/ui/{APP}/classes/{world.class_id}")
    assert page.status_code == 200 and ">Grading tasks</th>" in page.text
    assert f'data-grading-task="{world.task("Final Grade")["sourcedId"]}"' in page.text


# --- posting grades ----------------------------------------------------------------------------------

def _student_ref(version: str, student: str) -> dict[str, str]:
    """IC-IDS: a 1.1 connection names a student by the prefixed id."""
    return {"sourcedId": f"s{student}" if version == "1.1" else student}


def _post(world: World, version: str, task: dict[str, Any], student: str, rid: str | None = None,
          **fields: Any) -> tuple[str, Any]:
    rid = rid or f"gt-res-{next(_n)}"
    body = {"result": {"lineItem": {"sourcedId": task["sourcedId"]}, "student": _student_ref(version, student),
                       "scoreStatus": "fully graded", **fields}}
    return rid, world.put(version, f"results/{rid}", body)


def _grade(fields: dict[str, Any]) -> dict[str, Any]:
    """What a test sends as the score: ``grade="A"`` -> ``metadata.ext_infiniteCampus_scoreGrade``."""
    grade = fields.pop("grade", None)
    if grade is not None:
        fields["metadata"] = {**fields.get("metadata", {}), grading_tasks.SCORE_GRADE: grade}
    return fields


def _posted(world: World, version: str, title: str, student: int = 0, **fields: Any) -> dict[str, Any]:
    rid, answer = _post(world, version, world.task(title), world.students[student], **_grade(fields))
    assert answer.status_code == 201, answer.text
    stored = world.get(version, f"results/{rid}").json()["result"]
    assert stored == answer.json()["result"]
    return dict(stored)


def _score(result: dict[str, Any]) -> Any:
    return result.get("metadata", {}).get(grading_tasks.SCORE_GRADE)


@pytest.mark.parametrize("version", VERSIONS)
def test_ic_grading_task_percent_alone_gets_the_score_of_its_minimum_percent(world: World, version: str) -> None:
    """A percent alone (in ``score``) gets the score of the highest minimum percent at or below it; on 1.2 the
    result also names the score group and carries the score in textScore."""
    for index, (percent, score) in enumerate([(91.5, "A"), (90, "A"), (89.99, "B"), (60, "D"), (0, "F"),
                                              (104, "A")]):
        stored = _posted(world, version, "Q1 Grade", index, score=percent)
        assert (stored["score"], _score(stored)) == (percent, score), (percent, stored)
        assert stored["metadata"][grading_tasks.IS_ASSIGNMENT_RESULT] == "false"
        assert stored["scoreStatus"] == "fully graded"
        if version == "1.2":
            assert stored["textScore"] == score
            assert stored["scoreScale"]["sourcedId"] == world.task("Q1 Grade")["scoreScale"]["sourcedId"]
        else:
            assert "textScore" not in stored and "scoreScale" not in stored


@pytest.mark.parametrize("version", VERSIONS)
def test_ic_grading_task_score_alone_must_be_in_the_group_and_leaves_the_percent_empty(
        world: World, version: str) -> None:
    """A score alone is stored as the group spells it, without a percent; one not in the group is 422 listing the
    group's scores (and nothing is stored); a grade with neither is 422."""
    stored = _posted(world, version, "Q2 Grade", 0, grade=" b ", scoreStatus="not submitted")
    assert (_score(stored), "score" in stored, stored["scoreStatus"]) == ("B", False, "fully graded")
    rid, unknown = _post(world, version, world.task("Q2 Grade"), world.students[1], **_grade({"grade": "E"}))
    _refused(unknown, 422, "IC-GRADING-TASK", "'E'", "'Q2 Grade'", "A (from 90%)", "F (from 0%)")
    assert world.get(version, f"results/{rid}").status_code == 404
    _, nothing = _post(world, version, world.task("Q2 Grade"), world.students[1])
    _refused(nothing, 422, "IC-GRADING-TASK", "needs a percent", grading_tasks.SCORE_GRADE)
    _, wrong_type = _post(world, version, world.task("Q2 Grade"), world.students[1], metadata={
        grading_tasks.SCORE_GRADE: ["A"]})
    _refused(wrong_type, 422, "IC-GRADING-TASK", "['A']")


@pytest.mark.parametrize("version", VERSIONS)
def test_ic_grading_task_both_given_keep_by_default_else_as_the_setting_says(world: World, version: str) -> None:
    """[model] Both a percent and a score: kept as sent by default (the score must still be the group's); the
    tenant setting grading_task_both_given makes the percent decide, or refuses a disagreement."""
    stored = _posted(world, version, "Q3 Grade", 0, score=95, grade="B")
    assert (stored["score"], _score(stored)) == (95, "B")
    _, unknown = _post(world, version, world.task("Q3 Grade"), world.students[1], score=95, **_grade({"grade": "Z"}))
    _refused(unknown, 422, "IC-GRADING-TASK", "'Z'")
    try:
        world.client.patch(ADMIN, json={"settings": {"grading_task_both_given": "percent"}})
        assert _score(_posted(world, version, "Q3 Grade", 1, score=95, grade="B")) == "A"
        world.client.patch(ADMIN, json={"settings": {"grading_task_both_given": "reject"}})
        assert _score(_posted(world, version, "Q3 Grade", 2, score=85, grade="b")) == "B"  # they agree
        _, disagree = _post(world, version, world.task("Q3 Grade"), world.students[3], score=95,
                            **_grade({"grade": "B"}))
        _refused(disagree, 422, "IC-GRADING-TASK", "'B'", "95", "'A'", "grading_task_both_given")
    finally:
        world.client.patch(ADMIN, json={"settings": {"grading_task_both_given": "keep"}})


@pytest.mark.parametrize("version", VERSIONS)
def test_ic_grading_task_closed_window_refuses_grades_until_reopened(world: World, version: str) -> None:
    """IC-LI-GRADING-WINDOW: a grade posted to a task whose window is closed is 422 naming the task; reopened,
    the same grade is taken."""
    task = world.task("Q4 Grade")
    world.window(task, open=False)
    try:
        rid, closed = _post(world, version, task, world.students[0], score=88)
        _refused(closed, 422, "IC-LI-GRADING-WINDOW", "'Q4 Grade'", "closed")
        assert world.get(version, f"results/{rid}").status_code == 404
    finally:
        world.window(task, open=True)
    _, reopened = _post(world, version, task, world.students[0], score=88)
    assert reopened.status_code == 201 and _score(reopened.json()["result"]) == "B"


@pytest.mark.parametrize("version", VERSIONS)
def test_ic_grading_task_student_not_enrolled_refused(world: World, version: str) -> None:
    """IC-RES-UPSERT: a grade for a student who is not actively enrolled in the task's class is 422."""
    rid, answer = _post(world, version, world.task("Final Grade"), world.outsider, score=75)
    _refused(answer, 422, "IC-RES-UPSERT", world.outsider, world.class_id)
    assert world.get(version, f"results/{rid}").status_code == 404


def test_ic_grading_task_1p2_text_score_carries_the_score_as_the_setting_says(world: World) -> None:
    """[model] On 1.2 a vendor may send the score as textScore; naming another score than the metadata is 422;
    with grading_task_text_score off, textScore is neither read nor written for a task."""
    stored = _posted(world, "1.2", "S1 Grade", 0, textScore="c")
    assert (_score(stored), stored["textScore"], "score" in stored) == ("C", "C", False)
    _, differ = _post(world, "1.2", world.task("S1 Grade"), world.students[1], textScore="A",
                      **_grade({"grade": "B"}))
    _refused(differ, 422, "IC-GRADING-TASK", "'A'", "'B'", "different scores")
    try:
        world.client.patch(ADMIN, json={"settings": {"grading_task_text_score": False}})
        _, text_only = _post(world, "1.2", world.task("S1 Grade"), world.students[1], textScore="A")
        _refused(text_only, 422, "IC-GRADING-TASK", "needs a percent")
        stored = _posted(world, "1.2", "S1 Grade", 1, score=72, textScore="as sent")
        assert (_score(stored), stored["textScore"]) == ("C", "as sent")
    finally:
        world.client.patch(ADMIN, json={"settings": {"grading_task_text_score": True}})


def test_ic_grading_task_assignment_results_say_they_are_assignment_results(world: World) -> None:
    """Every result IC stores says which it is: an assignment's says ext_infiniteCampus_isAssignmentResult
    "true", and is not touched otherwise (no score derived)."""
    assignment = next(item for item in world.get("1.2", f"classes/{world.class_id}/lineItems").json()["lineItems"]
                      if grading_tasks.WINDOW_OPEN not in item.get("metadata", {}))
    _, answer = _post(world, "1.2", assignment, world.students[0], score=7, textScore="seven")
    stored = answer.json()["result"]
    assert answer.status_code == 201 and stored["metadata"] == {grading_tasks.IS_ASSIGNMENT_RESULT: "true"}
    assert stored["textScore"] == "seven" and "scoreScale" not in stored


def test_ic_view_posted_task_grades_show_percent_and_score(world: World) -> None:
    """IC-VIEW: the teacher sees each posted task grade, percent and score, the one written last."""
    final = world.task("Final Grade")
    student = world.students[4]
    _post(world, "1.2", final, student, "gt-view-1", score=71)
    _, latest = _post(world, "1.1", final, student, "gt-view-2", score=93.25)  # a tie in time: sourcedId order
    row = next(r for r in world.view()["students"] if r["sourcedId"] == student)
    cell = row["taskGrades"][final["sourcedId"]]
    assert (cell["percent"], cell["score"], cell["resultSourcedId"]) == (93.25, "A", latest.json()["result"][
        "sourcedId"])
    page = world.client.get(f"/_mock/ui/{APP}/classes/{world.class_id}").text
    assert f'data-task-result="{cell["resultSourcedId"]}"' in page and "93.25%" in page


# --- the reference client: Canvas's current grade, posted as a final grade ----------------------------

def _canvas(weighted: bool, groups: dict[str, float | None], assignments: list[dict[str, Any]],
            scores: dict[int, dict[str, Any]]) -> CanvasCourse:
    """A one-section, one-student Canvas course: ``assignments`` as (id, group, points, extra fields),
    ``scores`` the student's submission fields by assignment id."""
    group_ids = {name: 3000 + n for n, name in enumerate(groups)}
    return load_course({
        "format": "mock-ic/canvas-course", "version": 1, "exported_at": "2026-11-25T12:00:00Z",
        "course": {"id": 1, "sis_course_id": "c1", "workflow_state": "available",
                   "apply_assignment_group_weights": weighted},
        "sections": [{"id": 10, "sis_section_id": "s1"}, {"id": 11, "sis_section_id": "s2"}],
        "users": [{"id": 100, "sis_user_id": "u1", "enrollments": [
            {"type": "StudentEnrollment", "enrollment_state": "active", "course_section_id": 10}]}],
        "assignments": [{"due_at": None, "submission_types": ["online_upload"], **a, "assignment_group": {
            "id": group_ids[a["assignment_group"]], "name": a["assignment_group"],
            "group_weight": groups[a["assignment_group"]]}} for a in assignments],
        "submissions": [{"assignment_id": aid, "user_id": 100, "workflow_state": "graded", **fields}
                        for aid, fields in scores.items()],
    })


def _assignment(aid: int, group: str, points: float, **fields: Any) -> dict[str, Any]:
    return {"id": aid, "name": f"A{aid}", "points_possible": points, "assignment_group": group, **fields}


BOOK = [_assignment(1, "Homework", 10), _assignment(2, "Homework", 20), _assignment(3, "Tests", 10),
        _assignment(4, "Tests", 50, published=False), _assignment(5, "Tests", 50, omit_from_final_grade=True),
        _assignment(6, "Tests", 50, grading_type="not_graded", submission_types=["not_graded"]),
        _assignment(7, "Tests", 50, only_visible_to_overrides=True, sections=[{"id": 11}]),
        _assignment(8, "Homework", 40), _assignment(9, "Homework", 40)]
SCORES = {1: {"score": 8}, 2: {"score": 15}, 3: {"score": 9}, 4: {"score": 0}, 5: {"score": 0}, 6: {"score": 0},
          7: {"score": 0}, 8: {"score": 0, "excused": True}, 9: {"score": None, "workflow_state": "unsubmitted"}}


@pytest.mark.parametrize("weighted, weights, expected", [
    (False, {"Homework": 60, "Tests": 40}, 80.0),  # (8 + 15 + 9) / (10 + 20 + 10)
    (True, {"Homework": 60, "Tests": 40}, 82.0),  # 23/30 * 60 + 9/10 * 40
    (True, {"Homework": 40, "Tests": 20}, 81.11),  # weights below 100 are shared out: (30.67 + 18) / 60
    (True, {"Homework": 80, "Tests": 40}, 97.33),  # 120 in all: not divided
    (True, {"Homework": 0, "Tests": None}, None),  # weights summing to 0: no grade
])
def test_canvas_current_grade_by_points_or_weighted_groups(weighted: bool, weights: dict[str, float | None],
                                                           expected: float | None) -> None:
    """Canvas's current grade: unpublished, omitted, not-graded, other sections' and excused or ungraded work
    leave it; points add up, or weighted groups with graded work count (course_grade.py says whence)."""
    course = _canvas(weighted, weights, BOOK, SCORES)
    assert current_grade(course, course.students[0]) == expected


def test_canvas_current_grade_ungraded_group_left_out_and_nothing_graded_is_none() -> None:
    course = _canvas(True, {"Homework": 60, "Tests": 40}, BOOK[:3], {1: {"score": 8}, 2: {"score": 15}})
    assert current_grade(course, course.students[0]) == 76.67  # 23/30, the Tests weight shared out
    assert current_grade(_canvas(False, {"Homework": None}, BOOK[:1], {}), course.students[0]) is None


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[MockIC, CanvasCourse]]:
    """A demo-district tenant of its own and the demo Canvas course moved into the school year it serves."""
    course = load_course(ROOT / "fixtures" / "canvas" / "demo-course.json")
    served = school_year_bounds(date.today())[0].year
    course = course.shifted(served - school_year_bounds(course.exported_at.date())[0].year)
    with MockIC() as mock:
        yield mock, course


def _client(mock: MockIC, version: str) -> OneRosterClient:
    return OneRosterClient(base_url=mock.gradebook_url if version == "1.2" else mock.v1p1_url,
                           token_url=mock.token_url, client_id=mock.client_id, client_secret=mock.client_secret,
                           vendor_key=mock.vendor_key, vendor_secret=mock.vendor_secret, version=version)


@pytest.mark.parametrize("version", VERSIONS)
def test_ic_grading_task_demo_course_final_grades_pass_back_show_in_the_view_and_a_second_run_sends_nothing(
        demo: tuple[MockIC, CanvasCourse], version: str) -> None:
    """`mock-ic passback --final-grades "S1 Grade"`: every student's current Canvas grade (weighted groups, as
    the demo course says) is posted as a percent to the section's S1 Grade, IC gives it its score, the teacher
    sees both; a second run with the same state sends nothing."""
    mock, course = demo
    state = SyncState(None)
    with _client(mock, version) as client:
        report = sync_final_grades(course, client, state, SyncOptions(), "s1 grade")
        again = sync_final_grades(course, client, state, SyncOptions(), "s1 grade")
    students = [s for s in course.students if s.sis_user_id]
    assert report.status == "success", report.errors
    assert report.counts.grades_sent == len(students) == 18 and report.mode == "final-grades"
    assert again.status == "success" and again.message == "No changes: nothing to send"
    assert (again.counts.grades_sent, again.counts.grades_unchanged) == (0, len(students))
    for section in course.sections:
        view = mock.admin.gradebook(str(section.sis_section_id))
        task = next(t for t in view["gradingTasks"] if t["title"] == "S1 Grade")
        rows = {row["sourcedId"]: row["taskGrades"][task["sourcedId"]] for row in view["students"]}
        for student in course.students_of_section(str(section.sis_section_id)):
            percent = current_grade(course, student)
            cell = rows[str(student.sis_user_id)]
            assert cell["percent"] == percent
            assert cell["score"] == next(s["score"] for s in task["scoreGroup"]["scores"] if percent >= s["minPercent"])
            assert cell["resultSourcedId"] == final_result_id(course, task["sourcedId"], student)


def test_ic_grading_task_final_grades_go_to_the_only_open_task_else_the_report_says_why(
        demo: tuple[MockIC, CanvasCourse]) -> None:
    """Without a task named, each class's only open grading task; none or several open, a named task closed or
    unknown: one error per section, titled "Could Not Determine Class or Grading Period", nothing sent."""
    mock, course = demo
    with _client(mock, "1.2") as client:
        several = sync_final_grades(course, client, SyncState(None), SyncOptions())
        unknown = sync_final_grades(course, client, SyncState(None), SyncOptions(), "Q9 Grade")
        section = str(course.sections[0].sis_section_id)
        tasks = {li["title"]: li for li in client.class_line_items(section)
                 if grading_tasks.WINDOW_OPEN in li.get("metadata", {})}
        later = [tasks[title]["gradingPeriod"]["sourcedId"] for title in ("Q2 Grade", "Q3 Grade", "Q4 Grade")]
        for period in later:
            mock.admin.close_grading_period(period)
        try:
            only = sync_final_grades(course, client, SyncState(None), SyncOptions())
            closed = sync_final_grades(course, client, SyncState(None), SyncOptions(), "Q4 Grade")
        finally:
            for period in later:
                mock.admin.close_grading_period(period, open=True)
    for report, words in ((several, "7 grading tasks are open"), (unknown, 'No grading task named "Q9 Grade"'),
                          (closed, 'grading task "Q4 Grade" is closed')):
        assert report.status == "failed" and report.counts.grades_sent == 0
        assert len(report.errors) == len(course.sections)
        assert all(e.title == Title.COULD_NOT_DETERMINE_CLASS_OR_GRADING_PERIOD and words in e.message
                   for e in report.errors), report.errors
    assert only.status == "success" and only.counts.grades_sent == 18
    q1, first = tasks["Q1 Grade"]["sourcedId"], course.students_of_section(section)[0]
    rows = {row["sourcedId"]: row for row in mock.admin.gradebook(section)["students"]}
    assert rows[str(first.sis_user_id)]["taskGrades"][q1]["resultSourcedId"] == final_result_id(course, q1, first)


def test_passback_final_grades_dry_run_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    """`mock-ic passback --final-grades TASK --dry-run` plans from the course file alone: per section, the
    students with a current grade."""
    code = cli_main(["passback", str(ROOT / "fixtures" / "canvas" / "demo-course.json"), "--final-grades",
                     "S1 Grade", "--dry-run", "--no-state"])
    out = capsys.readouterr().out
    assert code == 0 and "Dry run: would send 18 final grade(s) (final grades → 'S1 Grade')" in out


# --- the kit --------------------------------------------------------------------------------------------

# The rules a grade posted to a grading task meets, and the profiles whose kit run must name each one.
KIT_CASES = {"ic-1.2": ["IC-GRADING-TASK", "IC-LI-GRADING-WINDOW", "IC-RES-UPSERT", "IC-LI-OWNER"],
             "ic-1.1": ["IC-GRADING-TASK"]}
KIT_RUN = """
import io, json, sys
from pathlib import Path
from conformance.mutants import Mutant, run_mutants
from conformance.runner import RunConfig, run
cases, suites = json.loads(sys.argv[1]), Path(sys.argv[2])
for profile, rules in cases.items():
    config = RunConfig(profile=profile, suites=("gradebook",), in_process=True, examples=1, suites_dir=suites)
    print(json.dumps({"profile": profile, "rule": None, "caught": not run(config, out=io.StringIO()).passed}))
    for outcome in run_mutants(config, [Mutant(f"{rule} switched off", rule=rule) for rule in rules]):
        print(json.dumps({"profile": profile, "rule": outcome.mutant.rule, "caught": outcome.caught,
                          "named": outcome.named}))
"""


def test_ic_grading_task_the_kit_fails_naming_each_grading_task_rule_switched_off(tmp_path: Path) -> None:
    """The kit's grading-task probes alone (the gradebook suite cut down to them) pass against the mock and
    fail, naming the rule, against a mock with IC-GRADING-TASK, IC-LI-GRADING-WINDOW, IC-RES-UPSERT or
    IC-LI-OWNER switched off (RULE-SWITCH); IC-GRADING-TASK on ic-1.1 too. A process of its own, as
    tests/test_kit_catches.py runs the kit."""
    (tmp_path / "test_gradebook.py").write_text(
        "from conformance.suites.test_gradebook import (  # noqa: F401\n"
        "    gradebook, test_ic_grading_task_grades_are_a_percent_or_a_score_of_the_task_score_group,\n"
        "    test_ic_li_owner_line_items_made_in_ic_are_read_only)\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", KIT_RUN, json.dumps(KIT_CASES), str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    outcomes = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [(o["profile"], o["rule"]) for o in outcomes] == [
        (profile, rule) for profile, rules in KIT_CASES.items() for rule in [None, *rules]]
    for outcome in outcomes:
        assert outcome["caught"] == (outcome["rule"] is not None), outcome
