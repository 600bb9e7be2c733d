"""The contract suite's writes stay in the sandbox: generated cases are confined before they are sent.

schemathesis generates the cases; before one that writes leaves the process it is rewritten, so that
whatever the generator drew, the kit only writes objects it created, in the one sandbox class:

- a ``PUT``/``DELETE`` of the spec (``/lineItems/{sourcedId}``, ``/results/...``, ``/categories/...``,
  ``/scoreScales/...``, ``/assessmentLineItems/...``, ``/assessmentResults/...``) gets a sourcedId from a
  small pool of the sandbox's own ids (``mockic-kit-...``, the same generated value always to the same
  id); its body names that id, its title starts with ``KIT ``, and its references point into the
  sandbox: the class is the sandbox class, a line item (an assessment line item, a parent assessment
  line item, a score scale) one of the pool's, a student one of the class's students, a category one of
  the class's (a line item refers to it, never writes it), a grading period or academic session the
  class's first term, the school and course the class's own; a due date (and an assign date) falls in
  that term, as an LMS's do; a category records the sandbox class (``metadata.ic.class``, where Infinite
  Campus keeps a category's class);
- a path id made invalid on purpose (a '/', a control character, a number where a string belongs)
  becomes ``<never-created id>/x``: still invalid, but it reaches no other route or object (``a/../7``
  or ``7`` could);
- a write method the spec does not declare for a path (the coverage phase's "unspecified method"
  probes, which expect 405) goes to a sourcedId the kit never creates; on a path without one (a
  collection) it is not sent at all;
- ``POST`` operations are not run: the server allocates the new objects' sourcedIds, which would lack
  the kit's prefix and could not be told from the district's own.

Valid values are replaced by valid ones (a path id without '/' or a control character, a reference's
non-empty string sourcedId, a string title, an RFC 3339 date-time) and invalid ones by harmless invalid
ones (a reference's numeric sourcedId becomes -1): a case schemathesis made invalid on purpose stays
invalid, one it made valid stays valid. In a read-only run nothing with a write method is sent.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from conformance.read_only import WRITE_METHODS
from conformance.sandbox import PREFIX, TITLE_PREFIX

if TYPE_CHECKING:
    from conformance.client import OneRosterClient
    from conformance.sandbox import Sandbox

# The objects the contract suite writes, by the collection of their path, and their body wrapper.
WRAPPERS = {"lineItems": "lineItem", "results": "result", "categories": "category", "scoreScales": "scoreScale",
            "assessmentLineItems": "assessmentLineItem", "assessmentResults": "assessmentResult"}
# A result names a line item, an assessment result an assessment line item: one the target holds when it
# holds one of the pool's (else a result on a missing line item is refused and a chain goes nowhere).
HELD = {"lineItem": "lineItems", "assessmentLineItem": "assessmentLineItems"}
POOL_SIZE = 3  # sandbox ids per kind: enough for create, replace and delete to meet each other
_SEGMENT = re.compile(r"^[^\x00-\x1f\x7f/]+$")


@dataclass
class Confinement:
    """What a write of the contract suite may name: the sandbox's ids and the class's own objects."""

    class_id: str
    pools: dict[str, list[str]]
    students: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    term_id: str | None = None
    due_date: str | None = None
    assign_date: str | None = None
    school_id: str | None = None
    course_id: str | None = None
    probe_id: str = PREFIX + "never-created"
    # The pool's line items and assessment line items the target holds now (a result needs one): kept by
    # :meth:`saw`, by kind.
    held: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in HELD.values()})

    @classmethod
    def prepare(cls, sandbox: Sandbox, client: OneRosterClient) -> Confinement:
        """The pools (fresh sandbox ids, deleted with the sandbox) and what the sandbox class holds."""
        pools = {kind: [sandbox.new_id(kind) for _ in range(POOL_SIZE)] for kind in WRAPPERS}
        class_id = sandbox.class_id
        klass = client.get_class(class_id)
        terms = client.class_terms(class_id)
        term = next((t for t in terms if t.get("startDate") and t.get("endDate")), None)
        return cls(class_id=class_id, pools=pools,
                   students=sorted(s["sourcedId"] for s in client.class_students(class_id)),
                   categories=sorted(c["sourcedId"] for c in client.class_categories(class_id)),
                   term_id=term["sourcedId"] if term else None,
                   due_date=_middle(term["startDate"], term["endDate"]) if term else None,
                   assign_date=f"{term['startDate'][:10]}T08:00:00Z" if term else None,
                   school_id=(klass.get("school") or {}).get("sourcedId"),
                   course_id=(klass.get("course") or {}).get("sourcedId"),
                   probe_id=f"{PREFIX}{sandbox.run_id}-never-created")

    def confine(self, case: Any) -> bool:
        """Rewrite a case that writes into the sandbox, in place; False when it must not be sent."""
        method = case.method.upper()
        if method not in WRITE_METHODS:
            return True
        params = case.path_parameters
        if method != case.operation.method.upper():  # a probe of a method the path does not declare
            if not params:
                return False
            for name in params:  # it expects 405 whatever the ids: one that names nothing
                params[name] = self.probe_id
            return True
        kind = _kind(case.operation.path)
        if kind not in WRAPPERS or method not in ("PUT", "DELETE"):
            return False
        sourced_id = (params or {}).get("sourcedId")
        if _valid_id(sourced_id):
            sourced_id = params["sourcedId"] = self.pick(kind, sourced_id)
        elif params and "sourcedId" in params and sourced_id != "":
            # Invalid on purpose: kept invalid, but it can no longer reach another route or object. A '/'
            # could ('a/../7' is object 7 once the URL is resolved), and so could a number drawn where the
            # schema wants a string: 7 in a URL is the string '7', perhaps a real line item's id.
            params["sourcedId"] = f"{self.probe_id}/x"
        body = case.body if isinstance(case.body, dict) else None
        obj = body.get(WRAPPERS[kind]) if body is not None else None
        if method == "PUT" and isinstance(obj, dict):
            self._confine_object(kind, obj, sourced_id if _valid_id(sourced_id) else None)
        return True

    def complete(self, case: Any) -> None:
        """For the stateful phase: a schema-valid line item, category, assessment line item or (assessment)
        result PUT gets what Infinite Campus needs to store it (a title, a due date, the class, a category;
        a line item the target holds and a student), where the generator left it out, so that chains start
        from objects that exist. Call after :meth:`confine`."""
        meta = case.meta
        mode = getattr(getattr(meta, "generation", None), "mode", None)
        if case.method.upper() != "PUT" or str(mode) != "positive" or not isinstance(case.body, dict):
            return
        kind = _kind(case.operation.path)
        obj = case.body.get(WRAPPERS.get(kind, ""))
        sourced_id = case.path_parameters.get("sourcedId")
        if not isinstance(obj, dict) or not _valid_id(sourced_id):
            return
        if kind in ("lineItems", "categories", "assessmentLineItems"):
            obj.setdefault("title", f"{TITLE_PREFIX}{sourced_id[-20:]}")
        if kind in ("lineItems", "assessmentLineItems"):
            obj.setdefault("class", {"sourcedId": self.class_id})
        if kind == "lineItems":
            if self.due_date:
                obj.setdefault("dueDate", self.due_date)
            if self.categories:
                obj.setdefault("category", {"sourcedId": _choose(self.categories, sourced_id)})
        elif kind in ("results", "assessmentResults"):
            parent = "lineItem" if kind == "results" else "assessmentLineItem"
            obj.setdefault(parent, {"sourcedId": self._reference(parent, sourced_id)})
            if self.students:
                obj.setdefault("student", {"sourcedId": _choose(self.students, sourced_id)})

    def saw(self, case: Any, status: int) -> None:
        """Keep :attr:`held` up to date with a write's answer."""
        kind, method = _kind(case.operation.path), case.method.upper()
        held = self.held.get(kind)
        sourced_id = (case.path_parameters or {}).get("sourcedId")
        if held is None or method not in ("PUT", "DELETE") or sourced_id not in self.pools[kind]:
            return
        if method == "PUT" and 200 <= status < 300 and sourced_id not in held:
            held.append(sourced_id)
        elif method == "DELETE" and status in (204, 404) and sourced_id in held:
            held.remove(sourced_id)

    def forget_held(self) -> None:
        """The pools' objects were deleted: the target holds none of them."""
        for held in self.held.values():
            held.clear()

    def pick(self, kind: str, value: Any) -> str:
        """The pool id standing for a generated value (the same value, the same id)."""
        pool = self.pools[kind]
        return value if value in pool else pool[zlib.crc32(str(value).encode()) % len(pool)]

    def _confine_object(self, kind: str, obj: dict[str, Any], sourced_id: str | None) -> None:
        if sourced_id is not None and isinstance(obj.get("sourcedId"), str):
            obj["sourcedId"] = sourced_id
        if isinstance(obj.get("title"), str) and not obj["title"].startswith(TITLE_PREFIX):
            obj["title"] = TITLE_PREFIX + obj["title"]
        if self.due_date and _is_date_time(obj.get("dueDate")):
            obj["dueDate"] = self.due_date
        if self.assign_date and _is_date_time(obj.get("assignDate")):
            obj["assignDate"] = self.assign_date
        for key, ref in obj.items():
            if not isinstance(ref, dict):
                continue
            drawn = ref.get("sourcedId")
            if isinstance(drawn, str) and drawn:
                chosen = self._reference(key, drawn)
                if chosen is not None:
                    ref["sourcedId"] = chosen  # its href, if any, is left as drawn: the server makes its own
            elif isinstance(drawn, int | float) and not isinstance(drawn, bool):
                # a number where the schema wants a string: a lenient server may read 7 as class '7'
                ref["sourcedId"] = -1
        if kind == "categories":
            metadata = obj.setdefault("metadata", {})
            if isinstance(metadata, dict) and isinstance(metadata.setdefault("ic", {}), dict):
                metadata["ic"]["class"] = self.class_id

    def _reference(self, key: str, value: str) -> str | None:
        """The sandbox's stand-in for a reference; None leaves it (it names nothing the kit writes)."""
        if key == "class":
            return self.class_id
        if key in HELD:  # one the target holds, if any: a result on a missing line item is refused
            held = self.held[HELD[key]]
            return _choose(held, value) if held else self.pick(HELD[key], value)
        if key == "parentAssessmentLineItem":
            return self.pick("assessmentLineItems", value)
        if key == "scoreScale":
            return self.pick("scoreScales", value)
        if key == "student" and self.students:
            return _choose(self.students, value)
        if key == "category":
            return _choose(self.categories, value) if self.categories else self.pick("categories", value)
        if key in ("gradingPeriod", "academicSession"):
            return self.term_id
        if key == "school":
            return self.school_id
        if key == "course":
            return self.course_id
        return None


def _kind(path: str) -> str:
    return next((s for s in path.split("/") if s), "")


def _valid_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_SEGMENT.match(value))


def _choose(options: list[str], value: str) -> str:
    return options[zlib.crc32(value.encode()) % len(options)]


def _is_date_time(value: Any) -> bool:
    if not isinstance(value, str) or "T" not in value.upper():
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _middle(start: str, end: str) -> str | None:
    try:
        first, last = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    except ValueError:
        return None
    return f"{date.fromordinal((first.toordinal() + last.toordinal()) // 2).isoformat()}T12:00:00Z"
