"""IC-SCHOOL-SCOPE: a connection limited to some schools sees nothing of the others.

Objects of other schools are absent from lists and 404 on direct reads (and a write naming them
finds nothing). ``conditions(kind, tenant, schools)`` is the SQL that keeps a kind's rows inside
the allowed schools; district-level objects (the district org, users' district roles) stay visible.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from mock_ic.store.tables import KINDS, user_orgs


def _classes_in(tenant: str, schools: Sequence[str]) -> sa.Select[tuple[str]]:
    c = KINDS["classes"].table.c
    return sa.select(c.sourced_id).where(c.tenant == tenant, c.school.in_(schools))


def conditions(kind: str, tenant: str, schools: Sequence[str] | None) -> list[sa.ColumnElement[bool]]:
    """Row conditions for ``kind`` under a school scope; none when every school is allowed."""
    if schools is None:
        return []
    t = KINDS[kind].table.c
    if kind == "orgs":
        return [sa.or_(t.type != "school", t.sourced_id.in_(schools))]
    if kind == "academicSessions":
        return [sa.or_(t.school.is_(None), t.school.in_(schools))]
    if kind == "courses":
        return [sa.or_(t.org.is_(None), t.org.in_(schools))]
    if kind in ("classes", "enrollments", "lineItems"):
        return [t.school.in_(schools)]
    if kind == "users":
        members = sa.select(user_orgs.c.user_id).where(user_orgs.c.tenant == tenant, user_orgs.c.org_id.in_(schools))
        return [t.sourced_id.in_(members)]
    if kind in ("categories", "results", "scoreScales"):
        return [sa.or_(t["class"].is_(None), t["class"].in_(_classes_in(tenant, schools)))]
    return []  # demographics carry no school: left visible
