"""The roster pull: what Canvas's provisioning reads from a OneRoster 1.1/1.2 connection each night.

Two ways, as Canvas's rostering service offers them:

* ``bulk``: each collection once, page by page — ``schools``, ``academicSessions`` (school years, terms
  and grading periods), ``courses``, ``classes``, ``users``, ``enrollments``.
* ``per-school``: ``schools``, then for each school its ``terms`` (each term's ``gradingPeriods``, and the
  school year each term names as its parent), ``courses``, ``classes``, ``students``, ``teachers`` and
  ``enrollments``. An object reached through two schools (a teacher with a role at both) is kept once.

Demographics are not pulled: no column of Canvas's SIS CSVs takes them. Paging is the client's
(``OneRosterClient.paginate``: the ``Link`` header's ``next``, else ``offset`` up to ``X-Total-Count``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from conformance.client import OneRosterClient

Doc = dict[str, Any]
SCOPES = ("bulk", "per-school")
PAGE_SIZE = 1000  # IC caps limit at 50,000 (OR-PAGING); 1,000 keeps each page a few hundred KB


@dataclass
class Roster:
    """Everything one pull returned, each list in sourcedId order with no sourcedId twice."""

    version: str
    schools: list[Doc] = field(default_factory=list)
    sessions: list[Doc] = field(default_factory=list)  # academicSessions: schoolYear, term, gradingPeriod
    courses: list[Doc] = field(default_factory=list)
    classes: list[Doc] = field(default_factory=list)
    users: list[Doc] = field(default_factory=list)
    enrollments: list[Doc] = field(default_factory=list)


def pull(client: OneRosterClient, scope: str = "bulk", *, page_size: int = PAGE_SIZE) -> Roster:
    """Read the roster through ``client``; any OneRoster error (after the client's retries) propagates."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
    reader = _Reader(client, page_size)
    return reader.bulk() if scope == "bulk" else reader.per_school()


class _Reader:
    def __init__(self, client: OneRosterClient, page_size: int) -> None:
        self.client = client
        self.page_size = page_size

    def all(self, path: str, key: str) -> Iterator[Doc]:
        yield from self.client.paginate(path, key, page_size=self.page_size)

    def bulk(self) -> Roster:
        return Roster(
            version=self.client.version,
            schools=_unique(self.all("schools", "orgs")),
            sessions=_unique(self.all("academicSessions", "academicSessions")),
            courses=_unique(self.all("courses", "courses")),
            classes=_unique(self.all("classes", "classes")),
            users=_unique(self.all("users", "users")),
            enrollments=_unique(self.all("enrollments", "enrollments")),
        )

    def per_school(self) -> Roster:
        schools = _unique(self.all("schools", "orgs"))
        found: dict[str, list[Doc]] = {kind: [] for kind in ("sessions", "courses", "classes", "users", "enrollments")}
        for school in schools:
            base = f"schools/{_segment(school['sourcedId'])}"
            terms = list(self.all(f"{base}/terms", "academicSessions"))
            found["sessions"] += terms
            for term in terms:
                found["sessions"] += self.all(f"terms/{_segment(term['sourcedId'])}/gradingPeriods", "academicSessions")
            found["courses"] += self.all(f"{base}/courses", "courses")
            found["classes"] += self.all(f"{base}/classes", "classes")
            found["users"] += self.all(f"{base}/students", "users")
            found["users"] += self.all(f"{base}/teachers", "users")
            found["enrollments"] += self.all(f"{base}/enrollments", "enrollments")
        found["sessions"] += self.parents(found["sessions"])
        return Roster(version=self.client.version, schools=schools,
                      **{kind: _unique(docs) for kind, docs in found.items()})

    def parents(self, sessions: list[Doc]) -> list[Doc]:
        """The school years the terms name as parent: no per-school route lists them."""
        known = {s["sourcedId"] for s in sessions}
        wanted = sorted({ref["sourcedId"] for s in sessions if s.get("type") == "term"
                         for ref in [s.get("parent") or {}] if ref.get("sourcedId") not in (None, *known)})
        return [self.client.get(f"academicSessions/{_segment(sid)}")["academicSession"] for sid in wanted]


def _unique(docs: Iterable[Doc]) -> list[Doc]:
    by_id: dict[str, Doc] = {}
    for doc in docs:
        by_id.setdefault(str(doc["sourcedId"]), doc)
    return [by_id[sid] for sid in sorted(by_id)]


def _segment(value: object) -> str:
    return quote(str(value), safe="")
