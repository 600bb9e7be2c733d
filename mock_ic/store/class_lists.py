"""What the class picker lists of every class of a tenant (IC-VIEW): school, teachers, terms, roster size and
how many vendor line items it holds, in five grouped queries whatever the number of classes (a district of
2,500 classes must not cost 10,000 queries).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import orjson
import sqlalchemy as sa

from mock_ic.store import kind_versions
from mock_ic.store.tables import KINDS, class_terms


@dataclass
class ClassRow:
    sourced_id: str
    title: str
    school_id: str
    school_name: str
    teachers: list[tuple[str, str]] = field(default_factory=list)  # (sourcedId, "Given Family"), by name
    terms: list[tuple[str, str]] = field(default_factory=list)  # (sourcedId, title), by start date
    students: int = 0  # actively enrolled students, no-shows excluded (IC-USERS)
    vendor_line_items: int = 0  # active line items not made in Infinite Campus


# What a class row is gathered from: while none of these kinds has changed (store/kind_versions.py), the rows
# gathered last are still true. Gathering them for the large district's 2,500 classes reads its 300,000
# enrollments (about 1 s on SQLite, docs/large-district.md); the picker's next page or filter should not.
_SOURCES = ("classes", "orgs", "academicSessions", "enrollments", "users", "lineItems")
_MEMORY: dict[str, tuple[tuple[int, ...], tuple[ClassRow, ...]]] = {}  # tenant -> (versions, rows), per process
_REMEMBERED_TENANTS = 16


def class_rows(conn: sa.Connection, tenant: str) -> list[ClassRow]:
    """Every class of the tenant, in sourcedId order: remembered per process while the kinds they are gathered
    from keep their versions, which every write moves, whichever server made it."""
    versions = tuple(kind_versions.state(conn, tenant, kind)[0] for kind in _SOURCES)
    known = _MEMORY.get(tenant)
    if known is not None and known[0] == versions:
        return [replace(row, teachers=list(row.teachers), terms=list(row.terms)) for row in known[1]]
    rows = _gather(conn, tenant)
    if len(_MEMORY) >= _REMEMBERED_TENANTS:
        _MEMORY.clear()
    _MEMORY[tenant] = (versions, tuple(replace(row, teachers=list(row.teachers), terms=list(row.terms))
                                       for row in rows))
    return rows


def _gather(conn: sa.Connection, tenant: str) -> list[ClassRow]:
    classes, orgs = KINDS["classes"].table, KINDS["orgs"].table
    query = sa.select(classes.c.sourced_id, classes.c.doc, orgs.c.doc).outerjoin_from(
        classes, orgs, (orgs.c.tenant == classes.c.tenant) & (orgs.c.sourced_id == classes.c.school),
    ).where(classes.c.tenant == tenant).order_by(classes.c.sourced_id)
    rows: dict[str, ClassRow] = {}
    for sourced_id, class_text, school_text in conn.execute(query):
        klass = orjson.loads(class_text)
        school = orjson.loads(school_text) if school_text else {}
        rows[sourced_id] = ClassRow(sourced_id, klass.get("title", ""), klass["school"]["sourcedId"],
                                    school.get("name", ""))
    for class_id, students in _student_counts(conn, tenant):
        if class_id in rows:
            rows[class_id].students = students
    for class_id, teacher_id, name in _teachers(conn, tenant):
        if class_id in rows:
            rows[class_id].teachers.append((teacher_id, name))
    for class_id, term_id, title in _terms(conn, tenant):
        if class_id in rows:
            rows[class_id].terms.append((term_id, title))
    for class_id, count in _vendor_line_items(conn, tenant):
        if class_id in rows:
            rows[class_id].vendor_line_items = count
    for row in rows.values():
        row.teachers.sort(key=lambda teacher: (teacher[1].casefold(), teacher[0]))
    return list(rows.values())


def _active_enrolments(role: str) -> list[sa.ColumnElement[bool]]:
    e = KINDS["enrollments"].table.c
    return [e.role == role, e.status == "active", sa.or_(e.no_show.is_(None), e.no_show != "true")]


def _student_counts(conn: sa.Connection, tenant: str) -> Any:
    e = KINDS["enrollments"].table.c
    return conn.execute(sa.select(e["class"], sa.func.count(sa.distinct(e.user)))
                        .where(e.tenant == tenant, *_active_enrolments("student")).group_by(e["class"]))


def _teachers(conn: sa.Connection, tenant: str) -> list[tuple[str, str, str]]:
    enrolments, users = KINDS["enrollments"].table, KINDS["users"].table
    query = sa.select(enrolments.c["class"], users.c.sourced_id, users.c.doc).join_from(
        enrolments, users, (users.c.tenant == enrolments.c.tenant) & (users.c.sourced_id == enrolments.c.user),
    ).where(enrolments.c.tenant == tenant, *_active_enrolments("teacher")).distinct()
    out = []
    for class_id, user_id, text in conn.execute(query):
        user = orjson.loads(text)
        out.append((class_id, user_id, f"{user.get('givenName', '')} {user.get('familyName', '')}".strip()))
    return out


def _terms(conn: sa.Connection, tenant: str) -> list[tuple[str, str, str]]:
    sessions = KINDS["academicSessions"].table
    query = sa.select(class_terms.c.class_id, sessions.c.sourced_id, sessions.c.doc).join_from(
        class_terms, sessions,
        (sessions.c.tenant == class_terms.c.tenant) & (sessions.c.sourced_id == class_terms.c.term_id),
    ).where(class_terms.c.tenant == tenant)
    found = [(class_id, term_id, orjson.loads(text)) for class_id, term_id, text in conn.execute(query)]
    found.sort(key=lambda row: (row[2].get("startDate", ""), row[1]))
    return [(class_id, term_id, term.get("title", term_id)) for class_id, term_id, term in found]


def _vendor_line_items(conn: sa.Connection, tenant: str) -> Any:
    li = KINDS["lineItems"].table.c
    return conn.execute(sa.select(li["class"], sa.func.count()).where(
        li.tenant == tenant, li.status == "active", sa.or_(li.origin.is_(None), li.origin != "campus"),
    ).group_by(li["class"]))
