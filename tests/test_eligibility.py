"""Canvas's SIS sync eligibility (docs/passback.md, "Eligibility"): every rule produces its named reason with
Canvas's wording, and the account settings decide the name limit and the due-date requirement."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from conformance.passback.canvas import Assignment, CanvasCourse, load_course
from conformance.passback.eligibility import (
    MESSAGES,
    EligibilitySettings,
    Reason,
    ReasonCode,
    assignment_reasons,
    course_reasons,
    eligible_assignments,
    learning_mastery_reasons,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "canvas"

# fixtures/canvas/eligibility-cases.json: each assignment and the reasons it must produce.
EXPECTED: dict[str, list[tuple[str, str]]] = {
    "Case: eligible": [],
    "Case: assignment_unpublished": [("assignment_unpublished", "The course and any assignments must be published.")],
    "Case: post_to_sis_off": [
        ("post_to_sis_off", "Assignments must be set to sync to Infinite Campus (Sync to SIS is off).")],
    "Case: not_graded": [("not_graded", "Non-graded assignment types cannot be synced to Infinite Campus.")],
    "Roll Call Attendance": [("attendance", "The Attendance assignment is not included in an Infinite Campus sync.")],
    "Case: attendance (legacy)": [
        ("attendance", "The Attendance assignment is not included in an Infinite Campus sync.")],
    "Case: differentiated (section)": [
        ("differentiated", "Infinite Campus does not support GPB for differentiated assignments.")],
    "Case: differentiated (student)": [
        ("differentiated", "Infinite Campus does not support GPB for differentiated assignments.")],
    "Case: due_date_missing": [("due_date_missing", "Due at cannot be blank when Post to Sis is checked")],
    "Case: override without due": [("due_date_missing", "Due at cannot be blank when Post to Sis is checked")],
    "Case: name_too_long, over thirty characters": [
        ("name_too_long", "The title cannot be longer than 30 characters")],
    "Case: no_graded_submissions": [
        ("no_graded_submissions", "Assignments must have at least one student grade entered.")],
}


@cache
def _cases_document() -> dict[str, Any]:
    return json.loads((FIXTURES / "eligibility-cases.json").read_text(encoding="utf-8"))


@cache
def cases() -> CanvasCourse:
    return load_course(FIXTURES / "eligibility-cases.json")


def case(name: str, course: CanvasCourse | None = None) -> Assignment:
    return next(a for a in (course or cases()).assignments if a.name == name)


def codes(reasons: list[Reason]) -> list[str]:
    return [reason.code for reason in reasons]


def with_changes(change: Any) -> CanvasCourse:
    document = copy.deepcopy(_cases_document())
    change(document)
    return load_course(document)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_case_produces_its_reason_code_and_canvas_message(name: str) -> None:
    assignment = case(name)
    reasons = assignment_reasons(cases(), assignment)
    assert [(r.code, r.message) for r in reasons] == EXPECTED[name]
    assert all(r.assignment_id == assignment.id and r.outcome_id is None for r in reasons)


def test_the_cases_file_holds_exactly_the_expected_assignments() -> None:
    assert sorted(a.name for a in cases().assignments) == sorted(EXPECTED)


def test_course_reasons_no_sis_id_and_unpublished() -> None:
    assert course_reasons(cases()) == []
    not_ready = load_course(FIXTURES / "course-not-ready.json")
    assert [(r.code, r.message, r.assignment_id) for r in course_reasons(not_ready)] == [
        ("course_no_sis_id", "Your course must have a SIS ID in Canvas to pass grades to Infinite Campus.", None),
        ("course_unpublished", "Grade data is not available for non-published courses", None),
    ]


def test_learning_mastery_outcomes_are_never_sent() -> None:
    reasons = learning_mastery_reasons(cases())
    assert [(r.code, r.outcome_id, r.assignment_id) for r in reasons] == [
        ("learning_mastery", 801, None), ("learning_mastery", 802, None)]
    assert reasons[0].message == "Learning Mastery Gradebook data is not included in an Infinite Campus sync."
    assert learning_mastery_reasons(load_course(FIXTURES / "course-not-ready.json")) == []


def test_every_reason_code_is_shown_by_a_fixture() -> None:
    shown = {r.code for a in cases().assignments for r in assignment_reasons(cases(), a)}
    shown |= {r.code for r in course_reasons(load_course(FIXTURES / "course-not-ready.json"))}
    shown |= {r.code for r in learning_mastery_reasons(cases())}
    assert shown == set(ReasonCode)
    assert set(MESSAGES) == set(ReasonCode)


def test_reason_codes_are_stable_strings() -> None:
    assert [code.value for code in ReasonCode] == [
        "course_no_sis_id", "course_unpublished", "assignment_unpublished", "post_to_sis_off", "not_graded",
        "attendance", "differentiated", "due_date_missing", "name_too_long", "no_graded_submissions",
        "learning_mastery"]
    assert ReasonCode.NAME_TOO_LONG == "name_too_long"


def test_demo_course_has_eight_eligible_and_one_assignment_per_rule() -> None:
    demo = load_course(FIXTURES / "demo-course.json")
    eligible, skipped = eligible_assignments(demo)
    assert [a.name for a in eligible] == ["Week 5 Homework", "Week 8 Quiz", "Week 10 Test", "Week 13 Homework",
                                          "Week 14 Homework", "Week 15 Quiz", "Week 16 Homework", "Week 16 Test"]
    assert [(a.name, r.code) for a, r in skipped] == [
        ("Retake Quiz (unpublished)", "assignment_unpublished"),
        ("Reading Notes (no SIS sync)", "post_to_sis_off"),
        ("Project Draft (no due date)", "due_date_missing"),
        ("Homework: Annotated Primary Source Reading", "name_too_long"),
        ("Makeup Quiz (one section)", "differentiated"),
        ("Unit Test (not graded yet)", "no_graded_submissions"),
        ("Roll Call Attendance", "attendance"),
        ("Exit Ticket (not graded)", "not_graded"),
    ]


# --------------------------------------------------------------------------------------------------
# Settings


def test_name_limit_comes_from_account_settings_and_can_be_overridden() -> None:
    long_name = case("Case: name_too_long, over thirty characters")  # 43 characters
    assert EligibilitySettings.from_course(cases()) == EligibilitySettings(name_length_limit=30, require_due_date=True)
    for limit, expected in ((40, ["name_too_long"]), (43, []), (50, []), (None, [])):
        settings = EligibilitySettings.from_course(cases(), name_length_limit=limit)
        assert codes(assignment_reasons(cases(), long_name, settings)) == expected
    reasons = assignment_reasons(cases(), long_name, EligibilitySettings.from_course(cases(), name_length_limit=12))
    assert reasons[0].message == "The title cannot be longer than 12 characters"


def test_name_limit_off_in_the_account_means_no_limit() -> None:
    course = with_changes(lambda d: d["account_settings"].update(sis_assignment_name_length=False))
    assert EligibilitySettings.from_course(course).name_length_limit is None
    assert assignment_reasons(course, case("Case: name_too_long, over thirty characters", course)) == []


def test_missing_account_settings_take_canvas_defaults() -> None:
    course = with_changes(lambda d: d.pop("account_settings"))
    assert course.account_settings.sis_assignment_name_length_input == 255
    assert EligibilitySettings.from_course(course) == EligibilitySettings(None, False)


def test_due_date_requirement_off_gives_no_due_date_reason() -> None:
    off = EligibilitySettings.from_course(cases(), require_due_date=False)
    for name in ("Case: due_date_missing", "Case: override without due"):
        assert assignment_reasons(cases(), case(name), off) == []
    course = with_changes(lambda d: d["account_settings"].update(sis_require_assignment_due_date=False))
    assert assignment_reasons(course, case("Case: due_date_missing", course)) == []


def test_unknown_setting_override_is_refused() -> None:
    with pytest.raises(TypeError):
        EligibilitySettings.from_course(cases(), name_limit=10)


# --------------------------------------------------------------------------------------------------
# Finer points of the rules


def test_name_and_due_date_rules_apply_only_with_sync_to_sis_on() -> None:
    """Canvas's AssignmentUtil checks them for post_to_sis assignments only."""
    def change(document: dict[str, Any]) -> None:
        item = next(a for a in document["assignments"] if a["name"] == "Case: post_to_sis_off")
        item.update(name="Case: post_to_sis_off, and a long name besides", due_at=None)

    course = with_changes(change)
    assignment = case("Case: post_to_sis_off, and a long name besides", course)
    assert codes(assignment_reasons(course, assignment)) == ["post_to_sis_off"]


def test_reasons_accumulate() -> None:
    def change(document: dict[str, Any]) -> None:
        item = next(a for a in document["assignments"] if a["name"] == "Case: no_graded_submissions")
        item.update(published=False, due_at=None, only_visible_to_overrides=True)

    course = with_changes(change)
    assert codes(assignment_reasons(course, case("Case: no_graded_submissions", course))) == [
        "assignment_unpublished", "differentiated", "due_date_missing", "no_graded_submissions"]


def test_muted_hidden_and_weightless_assignments_are_eligible() -> None:
    """Hidden (muted, unposted) assignments are sent like any other; group weights play no part."""
    def change(document: dict[str, Any]) -> None:
        item = next(a for a in document["assignments"] if a["name"] == "Case: eligible")
        item.update(muted=True, post_manually=True, omit_from_final_grade=True)
        item["assignment_group"]["group_weight"] = 0

    course = with_changes(change)
    assert assignment_reasons(course, case("Case: eligible", course)) == []


def test_excused_submissions_are_not_grades() -> None:
    def change(document: dict[str, Any]) -> None:
        target = next(a["id"] for a in document["assignments"] if a["name"] == "Case: eligible")
        for submission in document["submissions"]:
            if submission["assignment_id"] == target:
                submission.update(score=None, grade=None, excused=True)

    course = with_changes(change)
    assert codes(assignment_reasons(course, case("Case: eligible", course))) == ["no_graded_submissions"]


def test_section_override_with_its_own_due_date_stays_eligible() -> None:
    demo = load_course(FIXTURES / "demo-course.json")
    test = case("Week 16 Test", demo)
    assert test.section_overrides and assignment_reasons(demo, test) == []
