"""The demo Canvas courses in fixtures/canvas/, derived from the mock's demo district for a given ``today``.

A passback test needs a Canvas course whose sections, students and assignment groups exist in the demo
tenant: Canvas section SIS id = IC class sourcedId, Canvas ``sis_user_id`` = the IC 1.2 user sourcedId, and
assignment group names = the classes' category titles (IC-LI-CATEGORY-1P2). So the course is built from
``mock_ic.control.seed.generate`` rather than typed in, and a test checks that the committed files equal this output
for FIXTURE_TODAY (they can never drift from the district). The seed is fixed and nothing reads the clock:
only the dates follow ``today``, exactly as the district's school year does (IC-TERMS).

It lives on the server side because its whole point is to mirror the mock's district; the kit (conformance/)
never imports mock_ic, and this server-side tool does not import the kit: it writes the kit's course-file
format, whose id and version a test keeps equal to ``conformance.passback.canvas``.

    python -m mock_ic.control.demo_course --today 2026-11-25 > fixtures/canvas/demo-course.json
    python -m mock_ic.control.demo_course --write fixtures/canvas      # all three fixtures
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from mock_ic.control import seed

FORMAT, VERSION = "mock-ic/canvas-course", 1  # the kit's course-file format (conformance/passback/canvas.py)

FIXTURE_TODAY = date(2026, 11, 25)  # the date the committed fixtures were generated for
STUDENTS_PER_SECTION = 6  # a readable file; a real course would hold every student of the class
SECTIONS = 3
SCORE_SEED = 20261125  # scores and flags; fixed so every today gives the same grades

# Canvas ids are made up but stable (Canvas numbers everything with its own integers).
COURSE_ID, SECTION_BASE, USER_BASE, GROUP_BASE, ASSIGNMENT_BASE = 4101, 7301, 20101, 3101, 55001
ENROLLMENT_BASE, SUBMISSION_BASE, OUTCOME_BASE = 91001, 600001, 801

ACCOUNT_SETTINGS = {  # what a district using Infinite Campus over OneRoster 1.2 sets (names up to 30 characters)
    "sis_assignment_name_length": True,
    "sis_assignment_name_length_input": 30,
    "sis_require_assignment_due_date": True,
}

# "Week N <kind>": never one of the seed's IC-native titles ("Homework 1", "Unit 2 Test", ...), so the demo
# assignments cannot collide with a class's own line items (IC-LI-DUP-TITLE).
_KIND = {"Homework": "Homework", "Quizzes": "Quiz", "Tests": "Test", "Projects": "Project",
         "Participation": "Discussion", "Labs": "Lab", "Essays": "Essay", "Classwork": "Classwork",
         "Presentations": "Presentation", "Final Exam": "Exam"}
_SUBMISSION_TYPES = {"Quizzes": ["online_quiz"], "Tests": ["on_paper"], "Projects": ["online_upload"]}
_LETTERS = ((94, "A"), (90, "A-"), (87, "B+"), (84, "B"), (80, "B-"), (77, "C+"), (74, "C"), (70, "C-"),
            (67, "D+"), (64, "D"), (61, "D-"), (0, "F"))  # Canvas's default grading scheme


# --------------------------------------------------------------------------------------------------
# What the demo district offers


@dataclass(frozen=True)
class _Class:
    sourced_id: str
    title: str
    weights: dict[str, float]  # category title -> IC weight, in the class's order
    students: list[dict[str, Any]]  # IC user documents, by sourcedId


@dataclass(frozen=True)
class _Pick:
    """The IC course and classes the Canvas course mirrors, with the school year around ``today``."""

    course: dict[str, Any]
    classes: list[_Class]
    categories: list[str]  # category titles every chosen class has
    terms: list[tuple[date, date]]
    year_start: date
    year_end: date
    line_item_titles: set[str]  # the classes' IC-native titles, lower-cased


def _district(today: date) -> dict[str, list[dict[str, Any]]]:
    return seed.generate(seed.load_recipe("demo"), today=today)


def _pick(district: dict[str, list[dict[str, Any]]]) -> _Pick:
    """The high school course with full-year sections sharing the most categories (then the fewest students).

    Only dates in the district follow today, so the same course is chosen for every today.
    """
    school = [org for org in district["orgs"] if org["type"] == "school"][-1]["sourcedId"]  # the high school
    terms = {s["sourcedId"]: (date.fromisoformat(s["startDate"]), date.fromisoformat(s["endDate"]))
             for s in district["academicSessions"] if s["type"] == "term" and s["metadata"]["ic"]["school"] == school}
    users = {u["sourcedId"]: u for u in district["users"]}
    students: dict[str, list[dict[str, Any]]] = {}
    for e in district["enrollments"]:
        user = users[e["user"]["sourcedId"]]
        # IC-USERS: no-shows are never served, users without a portal account are absent in 1.1.
        if e["role"] == "student" and e["metadata"]["ic"]["noShow"] == "false" \
                and user["metadata"]["ic"]["portalAccount"] == "true":
            students.setdefault(e["class"]["sourcedId"], []).append(user)
    weights: dict[str, dict[str, float]] = {}
    for category in district["categories"]:
        weights.setdefault(category["metadata"]["ic"]["class"], {})[category["title"]] = category["weight"]
    by_course: dict[str, list[_Class]] = {}
    for cls in district["classes"]:
        if cls["school"]["sourcedId"] == school and len(cls["terms"]) == len(terms):  # full-year sections
            by_course.setdefault(cls["course"]["sourcedId"], []).append(_Class(
                cls["sourcedId"], cls["title"], weights.get(cls["sourcedId"], {}),
                sorted(students.get(cls["sourcedId"], []), key=lambda u: u["sourcedId"])))
    candidates = []
    for course_id, classes in by_course.items():
        chosen = classes[:SECTIONS]
        shared = [title for title in chosen[0].weights if all(title in c.weights for c in chosen)]
        if len(chosen) >= 2 and len(shared) >= 3:
            size = sum(len(c.students) for c in chosen)
            candidates.append(((-len(chosen), -len(shared), size, course_id), course_id, chosen, shared))
    if not candidates:
        raise RuntimeError("the demo district has no high school course with two full-year sections "
                           "sharing three categories")
    _, course_id, chosen, shared = min(candidates)
    ids = {c.sourced_id for c in chosen}
    spans = sorted(terms.values())
    return _Pick(course=next(c for c in district["courses"] if c["sourcedId"] == course_id), classes=chosen,
                 categories=shared, terms=spans, year_start=spans[0][0], year_end=spans[-1][1],
                 line_item_titles={li["title"].lower() for li in district["lineItems"]
                                   if li["class"]["sourcedId"] in ids})


# --------------------------------------------------------------------------------------------------
# The plan: which assignments, when, and how they are graded


@dataclass(frozen=True)
class _Plan:
    """One assignment. ``days``: its due date relative to the anchor day (negative: past; None: no due date)."""

    group: int  # index into the shared categories (wraps around)
    days: int | None
    points: float | None
    name: str | None = None  # default "Week N <kind>"
    grading_type: str = "points"
    grades: str = "points"  # points | halves | letters | attendance | none (nobody graded yet)
    late: int = 0  # how many students handed in late
    missing: int = 0
    excused: int = 0
    extra_credit: bool = False  # the first student scores above points_possible (IC-RES-EXTRA-CREDIT)
    published: bool = True
    post_to_sis: bool = True
    one_section: bool = False  # only visible to an override for the first section
    student_override: bool = False  # the first student has his own due date (an ADHOC override)
    second_section_due: str = "same"  # same | later (its override moves the date on a day) | none
    submission_types: tuple[str, ...] = ()


_DEMO_ELIGIBLE = (
    _Plan(0, -84, 10),
    _Plan(1, -63, 20, grades="halves"),
    _Plan(2, -49, 100, grading_type="letter_grade", grades="letters"),
    _Plan(0, -27, 10, late=3),
    _Plan(3, -20, 50, extra_credit=True),
    _Plan(1, -14, 20, grades="halves", excused=1),
    _Plan(0, -9, 10, missing=2),
    _Plan(2, -5, 100, grades="halves", second_section_due="later"),
)
_DEMO_INELIGIBLE = (  # one per Canvas rule (docs/passback.md, "Eligibility"), each named after it
    _Plan(1, -12, 20, name="Retake Quiz (unpublished)", published=False),
    _Plan(0, -7, 10, name="Reading Notes (no SIS sync)", post_to_sis=False),
    _Plan(3, None, 50, name="Project Draft (no due date)"),
    _Plan(0, -3, 10, name="Homework: Annotated Primary Source Reading"),  # over the 30-character limit
    _Plan(1, -6, 20, name="Makeup Quiz (one section)", one_section=True),
    _Plan(2, 7, 100, name="Unit Test (not graded yet)", grades="none"),
    _Plan(0, -1, 100, name="Roll Call Attendance", grades="attendance", submission_types=("external_tool",)),
    _Plan(0, -2, None, name="Exit Ticket (not graded)", grading_type="not_graded", grades="none",
          submission_types=("not_graded",)),
)
# fixtures/canvas/eligibility-cases.json: every assignment rule once, named after the reason code it shows.
_CASES = (
    _Plan(0, -20, 10, name="Case: eligible"),
    _Plan(0, -19, 10, name="Case: assignment_unpublished", published=False),
    _Plan(0, -18, 10, name="Case: post_to_sis_off", post_to_sis=False),
    _Plan(0, -17, None, name="Case: not_graded", grading_type="not_graded", grades="none",
          submission_types=("not_graded",)),
    _Plan(0, -16, 100, name="Roll Call Attendance", grades="attendance", submission_types=("external_tool",)),
    _Plan(0, -15, 10, name="Case: attendance (legacy)", submission_types=("attendance",)),
    _Plan(0, -14, 10, name="Case: differentiated (section)", one_section=True),
    _Plan(0, -13, 10, name="Case: differentiated (student)", student_override=True),
    _Plan(0, None, 10, name="Case: due_date_missing"),
    _Plan(0, -12, 10, name="Case: override without due", second_section_due="none"),  # due_date_missing
    _Plan(0, -11, 10, name="Case: name_too_long, over thirty characters"),
    _Plan(0, 5, 10, name="Case: no_graded_submissions", grades="none"),
)
_OUTCOMES = ("Analyzes primary sources", "Explains cause and effect")  # Learning Mastery columns


def _shown(value: float) -> str:
    """A score as Canvas writes it in ``grade``: "9", "8.5"."""
    return f"{value:g}"


def _letter(score: float, points: float) -> str:
    percent = 100 * score / points
    return next(letter for floor, letter in _LETTERS if percent >= floor)


class _Builder:
    """Turns the pick and the plans into a course file; every Canvas id comes from a counter."""

    def __init__(self, pick: _Pick, today: date, sections: int, students: int) -> None:
        self.pick, self.today = pick, today
        # Graded work needs a past: early in the year (or in July, before it starts) dates count from the 90th
        # day of the school year instead of today, and never from closer than 10 days to its end.
        self.anchor = min(max(today, pick.year_start + timedelta(days=90)), pick.year_end - timedelta(days=10))
        self.rng = random.Random(SCORE_SEED)
        self.classes = pick.classes[:sections]
        self.sections = [{"id": SECTION_BASE + i, "course_id": COURSE_ID, "name": c.title,
                          "sis_section_id": c.sourced_id, "integration_id": None}
                         for i, c in enumerate(self.classes)]
        self.users = self._users(students)
        self.groups = [{"id": GROUP_BASE + i, "name": title, "group_weight": self.classes[0].weights[title],
                        "sis_source_id": None, "integration_data": {}}
                       for i, title in enumerate(pick.categories)]
        self.assignments: list[dict[str, Any]] = []
        self.submissions: list[dict[str, Any]] = []

    def document(self, outcomes: bool) -> dict[str, Any]:
        course = self.pick.course
        document: dict[str, Any] = {
            "format": FORMAT, "version": VERSION, "exported_at": f"{self.today.isoformat()}T12:00:00Z",
            "course": {"id": COURSE_ID, "name": course["title"], "course_code": course["courseCode"],
                       "sis_course_id": course["sourcedId"], "workflow_state": "available",
                       "apply_assignment_group_weights": True},  # the groups carry the IC categories' weights
            "account_settings": dict(ACCOUNT_SETTINGS),
            "sections": self.sections, "users": self.users, "assignments": self.assignments,
            "submissions": self.submissions,
        }
        if outcomes:
            document["outcome_rollups"] = self.outcome_rollups()
        return document

    # -- people ------------------------------------------------------------------------------------

    def _users(self, per_section: int) -> list[dict[str, Any]]:
        users: list[dict[str, Any]] = []
        for section, cls in zip(self.sections, self.classes, strict=True):
            for person in cls.students[:per_section]:
                users.append(self._user(USER_BASE + len(users), person, section))
        # Canvas's "Test Student" (Student View) is in every course: no SIS id, never synced.
        test_id = USER_BASE + len(users)
        users.append({"id": test_id, "name": "Test Student", "sortable_name": "Student, Test",
                      "short_name": "Test Student", "sis_user_id": None, "integration_id": None, "login_id": None,
                      "enrollments": [self._enrollment(test_id, self.sections[0], "StudentViewEnrollment")]})
        return users

    def _user(self, user_id: int, person: dict[str, Any], section: dict[str, Any]) -> dict[str, Any]:
        given, family = person["givenName"], person["familyName"]
        return {"id": user_id, "name": f"{given} {family}", "sortable_name": f"{family}, {given}",
                "short_name": f"{given} {family}", "sis_user_id": person["sourcedId"], "integration_id": None,
                "login_id": person["username"],
                "enrollments": [self._enrollment(user_id, section, "StudentEnrollment")]}

    @staticmethod
    def _enrollment(user_id: int, section: dict[str, Any], kind: str) -> dict[str, Any]:
        return {"id": ENROLLMENT_BASE + user_id - USER_BASE, "user_id": user_id, "course_id": COURSE_ID,
                "course_section_id": section["id"], "sis_section_id": section["sis_section_id"],
                "type": kind, "role": kind, "enrollment_state": "active"}

    def students_of(self, sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = {s["id"] for s in sections}
        return [u for u in self.users if u["enrollments"][0]["type"] == "StudentEnrollment"
                and u["enrollments"][0]["course_section_id"] in ids]

    # -- dates -------------------------------------------------------------------------------------

    def day(self, days: int) -> date:
        """anchor + days, kept three days clear of every term boundary: shifting the course by whole years
        (where a leap day moves the generated terms by a day) never pushes a due date into another term."""
        day = self.anchor + timedelta(days=days)
        for start, end in self.pick.terms:
            if start <= day < start + timedelta(days=3):
                return start + timedelta(days=3)
            if end - timedelta(days=3) < day <= end:
                return end - timedelta(days=3)
        return day

    @staticmethod
    def due_text(day: date | None) -> str | None:
        return f"{day.isoformat()}T23:59:00Z" if day else None

    # -- assignments -------------------------------------------------------------------------------

    def add(self, plan: _Plan) -> None:
        assignment_id = ASSIGNMENT_BASE + len(self.assignments)
        category = self.pick.categories[plan.group % len(self.pick.categories)]
        due = self.day(plan.days) if plan.days is not None else None
        name = plan.name or self.week_name(category, due)
        taken = self.pick.line_item_titles | {a["name"].lower() for a in self.assignments}
        if name.lower() in taken:  # IC-LI-DUP-TITLE would refuse it, which is a scenario, not the demo
            raise RuntimeError(f"demo assignment name {name!r} is already a title in the class")
        types = list(plan.submission_types or _SUBMISSION_TYPES.get(category, ["online_upload"]))
        online = not {"on_paper", "external_tool", "not_graded"} & set(types)
        sections = self.sections[:1] if plan.one_section else self.sections
        students = self.students_of(sections)
        item: dict[str, Any] = {
            "id": assignment_id, "course_id": COURSE_ID, "name": name,
            "created_at": f"{((due or self.anchor) - timedelta(days=14)).isoformat()}T15:00:00Z",
            "due_at": self.due_text(due), "unlock_at": None, "lock_at": None, "points_possible": plan.points,
            "submission_types": types,
            "integration_id": None, "integration_data": {},
            "include_in_final_grade": plan.grading_type != "not_graded",
            "assignment_group": self.groups[plan.group % len(self.groups)],
            "sections": [self.section_entry(index, plan, due) for index in range(len(sections))],
            "published": plan.published, "post_to_sis": plan.post_to_sis, "grading_type": plan.grading_type,
            "only_visible_to_overrides": plan.one_section, "omit_from_final_grade": False,
        }
        if plan.student_override:
            first = students[0]
            item["user_overrides"] = [{"id": first["id"], "name": first["name"], "sis_user_id": first["sis_user_id"],
                                       "override": {"due_at": self.due_text(self.day((plan.days or 0) + 3))}}]
        self.assignments.append(item)
        for index, student in enumerate(students):
            self.submissions.append(self.submission(plan, assignment_id, student, index, due, online=online))

    def week_name(self, category: str, due: date | None) -> str:
        week = ((due or self.anchor) - self.pick.year_start).days // 7 + 1
        return f"Week {week} {_KIND.get(category, category)}"

    def section_entry(self, index: int, plan: _Plan, due: date | None) -> dict[str, Any]:
        section = self.sections[index]
        entry: dict[str, Any] = {
            "id": section["id"], "name": section["name"], "sis_id": section["sis_section_id"], "integration_id": None,
            "origin_course": {"id": COURSE_ID, "name": self.pick.course["title"],
                              "sis_id": self.pick.course["sourcedId"], "integration_id": None}}
        override_due: str | None
        if plan.one_section:
            override_due = self.due_text(due)
        elif index == 1 and plan.second_section_due == "later" and plan.days is not None:
            override_due = self.due_text(self.day(plan.days + 1))
        elif index == 1 and plan.second_section_due == "none":
            override_due = None
        else:
            return entry
        entry["override"] = {"override_title": section["name"], "due_at": override_due,
                             "unlock_at": None, "lock_at": None}
        return entry

    # -- submissions -------------------------------------------------------------------------------

    def submission(self, plan: _Plan, assignment_id: int, student: dict[str, Any], index: int,
                   due: date | None, *, online: bool) -> dict[str, Any]:
        draw = self.rng.random()  # one draw per submission whatever the plan: later grades never shift
        base: dict[str, Any] = {
            "id": SUBMISSION_BASE + len(self.submissions), "assignment_id": assignment_id, "user_id": student["id"],
            "score": None, "grade": None, "entered_score": None, "entered_grade": None, "excused": False,
            "late": False, "missing": False, "late_policy_status": None, "points_deducted": None,
            "graded_at": None, "submitted_at": None, "workflow_state": "unsubmitted",
        }
        handed_in = (due or self.anchor) - timedelta(days=1)
        if plan.grades == "none":
            return base
        if index in _picks(plan.missing, start=2, step=3):
            return {**base, "missing": True, "late_policy_status": "missing"}
        graded_at = f"{min((due or self.anchor) + timedelta(days=2), self.anchor - timedelta(days=1))}T15:30:00Z"
        if index in _picks(plan.excused, start=4, step=5):
            return {**base, "excused": True, "graded_at": graded_at, "workflow_state": "graded"}
        late = index in _picks(plan.late, start=1, step=4)
        points = plan.points or 0.0
        entered = self.score(plan, points, draw, extra=plan.extra_credit and index == 0)
        # Canvas's late policy: 10% of the points off the first late submission (score < entered_score).
        deducted = round(points * 0.1, 2) if late and index == 1 else 0.0
        score = max(entered - deducted, 0.0)
        grade = _letter(score, points) if plan.grading_type == "letter_grade" else _shown(score)
        entered_grade = _letter(entered, points) if plan.grading_type == "letter_grade" else _shown(entered)
        submitted = handed_in + timedelta(days=2) if late else handed_in
        return {**base, "score": score, "grade": grade, "entered_score": entered, "entered_grade": entered_grade,
                "late": late, "late_policy_status": "late" if late else None,
                "points_deducted": deducted if late else None, "graded_at": graded_at,
                "submitted_at": f"{submitted.isoformat()}T20:15:00Z" if online else None,
                "workflow_state": "graded"}

    @staticmethod
    def score(plan: _Plan, points: float, draw: float, *, extra: bool) -> float:
        if extra:
            return round(points * 1.06)  # e.g. 53 of 50: 50 + 3 extra credit
        if plan.grades == "attendance":
            return float(100 - 10 * int(draw * 3))  # Roll Call: the percentage of days present
        fraction = 0.55 + 0.45 * draw
        if plan.grades == "halves":
            return round(points * fraction * 2) / 2
        if plan.grades == "letters":
            return round(points * fraction, 1)
        return float(round(points * fraction))

    def outcome_rollups(self) -> dict[str, Any]:
        """The Learning Mastery Gradebook's data (Outcome Results API): rollup scores on a 4-point scale."""
        outcomes = [{"id": OUTCOME_BASE + i, "title": title, "points_possible": 4.0, "mastery_points": 3.0,
                     "calculation_method": "decaying_average"} for i, title in enumerate(_OUTCOMES)]
        rollups = []
        for user in self.students_of(self.sections):
            scores = [{"score": float(1 + int(self.rng.random() * 4)), "count": 1,
                       "links": {"outcome": str(outcome["id"])}} for outcome in outcomes]
            rollups.append({"scores": scores, "links": {
                "user": str(user["id"]), "section": str(user["enrollments"][0]["course_section_id"]),
                "status": "active"}})
        return {"rollups": rollups, "linked": {"outcomes": outcomes}}


def _picks(count: int, *, start: int, step: int) -> set[int]:
    """Which students (by position) a flag falls on: spread out, the same for every today."""
    return {start + step * i for i in range(count)}


# --------------------------------------------------------------------------------------------------
# The three fixtures


def build_demo_course(today: date) -> dict[str, Any]:
    """fixtures/canvas/demo-course.json: three sections of one demo course, eight eligible assignments (decimal,
    late, excused, missing and extra-credit scores; most graded in the 30 days before ``today``, some earlier)
    and one ineligible assignment per Canvas rule, plus Learning Mastery outcome scores."""
    builder = _Builder(_pick(_district(today)), today, SECTIONS, STUDENTS_PER_SECTION)
    for plan in (*_DEMO_ELIGIBLE, *_DEMO_INELIGIBLE):
        builder.add(plan)
    return builder.document(outcomes=True)


def build_eligibility_cases(today: date) -> dict[str, Any]:
    """fixtures/canvas/eligibility-cases.json: two sections of two students, one assignment per rule,
    each named after the reason code it produces (tests/test_eligibility.py holds the expected reasons)."""
    builder = _Builder(_pick(_district(today)), today, 2, 2)
    for plan in _CASES:
        builder.add(plan)
    return builder.document(outcomes=True)


def build_course_not_ready(today: date) -> dict[str, Any]:
    """fixtures/canvas/course-not-ready.json: the course-level rules, an unpublished course without a SIS id."""
    builder = _Builder(_pick(_district(today)), today, 1, 2)
    builder.add(_CASES[0])
    document = builder.document(outcomes=False)
    document["course"].update(sis_course_id=None, workflow_state="unpublished")
    return document


FIXTURES: dict[str, Callable[[date], dict[str, Any]]] = {
    "demo-course.json": build_demo_course,
    "eligibility-cases.json": build_eligibility_cases,
    "course-not-ready.json": build_course_not_ready,
}

# Lists whose items are written one per line: a person, a submission, a section is one line to read or diff.
_ONE_PER_LINE = frozenset({"users", "submissions", "sections", "user_overrides", "rollups"})


def render(document: dict[str, Any]) -> str:
    """The file text: indented JSON, except that the items of the _ONE_PER_LINE lists take one line each."""
    return _render(document, "", None) + "\n"


def _render(value: Any, pad: str, key: str | None) -> str:
    inner = pad + "  "
    if isinstance(value, list) and value:
        if key in _ONE_PER_LINE:
            items = [inner + json.dumps(item, ensure_ascii=False) for item in value]
        else:
            items = [inner + _render(item, inner, None) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k)}: {_render(v, inner, k)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    return json.dumps(value, ensure_ascii=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mock_ic.control.demo_course",
                                     description="Print (or write) the demo Canvas course files for a date.")
    parser.add_argument("--today", type=date.fromisoformat, default=FIXTURE_TODAY,
                        help=f"the day the course is exported (default {FIXTURE_TODAY}, the committed fixtures')")
    parser.add_argument("--kind", choices=sorted(FIXTURES), default="demo-course.json",
                        help="which file to print (default demo-course.json)")
    parser.add_argument("--write", metavar="DIR", type=Path, help="write every fixture into DIR instead of printing")
    args = parser.parse_args(argv)
    if args.write is None:
        sys.stdout.write(render(FIXTURES[args.kind](args.today)))
        return 0
    args.write.mkdir(parents=True, exist_ok=True)
    for name, build in FIXTURES.items():
        (args.write / name).write_text(render(build(args.today)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
