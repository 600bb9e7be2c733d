"""The facts the IC rules ask about, answered by SQL inside the caller's transaction.

The rules (``mock_ic/ic/rules.py``) hold no SQL: they ask a :class:`Facts` of one tenant, which
reads through the same connection as the write, so a rule sees the write's own earlier changes and a
rejected request changes nothing.
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
        """The class's documents of a kind (line items, categories, ...)."""
        table = KINDS[kind].table
        where = [table.c.tenant == self.tenant, table.c["class"] == class_id]
        if active:
            where.append(table.c.status == "active")
        if except_id is not None:
            where.append(table.c.sourced_id != except_id)
        return [orjson.loads(text) for text in self.conn.execute(sa.select(table.c.doc).where(*where)).scalars()]

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
        table = KINDS["lineItems"].table
        return list(self.conn.execute(sa.select(table.c.sourced_id).where(
            table.c.tenant == self.tenant, table.c.category == category_id, table.c.status == "active",
        ).order_by(table.c.sourced_id)).scalars().all())
