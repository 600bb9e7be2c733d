"""The OneRoster roster as the rows of Canvas's SIS import CSVs (docs/provisioning.md, "The mapping").

What is published (Instructure's integration overview and rostering guides): the OneRoster sourcedId
becomes the Canvas SIS id; schools become sub-accounts; a class becomes a course with one section;
1.1 users keep their role-prefixed ids; a ``tobedeleted`` object is deleted or made inactive; an
unenrolled teacher is a deletion and a dropped student an inactive enrollment; terms are one year-long
term or one Canvas term per grading period per school. Everything else here is a documented choice
(docs/provisioning.md, "Choices"), each named where it is made.

The result is a :class:`Mapped`: per file, the rows by their key (``Rows``), the reason of every row
whose status removes it from Canvas, and what the mapping had to decide about (duplicate enrollments,
enrollments without dates, enrollments naming an object the pull does not hold) for the warnings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from conformance.provisioning.pull import Roster

Doc = dict[str, Any]
Row = dict[str, str]
Rows = dict[str, dict[str, Row]]  # file -> key -> row

TERM_MODES = ("consolidated", "per-grading-period")
DROP_STATUSES = ("inactive", "deleted", "completed", "deleted_last_completed")  # Canvas's enrollment drop choices
PROVISIONED_ROLES = ("student", "teacher")  # OneRoster role -> the Canvas role of the same name

# Canvas SIS CSV columns written, in order (Canvas's "SIS CSV Format"; required columns first).
COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id", "parent_account_id", "name", "status"),
    "terms": ("term_id", "name", "status", "start_date", "end_date"),
    "courses": ("course_id", "short_name", "long_name", "account_id", "term_id", "status", "start_date", "end_date"),
    "sections": ("section_id", "course_id", "name", "status", "start_date", "end_date"),
    "users": ("user_id", "login_id", "first_name", "last_name", "email", "status"),
    "enrollments": ("course_id", "section_id", "user_id", "role", "status", "start_date", "end_date"),
}
FILES = tuple(COLUMNS)
# How Canvas knows a row again: its SIS id, or for an enrollment the course, section, user and role.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id",), "terms": ("term_id",), "courses": ("course_id",), "sections": ("section_id",),
    "users": ("user_id",), "enrollments": ("course_id", "section_id", "user_id", "role"),
}
REMOVED = frozenset({"deleted", "inactive", "completed", "deleted_last_completed"})  # rows out of the live roster
TOBEDELETED = "tobedeleted in the SIS"


@dataclass(frozen=True)
class Options:
    terms: str = "consolidated"
    drop_status: str = "inactive"
    today: date = field(default_factory=date.today)

    def __post_init__(self) -> None:
        if self.terms not in TERM_MODES:
            raise ValueError(f"terms must be one of {TERM_MODES}, not {self.terms!r}")
        if self.drop_status not in DROP_STATUSES:
            raise ValueError(f"drop status must be one of {DROP_STATUSES}, not {self.drop_status!r}")


@dataclass(frozen=True)
class Duplicate:
    """More than one current enrollment of one user in one class and role; ``kept`` is the one sent."""

    class_id: str
    user_id: str
    role: str
    kept: str
    others: tuple[str, ...]
    kept_begins: str


@dataclass
class Mapped:
    rows: Rows = field(default_factory=lambda: {name: {} for name in FILES})
    reasons: dict[tuple[str, str], str] = field(default_factory=dict)  # (file, key) -> why it is removed
    duplicates: list[Duplicate] = field(default_factory=list)
    undated: dict[str, list[str]] = field(default_factory=dict)  # class -> its live enrollments without both dates
    dangling: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (kind, missing id) -> enrollments
    skipped_roles: int = 0  # enrollments in a role Canvas is not provisioned with here

    def add(self, file: str, row: Row, reason: str | None = None) -> str:
        key = row_key(file, row)
        self.rows[file][key] = row
        if reason:
            self.reasons[(file, key)] = reason
        return key


def row_key(file: str, row: Row) -> str:
    return "|".join(row[column] for column in KEY_COLUMNS[file])


def user_roles(user: Doc) -> set[str]:
    """The user's roles: 1.1 has one ``role``; 1.2 a ``roles`` list (one per org)."""
    if isinstance(user.get("role"), str):
        return {user["role"]}
    return {r.get("role") for r in user.get("roles") or [] if isinstance(r, dict) and r.get("role")}


def ref_id(doc: Doc, key: str) -> str | None:
    ref = doc.get(key)
    return str(ref["sourcedId"]) if isinstance(ref, dict) and ref.get("sourcedId") is not None else None


def day(value: Any) -> str | None:
    """The date part of a OneRoster date or date-time (``2026-08-01``), None when absent."""
    return str(value)[:10] if value else None


def start_stamp(iso_day: str) -> str:
    """Canvas's timestamps are ISO 8601 ``YYYY-MM-DDTHH:MM:SSZ``, UTC by default (choice: the day's start, UTC)."""
    return f"{iso_day}T00:00:00Z"


def end_stamp(iso_day: str) -> str:
    return f"{iso_day}T23:59:59Z"  # choice: the last day counts in full


def map_roster(roster: Roster, options: Options) -> Mapped:
    return _Mapper(roster, options).run()


class _Mapper:
    def __init__(self, roster: Roster, options: Options) -> None:
        self.roster = roster
        self.options = options
        self.out = Mapped()
        self.sessions = {str(s["sourcedId"]): s for s in roster.sessions}
        self.schools = {str(s["sourcedId"]): s for s in roster.schools}
        self.classes = {str(c["sourcedId"]): c for c in roster.classes}
        self.users = {str(u["sourcedId"]): u for u in roster.users if user_roles(u) & set(PROVISIONED_ROLES)}
        self.periods: dict[str, list[Doc]] = defaultdict(list)  # term -> its grading periods, earliest first
        for session in sorted(roster.sessions, key=_earliest):
            if session.get("type") == "gradingPeriod" and (parent := ref_id(session, "parent")):
                self.periods[parent].append(session)
        self.class_sessions = {class_id: sorted((self.sessions[sid] for ref in klass.get("terms") or []
                                                 if (sid := str(ref.get("sourcedId"))) in self.sessions), key=_earliest)
                               for class_id, klass in self.classes.items()}

    def run(self) -> Mapped:
        for school in self.roster.schools:
            self.account(school)
        self.terms()
        for klass in self.roster.classes:
            self.course_and_section(klass)
        for user in self.users.values():
            self.user(user)
        self.enrollments()
        return self.out

    # -- accounts: schools are sub-accounts of the root account (the district) ------------------

    def account(self, school: Doc) -> None:
        status, reason = _status(school)
        self.out.add("accounts", {"account_id": str(school["sourcedId"]), "parent_account_id": "",
                                  "name": str(school.get("name") or school["sourcedId"]), "status": status}, reason)

    # -- terms -------------------------------------------------------------------------------------

    def terms(self) -> None:
        """Every Canvas term of the mode, whether or not a class uses it: a school year (consolidated)
        or each school's grading periods (per grading period)."""
        for session in self.sessions.values():
            if self.options.terms == "consolidated" and session.get("type") == "schoolYear":
                self.year_term(session)
            elif self.options.terms == "per-grading-period" and session.get("type") == "gradingPeriod":
                self.session_term(session)

    def class_span(self, class_id: str) -> tuple[str | None, str | None]:
        """The first day and the last of the class's terms that the pull holds."""
        terms = self.class_sessions.get(class_id) or []
        starts = [d for t in terms if (d := day(t.get("startDate")))]
        ends = [d for t in terms if (d := day(t.get("endDate")))]
        return (min(starts) if starts else None), (max(ends) if ends else None)

    def canvas_term(self, class_id: str) -> str:
        """The term_id of the class's course ('' = Canvas's default term)."""
        terms = self.class_sessions[class_id]
        if not terms:
            return ""
        if self.options.terms == "consolidated":
            return self.year_term(terms[0])
        return self.grading_period_term(terms[0])

    def year_term(self, session: Doc) -> str:
        """Consolidated: one Canvas term per school year, shared by every school (choice: the id is
        ``schoolyear-<OneRoster schoolYear>``, the dates span every school's school year)."""
        year = str(session.get("schoolYear") or (day(session.get("endDate")) or "")[:4] or "unknown")
        term_id = f"schoolyear-{year}"
        if term_id not in self.out.rows["terms"]:
            spans = [s for s in self.sessions.values() if str(s.get("schoolYear")) == year
                     and s.get("type") == "schoolYear"] or [s for s in self.sessions.values()
                                                            if str(s.get("schoolYear")) == year]
            starts = [d for s in spans if (d := day(s.get("startDate")))]
            ends = [d for s in spans if (d := day(s.get("endDate")))]
            name = f"{min(starts)[:4]}-{max(ends)[2:4]}" if starts and ends else f"School year {year}"
            self.out.add("terms", {"term_id": term_id, "name": name, "status": "active",
                                   "start_date": start_stamp(min(starts)) if starts else "",
                                   "end_date": end_stamp(max(ends)) if ends else ""})
        return term_id

    def grading_period_term(self, term: Doc) -> str:
        """Per grading period: the class's course goes into the Canvas term of the grading period of its
        first term (choice: stable for the whole year; the course's own dates span all its terms)."""
        periods = self.periods.get(str(term["sourcedId"]))
        session = periods[0] if periods else term  # a term without a grading period is its own Canvas term
        self.session_term(session)
        return str(session["sourcedId"])

    def session_term(self, session: Doc) -> None:
        school = self.schools.get(ref_id(session, "org") or _ic(session, "school") or "")
        title = str(session.get("title") or session["sourcedId"])
        status, reason = _status(session)
        self.out.add("terms", {"term_id": str(session["sourcedId"]),
                               "name": f"{title} ({school['name']})" if school and school.get("name") else title,
                               "status": status, "start_date": _stamp(start_stamp, session.get("startDate")),
                               "end_date": _stamp(end_stamp, session.get("endDate"))}, reason)

    # -- courses and sections: a class is a course with one section of the same SIS id ---------------

    def course_and_section(self, klass: Doc) -> None:
        class_id = str(klass["sourcedId"])
        title = str(klass.get("title") or klass.get("classCode") or class_id)
        status, reason = _status(klass)
        start = end = ""
        if self.options.terms == "per-grading-period":  # the course outlives its term: its dates say how long
            first, last = self.class_span(class_id)
            start, end = (start_stamp(first) if first else ""), (end_stamp(last) if last else "")
        self.out.add("courses", {"course_id": class_id, "short_name": str(klass.get("classCode") or title),
                                 "long_name": title, "account_id": ref_id(klass, "school") or "",
                                 "term_id": self.canvas_term(class_id), "status": status,
                                 "start_date": start, "end_date": end}, reason)
        self.out.add("sections", {"section_id": class_id, "course_id": class_id, "name": title, "status": status,
                                  "start_date": "", "end_date": ""}, reason)

    # -- users ---------------------------------------------------------------------------------------

    def user(self, user: Doc) -> None:
        status, reason = _status(user)
        if status == "active" and str(user.get("enabledUser", "true")).lower() == "false":
            status = "suspended"  # choice: a disabled SIS account keeps its enrollments but cannot log in
        user_id = str(user["sourcedId"])
        self.out.add("users", {"user_id": user_id,
                               "login_id": str(user.get("username") or user.get("email") or user_id),
                               "first_name": str(user.get("givenName") or ""),
                               "last_name": str(user.get("familyName") or ""),
                               "email": str(user.get("email") or ""), "status": status}, reason)

    # -- enrollments ----------------------------------------------------------------------------------

    def enrollments(self) -> None:
        groups: dict[tuple[str, str, str], list[Doc]] = defaultdict(list)
        for enrollment in self.roster.enrollments:
            role = str(enrollment.get("role") or "")
            if role not in PROVISIONED_ROLES:
                self.out.skipped_roles += 1
                continue
            class_id, user_id = ref_id(enrollment, "class"), ref_id(enrollment, "user")
            missing = (("classes", class_id) if class_id not in self.classes
                       else ("users", user_id) if user_id not in self.users else None)
            if missing is not None:  # Canvas would refuse the row: a course or user it does not know
                self.out.dangling.setdefault((missing[0], str(missing[1])), []).append(str(enrollment["sourcedId"]))
                continue
            groups[(str(class_id), str(user_id), role)].append(enrollment)
        for (class_id, user_id, role), records in groups.items():
            self.enrollment(class_id, user_id, role, self.chosen(class_id, user_id, role, records))

    def current(self, enrollment: Doc) -> bool:
        """Active and not ended (an enrollment that has not begun yet is the upcoming current one)."""
        end = day(enrollment.get("endDate"))
        return enrollment.get("status", "active") == "active" and (end is None or end >= self.options.today.isoformat())

    def chosen(self, class_id: str, user_id: str, role: str, records: list[Doc]) -> Doc:
        """Canvas keeps one enrollment per user, section and role: the current one that began last
        (choice), else the record that ended last."""
        current = [e for e in records if self.current(e)]
        if current:
            kept = max(current, key=lambda e: (day(e.get("beginDate")) or "", str(e["sourcedId"])))
            if len(current) > 1:
                self.out.duplicates.append(Duplicate(
                    class_id, user_id, role, str(kept["sourcedId"]),
                    tuple(sorted(str(e["sourcedId"]) for e in current if e is not kept)),
                    day(kept.get("beginDate")) or ""))
            return kept
        return max(records, key=lambda e: (day(e.get("endDate")) or "", day(e.get("beginDate")) or "",
                                           str(e["sourcedId"])))

    def enrollment(self, class_id: str, user_id: str, role: str, enrollment: Doc) -> None:
        begin, end = day(enrollment.get("beginDate")), day(enrollment.get("endDate"))
        status, reason = self.enrollment_status(class_id, role, enrollment, end)
        if status not in REMOVED and not (begin and end):
            self.out.undated.setdefault(class_id, []).append(str(enrollment["sourcedId"]))
        # Canvas: a start_date takes effect only with an end_date, and the reverse: both or neither
        start, finish = (start_stamp(begin), end_stamp(end)) if begin and end else ("", "")
        self.out.add("enrollments", {"course_id": class_id, "section_id": class_id, "user_id": user_id, "role": role,
                                     "status": status, "start_date": start, "end_date": finish}, reason)

    def enrollment_status(self, class_id: str, role: str, enrollment: Doc, end: str | None) -> tuple[str, str | None]:
        if enrollment.get("status", "active") == "tobedeleted":
            return removal(role, self.options.drop_status, TOBEDELETED)
        class_end = self.class_span(class_id)[1]
        if end is not None and end < self.options.today.isoformat() and (class_end is None or end < class_end):
            ends = f", before its class ends on {class_end}" if class_end else ""
            return removal(role, self.options.drop_status, f"the enrollment ended on {end}{ends}")
        return "active", None


def removal(role: str, drop_status: str, why: str) -> tuple[str, str]:
    """A student who leaves a class is a drop (the configured drop status); a teacher, a deletion."""
    if role == "student":
        return drop_status, f"dropped: {why}"
    return "deleted", f"teacher unenrolled: {why}" if role == "teacher" else why


def _earliest(session: Doc) -> tuple[str, str]:
    return day(session.get("startDate")) or "", str(session["sourcedId"])


def _status(doc: Doc) -> tuple[str, str | None]:
    return ("deleted", TOBEDELETED) if doc.get("status") == "tobedeleted" else ("active", None)


def _ic(doc: Doc, key: str) -> str | None:
    """An Infinite Campus detail in ``metadata.ic`` (the school of an IC academic session)."""
    value = ((doc.get("metadata") or {}).get("ic") or {}).get(key)
    return str(value) if value is not None else None


def _stamp(make: Callable[[str], str], value: Any) -> str:
    iso_day = day(value)
    return make(iso_day) if iso_day else ""
