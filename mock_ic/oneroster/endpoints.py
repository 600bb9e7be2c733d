"""Every OneRoster read endpoint as data: which kind it lists, under which scopes and parents.

One table instead of 60 hand-written handlers; the API layer turns each entry into a connexion
handler and the reading service executes it. Nested endpoints (OR-NESTED) are scopes over indexed
columns (``mock_ic/store/scopes.py``), which the store compiles to SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mock_ic.ic.users import SHOWN_ENROLLMENTS
from mock_ic.store.scopes import Const, Eq, Scope, Within


@dataclass(frozen=True)
class Parent:
    """A path parameter that names an object which must exist (OR-NESTED: else 404)."""

    param: str
    kind: str
    label: str  # how the error names it, e.g. "class"
    scope: tuple[Scope, ...] = ()


@dataclass(frozen=True)
class Endpoint:
    kind: str
    wrapper: str  # the envelope key (collection plural or single-object name)
    single: bool = False
    scope: tuple[Scope, ...] = ()
    parents: tuple[Parent, ...] = field(default_factory=tuple)
    label: str | None = None  # how a 404 of a single object names it, e.g. "student"


def _users_enrolled(role: str, **match: str) -> tuple[Scope, ...]:
    """Users of ``role`` with an enrolment in that role whose columns equal the path parameters
    (``class="classSourcedId"``); no-show enrolments lead to nobody (IC-USERS)."""
    enrollment = (Const("role", role), *SHOWN_ENROLLMENTS, *(Eq(column, param) for column, param in match.items()))
    return Const("role", role), Within("sourced_id", "enrollments", "user", enrollment)


def _classes_of_user(param: str) -> tuple[Scope, ...]:
    """The classes the user is enrolled in, no-show enrolments left out (IC-USERS)."""
    return (Within("sourced_id", "enrollments", "class", (Eq("user", param), *SHOWN_ENROLLMENTS)),)


def _users_of_school(role: str) -> tuple[Scope, ...]:
    """Users of ``role`` with that role at the school (a user may hold roles at several orgs)."""
    return (Const("role", role),
            Within("sourced_id", "user_orgs", "user_id", (Eq("org_id", "schoolSourcedId"), Const("role", role))))


_CLASSES_OF_TERM = (Within("sourced_id", "class_terms", "class_id", (Eq("term_id", "termSourcedId"),)),)
_SCORE_SCALES_OF_SCHOOL = (Within("class", "classes", "sourced_id", (Eq("school", "schoolSourcedId"),)),)

SCHOOL = Parent("schoolSourcedId", "orgs", "school", (Const("type", "school"),))
CLASS = Parent("classSourcedId", "classes", "class")
SCHOOL_CLASS = Parent("classSourcedId", "classes", "class", (Eq("school", "schoolSourcedId"),))
TERM = Parent("termSourcedId", "academicSessions", "term", (Const("type", "term"),))
STUDENT = Parent("studentSourcedId", "users", "student", (Const("role", "student"),))
TEACHER = Parent("teacherSourcedId", "users", "teacher", (Const("role", "teacher"),))


ROSTERING: dict[str, Endpoint] = {
    # collections
    "getAllAcademicSessions": Endpoint("academicSessions", "academicSessions"),
    "getAllClasses": Endpoint("classes", "classes"),
    "getAllCourses": Endpoint("courses", "courses"),
    "getAllDemographics": Endpoint("demographics", "demographics"),
    "getAllEnrollments": Endpoint("enrollments", "enrollments"),
    "getAllGradingPeriods": Endpoint("academicSessions", "academicSessions",
                                     scope=(Const("type", "gradingPeriod"),)),
    "getAllOrgs": Endpoint("orgs", "orgs"),
    "getAllSchools": Endpoint("orgs", "orgs", scope=(Const("type", "school"),)),
    "getAllStudents": Endpoint("users", "users", scope=(Const("role", "student"),)),
    "getAllTeachers": Endpoint("users", "users", scope=(Const("role", "teacher"),)),
    "getAllTerms": Endpoint("academicSessions", "academicSessions",
                            scope=(Const("type", "term"),)),
    "getAllUsers": Endpoint("users", "users"),
    # single objects
    "getAcademicSession": Endpoint("academicSessions", "academicSession", single=True, label="academicSession"),
    "getClass": Endpoint("classes", "class", single=True, label="class"),
    "getCourse": Endpoint("courses", "course", single=True, label="course"),
    "getDemographics": Endpoint("demographics", "demographics", single=True, label="demographics"),
    "getEnrollment": Endpoint("enrollments", "enrollment", single=True, label="enrollment"),
    "getGradingPeriod": Endpoint("academicSessions", "academicSession", single=True,
                                 scope=(Const("type", "gradingPeriod"),), label="gradingPeriod"),
    "getOrg": Endpoint("orgs", "org", single=True, label="org"),
    "getSchool": Endpoint("orgs", "org", single=True, scope=(Const("type", "school"),), label="school"),
    "getStudent": Endpoint("users", "user", single=True, scope=(Const("role", "student"),), label="student"),
    "getTeacher": Endpoint("users", "user", single=True, scope=(Const("role", "teacher"),), label="teacher"),
    "getTerm": Endpoint("academicSessions", "academicSession", single=True,
                        scope=(Const("type", "term"),), label="term"),
    "getUser": Endpoint("users", "user", single=True, label="user"),
    # nested collections (OR-NESTED)
    "getStudentsForClass": Endpoint("users", "users", scope=_users_enrolled("student", **{"class": "classSourcedId"}),
                                    parents=(CLASS,)),
    "getTeachersForClass": Endpoint("users", "users", scope=_users_enrolled("teacher", **{"class": "classSourcedId"}),
                                    parents=(CLASS,)),
    "getClassesForCourse": Endpoint("classes", "classes", scope=(Eq("course", "courseSourcedId"),),
                                    parents=(Parent("courseSourcedId", "courses", "course"),)),
    "getClassesForSchool": Endpoint("classes", "classes", scope=(Eq("school", "schoolSourcedId"),),
                                    parents=(SCHOOL,)),
    "getEnrollmentsForClassInSchool": Endpoint(
        "enrollments", "enrollments",
        scope=(Eq("class", "classSourcedId"), Eq("school", "schoolSourcedId")),
        parents=(SCHOOL, SCHOOL_CLASS)),
    "getStudentsForClassInSchool": Endpoint(
        "users", "users", scope=_users_enrolled("student", **{"class": "classSourcedId", "school": "schoolSourcedId"}),
        parents=(SCHOOL, SCHOOL_CLASS)),
    "getTeachersForClassInSchool": Endpoint(
        "users", "users", scope=_users_enrolled("teacher", **{"class": "classSourcedId", "school": "schoolSourcedId"}),
        parents=(SCHOOL, SCHOOL_CLASS)),
    "getCoursesForSchool": Endpoint("courses", "courses", scope=(Eq("org", "schoolSourcedId"),),
                                    parents=(SCHOOL,)),
    "getEnrollmentsForSchool": Endpoint("enrollments", "enrollments",
                                        scope=(Eq("school", "schoolSourcedId"),),
                                        parents=(SCHOOL,)),
    "getStudentsForSchool": Endpoint("users", "users",
                                     scope=_users_of_school("student"),
                                     parents=(SCHOOL,)),
    "getTeachersForSchool": Endpoint("users", "users",
                                     scope=_users_of_school("teacher"),
                                     parents=(SCHOOL,)),
    "getTermsForSchool": Endpoint("academicSessions", "academicSessions",
                                  scope=(Const("type", "term"), Eq("school", "schoolSourcedId")),
                                  parents=(SCHOOL,)),
    "getClassesForStudent": Endpoint("classes", "classes", scope=_classes_of_user("studentSourcedId"),
                                     parents=(STUDENT,)),
    "getClassesForTeacher": Endpoint("classes", "classes", scope=_classes_of_user("teacherSourcedId"),
                                     parents=(TEACHER,)),
    "getClassesForUser": Endpoint("classes", "classes", scope=_classes_of_user("userSourcedId"),
                                  parents=(Parent("userSourcedId", "users", "user"),)),
    "getClassesForTerm": Endpoint("classes", "classes", scope=_CLASSES_OF_TERM, parents=(TERM,)),
    "getGradingPeriodsForTerm": Endpoint("academicSessions", "academicSessions",
                                         scope=(Const("type", "gradingPeriod"), Eq("parent", "termSourcedId")),
                                         parents=(TERM,)),
}

CLASS_LINE_ITEM = Parent("lineItemSourcedId", "lineItems", "lineItem", (Eq("class", "classSourcedId"),))

GRADEBOOK_READS: dict[str, Endpoint] = {
    "getAllCategories": Endpoint("categories", "categories"),
    "getCategory": Endpoint("categories", "category", single=True, label="category"),
    "getAllLineItems": Endpoint("lineItems", "lineItems"),
    "getLineItem": Endpoint("lineItems", "lineItem", single=True, label="lineItem"),
    "getAllResults": Endpoint("results", "results"),
    "getResult": Endpoint("results", "result", single=True, label="result"),
    "getAllScoreScales": Endpoint("scoreScales", "scoreScales"),
    "getScoreScale": Endpoint("scoreScales", "scoreScale", single=True, label="scoreScale"),
    # IC-ASSESS-1P2: 1.2 only; the 1.1 spec has no such operation, so 1.1 never installs them (IC-LI-1P1-ONLY)
    "getAllAssessmentLineItems": Endpoint("assessmentLineItems", "assessmentLineItems"),
    "getAssessmentLineItem": Endpoint("assessmentLineItems", "assessmentLineItem", single=True,
                                      label="assessmentLineItem"),
    "getAllAssessmentResults": Endpoint("assessmentResults", "assessmentResults"),
    "getAssessmentResult": Endpoint("assessmentResults", "assessmentResult", single=True, label="assessmentResult"),
    "getCategoriesForClass": Endpoint("categories", "categories", scope=(Eq("class", "classSourcedId"),),
                                      parents=(CLASS,)),
    "getLineItemsForClass": Endpoint("lineItems", "lineItems", scope=(Eq("class", "classSourcedId"),),
                                     parents=(CLASS,)),
    "getResultsForClass": Endpoint("results", "results", scope=(Eq("class", "classSourcedId"),),
                                   parents=(CLASS,)),
    "getResultsForLineItemForClass": Endpoint(
        "results", "results", scope=(Eq("line_item", "lineItemSourcedId"),),
        parents=(CLASS, CLASS_LINE_ITEM)),
    "getResultsForStudentForClass": Endpoint(
        "results", "results",
        scope=(Eq("class", "classSourcedId"), Eq("student", "studentSourcedId")),
        parents=(CLASS, Parent("studentSourcedId", "users", "student"))),
    "getScoreScalesForClass": Endpoint("scoreScales", "scoreScales",
                                       scope=(Eq("class", "classSourcedId"),), parents=(CLASS,)),
    "getScoreScalesForSchool": Endpoint("scoreScales", "scoreScales", scope=_SCORE_SCALES_OF_SCHOOL,
                                        parents=(SCHOOL,)),
}
