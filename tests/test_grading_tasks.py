"""IC-GRADING-TASK: grading tasks and standards as IC's read-only line items, their score groups, their grading
windows, and the final grades posted to them, on OneRoster 1.1 and 1.2, and what the teacher sees of them.

Runs on a small tenant of its own (one high school: letter-grade tasks); the windows are opened and closed
through the admin API, as a user of the mock would.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_ic.control.runtime import Runtime
from mock_ic.ic import grading_tasks
from tests.conftest import code_minor, fetch_token

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
