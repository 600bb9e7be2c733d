"""The district generator (mock_ic/control/seed.py): IC-TERMS, IC-IDS, IC-USERS and 1.2 schema validity.

The demo district is generated once per module; a hypothesis property runs the same structural
checks over small random recipes, which reach the corner cases (one school, no classes, fewer
courses than classes per student) that the demo never does.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
import yaml
from hypothesis import given
from hypothesis import strategies as st
from referencing.jsonschema import DRAFT202012

from mock_ic.control import grading_tasks, seed
from mock_ic.ic import grading_tasks as tasks_of_ic
from mock_ic.ic.rules import UNCATEGORIZED
from mock_ic.resources import fixtures_dir, openapi_dir

Doc = dict[str, Any]
District = dict[str, list[Doc]]

TODAY = date(2026, 10, 1)
REF_KINDS = {"org": "orgs", "academicSession": "academicSessions", "course": "courses", "class": "classes",
             "user": "users", "category": "categories", "lineItem": "lineItems", "scoreScale": "scoreScales",
             "assessmentLineItem": "assessmentLineItems"}
GRADEBOOK_KINDS = {"categories", "lineItems", "results", "scoreScales", "assessmentLineItems", "assessmentResults"}


@pytest.fixture(scope="module")
def recipe() -> seed.Recipe:
    return seed.load_recipe("demo")


@pytest.fixture(scope="module")
def district(recipe: seed.Recipe) -> District:
    return seed.generate(recipe, today=TODAY)


# --------------------------------------------------------------------------------------------------
# Helpers: indexes over a generated district and the structural checks shared by demo and property


def by_id(district: District, kind: str) -> dict[str, Doc]:
    return {doc["sourcedId"]: doc for doc in district[kind]}


def primary_role(user: Doc) -> str:
    return next(role["role"] for role in user["roles"] if role["roleType"] == "primary")


def day(stamp: str) -> date:
    return date.fromisoformat(stamp[:10])


def refs_in(value: Any) -> list[dict[str, str]]:
    """Every GUIDRef (a dict with href, sourcedId and type) anywhere inside a document."""
    if isinstance(value, list):
        return [ref for item in value for ref in refs_in(item)]
    if not isinstance(value, dict):
        return []
    if {"href", "sourcedId", "type"} <= value.keys():
        return [value]
    return [ref for item in value.values() for ref in refs_in(item)]


def check_references(district: District) -> None:
    ids = {kind: {doc["sourcedId"] for doc in docs} for kind, docs in district.items()}
    for kind, docs in district.items():
        for doc in docs:
            for ref in refs_in(doc):
                target = REF_KINDS[ref["type"]]
                service = "gradebook" if target in GRADEBOOK_KINDS else "rostering"
                assert set(ref) == {"href", "sourcedId", "type"}, (kind, doc["sourcedId"], ref)
                assert ref["href"] == f"/ims/oneroster/{service}/v1p2/{target}/{ref['sourcedId']}", ref
                if target == "categories" and ref["sourcedId"] == UNCATEGORIZED:
                    continue  # a grading task is in no category: IC's placeholder (IC-GRADING-TASK)
                assert ref["sourcedId"] in ids[target], f"{kind} {doc['sourcedId']} -> missing {ref}"


def check_common_fields(district: District) -> None:
    assert set(district) == set(seed.KINDS)
    for kind, docs in district.items():
        assert len({doc["sourcedId"] for doc in docs}) == len(docs), f"duplicate sourcedId in {kind}"
        for doc in docs:
            assert doc["status"] == "active"
            assert re.fullmatch(r"\d{4}-08-01T00:00:00\.000Z", doc["dateLastModified"]), doc


def check_ids(district: District) -> None:
    """IC-IDS: integer-like ids, `<termID>-GP`, s/t enrollments and legacy ids, composed line item ids."""
    for kind in ("orgs", "courses", "classes", "users", "categories"):
        assert all(doc["sourcedId"].isdigit() for doc in district[kind]), kind
    sessions = by_id(district, "academicSessions")
    for session in sessions.values():
        if session["type"] == "gradingPeriod":
            term_id = session["parent"]["sourcedId"]
            assert session["sourcedId"] == f"{term_id}-GP" and sessions[term_id]["type"] == "term"
        else:
            assert session["sourcedId"].isdigit()
    users = by_id(district, "users")
    for user in users.values():
        assert user["metadata"]["ic"]["legacySourcedId"] == primary_role(user)[0] + user["sourcedId"]
    for enrollment in district["enrollments"]:
        prefix = "s" if enrollment["role"] == "student" else "t"
        assert re.fullmatch(prefix + r"\d+", enrollment["sourcedId"]), enrollment["sourcedId"]
    for item in district["lineItems"]:
        section_and_term = item["class"]["sourcedId"] + item["academicSession"]["sourcedId"]
        task_id = item["sourcedId"].removeprefix(section_and_term)
        assert task_id != item["sourcedId"] and task_id.isdigit(), item["sourcedId"]
    for demographics in district["demographics"]:
        assert str(uuid.UUID(demographics["sourcedId"], version=4)) == demographics["sourcedId"]


def check_calendars(district: District, today: date) -> None:
    """IC-TERMS: per school one school year containing today, split into contiguous terms, each with
    a grading period of the same dates."""
    start, end = seed.school_year_bounds(today)
    sessions = by_id(district, "academicSessions")
    years = [s for s in sessions.values() if s["type"] == "schoolYear"]
    schools = {org["sourcedId"] for org in district["orgs"] if org["type"] == "school"}
    assert sorted(year["metadata"]["ic"]["school"] for year in years) == sorted(schools)
    for year in years:
        assert (year["startDate"], year["endDate"]) == (start.isoformat(), end.isoformat())
        terms = [sessions[ref["sourcedId"]] for ref in year["children"]]
        assert terms[0]["startDate"] == year["startDate"] and terms[-1]["endDate"] == year["endDate"]
        for earlier, later in itertools.pairwise(terms):
            assert day(later["startDate"]) == day(earlier["endDate"]) + timedelta(days=1)
        for term in terms:
            assert term["type"] == "term" and term["parent"]["sourcedId"] == year["sourcedId"]
            assert term["startDate"] <= term["endDate"]
            (period_ref,) = term["children"]
            period = sessions[period_ref["sourcedId"]]
            assert period["type"] == "gradingPeriod" and period["parent"]["sourcedId"] == term["sourcedId"]
            assert (period["startDate"], period["endDate"]) == (term["startDate"], term["endDate"])
        chain = [year, *terms, *(sessions[t["children"][0]["sourcedId"]] for t in terms)]
        assert {s["metadata"]["ic"]["school"] for s in chain} == {year["metadata"]["ic"]["school"]}
        assert {s["schoolYear"] for s in chain} == {str(end.year)}
    assert len(sessions) == len(years) * (1 + 2 * len(years[0]["children"]))


def check_classes(district: District) -> None:
    sessions = by_id(district, "academicSessions")
    courses = by_id(district, "courses")
    for section in district["classes"]:
        school = section["school"]["sourcedId"]
        assert courses[section["course"]["sourcedId"]]["org"]["sourcedId"] == school
        terms = [sessions[ref["sourcedId"]] for ref in section["terms"]]
        assert terms and all(t["type"] == "term" and t["metadata"]["ic"]["school"] == school for t in terms)
        assert section["classType"] == "scheduled"


def check_enrollments(district: District, recipe: seed.Recipe) -> None:
    """Students only in classes of their own school; one primary teacher per class; term-span dates."""
    users, classes = by_id(district, "users"), by_id(district, "classes")
    sessions = by_id(district, "academicSessions")
    teachers_of: Counter[str] = Counter()
    classes_of: defaultdict[str, list[str]] = defaultdict(list)
    for enrollment in district["enrollments"]:
        user, section = users[enrollment["user"]["sourcedId"]], classes[enrollment["class"]["sourcedId"]]
        assert enrollment["school"] == section["school"]
        assert enrollment["role"] == primary_role(user)
        terms = [sessions[ref["sourcedId"]] for ref in section["terms"]]
        assert enrollment["beginDate"] == terms[0]["startDate"]
        assert enrollment["endDate"] == terms[-1]["endDate"]
        if enrollment["role"] == "teacher":
            teachers_of[section["sourcedId"]] += 1
            assert enrollment["primary"] == "true"
            assert section["school"]["sourcedId"] in {role["org"]["sourcedId"] for role in user["roles"]}
        else:
            assert enrollment["primary"] == "false"
            assert user["primaryOrg"] == section["school"]
            classes_of[user["sourcedId"]].append(section["sourcedId"])
    assert teachers_of == dict.fromkeys(classes, 1)  # exactly one teacher enrollment per class
    school_classes = Counter(section["school"]["sourcedId"] for section in classes.values())
    for user in users.values():
        if primary_role(user) == "student":
            taken = classes_of[user["sourcedId"]]
            offered = school_classes[user["primaryOrg"]["sourcedId"]]
            assert len(set(taken)) == len(taken) == min(recipe.classes_per_student, offered)


def check_users(district: District) -> None:
    """IC-USERS: unique e-mail addresses (clients look teachers up by email), linked demographics."""
    users = district["users"]
    for field in ("email", "username", "identifier"):
        values = [user[field] for user in users]
        assert len(set(values)) == len(values), f"duplicate {field}"
    guids = [user["metadata"]["ic"]["personGUID"] for user in users if primary_role(user) == "student"]
    assert sorted(guids) == sorted(doc["sourcedId"] for doc in district["demographics"])
    for user in users:
        primary = [role for role in user["roles"] if role["roleType"] == "primary"]
        assert len(primary) == 1 and user["primaryOrg"] == primary[0]["org"]
        assert user["metadata"]["ic"]["portalAccount"] in {"true", "false"}
        assert user["enabledUser"] == "true"


def assignments(district: District) -> list[Doc]:
    """The IC-native assignments: the line items that are not grading tasks (IC-GRADING-TASK)."""
    return [item for item in district["lineItems"] if not tasks_of_ic.is_grading_task(item)]


def task_scales(district: District) -> set[str]:
    """The score scales that are grading tasks' score groups."""
    return {item["scoreScale"]["sourcedId"] for item in district["lineItems"] if tasks_of_ic.is_grading_task(item)}


def check_gradebooks(district: District, recipe: seed.Recipe) -> None:
    """IC-TERMS / IC-LI-DUE-DATE: each IC-native item is due inside one of its class's terms and sits in
    that term's grading period; its category is one of the class's (IC-LI-CATEGORY-1P2)."""
    classes, sessions = by_id(district, "classes"), by_id(district, "academicSessions")
    categories = by_id(district, "categories")
    per_class = Counter(category["metadata"]["ic"]["class"] for category in categories.values())
    low, high = recipe.categories_per_class
    assert all(low <= per_class[class_id] <= high for class_id in classes)
    items_per_class = Counter(item["class"]["sourcedId"] for item in assignments(district))
    low, high = recipe.ic_line_items_per_class
    assert all(low <= items_per_class[class_id] <= high for class_id in classes)
    titles: defaultdict[str, set[str]] = defaultdict(set)
    for item in assignments(district):
        section = classes[item["class"]["sourcedId"]]
        term = sessions[item["academicSession"]["sourcedId"]]
        assert item["academicSession"] in section["terms"]
        assert term["startDate"] <= item["dueDate"][:10] <= term["endDate"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00\.000Z", item["dueDate"])
        assert day(item["assignDate"]) <= day(item["dueDate"])
        assert item["gradingPeriod"]["sourcedId"] == f"{term['sourcedId']}-GP"
        assert categories[item["category"]["sourcedId"]]["metadata"]["ic"]["class"] == section["sourcedId"]
        assert item["school"] == section["school"]
        assert item["metadata"]["ic"]["origin"] == "campus"
        assert (item["resultValueMin"], type(item["resultValueMax"])) == (0.0, float)
        assert len(item["title"]) <= 30  # IC-LI-TITLE-LEN, the 1.2 default
        assert item["title"].strip().lower() not in titles[section["sourcedId"]]  # IC-LI-DUP-TITLE
        titles[section["sourcedId"]].add(item["title"].strip().lower())


def check_assessments(district: District) -> None:
    """IC-ASSESS-1P2: per school with classes, three score scales (points, percent, standards 1-4) in its first
    class, which its line items name, and assessment line items made inside IC whose results are scores of
    students shown in the class (no no-shows), within the scale (mock_ic/ic/score_scales.py)."""
    classes, sessions = by_id(district, "classes"), by_id(district, "academicSessions")
    scales = {sid: scale for sid, scale in by_id(district, "scoreScales").items() if sid not in task_scales(district)}
    items = by_id(district, "assessmentLineItems")
    scaled = {scale["class"]["sourcedId"] for scale in scales.values()}
    schools_with_classes = {section["school"]["sourcedId"] for section in classes.values()}
    assert {classes[c]["school"]["sourcedId"] for c in scaled} == schools_with_classes
    assert len(scaled) == len(schools_with_classes) and len(scales) == 3 * len(scaled)
    for scale in scales.values():
        assert scale["course"] == classes[scale["class"]["sourcedId"]]["course"]
    for item in assignments(district):
        if "scoreScale" in item:
            assert scales[item["scoreScale"]["sourcedId"]]["class"] == item["class"]
    shown = {(e["user"]["sourcedId"], e["class"]["sourcedId"]) for e in district["enrollments"]
             if e["role"] == "student" and e["metadata"]["ic"]["noShow"] == "false"}
    for item in items.values():
        assert item["metadata"]["ic"]["origin"] == "campus"
        assert scales[item["scoreScale"]["sourcedId"]]["class"] == item["class"]
        if "parentAssessmentLineItem" in item:
            assert items[item["parentAssessmentLineItem"]["sourcedId"]]["class"] == item["class"]
    for found in district["assessmentResults"]:
        item = items[found["assessmentLineItem"]["sourcedId"]]
        assert (found["student"]["sourcedId"], item["class"]["sourcedId"]) in shown
        assert item["resultValueMin"] <= found["score"] <= item["resultValueMax"]
        first_term = sessions[classes[item["class"]["sourcedId"]]["terms"][0]["sourcedId"]]
        assert first_term["startDate"] <= found["scoreDate"] <= first_term["endDate"]


def check_grading_tasks(district: District) -> None:
    """IC-GRADING-TASK: every class with terms has grading tasks (elementary: standards) made inside IC, each
    posted in one of the class's terms, due at its end, in that term's grading period, with the three metadata
    strings, a title within IC-LI-TITLE-LEN unique in the class, and a score group of the class: a score scale
    made inside IC whose minimum percents are unique and start at 0 (so every percent maps to a score)."""
    classes, sessions = by_id(district, "classes"), by_id(district, "academicSessions")
    scales = by_id(district, "scoreScales")
    tasks = [item for item in district["lineItems"] if tasks_of_ic.is_grading_task(item)]
    assert {task["class"]["sourcedId"] for task in tasks} == {c for c, klass in classes.items() if klass["terms"]}
    titles: defaultdict[str, set[str]] = defaultdict(set)
    flags = (tasks_of_ic.WINDOW_OPEN, tasks_of_ic.IS_STANDARD, tasks_of_ic.IS_ONE_TIME)
    for task in tasks:
        section = classes[task["class"]["sourcedId"]]
        term = sessions[task["academicSession"]["sourcedId"]]
        assert task["academicSession"] in section["terms"] and task["school"] == section["school"]
        assert task["gradingPeriod"]["sourcedId"] == f"{term['sourcedId']}-GP"
        assert day(task["dueDate"]) == day(term["endDate"]) and day(task["assignDate"]) <= day(task["dueDate"])
        assert all(task["metadata"][flag] in ("true", "false") for flag in flags)
        assert task["metadata"][tasks_of_ic.WINDOW_OPEN] == "true"  # stored open; reads show the window
        assert len(task["title"]) <= 30 and task["title"].casefold() not in titles[section["sourcedId"]]
        titles[section["sourcedId"]].add(task["title"].casefold())
        scale = scales[task["scoreScale"]["sourcedId"]]
        assert scale["class"] == task["class"] and scale["metadata"]["ic"]["origin"] == "campus"
        group = tasks_of_ic.score_group(scale)
        assert group is not None and group.items[-1].minimum == 0.0
        assert len({item.minimum for item in group.items}) == len(group.items)
        assert (group.scores == ["4", "3", "2", "1"]) == tasks_of_ic.is_standard(task)
    for assignment in assignments(district):
        assert assignment["title"].casefold() not in titles[assignment["class"]["sourcedId"]]


def check_district(district: District, recipe: seed.Recipe, today: date) -> None:
    check_common_fields(district)
    check_references(district)
    check_ids(district)
    check_calendars(district, today)
    check_classes(district)
    check_enrollments(district, recipe)
    check_users(district)
    check_gradebooks(district, recipe)
    check_assessments(district)
    check_grading_tasks(district)


# --------------------------------------------------------------------------------------------------
# Determinism


SMALL = {"schools": 2, "courses": 8, "classes": 20, "students": 120, "teachers": 10}


def test_same_recipe_and_today_give_identical_district(recipe: seed.Recipe, district: District) -> None:
    again = seed.generate(recipe, today=TODAY)
    assert json.dumps(again) == json.dumps(district)  # key order included: stored text is identical


def test_another_seed_gives_another_district() -> None:
    one = seed.generate(seed.load_recipe({**SMALL, "seed": 1}), today=TODAY)
    other = seed.generate(seed.load_recipe({**SMALL, "seed": 2}), today=TODAY)
    assert [u["email"] for u in other["users"]] != [u["email"] for u in one["users"]]
    assert [c["sourcedId"] for c in other["classes"]] != [c["sourcedId"] for c in one["classes"]]


def test_ic_terms_same_school_year_same_district(recipe: seed.Recipe, district: District) -> None:
    """IC-TERMS: any day of one school year gives the same district, byte for byte."""
    assert seed.generate(recipe, today=date(2027, 6, 30)) == district


def test_ic_terms_only_dates_follow_today() -> None:
    """IC-TERMS: in another school year (a leap year even) only dates change; ids and names stay."""
    dated = {"dateLastModified", "startDate", "endDate", "beginDate", "assignDate", "dueDate", "birthDate",
             "schoolYear", "scoreDate"}

    def undated(value: Any) -> Any:
        if isinstance(value, list):
            return [undated(item) for item in value]
        if isinstance(value, dict):
            return {k: undated(v) for k, v in value.items() if k not in dated}
        return value

    recipe = seed.load_recipe(SMALL)
    district = seed.generate(recipe, today=TODAY)
    later = seed.generate(recipe, today=date(2027, 10, 1))  # 2027-28 holds 29 February
    assert later["academicSessions"][0]["startDate"] == "2027-08-01"
    assert later["lineItems"][0]["dueDate"] != district["lineItems"][0]["dueDate"]
    for kind in seed.KINDS:
        docs = [doc for doc in later[kind] if doc.get("type") != "schoolYear"]  # its title names the years
        assert undated(docs) == undated([doc for doc in district[kind] if doc.get("type") != "schoolYear"])


# --------------------------------------------------------------------------------------------------
# The demo district


def test_every_kind_present(district: District) -> None:
    assert tuple(district) == seed.KINDS
    assert district["results"] == []


def test_ic_assess_1p2_demo_score_scales_assessments_and_results(district: District) -> None:
    """A small demo: per school three score scales in its first class, three assessment line items (one the
    child of another) with results of eight students each."""
    check_assessments(district)
    scales = [scale for scale in district["scoreScales"] if scale["sourcedId"] not in task_scales(district)]
    counts = [len(docs) for docs in (scales, district["assessmentLineItems"], district["assessmentResults"])]
    assert counts == [9, 9, 72]
    assert sorted({scale["title"] for scale in scales}) == ["Percent", "Points 0-100", "Standards 1-4"]
    standards = [r for r in district["assessmentResults"] if "textScore" in r]
    assert standards and all(r["score"] in (1.0, 2.0, 3.0, 4.0) for r in standards)


def test_ic_grading_task_demo_tasks_standards_and_score_groups(district: District) -> None:
    """IC-GRADING-TASK: the demo's high and middle schools grade by letters (quarters, semesters, a final), its
    elementary school by standards; one score group per class."""
    check_grading_tasks(district)
    tasks = [item for item in district["lineItems"] if tasks_of_ic.is_grading_task(item)]
    titles = Counter(task["title"] for task in tasks)
    assert {"Q1 Grade", "Q4 Grade", "S1 Grade", "S2 Grade", "Final Grade"} <= set(titles)
    assert any(tasks_of_ic.is_standard(task) for task in tasks)
    finals = [task for task in tasks if task["metadata"][tasks_of_ic.IS_ONE_TIME] == "true"]
    assert {task["title"] for task in finals} == {"Final Grade"}
    assert len(task_scales(district)) == len({task["class"]["sourcedId"] for task in tasks}) == 120


def test_ic_grading_task_added_after_everything_else_the_rest_unchanged(
        recipe: seed.Recipe, district: District, monkeypatch: pytest.MonkeyPatch) -> None:
    """IC-GRADING-TASK: the grading tasks come from a random stream of their own, after the rest: without them
    the district is byte for byte what it was (the Canvas fixtures and tests that name ids stay true)."""
    monkeypatch.setattr(grading_tasks, "district_tasks", lambda district, seed: {})
    without = seed.generate(recipe, today=TODAY)
    scales = task_scales(district)
    added = {("scoreScales", sid) for sid in scales} | {
        ("lineItems", item["sourcedId"]) for item in district["lineItems"] if tasks_of_ic.is_grading_task(item)}
    kept = {kind: [doc for doc in docs if (kind, doc["sourcedId"]) not in added] for kind, docs in district.items()}
    assert json.dumps(without) == json.dumps(kept)


def test_counts_match_recipe(recipe: seed.Recipe, district: District) -> None:
    types = Counter(org["type"] for org in district["orgs"])
    assert types == {"district": 1, "school": recipe.schools}
    assert len(district["academicSessions"]) == recipe.schools * (1 + 2 * recipe.terms_per_school)
    assert len(district["courses"]) == recipe.courses
    assert len(district["classes"]) == recipe.classes
    roles = Counter(primary_role(user) for user in district["users"])
    assert roles == {"student": recipe.students, "teacher": recipe.teachers}
    assert len(district["demographics"]) == recipe.students
    enrollments = Counter(e["role"] for e in district["enrollments"])
    assert enrollments == {"teacher": recipe.classes, "student": recipe.students * recipe.classes_per_student}


def test_district_org_lists_its_schools(district: District) -> None:
    (district_org,) = [org for org in district["orgs"] if org["type"] == "district"]
    schools = [org for org in district["orgs"] if org["type"] == "school"]
    assert district_org["children"] == [seed.ref("orgs", school["sourcedId"]) for school in schools]
    assert all(school["parent"] == seed.ref("orgs", district_org["sourcedId"]) for school in schools)
    assert all(org["identifier"] for org in district["orgs"])


def test_common_fields(district: District) -> None:
    check_common_fields(district)
    stamps = {doc["dateLastModified"] for docs in district.values() for doc in docs}
    assert stamps == {"2026-08-01T00:00:00.000Z"}  # the start of the school year of TODAY


def test_every_reference_resolves_to_its_kind(district: District) -> None:
    check_references(district)


def test_ic_ids_shapes(district: District) -> None:
    check_ids(district)


def test_ic_terms_calendars(district: District) -> None:
    check_calendars(district, TODAY)


def test_classes_use_their_schools_terms(district: District) -> None:
    check_classes(district)
    lengths = Counter(len(section["terms"]) for section in district["classes"])
    assert lengths.most_common(1)[0][0] == 4  # mostly full-year classes


def test_enrollments_students_in_classes_of_their_school(recipe: seed.Recipe, district: District) -> None:
    check_enrollments(district, recipe)


def test_ic_users_unique_emails_and_linked_demographics(district: District) -> None:
    check_users(district)


def test_ic_users_portal_and_no_show_shares(recipe: seed.Recipe, district: District) -> None:
    """IC-USERS: the recipe's shares of users without a portal account and of no-show enrollments."""
    users = district["users"]
    without_portal = sum(user["metadata"]["ic"]["portalAccount"] == "false" for user in users)
    assert without_portal == round(len(users) * recipe.no_portal_account_ratio) > 0
    students = [e for e in district["enrollments"] if e["role"] == "student"]
    no_shows = sum(e["metadata"]["ic"]["noShow"] == "true" for e in students)
    assert no_shows == round(len(students) * recipe.no_show_ratio) > 0


def test_some_teachers_teach_at_a_second_school(district: District) -> None:
    users = by_id(district, "users")
    visiting = {u["sourcedId"]: {r["org"]["sourcedId"] for r in u["roles"] if r["roleType"] == "secondary"}
                for u in users.values() if len(u["roles"]) > 1}
    assert visiting
    taught_there = {(e["user"]["sourcedId"], e["school"]["sourcedId"]) for e in district["enrollments"]
                    if e["user"]["sourcedId"] in visiting}
    for user_id, schools in visiting.items():
        assert users[user_id]["primaryOrg"]["sourcedId"] not in schools
        assert all((user_id, school) in taught_there for school in schools)


def test_ic_li_due_dates_inside_a_class_term_with_its_grading_period(recipe: seed.Recipe,
                                                                      district: District) -> None:
    check_gradebooks(district, recipe)


def test_students_and_courses_follow_the_school_grades(district: District) -> None:
    classes = by_id(district, "classes")
    users = by_id(district, "users")
    for enrollment in district["enrollments"]:
        if enrollment["role"] == "student":
            user = users[enrollment["user"]["sourcedId"]]
            section = classes[enrollment["class"]["sourcedId"]]
            assert user["grades"][0][:1] in "K0123456789" and section["grades"]
    ages = {doc["birthDate"][:4] for doc in district["demographics"]}
    assert min(ages) >= "2007" and max(ages) <= "2021"  # kindergarten to grade 12 in 2026-27


# --------------------------------------------------------------------------------------------------
# IC-TERMS: the school year follows today


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31)))
def test_ic_terms_school_year_contains_today(today: date) -> None:
    start, end = seed.school_year_bounds(today)
    assert (start.month, start.day, end.month, end.day) == (8, 1, 6, 30)
    assert end.year == start.year + 1
    if today.month == 7:
        assert start == date(today.year, 8, 1)  # July: the coming school year
    else:
        assert start <= today <= end


# --------------------------------------------------------------------------------------------------
# Small random recipes: the same structure holds at every size


def min_max(lowest: int, highest_min: int, widest: int) -> st.SearchStrategy[tuple[int, int]]:
    """A recipe's (min, max) pair."""
    pairs = st.tuples(st.integers(lowest, highest_min), st.integers(0, widest))
    return pairs.map(lambda pair: (pair[0], pair[0] + pair[1]))


small_recipes = st.fixed_dictionaries({
    "seed": st.integers(min_value=0, max_value=2**32),
    "schools": st.integers(min_value=1, max_value=4),
    "terms_per_school": st.integers(min_value=1, max_value=6),
    "courses": st.integers(min_value=1, max_value=8),
    "classes": st.integers(min_value=0, max_value=12),
    "students": st.integers(min_value=0, max_value=25),
    "teachers": st.integers(min_value=1, max_value=6),
    "classes_per_student": st.integers(min_value=0, max_value=7),
    "categories_per_class": min_max(1, 3, 4),
    "ic_line_items_per_class": min_max(0, 2, 3),
    "no_portal_account_ratio": st.floats(min_value=0, max_value=1),
    "no_show_ratio": st.floats(min_value=0, max_value=1),
})


@given(values=small_recipes, today=st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)))
def test_ic_ids_ic_terms_ic_users_hold_for_small_recipes(values: dict[str, Any], today: date) -> None:
    recipe = seed.load_recipe(values)
    district = seed.generate(recipe, today=today)
    check_district(district, recipe, today)
    assert len(district["classes"]) == recipe.classes
    assert len(district["users"]) == recipe.students + recipe.teachers


# --------------------------------------------------------------------------------------------------
# load_recipe


def test_load_recipe_by_name() -> None:
    recipe = seed.load_recipe("demo")
    assert recipe.name == "demo"
    assert (recipe.schools, recipe.terms_per_school, recipe.categories_per_class) == (3, 4, (3, 5))


def test_load_recipe_by_path_matches_by_name() -> None:
    path = fixtures_dir() / "districts" / "demo.yaml"
    assert seed.load_recipe(path) == seed.load_recipe(str(path)) == seed.load_recipe("demo")


def test_load_recipe_inline_dict_fills_defaults() -> None:
    recipe = seed.load_recipe({"name": "tiny", "students": 12, "categories_per_class": [1, 2]})
    assert (recipe.name, recipe.students, recipe.categories_per_class) == ("tiny", 12, (1, 2))
    assert recipe.schools == seed.Recipe().schools


def test_load_recipe_unknown_key_is_named() -> None:
    with pytest.raises(ValueError, match="'studnets'"):
        seed.load_recipe({"studnets": 10})


def test_load_recipe_unknown_name_lists_the_available_ones() -> None:
    with pytest.raises(ValueError, match=r"'nonexistent'.*demo"):
        seed.load_recipe("nonexistent")


def test_load_recipe_file_with_unknown_key(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"schools": 2, "terms": 4}), encoding="utf-8")
    with pytest.raises(ValueError, match="'terms'"):
        seed.load_recipe(path)


@pytest.mark.parametrize("values, problem", [
    ({"schools": 0}, "schools"),
    ({"terms_per_school": 13}, "terms_per_school"),
    ({"students": -1}, "students"),
    ({"teachers": True}, "teachers"),
    ({"categories_per_class": [0, 3]}, "categories_per_class"),
    ({"ic_line_items_per_class": [3, 2]}, "ic_line_items_per_class"),
    ({"no_show_ratio": 1.5}, "no_show_ratio"),
    ({"classes": 5, "teachers": 0}, "teacher"),
])
def test_load_recipe_rejects_bad_values(values: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        seed.load_recipe(values)


# --------------------------------------------------------------------------------------------------
# Schema validity against the project's own openapi/ output schemas

OUTPUT_SCHEMAS = {
    "orgs": ("oneroster-v1p2-rostering.yaml", "OrgDType"),
    "academicSessions": ("oneroster-v1p2-rostering.yaml", "AcademicSessionDType"),
    "courses": ("oneroster-v1p2-rostering.yaml", "CourseDType"),
    "classes": ("oneroster-v1p2-rostering.yaml", "ClassDType"),
    "users": ("oneroster-v1p2-rostering.yaml", "UserDType"),
    "enrollments": ("oneroster-v1p2-rostering.yaml", "EnrollmentDType"),
    "demographics": ("oneroster-v1p2-rostering.yaml", "DemographicsDType"),
    "categories": ("oneroster-v1p2-gradebook.yaml", "CategoryDType"),
    "lineItems": ("oneroster-v1p2-gradebook.yaml", "LineItemDType"),
    "scoreScales": ("oneroster-v1p2-gradebook.yaml", "ScoreScaleDType"),
    "assessmentLineItems": ("oneroster-v1p2-gradebook.yaml", "AssessmentLineItemDType"),
    "assessmentResults": ("oneroster-v1p2-gradebook.yaml", "AssessmentResultDType"),
}
# Stored hrefs are server-relative (docs/data-model.md); the API layer makes them absolute, so the
# `uri` format is not checked here. date and date-time are (rfc3339-validator is installed).
FORMATS = jsonschema.FormatChecker(
    [name for name in jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers if name != "uri"])


@cache
def openapi_spec(spec_file: str) -> dict[str, Any]:
    path = openapi_dir() / spec_file
    if not path.is_file():
        pytest.skip(f"openapi/{spec_file} is not written yet")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def output_validator(spec_file: str, component: str) -> jsonschema.Draft202012Validator:
    uri = f"urn:mock-ic:{spec_file}"
    registry = referencing.Registry().with_resource(uri, DRAFT202012.create_resource(openapi_spec(spec_file)))
    return jsonschema.Draft202012Validator({"$ref": f"{uri}#/components/schemas/{component}"},
                                           registry=registry, format_checker=FORMATS)


def shape(value: Any) -> Any:
    """The structure of a document (keys, nesting, value types), not its values."""
    if isinstance(value, dict):
        return tuple((key, shape(item)) for key, item in value.items())
    if isinstance(value, list):
        return tuple(sorted({shape(item) for item in value}, key=repr))
    return type(value).__name__


def representatives(docs: list[Doc], stride_sample: int = 300) -> list[Doc]:
    """Every document of a distinct shape, plus an even spread of the rest.

    Validating all 9,000 enrollments with jsonschema takes seconds; documents of one shape differ
    only in generated values, which an even sample covers.
    """
    first_of_shape = {shape(doc): doc for doc in reversed(docs)}
    spread = docs[:: max(1, len(docs) // stride_sample)]
    return list({id(doc): doc for doc in (*first_of_shape.values(), *spread)}.values())


@pytest.mark.parametrize("kind", sorted(OUTPUT_SCHEMAS))
def test_documents_are_valid_output_objects(district: District, kind: str) -> None:
    validator = output_validator(*OUTPUT_SCHEMAS[kind])
    assert district[kind]
    for doc in representatives(district[kind]):
        errors = [error.message for error in validator.iter_errors(doc)]
        assert not errors, f"{kind} {doc['sourcedId']}: {errors}"


@pytest.mark.parametrize("kind", ["lineItems", "users"])
def test_output_validator_is_not_vacuous(district: District, kind: str) -> None:
    validator = output_validator(*OUTPUT_SCHEMAS[kind])
    broken = {**district[kind][0], "dateLastModified": "yesterday", "unexpected": 1}
    assert len(list(validator.iter_errors(broken))) == 2


def test_demo_class_sizes_follow_the_school_level_and_teachers_have_plausible_loads(district: District) -> None:
    """Realistic demo sizes (issue 16): elementary classes of 18-30 students, secondary sections of 20-35 (active
    student enrollments, no-shows included: a roster as IC schedules it); every teacher teaches 2-8 sections."""
    schools = {org["sourcedId"]: org["name"] for org in district["orgs"] if org["type"] == "school"}
    sizes = Counter(e["class"]["sourcedId"] for e in district["enrollments"] if e["role"] == "student")
    bounds = {"Elementary School": (18, 30), "Middle School": (20, 35), "High School": (20, 35)}
    for section in district["classes"]:
        level = next(suffix for suffix in bounds if schools[section["school"]["sourcedId"]].endswith(suffix))
        low, high = bounds[level]
        assert low <= sizes[section["sourcedId"]] <= high, (section["title"], level, sizes[section["sourcedId"]])
    loads = Counter(e["user"]["sourcedId"] for e in district["enrollments"] if e["role"] == "teacher")
    assert all(2 <= load <= 8 for load in loads.values()), sorted(loads.values())
    assert sum(loads.values()) / len(loads) >= 3
