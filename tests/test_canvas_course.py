"""The Canvas course file (docs/passback.md, "The course file"): loading, schema errors, lookups, time shifts,
and the demo fixtures, which must mirror the mock's demo district and equal their generator's output."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conformance.passback.canvas import CanvasCourse, CourseFileError, load_course, schema, shift_document
from mock_ic.control import demo_course as generator
from mock_ic.control import seed

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "canvas"
DEMO_FILE = FIXTURES / "demo-course.json"


@cache
def _demo_document() -> dict[str, Any]:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def demo_document() -> dict[str, Any]:
    return copy.deepcopy(_demo_document())


@cache
def loaded_demo() -> CanvasCourse:
    return load_course(DEMO_FILE)


@cache
def district(today: date) -> dict[str, list[dict[str, Any]]]:
    return seed.generate(seed.load_recipe("demo"), today=today)


def by_name(course: CanvasCourse, name: str) -> Any:
    return next(a for a in course.assignments if a.name == name)


# --------------------------------------------------------------------------------------------------
# Loading and the model


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_demo_course_loads_with_its_sections_students_and_assignments() -> None:
    course = loaded_demo()
    assert course.published and course.sis_course_id == "2657" and course.name == "Physical Education"
    assert [s.sis_section_id for s in course.sections] == ["49740", "49763", "49815"]
    assert len(course.students) == 18  # the Test Student (StudentViewEnrollment) is not a student
    assert all(s.sis_user_id for s in course.students)
    assert len(course.assignments) == 16
    assert [g.name for g in course.assignment_groups] == ["Homework", "Quizzes", "Tests"]
    assert course.account_settings.name_length_limit == 30
    assert course.exported_at == datetime.fromisoformat("2026-11-25T12:00:00+00:00")


def test_lookups_students_of_section_submissions_of_and_section_sis_ids_of() -> None:
    course = loaded_demo()
    first = course.students_of_section("49740")
    assert len(first) == 6 and all(course.section(7301) is not None and 7301 in s.section_ids for s in first)
    assert course.students_of_section("no-such-section") == ()
    everyone = by_name(course, "Week 5 Homework")
    assert course.section_sis_ids_of(everyone) == ("49740", "49763", "49815")
    assert {s.assignment_id for s in course.submissions_of(everyone.id)} == {everyone.id}
    assert len(course.submissions_of(everyone.id)) == 18
    one_section = by_name(course, "Makeup Quiz (one section)")
    assert one_section.only_visible_to_overrides
    assert course.section_sis_ids_of(one_section) == ("49740",)
    assert course.submissions_of(999) == ()


def test_section_override_gives_that_section_its_own_due_date() -> None:
    course = loaded_demo()
    test = by_name(course, "Week 16 Test")
    first, second = course.sections[0].id, course.sections[1].id
    assert test.due_at_for(first) == test.due_at
    assert test.due_at is not None and test.due_at_for(second) == test.due_at + timedelta(days=1)
    assert not test.only_visible_to_overrides  # still assigned to everyone


def test_demo_scores_cover_decimals_extra_credit_excused_late_missing() -> None:
    course = loaded_demo()
    points = {a.id: a.points_possible for a in course.assignments}
    graded = [s for s in course.submissions if s.has_grade]
    assert any(s.score is not None and s.score != int(s.score) for s in graded)  # IC-RES-DECIMAL
    assert any(s.score is not None and s.score > (points[s.assignment_id] or 0) for s in graded)  # extra credit
    assert any(s.excused and s.score is None for s in course.submissions)
    assert any(s.late and s.entered_score is not None and s.score is not None and s.score < s.entered_score
               for s in course.submissions)  # Canvas's late policy took points off
    assert any(s.missing and s.score is None for s in course.submissions)


def test_demo_graded_at_mostly_within_30_days_some_older() -> None:
    course = loaded_demo()
    cutoff = course.exported_at - timedelta(days=30)
    dates = {s.graded_at for s in course.submissions if s.graded_at}
    assert all(d < course.exported_at for d in dates)
    recent = [d for d in dates if d >= cutoff]
    older = [d for d in dates if d < cutoff]
    assert older and len(recent) > len(older)


def test_sis_api_only_shape_loads_with_the_defaults_the_sis_api_implies() -> None:
    """A bare SIS Integration API answer: no published/post_to_sis/grading_type, no per-assignment sections."""
    document = demo_document()
    for field in ("published", "post_to_sis", "grading_type", "only_visible_to_overrides", "omit_from_final_grade",
                  "sections", "created_at", "unlock_at", "lock_at"):
        document["assignments"][0].pop(field)
    assignment = load_course(document).assignments[0]
    assert (assignment.published, assignment.post_to_sis, assignment.grading_type) == (True, True, "points")
    assert not assignment.only_visible_to_overrides
    assert assignment.section_ids == (7301, 7302, 7303)


def test_shorter_sis_section_list_means_only_visible_to_overrides() -> None:
    """The SIS API lists only the override sections of an override-only assignment."""
    document = demo_document()
    item = document["assignments"][0]
    item.pop("only_visible_to_overrides")
    item["sections"] = item["sections"][:1]
    course = load_course(document)
    assert course.assignments[0].only_visible_to_overrides
    assert course.section_sis_ids_of(course.assignments[0]) == ("49740",)


def test_grouped_user_overrides_shape_is_read() -> None:
    """Canvas writes students sharing one override as id = [students] (Api::V1::SisAssignment)."""
    document = demo_document()
    document["assignments"][0]["user_overrides"] = [
        {"id": 20101, "name": "A", "sis_user_id": "71361", "override": {"due_at": "2026-09-03T23:59:00Z"}},
        {"id": [{"id": 20102, "name": "B", "sis_user_id": "71386"}, {"id": 20103, "name": "C", "sis_user_id": None}],
         "override": {"due_at": "2026-09-04T23:59:00Z"}},
    ]
    assert load_course(document).assignments[0].user_override_ids == (20101, 20102, 20103)


def test_enrollment_may_name_its_section_by_sis_id() -> None:
    document = demo_document()
    enrollment = document["users"][0]["enrollments"][0]
    del enrollment["course_section_id"]
    assert load_course(document).students[0].section_ids == (7301,)


def test_to_dict_returns_the_file_as_read() -> None:
    assert loaded_demo().to_dict() == _demo_document()


# --------------------------------------------------------------------------------------------------
# Errors name the JSON path and the value


@pytest.mark.parametrize(("change", "json_path", "fragment"), [
    (lambda d: d["assignments"][0].update(points_possible="ten"),
     "$.assignments[0].points_possible", "'ten' is not of type 'number', 'null'"),
    (lambda d: d["assignments"][2].pop("due_at"), "$.assignments[2]", "'due_at' is a required property"),
    (lambda d: d["submissions"][5].update(graded_at="2026-13-01T00:00:00Z"),
     "$.submissions[5].graded_at", "'2026-13-01T00:00:00Z' is not a 'date-time'"),
    (lambda d: d["course"].update(workflow_state="published"), "$.course.workflow_state", "'published' is not one of"),
    (lambda d: d.update(format="canvas"), "$.format", "'mock-ic/canvas-course' was expected"),
    (lambda d: d.update(colour="blue"), "$", "('colour' was unexpected)"),
    (lambda d: d["account_settings"].update(sis_assignment_name_length_input=300),
     "$.account_settings.sis_assignment_name_length_input", "300 is greater than the maximum of 255"),
    (lambda d: d["users"][1]["enrollments"][0].pop("course_section_id") and
     d["users"][1]["enrollments"][0].pop("sis_section_id"),
     "$.users[1].enrollments[0]", "needs one of: course_section_id, sis_section_id"),
])
def test_schema_error_names_path_and_value(change: Any, json_path: str, fragment: str) -> None:
    document = demo_document()
    change(document)
    with pytest.raises(CourseFileError) as caught:
        load_course(document)
    assert caught.value.json_path == json_path
    assert fragment in caught.value.message
    assert json_path in str(caught.value)


def test_duplicate_id_and_unknown_section_are_reported_with_their_path() -> None:
    document = demo_document()
    document["assignments"][3]["id"] = document["assignments"][1]["id"]
    with pytest.raises(CourseFileError, match=r"\$\.assignments\[3\]\.id: duplicate id 55002"):
        load_course(document)
    document = demo_document()
    document["users"][2]["enrollments"][0]["course_section_id"] = 999
    with pytest.raises(CourseFileError, match=r"\$\.users\[2\]\.enrollments\[0\]: section 999 is not one"):
        load_course(document)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ', encoding="utf-8")
    with pytest.raises(CourseFileError) as caught:
        load_course(broken)
    assert caught.value.path == str(broken) and caught.value.json_path == "$"
    assert str(caught.value).startswith(f"{broken}: $: not JSON")
    listed = tmp_path / "list.json"
    listed.write_text("[]", encoding="utf-8")
    with pytest.raises(CourseFileError, match="must be a JSON object"):
        load_course(listed)
    with pytest.raises(CourseFileError, match="cannot read the file"):
        load_course(tmp_path / "missing.json")


# --------------------------------------------------------------------------------------------------
# Moving the course in time


def test_shifted_moves_every_timestamp_by_exactly_n_years() -> None:
    course = loaded_demo()
    for years in (1, -1, 3):
        moved = course.shifted(years)
        assert moved.exported_at == course.exported_at.replace(year=course.exported_at.year + years)
        for before, after in zip(course.assignments, moved.assignments, strict=True):
            for name in ("due_at", "created_at"):
                old, new = getattr(before, name), getattr(after, name)
                assert (old is None and new is None) or new == old.replace(year=old.year + years)
            for o_before, o_after in zip(before.section_overrides, after.section_overrides, strict=True):
                assert o_before.due_at is None or o_after.due_at == o_before.due_at.replace(
                    year=o_before.due_at.year + years)
        for before, after in zip(course.submissions, moved.submissions, strict=True):
            assert before.graded_at is None or after.graded_at == before.graded_at.replace(
                year=before.graded_at.year + years)
            assert (before.score, before.user_id) == (after.score, after.user_id)
    assert course.shifted(0) == course


def test_shift_keeps_the_text_form_and_turns_29_february_into_28() -> None:
    moved = shift_document({"due_at": "2028-02-29T23:59:00Z", "graded_at": "2026-11-20T08:00:00-06:00",
                            "name": "2026-01-01T00:00:00Z", "nested": [{"lock_at": None}]}, 1)
    assert moved == {"due_at": "2029-02-28T23:59:00Z", "graded_at": "2027-11-20T08:00:00-06:00",
                     "name": "2026-01-01T00:00:00Z", "nested": [{"lock_at": None}]}


def test_generator_for_next_year_equals_the_shifted_course() -> None:
    """IC-TERMS: only dates follow today, so next year's demo course is this year's moved by one year."""
    assert load_course(generator.build_demo_course(date(2027, 11, 25))) == loaded_demo().shifted(1)


@pytest.mark.parametrize("years", [-1, 1, 2])
def test_shifted_due_dates_stay_inside_that_years_class_terms(years: int) -> None:
    """A later test or CLI moves the demo course into the school year the mock serves on another day."""
    course = loaded_demo().shifted(years)
    today = generator.FIXTURE_TODAY.replace(year=generator.FIXTURE_TODAY.year + years)
    terms = _class_terms(district(today))
    for assignment in course.assignments:
        for section in course.sections_of(assignment):
            due = assignment.due_at_for(section.id)
            if due is not None:
                spans = terms[section.sis_section_id or ""]
                assert any(start <= due.date() <= end for start, end in spans), (assignment.name, due)


# --------------------------------------------------------------------------------------------------
# The demo course mirrors the demo district


def _class_terms(docs: dict[str, list[dict[str, Any]]]) -> dict[str, list[tuple[date, date]]]:
    sessions = {s["sourcedId"]: s for s in docs["academicSessions"]}
    return {c["sourcedId"]: [(date.fromisoformat(sessions[t["sourcedId"]]["startDate"]),
                              date.fromisoformat(sessions[t["sourcedId"]]["endDate"])) for t in c["terms"]]
            for c in docs["classes"]}


def test_demo_course_uses_real_demo_classes_students_and_categories() -> None:
    """Section SIS id = IC class sourcedId; sis_user_id = IC 1.2 user sourcedId (unprefixed, IC-IDS) of a student
    actively enrolled in that class; group names = the class's category titles (IC-LI-CATEGORY-1P2)."""
    docs, course = district(generator.FIXTURE_TODAY), loaded_demo()
    classes = {c["sourcedId"]: c for c in docs["classes"]}
    users = {u["sourcedId"]: u for u in docs["users"]}
    assert {classes[s.sis_section_id or ""]["course"]["sourcedId"] for s in course.sections} == {"2657"}
    enrolled = {(e["user"]["sourcedId"], e["class"]["sourcedId"]) for e in docs["enrollments"]
                if e["role"] == "student" and e["metadata"]["ic"]["noShow"] == "false"}
    for student in course.students:
        assert not (student.sis_user_id or "").startswith("s")  # the 1.2 id; 1.1 calls this user "s" + id
        assert users[student.sis_user_id or ""]["metadata"]["ic"]["legacySourcedId"] == f"s{student.sis_user_id}"
        for section in (course.section(section_id) for section_id in student.section_ids):
            assert section is not None and (student.sis_user_id, section.sis_section_id) in enrolled
    categories: dict[str, set[str]] = {}
    for category in docs["categories"]:
        categories.setdefault(category["metadata"]["ic"]["class"], set()).add(category["title"])
    for group in course.assignment_groups:
        assert all(group.name in categories[s.sis_section_id or ""] for s in course.sections)


def test_demo_due_dates_fall_in_class_terms_and_names_are_new_to_the_class() -> None:
    docs, course = district(generator.FIXTURE_TODAY), loaded_demo()
    terms = _class_terms(docs)
    section_ids = {s.sis_section_id for s in course.sections}
    ic_titles = {li["title"].lower() for li in docs["lineItems"] if li["class"]["sourcedId"] in section_ids}
    for assignment in course.assignments:
        assert assignment.name.lower() not in ic_titles  # IC-LI-DUP-TITLE is a scenario, not the demo
        for section in course.sections_of(assignment):
            due = assignment.due_at_for(section.id)
            if due is not None:
                assert any(start <= due.date() <= end for start, end in terms[section.sis_section_id or ""])


# --------------------------------------------------------------------------------------------------
# The generator and the committed fixtures


@pytest.mark.parametrize("name", sorted(generator.FIXTURES))
def test_committed_fixture_equals_generator_output(name: str) -> None:
    """Regenerate with: python -m mock_ic.control.demo_course --write fixtures/canvas"""
    built = generator.FIXTURES[name](generator.FIXTURE_TODAY)
    assert (FIXTURES / name).read_text(encoding="utf-8") == generator.render(built)
    load_course(FIXTURES / name)  # and it is a valid course file


def test_generator_is_deterministic() -> None:
    today = date(2027, 3, 2)
    first, second = generator.build_demo_course(today), generator.build_demo_course(today)
    assert first == second and generator.render(first) == generator.render(second)
    assert first["exported_at"] == "2027-03-02T12:00:00Z"


def test_generator_early_in_the_school_year_keeps_dates_in_the_year() -> None:
    """On 10 August there is no past to grade: dates count from the 90th day of the school year instead."""
    course = load_course(generator.build_demo_course(date(2026, 8, 10)))
    start, end = seed.school_year_bounds(date(2026, 8, 10))
    dues = [a.due_at.date() for a in course.assignments if a.due_at]
    assert all(start <= d <= end for d in dues)


def test_cli_prints_and_writes_the_fixtures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert generator.main(["--today", "2026-11-25", "--kind", "course-not-ready.json"]) == 0
    assert capsys.readouterr().out == (FIXTURES / "course-not-ready.json").read_text(encoding="utf-8")
    assert generator.main(["--write", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(generator.FIXTURES)
    assert (tmp_path / "demo-course.json").read_text(encoding="utf-8") == DEMO_FILE.read_text(encoding="utf-8")


def test_the_generator_writes_the_kits_course_file_format() -> None:
    from conformance.passback import canvas

    assert (generator.FORMAT, generator.VERSION) == (canvas.FORMAT, canvas.VERSION)
