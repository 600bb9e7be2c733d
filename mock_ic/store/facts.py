"""The facts the IC rules and the teacher's view ask about, answered by SQL inside the caller's transaction.

``mock_ic/ic/`` holds no SQL: the rules and the teacher view ask a :class:`Facts` of one tenant, which
reads through the caller's connection; for a write that is the write's own transaction, so a rule
sees the write's earlier changes and a rejected request changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson
import sqlalchemy as sa

from mock_ic.store import documents
from mock_ic.store.tables import KINDS, class_terms


@cache
def _enrolment_query() -> sa.Select[Any]:
    """Built once (bound parameters): it runs on every result PUT."""
    e = KINDS["enrollments"].table.c
    return sa.select(sa.literal(1)).where(
        e.tenant == sa.bindparam("b_tenant"), e["class"] == sa.bindparam("b_class"),
        e.user == sa.bindparam("b_user"), e.role == "student", e.status == "active",
        sa.or_(e.no_show.is_(None), e.no_show != "true"),
    )


@dataclass(frozen=True)
class Facts:
    conn: sa.Connection
    tenant: str

    def get(self, kind: str, sourced_id: str) -> dict[str, Any] | None:
        return documents.get_doc(self.conn, self.tenant, kind, sourced_id)

    def of_class(self, kind: str, class_id: str, *, active: bool = False,
                 except_id: str | None = None) -> list[dict[str, Any]]:
        """The class's documents of a kind (line items, categories, results, ...), in sourcedId order.

        Rows come off the (tenant, class, sourced_id) index and status is tested here, not in SQL:
        with ``status = 'active'`` in the WHERE clause SQLite may pick the (tenant, status) index and
        walk every active row of the tenant.
        """
        table = KINDS[kind].table
        rows = self.conn.execute(sa.select(table.c.sourced_id, table.c.status, table.c.doc)
                                 .where(table.c.tenant == self.tenant, table.c["class"] == class_id)
                                 .order_by(table.c.sourced_id))
        return [orjson.loads(text) for sourced_id, status, text in rows
                if (not active or status == "active") and sourced_id != except_id]

    def students_of_class(self, class_id: str) -> list[dict[str, Any]]:
        """IC-USERS: the users actively enrolled in the class as students, no-shows excluded, by sourcedId
        (the whole class at once; :meth:`is_enrolled_student` asks the same of one student).

        Enrollments come off the class index and are filtered here, for the reason :meth:`of_class` gives.
        """
        e = KINDS["enrollments"].table.c
        rows = self.conn.execute(sa.select(e.user, e.role, e.status, e.no_show)
                                 .where(e.tenant == self.tenant, e["class"] == class_id))
        ids = sorted({row.user for row in rows
                      if row.role == "student" and row.status == "active" and row.no_show != "true"})
        if not ids:
            return []
        u = KINDS["users"].table.c
        query = sa.select(u.doc).where(u.tenant == self.tenant, u.sourced_id.in_(ids)).order_by(u.sourced_id)
        return [orjson.loads(text) for text in self.conn.execute(query).scalars()]

    def classes_with_schools(self) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """Every class of the tenant with its school's org (None when the school is not stored), in one join."""
        classes, orgs = KINDS["classes"].table, KINDS["orgs"].table
        query = sa.select(classes.c.doc, orgs.c.doc).outerjoin_from(
            classes, orgs, (orgs.c.tenant == classes.c.tenant) & (orgs.c.sourced_id == classes.c.school),
        ).where(classes.c.tenant == self.tenant).order_by(classes.c.sourced_id)
        return [(orjson.loads(class_text), orjson.loads(school_text) if school_text else None)
                for class_text, school_text in self.conn.execute(query)]

    def terms_of_class(self, class_id: str) -> list[dict[str, Any]]:
        """The class's terms, earliest first."""
        term_ids = self.conn.execute(sa.select(class_terms.c.term_id).where(
            class_terms.c.tenant == self.tenant, class_terms.c.class_id == class_id)).scalars().all()
        sessions = KINDS["academicSessions"].table
        rows = self.conn.execute(sa.select(sessions.c.doc).where(sessions.c.tenant == self.tenant,
                                                                 sessions.c.sourced_id.in_(term_ids)))
        return sorted((orjson.loads(t) for t in rows.scalars()), key=lambda s: s["startDate"])

    def grading_periods_of_term(self, term_id: str) -> list[dict[str, Any]]:
        sessions = KINDS["academicSessions"].table
        rows = self.conn.execute(sa.select(sessions.c.doc).where(
            sessions.c.tenant == self.tenant, sessions.c.type == "gradingPeriod", sessions.c.parent == term_id))
        return [orjson.loads(t) for t in rows.scalars()]

    def is_enrolled_student(self, student_id: str, class_id: str) -> bool:
        """Actively enrolled in the class as a student, and not a no-show."""
        found = self.conn.execute(_enrolment_query(),
                                  {"b_tenant": self.tenant, "b_class": class_id, "b_user": student_id}).first()
        return found is not None

    def active_line_items_of_category(self, category_id: str) -> list[str]:
        return self.active_referring("lineItems", "category", category_id)

    def active_referring(self, kind: str, column: str, sourced_id: str) -> list[str]:
        """The sourcedIds of the kind's active documents whose reference ``column`` names ``sourced_id``."""
        table = KINDS[kind].table
        return list(self.conn.execute(sa.select(table.c.sourced_id).where(
            table.c.tenant == self.tenant, table.c[column] == sourced_id, table.c.status == "active",
        ).order_by(table.c.sourced_id)).scalars().all())
