"""Every OneRoster read endpoint as data: which kind it lists, under which constraints and parents.

One table instead of 60 hand-written handlers; the API layer turns each entry into a connexion
handler and the reading service executes it. Constraints are SQL over indexed columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from mock_ic.store.tables import TABLES, class_terms, user_orgs

Where = Callable[[str, dict[str, str]], list[sa.ColumnElement[bool]]]


@dataclass(frozen=True)
class Parent:
    """A path parameter that names an object which must exist (OR-NESTED: else 404)."""

    param: str
    kind: str
    label: str  # how the error names it, e.g. "class"
    where: Where = lambda tenant, p: []


@dataclass(frozen=True)
class Endpoint:
    kind: str
    wrapper: str  # the envelope key (collection plural or single-object name)
    single: bool = False
    where: Where = lambda tenant, p: []
    parents: tuple[Parent, ...] = field(default_factory=tuple)
    label: str | None = None  # how a 404 of a single object names it, e.g. "student"


def _t(kind: str) -> sa.Table:
    return TABLES[kind]


def _eq(kind: str, column: str, value: str) -> sa.ColumnElement[bool]:
    return _t(kind).c[column] == value


def _visible_enrollments() -> sa.ColumnElement[bool]:
    """IC-USERS: no-show enrollments are never returned."""
    c = _t("enrollments").c
    return sa.or_(c.no_show.is_(None), c.no_show != "true")


def _users_enrolled(role: str, **conditions: str) -> Where:
    def where(tenant: str, p: dict[str, str]) -> list[sa.ColumnElement[bool]]:
        e = _t("enrollments").c
        sub = sa.select(e.user).where(e.tenant == tenant, e.role == role, _visible_enrollments(),
                                      *(e[col] == p[param] for col, param in conditions.items()))
        return [_t("users").c.role == role, _t("users").c.sourced_id.in_(sub)]
    return where


def _classes_of_user(param: str) -> Where:
    def where(tenant: str, p: dict[str, str]) -> list[sa.ColumnElement[bool]]:
        e = _t("enrollments").c
        sub = sa.select(e["class"]).where(e.tenant == tenant, e.user == p[param], _visible_enrollments())
        return [_t("classes").c.sourced_id.in_(sub)]
    return where


def _users_of_school(role: str) -> Where:
    def where(tenant: str, p: dict[str, str]) -> list[sa.ColumnElement[bool]]:
        sub = sa.select(user_orgs.c.user_id).where(
            user_orgs.c.tenant == tenant, user_orgs.c.org_id == p["schoolSourcedId"], user_orgs.c.role == role)
        return [_t("users").c.sourced_id.in_(sub)]
    return where


def _classes_of_term(tenant: str, p: dict[str, str]) -> list[sa.ColumnElement[bool]]:
    sub = sa.select(class_terms.c.class_id).where(class_terms.c.tenant == tenant,
                                                  class_terms.c.term_id == p["termSourcedId"])
    return [_t("classes").c.sourced_id.in_(sub)]


def _score_scales_of_school(tenant: str, p: dict[str, str]) -> list[sa.ColumnElement[bool]]:
    c = _t("classes").c
    sub = sa.select(c.sourced_id).where(c.tenant == tenant, c.school == p["schoolSourcedId"])
    return [_t("scoreScales").c["class"].in_(sub)]


def _by(kind: str, column: str, param: str) -> Where:
    return lambda tenant, p: [_eq(kind, column, p[param])]


def _const(kind: str, column: str, value: str) -> Where:
    return lambda tenant, p: [_eq(kind, column, value)]


def _all(*wheres: Where) -> Where:
    return lambda tenant, p: [c for w in wheres for c in w(tenant, p)]


SCHOOL = Parent("schoolSourcedId", "orgs", "school", _const("orgs", "type", "school"))
CLASS = Parent("classSourcedId", "classes", "class")
SCHOOL_CLASS = Parent("classSourcedId", "classes", "class", _by("classes", "school", "schoolSourcedId"))
TERM = Parent("termSourcedId", "academicSessions", "term", _const("academicSessions", "type", "term"))
STUDENT = Parent("studentSourcedId", "users", "student", _const("users", "role", "student"))
TEACHER = Parent("teacherSourcedId", "users", "teacher", _const("users", "role", "teacher"))


def _enrollments(*more: Where) -> Where:
    return lambda tenant, p: [_visible_enrollments(), *(c for w in more for c in w(tenant, p))]


ROSTERING: dict[str, Endpoint] = {
    # collections
    "getAllAcademicSessions": Endpoint("academicSessions", "academicSessions"),
    "getAllClasses": Endpoint("classes", "classes"),
    "getAllCourses": Endpoint("courses", "courses"),
    "getAllDemographics": Endpoint("demographics", "demographics"),
    "getAllEnrollments": Endpoint("enrollments", "enrollments", where=_enrollments()),
    "getAllGradingPeriods": Endpoint("academicSessions", "academicSessions",
                                     where=_const("academicSessions", "type", "gradingPeriod")),
    "getAllOrgs": Endpoint("orgs", "orgs"),
    "getAllSchools": Endpoint("orgs", "orgs", where=_const("orgs", "type", "school")),
    "getAllStudents": Endpoint("users", "users", where=_const("users", "role", "student")),
    "getAllTeachers": Endpoint("users", "users", where=_const("users", "role", "teacher")),
    "getAllTerms": Endpoint("academicSessions", "academicSessions",
                            where=_const("academicSessions", "type", "term")),
    "getAllUsers": Endpoint("users", "users"),
    # single objects
    "getAcademicSession": Endpoint("academicSessions", "academicSession", single=True, label="academicSession"),
    "getClass": Endpoint("classes", "class", single=True, label="class"),
    "getCourse": Endpoint("courses", "course", single=True, label="course"),
    "getDemographics": Endpoint("demographics", "demographics", single=True, label="demographics"),
    "getEnrollment": Endpoint("enrollments", "enrollment", single=True, where=_enrollments(), label="enrollment"),
    "getGradingPeriod": Endpoint("academicSessions", "academicSession", single=True,
                                 where=_const("academicSessions", "type", "gradingPeriod"), label="gradingPeriod"),
    "getOrg": Endpoint("orgs", "org", single=True, label="org"),
    "getSchool": Endpoint("orgs", "org", single=True, where=_const("orgs", "type", "school"), label="school"),
    "getStudent": Endpoint("users", "user", single=True, where=_const("users", "role", "student"), label="student"),
    "getTeacher": Endpoint("users", "user", single=True, where=_const("users", "role", "teacher"), label="teacher"),
    "getTerm": Endpoint("academicSessions", "academicSession", single=True,
                        where=_const("academicSessions", "type", "term"), label="term"),
    "getUser": Endpoint("users", "user", single=True, label="user"),
    # nested collections (OR-NESTED)
    "getStudentsForClass": Endpoint("users", "users", where=_users_enrolled("student", **{"class": "classSourcedId"}),
                                    parents=(CLASS,)),
    "getTeachersForClass": Endpoint("users", "users", where=_users_enrolled("teacher", **{"class": "classSourcedId"}),
                                    parents=(CLASS,)),
    "getClassesForCourse": Endpoint("classes", "classes", where=_by("classes", "course", "courseSourcedId"),
                                    parents=(Parent("courseSourcedId", "courses", "course"),)),
    "getClassesForSchool": Endpoint("classes", "classes", where=_by("classes", "school", "schoolSourcedId"),
                                    parents=(SCHOOL,)),
    "getEnrollmentsForClassInSchool": Endpoint(
        "enrollments", "enrollments",
        where=_enrollments(_by("enrollments", "class", "classSourcedId"),
                           _by("enrollments", "school", "schoolSourcedId")),
        parents=(SCHOOL, SCHOOL_CLASS)),
    "getStudentsForClassInSchool": Endpoint(
        "users", "users", where=_users_enrolled("student", **{"class": "classSourcedId", "school": "schoolSourcedId"}),
        parents=(SCHOOL, SCHOOL_CLASS)),
    "getTeachersForClassInSchool": Endpoint(
        "users", "users", where=_users_enrolled("teacher", **{"class": "classSourcedId", "school": "schoolSourcedId"}),
        parents=(SCHOOL, SCHOOL_CLASS)),
    "getCoursesForSchool": Endpoint("courses", "courses", where=_by("courses", "org", "schoolSourcedId"),
                                    parents=(SCHOOL,)),
    "getEnrollmentsForSchool": Endpoint("enrollments", "enrollments",
                                        where=_enrollments(_by("enrollments", "school", "schoolSourcedId")),
                                        parents=(SCHOOL,)),
    "getStudentsForSchool": Endpoint("users", "users",
                                     where=_all(_const("users", "role", "student"), _users_of_school("student")),
                                     parents=(SCHOOL,)),
    "getTeachersForSchool": Endpoint("users", "users",
                                     where=_all(_const("users", "role", "teacher"), _users_of_school("teacher")),
                                     parents=(SCHOOL,)),
    "getTermsForSchool": Endpoint("academicSessions", "academicSessions",
                                  where=_all(_const("academicSessions", "type", "term"),
                                             _by("academicSessions", "school", "schoolSourcedId")),
                                  parents=(SCHOOL,)),
    "getClassesForStudent": Endpoint("classes", "classes", where=_classes_of_user("studentSourcedId"),
                                     parents=(STUDENT,)),
    "getClassesForTeacher": Endpoint("classes", "classes", where=_classes_of_user("teacherSourcedId"),
                                     parents=(TEACHER,)),
    "getClassesForUser": Endpoint("classes", "classes", where=_classes_of_user("userSourcedId"),
                                  parents=(Parent("userSourcedId", "users", "user"),)),
    "getClassesForTerm": Endpoint("classes", "classes", where=_classes_of_term, parents=(TERM,)),
    "getGradingPeriodsForTerm": Endpoint("academicSessions", "academicSessions",
                                         where=_all(_const("academicSessions", "type", "gradingPeriod"),
                                                    _by("academicSessions", "parent", "termSourcedId")),
                                         parents=(TERM,)),
}

CLASS_LINE_ITEM = Parent("lineItemSourcedId", "lineItems", "lineItem", _by("lineItems", "class", "classSourcedId"))

GRADEBOOK_READS: dict[str, Endpoint] = {
    "getAllCategories": Endpoint("categories", "categories"),
    "getCategory": Endpoint("categories", "category", single=True, label="category"),
    "getAllLineItems": Endpoint("lineItems", "lineItems"),
    "getLineItem": Endpoint("lineItems", "lineItem", single=True, label="lineItem"),
    "getAllResults": Endpoint("results", "results"),
    "getResult": Endpoint("results", "result", single=True, label="result"),
    "getAllScoreScales": Endpoint("scoreScales", "scoreScales"),
    "getScoreScale": Endpoint("scoreScales", "scoreScale", single=True, label="scoreScale"),
    "getCategoriesForClass": Endpoint("categories", "categories", where=_by("categories", "class", "classSourcedId"),
                                      parents=(CLASS,)),
    "getLineItemsForClass": Endpoint("lineItems", "lineItems", where=_by("lineItems", "class", "classSourcedId"),
                                     parents=(CLASS,)),
    "getResultsForClass": Endpoint("results", "results", where=_by("results", "class", "classSourcedId"),
                                   parents=(CLASS,)),
    "getResultsForLineItemForClass": Endpoint(
        "results", "results", where=_by("results", "line_item", "lineItemSourcedId"),
        parents=(CLASS, CLASS_LINE_ITEM)),
    "getResultsForStudentForClass": Endpoint(
        "results", "results",
        where=_all(_by("results", "class", "classSourcedId"), _by("results", "student", "studentSourcedId")),
        parents=(CLASS, Parent("studentSourcedId", "users", "student"))),
    "getScoreScalesForClass": Endpoint("scoreScales", "scoreScales",
                                       where=_by("scoreScales", "class", "classSourcedId"), parents=(CLASS,)),
    "getScoreScalesForSchool": Endpoint("scoreScales", "scoreScales", where=_score_scales_of_school,
                                        parents=(SCHOOL,)),
}
