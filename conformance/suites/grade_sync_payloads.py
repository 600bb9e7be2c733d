"""The bodies an LMS grade sync sends, as real integrations send them (IC-LENIENT-IN), or strictly.

Real clients (Canvas, GG4L, Schoology) send less than the 1EdTech schema: references by sourcedId
only (no href, no type), no ``status``, no ``dateLastModified``, whole numbers where the schema says
float, a date-time where it says date (``scoreDate``). Infinite Campus takes that, so the IC profiles
send it. A plain OneRoster server owes no such leniency: the ``oneroster-*`` profiles send complete,
schema-valid objects instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

# reference member -> its 1EdTech ``type`` and the collection its href names
REFERENCE_TYPES = {"class": ("class", "classes"), "school": ("org", "orgs"), "category": ("category", "categories"),
                   "gradingPeriod": ("academicSession", "academicSessions"), "lineItem": ("lineItem", "lineItems"),
                   "student": ("user", "users")}


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_instant(value: Any) -> datetime | None:
    """A date or date-time the server answered, as an aware datetime (a bare date: midnight UTC)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Payloads:
    lenient: bool  # IC-LENIENT-IN: what real integrations send
    hrefs: dict[str, str]  # collection -> its absolute base, for strict references

    def reference(self, member: str, sourced_id: str) -> dict[str, str]:
        if self.lenient:
            return {"sourcedId": sourced_id}
        kind, collection = REFERENCE_TYPES[member]
        return {"href": f"{self.hrefs[collection]}/{sourced_id}", "sourcedId": sourced_id, "type": kind}

    def number(self, value: float) -> float | int:
        """A whole number stays an int in a lenient body (clients send 20 for 20.0)."""
        return int(value) if self.lenient and float(value).is_integer() else float(value)

    def _stamped(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.lenient:
            return body
        return {**body, "status": "active", "dateLastModified": timestamp(datetime.now(UTC))}

    def line_item(self, sourced_id: str, *, title: str, class_id: str, school_id: str, category_id: str | None,
                  grading_period_id: str | None, due: datetime, max_score: float, version: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "sourcedId": sourced_id, "title": title, "description": "Synced by the conformance kit",
            "assignDate": timestamp(due - timedelta(days=7)), "dueDate": timestamp(due),
            "class": self.reference("class", class_id),
            "resultValueMin": self.number(0), "resultValueMax": self.number(max_score),
        }
        if version == "1.2":
            body["school"] = self.reference("school", school_id)
        if category_id is not None:
            body["category"] = self.reference("category", category_id)
        if grading_period_id is not None:
            body["gradingPeriod"] = self.reference("gradingPeriod", grading_period_id)
        return self._stamped(body)

    def result(self, sourced_id: str, *, line_item_id: str, student_id: str, score: float | None,
               score_status: str, scored: datetime) -> dict[str, Any]:
        body: dict[str, Any] = {
            "sourcedId": sourced_id, "lineItem": self.reference("lineItem", line_item_id),
            "student": self.reference("student", student_id), "scoreStatus": score_status,
            # IC-LENIENT-IN: clients send a date-time where 1EdTech says date
            "scoreDate": timestamp(scored) if self.lenient else scored.date().isoformat(),
            "comment": "Synced by the conformance kit",
        }
        if score is not None:
            body["score"] = self.number(score)
        return self._stamped(body)


def due_date_in(terms: list[dict[str, Any]], today: date) -> tuple[dict[str, Any], datetime] | None:
    """A term of the class and a due date inside it: today when a term holds today (IC-TERMS), else
    the first term's second day; noon UTC, so no time zone moves it out of the term."""
    dated = [t for t in terms if isinstance(t.get("startDate"), str) and isinstance(t.get("endDate"), str)]
    for term in dated:
        if term["startDate"] <= today.isoformat() <= term["endDate"]:
            return term, datetime.combine(today, time(12), UTC)
    if not dated:
        return None
    first = min(dated, key=lambda t: t["startDate"])
    start = date.fromisoformat(first["startDate"][:10])
    day = min(start + timedelta(days=1), date.fromisoformat(first["endDate"][:10]))
    return first, datetime.combine(day, time(12), UTC)
