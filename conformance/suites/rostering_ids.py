"""Real ids of the target to fill the reads' path templates with (``/classes/{classSourcedId}/students``).

One class is the centre: the sandbox class when one is named, else the first class with students and
a teacher; its school, course, first term, a student, a teacher and a line item fill the nested
paths, and the first object of each collection fills ``/{collection}/{sourcedId}``. A template
whose id the target cannot give (no results yet, no score scales) is reported, not failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from conformance.client_errors import NotFound
from conformance.suites.rostering_spec import UNKNOWN_ID, ReadOperation

if TYPE_CHECKING:
    from conformance.client import OneRosterClient

CLASSES_TRIED = 20  # classes looked at for one with students and a teacher


@dataclass
class KnownIds:
    klass: dict[str, Any]
    params: dict[str, str]  # classSourcedId -> "76459", ...
    singles: dict[str, str] = field(default_factory=dict)  # path word (classes, students, ...) -> an id

    def value(self, operation: ReadOperation, param: str) -> str | None:
        if param == "sourcedId":
            return self.singles.get(operation.kind)
        return self.params.get(param)

    def fill(self, operation: ReadOperation) -> str | None:
        """The path with real ids, or None when the target has no object to name."""
        path = operation.path
        for param in operation.params:
            value = self.value(operation, param)
            if value is None:
                return None
            path = path.replace("{" + param + "}", quote(value, safe=""), 1)
        return path


def unknown(operation: ReadOperation) -> str:
    """The path with an id no server has in every place (OR-NESTED)."""
    path = operation.path
    for param in operation.params:
        path = path.replace("{" + param + "}", UNKNOWN_ID, 1)
    return path


def _first(client: OneRosterClient, path: str, key: str) -> dict[str, Any] | None:
    try:
        items = client.get(path, {"limit": 1}).get(key) or []
    except NotFound:  # a collection the target does not serve: the envelope test names it
        return None
    return items[0] if items and isinstance(items[0], dict) else None


def central_class(client: OneRosterClient, class_id: str | None) -> dict[str, Any]:
    if class_id is not None:
        return client.get_class(class_id)
    for klass in client.get("classes", {"limit": CLASSES_TRIED}).get("classes") or []:
        if client.class_students(klass["sourcedId"]) and client.class_teachers(klass["sourcedId"]):
            return klass
    raise AssertionError(f"OR-ENVELOPE: none of the first {CLASSES_TRIED} classes has a student and a teacher; "
                         "name a class with --oneroster-sandbox-class")


def discover(client: OneRosterClient, class_id: str | None = None) -> KnownIds:
    klass = central_class(client, class_id)
    cid = klass["sourcedId"]
    students = client.class_students(cid)
    teachers = client.class_teachers(cid)
    terms = klass.get("terms") or []
    line_items = client.class_line_items(cid)
    line_item = line_items[0] if line_items else _first(client, "lineItems", "lineItems")
    params = {
        "classSourcedId": cid,
        "schoolSourcedId": klass["school"]["sourcedId"],
        "courseSourcedId": klass["course"]["sourcedId"],
        "termSourcedId": terms[0]["sourcedId"] if terms else None,
        "academicSessionSourcedId": terms[0]["sourcedId"] if terms else None,
        "studentSourcedId": students[0]["sourcedId"] if students else None,
        "userSourcedId": students[0]["sourcedId"] if students else None,
        "teacherSourcedId": teachers[0]["sourcedId"] if teachers else None,
        "lineItemSourcedId": line_item["sourcedId"] if line_item else None,
    }
    known = KnownIds(klass, {k: v for k, v in params.items() if v is not None})
    singles = {"classes": cid, "schools": params["schoolSourcedId"], "orgs": params["schoolSourcedId"],
               "courses": params["courseSourcedId"], "terms": params["termSourcedId"],
               "academicSessions": params["termSourcedId"], "students": params["studentSourcedId"],
               "users": params["studentSourcedId"], "teachers": params["teacherSourcedId"],
               "lineItems": params["lineItemSourcedId"]}
    for path, key in (("gradingPeriods", "academicSessions"), ("enrollments", "enrollments"),
                      ("demographics", "demographics"), ("categories", "categories"), ("results", "results"),
                      ("scoreScales", "scoreScales"), ("assessmentLineItems", "assessmentLineItems"),
                      ("assessmentResults", "assessmentResults")):
        if client.version == "1.1" and path in ("scoreScales", "assessmentLineItems", "assessmentResults"):
            continue  # IC-LI-1P1-ONLY: 1.1 has none of these
        first = _first(client, path, key)
        singles[path] = first["sourcedId"] if first else None
    known.singles = {k: v for k, v in singles.items() if v is not None}
    return known
