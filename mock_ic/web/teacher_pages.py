"""The teacher's pages under ``/_mock/ui`` (IC-VIEW): tenants, a tenant's classes, a class's grade book.

Server-rendered HTML (Jinja, ``web/templates/``), served as operations of openapi/mock-admin.yaml.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote

import jinja2
from connexion import context
from starlette.responses import HTMLResponse

from mock_ic.control.request_context import runtime_of
from mock_ic.ic import view
from mock_ic.mounts import ADMIN_BASE
from mock_ic.store import documents


def tenantListPage() -> HTMLResponse:
    with runtime_of(context.scope).db.read() as conn:
        names = view.tenant_names(conn)
    return _page("tenants.html", tenants=names)


def teacherClassListPage(appName: str) -> HTMLResponse:
    with runtime_of(context.scope).db.read() as conn:
        classes = view.tenant_classes(conn, appName)
    return _page("classes.html", app=appName, classes=classes)


def teacherGradebookPage(appName: str, classSourcedId: str) -> HTMLResponse:
    with runtime_of(context.scope).db.read() as conn:
        grid = view.gradebook_view(conn, appName, classSourcedId)
        school = documents.get_doc(conn, appName, "orgs", grid["class"]["school"]) or {}
    column_count = sum(len(group["lineItems"]) for group in grid["categories"])
    return _page("gradebook.html", app=appName, view=grid, school_name=school.get("name"),
                 column_count=column_count, uncategorized=view.UNCATEGORIZED)


# --- HTML rendering ------------------------------------------------------------------------------

def _number(value: float) -> str:
    """20.0 -> "20", 10.5 -> "10.5": the exact value, without a float's trailing ".0"."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _detail(cell: dict[str, Any], col: dict[str, Any]) -> str:
    """IC-RES-DECIMAL: the detail value on demand (the cell's tooltip), e.g. "10.5 of 20 · fully graded"."""
    parts = []
    if cell["score"] is not None:
        out_of = f" of {_number(col['maxPoints'])}" if col["maxPoints"] is not None else ""
        parts.append(f"{_number(cell['score'])}{out_of}")
    else:
        parts.append("no score")
    if cell["scoreStatus"]:
        parts.append(cell["scoreStatus"])
    if cell["comment"]:
        parts.append(f"comment: {cell['comment']}")
    parts.append(f"result {cell['resultSourcedId']}")
    return " · ".join(parts)


@cache
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("mock_ic.web", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = _number
    env.filters["detail"] = _detail
    env.filters["seg"] = lambda value: quote(str(value), safe="")  # one URL path segment
    return env


def _page(template: str, **values: Any) -> HTMLResponse:
    html = _templates().get_template(template).render(base=ADMIN_BASE, **values)
    return HTMLResponse(html)
