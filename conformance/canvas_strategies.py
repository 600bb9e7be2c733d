"""Hypothesis strategies for Canvas course files (docs/passback.md, "The course file") aimed at one IC class.

A generated course is what a teacher's Canvas course looks like when it is synced to the kit's sandbox
class: one section whose SIS id is that class (and sometimes a second section without a SIS id, which
is never synced), a few of the class's real students (read from the target), and assignments that
exercise every rule a grade sync meets on its way — Canvas's eligibility rules (unpublished, "Sync to
SIS" off, not graded, the Attendance assignment, differentiated, no graded submission, no due date,
names over the account's limit, Learning Mastery outcomes) and Infinite Campus's (titles over IC's
limit, duplicate titles, due dates outside every term, an unknown grading category, a student IC does
not enrol, decimals, extra credit, excused, late and missing marks, grades older than a normal sync's
30 days).

Dates are drawn relative to the class's terms, so the same draw gives the same course shape whatever
school year the target serves (IC-TERMS). Every assignment name starts with the sandbox's title prefix
(the Attendance assignment's exact Canvas name aside: Canvas never sends it), and names avoid words
that a refusal's description shares with another SIS error title ("term", "due date", "class", ...),
so the title a failure earns follows from the rule that refused it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import strategies as st

FORMAT = "mock-ic/canvas-course"  # conformance.passback.canvas.FORMAT: the file's fixed header
SECTION_ID = 7001  # the section synced to the sandbox class
OTHER_SECTION_ID = 7002  # a section without a SIS id: never synced
FIRST_USER_ID = 30001
FIRST_ASSIGNMENT_ID = 55001
FIRST_OUTCOME_ID = 801
UNENROLLED_SIS_ID = "999999901"  # a SIS user id no IC class enrols: its grades earn IC-RES-UPSERT's refusal
ROLL_CALL_NAME = "Roll Call Attendance"  # Canvas's Roll Call tool names its assignment exactly so
UNKNOWN_GROUP = "KIT No Such Category"  # an assignment group no class category is titled like (1.2)

# Words of assignment names: none of them is a word a refusal's description is classified by
# (conformance/passback/sis_errors.py reads "term", "due date", "class", "score", "enrolled" ...).
WORDS = ("Quiz", "Essay", "Lab", "Homework", "Project", "Reading", "Worksheet", "Unit Test", "Lab Report",
         "Presentation")
FILLER = ("Review", "Chapter", "Part", "Practice", "Set", "Notes")
LETTERS = ("A", "A-", "B+", "B", "C+", "C", "D", "F")
# Kinds of submissions, by what Canvas holds; "graded" ones count as a graded submission.
GRADED_STATES = ("graded", "decimal", "extra_credit", "late", "missing_scored", "zero")
UNGRADED_STATES = ("unsubmitted", "submitted", "excused", "missing")
# Defects that keep an assignment out of a sync and can be combined (each is reported: docs/passback.md).
COMBINABLE_DEFECTS = ("unpublished", "attendance", "differentiated", "no_graded_submissions")


@dataclass(frozen=True)
class CourseTarget:
    """The sandbox class a course is aimed at, as read from the target."""

    class_id: str
    students: tuple[str, ...]  # the class's students as Canvas holds them: 1.2 user sourcedIds (no prefix)
    terms: tuple[tuple[date, date], ...]  # the class's terms, in date order
    categories: tuple[str, ...]  # titles of the class's grading categories (assignment group names that land)
    title_prefix: str = "KIT "
    ic_title_limit: int = 30  # IC-LI-TITLE-LEN: 30 on a 1.2 connection, 50 on 1.1


def _chance(draw: st.DrawFn, one_in: int) -> bool:
    """True about once in ``one_in`` draws, False in the simplest (hypothesis favours an integer range's
    ends, so ``integers(0, n) == n`` would come up far more often than 1/n)."""
    return draw(st.sampled_from((False,) * (one_in - 1) + (True,)))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _at(day: date, hour: int = 23, minute: int = 59) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


@st.composite
def course_files(draw: st.DrawFn, target: CourseTarget) -> dict[str, Any]:
    """A course file (a JSON document) whose one synced section is ``target``'s class."""
    if not target.terms or not target.students:
        raise ValueError("a course needs a class with terms and students to aim at")
    course_id = draw(st.integers(4001, 4999))
    year_start, year_end = target.terms[0][0], target.terms[-1][1]
    length = (year_end - year_start).days
    # The sync's "now": inside the school year, late enough that grades 30+ days old exist too.
    exported = _at(year_start + timedelta(days=draw(st.integers(min(60, length), length))), 12, 0)
    other_section = draw(st.booleans())
    sections = [{"id": SECTION_ID, "course_id": course_id, "name": "KIT Section 1",
                 "sis_section_id": target.class_id}]
    if other_section:
        sections.append({"id": OTHER_SECTION_ID, "course_id": course_id, "name": "KIT Section 2 (no SIS id)",
                         "sis_section_id": None})
    users = draw(_users(target, other_section))
    assignments: list[dict[str, Any]] = []
    submissions: list[dict[str, Any]] = []
    # The simplest draws (hypothesis's first examples, and shrinking's goal) still make a course worth
    # syncing: four assignments graded recently, two students, due dates in a term.
    for index in range(draw(st.integers(4, 8))):
        assignment, graded = draw(_assignment(target, course_id, index, assignments, exported, other_section))
        assignments.append(assignment)
        submissions += draw(_submissions(assignment, users, graded, exported))
    document: dict[str, Any] = {
        "format": FORMAT, "version": 1, "exported_at": iso(exported),
        "course": {"id": course_id, "name": "KIT Passback Course", "course_code": "KIT-101",
                   "sis_course_id": f"KIT-{course_id}", "workflow_state": "available"},
        "account_settings": draw(_account_settings(target)),
        "sections": sections, "users": users, "assignments": assignments, "submissions": submissions,
    }
    # Hypothesis tries the simplest draws first and shrinks toward them: there, the features an IC rule
    # refuses are in (a negative score, an unenrolled student, a duplicate title, a title over IC's limit),
    # so that a few examples find a server that lets them through, whatever seed the run has.
    if not draw(st.booleans()):
        _negative_score(draw, assignments, submissions)
    outcomes = draw(st.integers(0, 2))
    if outcomes:
        document["outcome_rollups"] = _outcome_rollups(users, outcomes)
    return document


def _negative_score(draw: st.DrawFn, assignments: Sequence[dict[str, Any]], submissions: list[dict[str, Any]]) -> None:
    """Canvas lets a teacher enter a negative score; IC refuses it (IC-RES-EXTRA-CREDIT): one graded score
    of a points assignment becomes -1."""
    scored = {a["id"] for a in assignments if a["grading_type"] in ("points", "percent", "pass_fail")}
    candidates = [s for s in submissions if s["assignment_id"] in scored and s["score"] is not None]
    if candidates:
        chosen = draw(st.sampled_from(candidates))
        chosen.update(score=-1.0, entered_score=-1.0, grade="-1", entered_grade="-1")


@st.composite
def _account_settings(draw: st.DrawFn, target: CourseTarget) -> dict[str, Any]:
    """The SIS settings: a name limit below, at or above IC's (or none), a due date required or not."""
    return {"sis_assignment_name_length": draw(st.booleans()),
            "sis_assignment_name_length_input": draw(st.sampled_from(
                sorted({target.ic_title_limit, 30, 50, 255}))),
            "sis_require_assignment_due_date": draw(st.booleans())}


def _user(user_id: int, name: str, sis_user_id: str | None, section_id: int, *, kind: str = "StudentEnrollment",
          state: str = "active") -> dict[str, Any]:
    return {"id": user_id, "name": name, "sortable_name": name, "sis_user_id": sis_user_id,
            "enrollments": [{"type": kind, "enrollment_state": state, "course_section_id": section_id}]}


@st.composite
def _users(draw: st.DrawFn, target: CourseTarget, other_section: bool) -> list[dict[str, Any]]:
    """Some of the class's students in the synced section, and the users a sync must leave out or fail on."""
    pool = list(target.students)
    chosen = draw(st.lists(st.sampled_from(pool), min_size=min(2, len(pool)), max_size=min(4, len(pool)),
                           unique=True))
    rest = [s for s in pool if s not in chosen]
    users = [_user(FIRST_USER_ID + i, f"KIT Student {i + 1}", sis, SECTION_ID) for i, sis in enumerate(chosen)]
    next_id = FIRST_USER_ID + len(users)
    extras = draw(st.sets(st.sampled_from(("no_sis_id", "test_student", "inactive", "other_section")), max_size=3))
    if not draw(st.booleans()):
        extras.add("unenrolled")
    for extra in sorted(extras):
        if extra == "no_sis_id":  # a warning, never sent
            users.append(_user(next_id, "KIT No SIS Id", None, SECTION_ID))
        elif extra == "unenrolled":  # sent, refused: IC does not enrol them in the class (IC-RES-UPSERT)
            users.append(_user(next_id, "KIT Unenrolled", UNENROLLED_SIS_ID, SECTION_ID))
        elif extra == "test_student":  # Canvas's Test Student: not a student
            users.append(_user(next_id, "Test Student", None, SECTION_ID, kind="StudentViewEnrollment"))
        elif extra == "inactive" and rest:  # a real student of the class whose Canvas enrolment is inactive
            users.append(_user(next_id, "KIT Inactive", rest.pop(0), SECTION_ID, state="inactive"))
        elif extra == "other_section" and other_section and rest:  # in the section without a SIS id
            users.append(_user(next_id, "KIT Other Section", rest.pop(0), OTHER_SECTION_ID))
        next_id += 1
    return users


def _due_day(draw: st.DrawFn, target: CourseTarget, avoid: frozenset[date] = frozenset()) -> date:
    """A day well inside one of the class's terms (three days clear of its ends), none of ``avoid``."""
    start, end = draw(st.sampled_from(target.terms))
    first, last = start + timedelta(days=3), end - timedelta(days=3)
    if last < first:
        return start + (end - start) / 2
    day = first + timedelta(days=draw(st.integers(0, (last - first).days)))
    for _ in range((last - first).days + 1):
        if day not in avoid:
            break
        day = day + timedelta(days=1) if day < last else first
    return day


def _due(draw: st.DrawFn, target: CourseTarget, avoid: frozenset[date]) -> datetime | None:
    kind = draw(st.sampled_from(("term",) * 6 + ("outside", "none")))
    if kind == "none":
        return None
    if kind == "outside":  # before the school year or after it: outside every term (IC-LI-DUE-DATE)
        before = draw(st.booleans())
        day = target.terms[0][0] - timedelta(days=20) if before else target.terms[-1][1] + timedelta(days=20)
        return _at(day)
    return _at(_due_day(draw, target, avoid))


def _same_title(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def synced_due(assignment: dict[str, Any]) -> str | None:
    """The due date the synced section's students see: its section override's, else the assignment's."""
    for listed in assignment.get("sections") or ():
        if listed["id"] == SECTION_ID and "override" in listed:
            return listed["override"].get("due_at")
    return assignment["due_at"]


def _name(draw: st.DrawFn, target: CourseTarget, index: int, earlier: Sequence[dict[str, Any]]) -> str:
    """A name: new, or (sometimes) an earlier one again, in another case or with a trailing blank."""
    prefix = target.title_prefix
    ours = [a for a in earlier if str(a["name"]).startswith(prefix)]
    if ours and (not draw(st.booleans()) if index == 1 else _chance(draw, 5)):  # the second: simplest is one
        tail = str(draw(st.sampled_from(ours))["name"])[len(prefix):]
        variants = [tail, tail.upper(), tail.lower()]
        # Whether IC counts a trailing blank in a title's length is not known: stay clear of the limit.
        if len(prefix + tail) < target.ic_title_limit:
            variants.append(tail + " ")
        return prefix + draw(st.sampled_from(variants))
    base = f"{prefix}{draw(st.sampled_from(WORDS))} {index + 1}"
    limit = target.ic_title_limit
    if _chance(draw, 4) == (index == 2):  # the third: over IC's limit, simplest
        return base
    length = draw(st.sampled_from(list(dict.fromkeys((limit + 1, limit, 31, 30, 51, 50, 64)))))
    if length <= len(base):
        return base
    words = draw(st.lists(st.sampled_from(FILLER), min_size=12, max_size=12))
    name = (base + " " + " ".join(words))[:length]
    if name.endswith(" "):  # a cut at a blank: keep the length, never a trailing blank
        name = name[:-1] + "x"
    return name


def _group(draw: st.DrawFn, target: CourseTarget) -> dict[str, Any]:
    """An assignment group: named like one of the class's categories (in another case, sometimes), or
    rarely like none of them (on 1.2 Canvas's "Grading category ... not found")."""
    names = sorted({*target.categories} or {"Homework"})
    index = draw(st.integers(0, len(names) - 1))
    if _chance(draw, 12):
        return {"id": 3001 + len(names), "name": UNKNOWN_GROUP, "group_weight": 20.0, "sis_source_id": None}
    name = draw(st.sampled_from((names[index], names[index], names[index].upper(), names[index].lower())))
    return {"id": 3001 + index, "name": name, "group_weight": 20.0, "sis_source_id": None}


@st.composite
def _assignment(draw: st.DrawFn, target: CourseTarget, course_id: int, index: int,
                earlier: Sequence[dict[str, Any]], exported: datetime, other_section: bool
                ) -> tuple[dict[str, Any], bool]:
    """One assignment, and whether its submissions may hold grades (False: none graded)."""
    assignment_id = FIRST_ASSIGNMENT_ID + index
    defects = draw(st.sampled_from(("none",) * 5 + ("combined", "post_to_sis_off", "not_graded")))
    chosen: set[str] = set()
    if defects == "combined":
        chosen = draw(st.sets(st.sampled_from(COMBINABLE_DEFECTS), min_size=1, max_size=2))
    elif defects != "none":
        chosen = {defects}
    # A not-graded assignment has nothing else wrong with it (Canvas reports not_graded alone).
    if defects == "not_graded":
        name = f"{target.title_prefix}Reading {index + 1}"
    else:
        name = _name(draw, target, index, earlier)
    # A duplicate title never shares an earlier one's due day in the synced section: Canvas matches
    # by title and due date, so a later sync would adopt the earlier assignment's line item for it.
    avoid = frozenset(datetime.fromisoformat(due).date() for other in earlier
                      if _same_title(other["name"], name) and (due := synced_due(other)))
    due = _due(draw, target, avoid)
    if defects == "not_graded" and due is None:  # not_graded alone: nothing else wrong with it
        due = _at(_due_day(draw, target, avoid))
    grading_type = draw(st.sampled_from(("points", "points", "points", "percent", "pass_fail", "letter_grade",
                                         "gpa_scale")))
    points = draw(st.sampled_from((10, 10, 20, 100, 12.5, 0)))
    types = [draw(st.sampled_from(("online_upload", "on_paper", "online_quiz", "external_tool")))]
    if "not_graded" in chosen:
        grading_type, types, points = "not_graded", ["not_graded"], 0
    if "attendance" in chosen:
        if draw(st.booleans()):
            types = ["attendance"]
        else:
            name, types = ROLL_CALL_NAME, ["external_tool"]
    assignment: dict[str, Any] = {
        "id": assignment_id, "course_id": course_id, "name": name,
        "created_at": iso(exported - timedelta(days=120)), "due_at": iso(due) if due else None,
        "unlock_at": None, "lock_at": None, "points_possible": points, "submission_types": types,
        "integration_id": None, "include_in_final_grade": True, "assignment_group": _group(draw, target),
        "published": "unpublished" not in chosen, "post_to_sis": "post_to_sis_off" not in chosen,
        "grading_type": grading_type, "omit_from_final_grade": draw(st.booleans()),
    }
    if "differentiated" in chosen:
        if draw(st.booleans()):  # visible only to the synced section's override
            assignment["only_visible_to_overrides"] = True
            assignment["sections"] = [{"id": SECTION_ID, "name": "KIT Section 1", "sis_id": None,
                                       "override": {"override_title": "KIT Section 1", "due_at": assignment["due_at"]}}]
        else:  # one student with their own due date
            assignment["only_visible_to_overrides"] = False
            assignment["user_overrides"] = [{"id": FIRST_USER_ID, "name": "KIT Student 1",
                                             "override": {"due_at": assignment["due_at"]}}]
    elif _chance(draw, 5):
        # The synced section has its own due date (a section override: still assigned to everyone).
        section_due = _at(_due_day(draw, target, avoid))
        listed = [{"id": SECTION_ID, "name": "KIT Section 1", "override": {"override_title": "KIT Section 1",
                                                                            "due_at": iso(section_due)}}]
        if other_section:
            listed.append({"id": OTHER_SECTION_ID, "name": "KIT Section 2 (no SIS id)"})
        assignment["sections"] = listed
        assignment["only_visible_to_overrides"] = False
    graded = not chosen & {"no_graded_submissions", "not_graded"}
    return assignment, graded


@st.composite
def _submissions(draw: st.DrawFn, assignment: dict[str, Any], users: Sequence[dict[str, Any]], graded: bool,
                 exported: datetime) -> list[dict[str, Any]]:
    """Every user's submission of the assignment; with ``graded`` the first student's holds a grade."""
    items = []
    for position, user in enumerate(users):
        if graded:
            states = GRADED_STATES + UNGRADED_STATES
            state = draw(st.sampled_from(GRADED_STATES if position == 0 else states))
        else:
            states = ("unsubmitted", "submitted") if assignment["grading_type"] == "not_graded" else UNGRADED_STATES
            state = draw(st.sampled_from(states))
        # A student without a SIS id is warned about, never sent: graded recently, so that a normal
        # sync's 30-day window does not decide whether the warning is given.
        recent = user["sis_user_id"] is None or None
        items.append(draw(_submission(assignment, user["id"], state, exported, recent)))
    return items


def _score(draw: st.DrawFn, state: str, points: float) -> float:
    top = max(points, 1.0)
    if state == "decimal":
        return draw(st.integers(1, int(top * 4) - 1)) / 4
    if state == "extra_credit":  # above the maximum: the excess is extra credit (IC-RES-EXTRA-CREDIT)
        return points + draw(st.integers(1, 20)) / 2
    if state == "zero" or state == "missing_scored":
        return 0.0
    return float(draw(st.integers(0, int(top))))


@st.composite
def _submission(draw: st.DrawFn, assignment: dict[str, Any], user_id: int, state: str, exported: datetime,
                recent: bool | None = None) -> dict[str, Any]:
    points = float(assignment["points_possible"] or 0)
    grading_type = assignment["grading_type"]
    if recent is None:
        recent = not _chance(draw, 5)
    when = exported - timedelta(days=draw(st.integers(1, 25)) if recent else draw(st.integers(40, 90)),
                                hours=draw(st.integers(0, 5)))
    item: dict[str, Any] = {"assignment_id": assignment["id"], "user_id": user_id, "score": None, "grade": None,
                            "entered_score": None, "entered_grade": None, "excused": False, "late": False,
                            "missing": False, "graded_at": None, "submitted_at": None,
                            "workflow_state": "unsubmitted"}
    if state == "submitted":
        item.update(workflow_state="submitted", submitted_at=iso(when))
    elif state == "excused":
        item.update(workflow_state="graded", excused=True, graded_at=iso(when))
    elif state == "missing":
        item.update(missing=True)
    elif state in GRADED_STATES:
        score = _score(draw, state, points)
        grade = _grade(draw, grading_type, score, points)
        item.update(workflow_state="graded", score=score, entered_score=score, grade=grade, entered_grade=grade,
                    graded_at=iso(when), submitted_at=iso(when - timedelta(hours=6)),
                    late=state == "late", missing=state == "missing_scored")
    return item


def _grade(draw: st.DrawFn, grading_type: str, score: float, points: float) -> str:
    """Canvas's ``grade``: the score as the assignment's grading type shows it."""
    if grading_type in ("letter_grade", "gpa_scale"):
        return draw(st.sampled_from(LETTERS))
    if grading_type == "pass_fail":
        return "complete" if score > 0 else "incomplete"
    if grading_type == "percent":
        return f"{score / points * 100:g}%" if points else "0%"
    return f"{score:g}"


def _outcome_rollups(users: Sequence[dict[str, Any]], count: int) -> dict[str, Any]:
    """Learning Mastery Gradebook columns with a score per student: never sent (learning_mastery)."""
    outcomes = [{"id": FIRST_OUTCOME_ID + i, "title": f"KIT Outcome {i + 1}", "points_possible": 5.0,
                 "mastery_points": 3.0} for i in range(count)]
    rollups = [{"scores": [{"score": 3.0, "links": {"outcome": str(o["id"])}} for o in outcomes],
                "links": {"user": str(user["id"]), "section": str(SECTION_ID)}} for user in users]
    return {"rollups": rollups, "linked": {"outcomes": outcomes}}


@st.composite
def regraded(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """The same course after the teacher changed grades: some scores move (decimals, extra credit), some
    late marks flip; every grade that was sendable stays sendable, so a remaster overwrites each one."""
    changed = copy.deepcopy(document)
    exported = datetime.fromisoformat(changed["exported_at"])
    points = {a["id"]: float(a["points_possible"] or 0) for a in changed["assignments"]}
    for item in changed["submissions"]:
        if item["score"] is None or item["score"] < 0 or not draw(st.booleans()):
            continue
        score = item["score"] + draw(st.sampled_from((0.5, 1.25, 3.0)))
        if points[item["assignment_id"]] and score > points[item["assignment_id"]] + 10:
            score = points[item["assignment_id"]] / 2
        item.update(score=score, entered_score=score, late=draw(st.booleans()),
                    graded_at=iso(exported - timedelta(days=draw(st.integers(1, 20)))))
        if item["grade"] is not None and item["grade"] not in LETTERS:
            item["grade"] = item["entered_grade"] = f"{score:g}"
    return changed
