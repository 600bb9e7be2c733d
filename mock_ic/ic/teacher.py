"""A teacher changing a score inside Infinite Campus (IC-RES-ONE-WAY).

The edit changes the stored result the vendor reads back, and nothing else: IC never pushes it to
the vendor, and the vendor's next PUT replaces the whole document (teacher mark included), exactly
as a vendor write overwrites a teacher's change in IC.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_ic.errors import UnknownObject, Unprocessable
from mock_ic.ic.rules import negative_score
from mock_ic.ic.view import require_tenant
from mock_ic.store import documents

if TYPE_CHECKING:
    from mock_ic.store import Connection

SCORE_STATUSES = ("exempt", "fully graded", "not submitted", "partially graded", "submitted")  # 1.2 enum


def _check_score(score: float | None) -> None:
    """IC-RES-EXTRA-CREDIT: above the maximum is extra credit, below zero is refused — for teachers too (IC's
    own screen: no tenant switch applies)."""
    problem = negative_score(score, "score")
    if problem:
        raise Unprocessable(problem)


def _check_status(score_status: str | None) -> None:
    if score_status is not None and score_status not in SCORE_STATUSES and not score_status.startswith("ext:"):
        raise Unprocessable(f"scoreStatus {score_status!r} is not one of {', '.join(SCORE_STATUSES)} "
                            f"(or an 'ext:' extension)")


def _new_status(current: str, score: float | None, requested: str | None) -> str:
    """The teacher's choice when given; otherwise the stored one, except that typing a score into a
    'not submitted' cell grades it (a teacher entering 15 is not leaving the work unsubmitted)."""
    if requested is not None:
        return requested
    if score is not None and current == "not submitted":
        return "fully graded"
    return current


def teacher_edit(conn: Connection, tenant: str, result_id: str, score: float | None,
                 score_status: str | None = None, comment: str | None = None) -> dict[str, Any]:
    """IC-RES-ONE-WAY: replace the score of a stored result as a teacher would in IC; return the result.

    ``score=None`` clears the score (the cell turns blank, IC-RES-BLANK). ``comment=None`` keeps
    the stored comment, ``""`` removes it. The result gets a new dateLastModified and scoreDate
    (a delta sync sees it) and ``metadata.ic.editedBy = "teacher"``. Flags (late, missing) stay.
    """
    require_tenant(conn, tenant)
    result = documents.get_doc(conn, tenant, "results", result_id)
    if result is None:
        raise UnknownObject(f"Unknown result {result_id!r} in tenant {tenant!r}")
    _check_score(score)
    _check_status(score_status)
    stamp = documents.now_stamp()
    result["dateLastModified"] = stamp
    result["scoreDate"] = stamp[:10]
    result["scoreStatus"] = _new_status(result.get("scoreStatus", "not submitted"), score, score_status)
    if score is None:
        result.pop("score", None)
    else:
        result["score"] = float(score)
    if comment == "":
        result.pop("comment", None)
    elif comment is not None:
        result["comment"] = comment
    metadata = result.setdefault("metadata", {})
    ic = metadata.get("ic") if isinstance(metadata.get("ic"), dict) else {}
    metadata["ic"] = {**ic, "editedBy": "teacher"}
    documents.put(conn, tenant, "results", result)
    return result
