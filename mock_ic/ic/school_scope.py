"""IC-SCHOOL-SCOPE: a connection limited to some schools sees nothing of the others.

Objects of other schools are absent from lists and 404 on direct reads (and a write naming them
finds nothing). :func:`scope` says, as scopes the store compiles (``mock_ic/store/scopes.py``), which
rows of a kind lie inside the allowed schools; district-level objects (the district org, sessions
and courses of no school) stay visible.
"""

from __future__ import annotations

from collections.abc import Sequence

from mock_ic.store.scopes import AnyOf, In, IsNull, NotEq, Scope, Within


def scope(kind: str, schools: Sequence[str] | None) -> tuple[Scope, ...]:
    """IC-SCHOOL-SCOPE: the rows of ``kind`` inside ``schools``; no condition when every school is allowed."""
    if schools is None:
        return ()
    allowed = tuple(schools)
    if kind == "orgs":  # other schools are hidden; the district and other non-school orgs are not
        return (AnyOf((NotEq("type", "school"), In("sourced_id", allowed))),)
    if kind == "academicSessions":
        return (AnyOf((IsNull("school"), In("school", allowed))),)
    if kind == "courses":
        return (AnyOf((IsNull("org"), In("org", allowed))),)
    if kind in ("classes", "enrollments", "lineItems"):
        return (In("school", allowed),)
    if kind == "users":  # users with a role at one of the schools
        return (Within("sourced_id", "user_orgs", "user_id", (In("org_id", allowed),)),)
    if kind in ("categories", "results", "scoreScales", "assessmentLineItems"):  # through their class
        return _through_class(allowed)
    if kind == "assessmentResults":  # through their assessment line item's class
        return (Within("assessment_line_item", "assessmentLineItems", "sourced_id", _through_class(allowed)),)
    return ()  # demographics carry no school: left visible


def _through_class(allowed: tuple[str, ...]) -> tuple[Scope, ...]:
    """Rows whose class is one of the allowed schools' (or that name no class)."""
    return (AnyOf((IsNull("class"), Within("class", "classes", "sourced_id", (In("school", allowed),)))),)
