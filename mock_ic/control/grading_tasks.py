"""The district's grading tasks and standards (IC-GRADING-TASK): per class, the read-only line items IC posts
term and final grades to, and each one's score group as a score scale of the class.

Built from the generated documents (classes, terms, orgs), not from the seeder's internals, and drawn from a
random stream of its own: the rest of the district is byte for byte what it was without grading tasks, and
the seeder can change how it builds the rest freely. Which tasks a class gets:

- a school on letter grades (middle and high schools): "<term> Grade" for each of the class's terms
  ("Q1 Grade"), on quarters also "S1 Grade" / "S2 Grade" for a semester whose two quarters the class
  covers (posted in its second quarter), and "Final Grade" in the class's last term (the one-time task);
- an elementary school (standards-based report cards): one standard per term, named after the class's
  subject ("Q1 Number Sense"), on a 1-4 score group.

IC-IDS: a task line item's sourcedId is sectionID + termID + taskID, the taskID being the district's
grading task or standard (the same for every section), one digit wider than any IC assignment's task
part, so that no two triples ever make the same sourcedId.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mock_ic.ic import grading_tasks
from mock_ic.ic.rules import UNCATEGORIZED
from mock_ic.store.refs import ref

Doc = dict[str, Any]

# Score groups: (score, minimum percent), highest first. A-F as the example; 1-4 for standards.
LETTER_GROUP = ("Letter Grades A-F", "letter", (("A", 90.0), ("B", 80.0), ("C", 70.0), ("D", 60.0), ("F", 0.0)))
STANDARDS_GROUP = ("Standards Levels 1-4", "standards", (("4", 90.0), ("3", 75.0), ("2", 60.0), ("1", 0.0)))

_ELEMENTARY_GRADES = frozenset({"KG", "01", "02", "03", "04", "05"})  # standards-based grading
_STANDARDS = {  # a class's standard by its subject; at most 20 characters ("Full Year " + 20 = 30, IC-LI-TITLE-LEN)
    "Mathematics": "Number Sense", "English Language Arts": "Reading Literature", "Science": "Scientific Inquiry",
    "Social Studies": "Civic Understanding", "Fine Arts": "Creative Expression",
    "Physical Education": "Movement Skills", "World Languages": "Communication",
    "Computer Science": "Computational Ideas", "Health": "Healthy Choices",
}
_DEFAULT_STANDARD = "Standards Progress"
_TERM_GRADE, _SEMESTER_GRADE, _FINAL_GRADE = "Term Grade", "Semester Grade", "Final Grade"
_SINGLE_TERM = "Full Year"  # a one-term calendar's term: its grade is the final grade


@dataclass(frozen=True)
class _Task:
    """One task of one class: which district task, titled how, posted in which term, spanning which terms."""

    kind: str  # the district's task or standard (its taskID is shared by every section)
    title: str
    term: Doc  # the term it is posted in: its grading period is the task's grading window
    first: Doc  # the first term it covers (its assignDate is that term's start)
    standard: bool = False
    one_time: bool = False


def district_tasks(district: dict[str, list[Doc]], *, seed: int) -> dict[str, list[Doc]]:
    """The grading-task line items and the score scales (one per class) to add to ``district``."""
    sessions = {s["sourcedId"]: s for s in district["academicSessions"]}
    school_terms = _school_terms(district["academicSessions"])
    planned = [(klass, list(_tasks(klass, sessions, school_terms))) for klass in district["classes"]]
    rng = random.Random(f"grading-tasks:{seed}")
    kinds = sorted({task.kind for _, tasks in planned for task in tasks})
    task_ids = dict(zip(kinds, _serials(rng, len(kinds), _wider_than_assignments(district["lineItems"])),
                        strict=True))
    scale_ids = iter(_serials(rng, len(planned), 1 + max((len(s["sourcedId"]) for s in district["scoreScales"]),
                                                          default=3)))
    out: dict[str, list[Doc]] = {"lineItems": [], "scoreScales": []}
    for klass, tasks in planned:
        if not tasks:
            continue
        scale = _score_scale(next(scale_ids), klass, STANDARDS_GROUP if tasks[0].standard else LETTER_GROUP)
        out["scoreScales"].append(scale)
        out["lineItems"] += [_line_item(klass, task, task_ids[task.kind], scale) for task in tasks]
    return out


def _school_terms(sessions: list[Doc]) -> dict[str, list[Doc]]:
    """Each school's terms, earliest first (its calendar, IC-TERMS)."""
    terms: dict[str, list[Doc]] = {}
    for session in sessions:
        if session["type"] == "term":
            terms.setdefault(session["metadata"]["ic"]["school"], []).append(session)
    return {school: sorted(found, key=lambda t: t["startDate"]) for school, found in terms.items()}


def _tasks(klass: Doc, sessions: dict[str, Doc], school_terms: dict[str, list[Doc]]) -> Iterator[_Task]:
    terms = sorted((sessions[t["sourcedId"]] for t in klass["terms"]), key=lambda t: t["startDate"])
    if not terms:
        return
    if set(klass.get("grades") or ()) <= _ELEMENTARY_GRADES:
        subject = (klass.get("subjects") or [""])[0]
        standard = _STANDARDS.get(subject, _DEFAULT_STANDARD)
        for term in terms:
            yield _Task(standard, f"{term['title']} {standard}", term, term, standard=True)
        return
    calendar = school_terms.get(klass["school"]["sourcedId"], [])
    semesters = [calendar[:2], calendar[2:]] if len(calendar) == 4 else []
    for term in terms:
        if term["title"] != _SINGLE_TERM:
            yield _Task(_TERM_GRADE, f"{term['title']} Grade", term, term)
        for number, (first, second) in enumerate(semesters, start=1):
            if term is second and first in terms:
                yield _Task(_SEMESTER_GRADE, f"S{number} Grade", second, first)
    yield _Task(_FINAL_GRADE, "Final Grade", terms[-1], terms[0], one_time=True)


def _line_item(klass: Doc, task: _Task, task_id: str, scale: Doc) -> Doc:
    term = task.term
    metadata = {"ic": {"origin": "campus"},  # IC-LI-OWNER: read-only for vendors
                grading_tasks.WINDOW_OPEN: "true",  # stored open; a read shows its window (shown_window)
                grading_tasks.IS_STANDARD: "true" if task.standard else "false",
                grading_tasks.IS_ONE_TIME: "true" if task.one_time else "false"}
    return {
        "sourcedId": f"{klass['sourcedId']}{term['sourcedId']}{task_id}",  # IC-IDS
        "status": "active", "dateLastModified": klass["dateLastModified"], "metadata": metadata,
        "title": task.title, "description": f"{'Standard' if task.standard else 'Grading task'}: {task.kind}",
        "assignDate": _stamp(task.first["startDate"]), "dueDate": _stamp(term["endDate"]),
        "class": ref("classes", klass["sourcedId"]), "school": klass["school"],
        "category": ref("categories", UNCATEGORIZED),  # a task is in no category; 1.2 requires one
        "gradingPeriod": term["children"][0], "academicSession": ref("academicSessions", term["sourcedId"]),
        "scoreScale": ref("scoreScales", scale["sourcedId"]), "resultValueMin": 0.0, "resultValueMax": 100.0,
    }


def _score_scale(sourced_id: str, klass: Doc, group: tuple[str, str, tuple[tuple[str, float], ...]]) -> Doc:
    title, kind, items = group
    return {"sourcedId": sourced_id, "status": "active", "dateLastModified": klass["dateLastModified"],
            "metadata": {"ic": {"origin": "campus", "scoreGroup": title}},  # IC-LI-OWNER: the district's setup
            "title": title, "type": kind, "course": klass["course"], "class": ref("classes", klass["sourcedId"]),
            "scoreScaleValue": grading_tasks.scale_values(items)}


def _wider_than_assignments(line_items: list[Doc]) -> int:
    """One digit more than the task part of any line item already in the district (IC-IDS)."""
    widths = [len(item["sourcedId"]) - len(item["class"]["sourcedId"]) - len(item["academicSession"]["sourcedId"])
              for item in line_items if "academicSession" in item]
    return max([3, *widths]) + 1


def _serials(rng: random.Random, count: int, digits: int) -> list[str]:
    """``count`` distinct integer-like ids of ``digits`` digits, drawn from ``rng``, in ascending order."""
    floor = 10 ** (digits - 1)
    return [str(n) for n in sorted(rng.sample(range(floor, 10 * floor), count))]


def _stamp(day: str) -> str:
    return f"{day}T00:00:00.000Z"
