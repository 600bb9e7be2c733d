"""The ``/_mock`` control plane (openapi/mock-admin.yaml): health and the teacher's grade book as JSON.

The tenant operations are ``api/tenants_admin.py``, named by ``x-openapi-router-controller`` in the spec; the
HTML pages under ``/_mock/ui`` are Flask's (``web/ui.py``).
"""

from __future__ import annotations

from typing import Any

from connexion import context
from starlette.responses import Response

from mock_ic.api import rendering
from mock_ic.control.request_context import runtime_of
from mock_ic.ic import teacher, view


def health() -> dict[str, Any]:
    return {"status": "ok"}


# --- teacher view (IC-VIEW) and teacher edit (IC-RES-ONE-WAY) ---------------------------------------

def getTeacherGradebook(appName: str, classSourcedId: str, gradingPeriod: str | None = None) -> Response:
    runtime = runtime_of(context.scope)
    tenant = runtime.tenants.get(appName)  # None: the view answers 404 for it
    closed = tenant.settings.closed_grading_periods if tenant else ()
    with runtime.db.read() as conn:
        grid = view.gradebook_view(conn, appName, classSourcedId, grading_period=gradingPeriod,
                                   closed_grading_periods=closed)
    return rendering.json_response(rendering.dumps(grid))


def teacherEditResult(appName: str, sourcedId: str, body: dict[str, Any]) -> Response:
    with runtime_of(context.scope).db.write() as conn:
        result = teacher.teacher_edit(conn, appName, sourcedId, body.get("score"),
                                      score_status=body.get("scoreStatus"), comment=body.get("comment"))
    return rendering.single_response("result", rendering.dumps(result))
