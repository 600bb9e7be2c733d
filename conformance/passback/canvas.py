"""A Canvas course gradebook as the reference passback client reads it (docs/passback.md, "The course file").

The file holds Canvas's own API answers (Courses, Sections, Users, SIS Integration, Submissions and,
optionally, Outcome Results), so a user can dump a real course and feed it in; this module checks it
against ``canvas-course.schema.json`` and turns it into frozen dataclasses with the lookups a sync needs.
The source document is kept: :meth:`CanvasCourse.shifted` moves it to another school year and
:meth:`CanvasCourse.to_dict` writes it back out, both without a second serialiser to keep in step.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

FORMAT = "mock-ic/canvas-course"
VERSION = 1
SCHEMA_FILE = "canvas-course.schema.json"

# Canvas's account setting defaults (Account#add_setting; 255 = Canvas's SIS name length default).
CANVAS_NAME_LENGTH_DEFAULT = 255

# The keys whose string values are timestamps, wherever they appear: what shifted() moves.
TIMESTAMP_KEYS = frozenset({"exported_at", "created_at", "updated_at", "due_at", "unlock_at", "lock_at",
                            "graded_at", "submitted_at", "posted_at", "start_at", "end_at"})

Document = dict[str, Any]


class CourseFileError(ValueError):
    """A course file that cannot be used: which file, where in it (a JSON path like ``$.assignments[3].name``), why."""

    def __init__(self, path: str | None, json_path: str, message: str) -> None:
        super().__init__(f"{path or '<course data>'}: {json_path}: {message}")
        self.path = path
        self.json_path = json_path
        self.message = message


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """The Canvas account settings that decide SIS sync, under Canvas's own setting names."""

    sis_assignment_name_length: bool = False  # "Limit assignment name length" on/off
    sis_assignment_name_length_input: int = CANVAS_NAME_LENGTH_DEFAULT  # the limit when it is on
    sis_require_assignment_due_date: bool = False

    @property
    def name_length_limit(self) -> int | None:
        """The maximum assignment name length, or None when the account does not limit it."""
        return self.sis_assignment_name_length_input if self.sis_assignment_name_length else None


@dataclass(frozen=True, slots=True)
class Section:
    id: int
    name: str
    sis_section_id: str | None  # = the Infinite Campus class sourcedId


@dataclass(frozen=True, slots=True)
class Student:
    """A course user with at least one active StudentEnrollment (Canvas's "Test Student" is not one)."""

    id: int  # Canvas user id (submissions refer to it)
    name: str
    sis_user_id: str | None  # = the IC 1.2 user sourcedId (unprefixed)
    section_ids: tuple[int, ...]  # Canvas section ids of the active student enrolments


@dataclass(frozen=True, slots=True)
class AssignmentGroup:
    id: int
    name: str  # on 1.2 it must equal one of the class's category titles (IC-LI-CATEGORY-1P2)
    group_weight: float | None = None  # never sent: Canvas does not pass weights to IC
    sis_source_id: str | None = None


@dataclass(frozen=True, slots=True)
class SectionOverride:
    """A section-level assignment override: that section's own dates."""

    section_id: int
    title: str | None
    due_at: datetime | None
    unlock_at: datetime | None = None
    lock_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    id: int
    name: str
    due_at: datetime | None
    points_possible: float | None
    submission_types: tuple[str, ...]
    group: AssignmentGroup
    section_ids: tuple[int, ...]  # the sections the SIS API lists for it (all, or the override sections)
    section_overrides: tuple[SectionOverride, ...] = ()
    user_override_ids: tuple[int, ...] = ()  # students with their own (ADHOC) override
    created_at: datetime | None = None
    unlock_at: datetime | None = None
    lock_at: datetime | None = None
    integration_id: str | None = None
    # Assignments API fields; the defaults are what the SIS API implies (it returns only these).
    published: bool = True
    post_to_sis: bool = True
    grading_type: str = "points"
    only_visible_to_overrides: bool = False
    omit_from_final_grade: bool = False

    def override_for(self, section_id: int) -> SectionOverride | None:
        return next((o for o in self.section_overrides if o.section_id == section_id), None)

    def due_at_for(self, section_id: int) -> datetime | None:
        """The due date students of that section see: their section override's, else the assignment's."""
        override = self.override_for(section_id)
        return override.due_at if override is not None else self.due_at


@dataclass(frozen=True, slots=True)
class Submission:
    assignment_id: int
    user_id: int
    score: float | None
    workflow_state: str
    id: int | None = None
    grade: str | None = None
    entered_score: float | None = None
    entered_grade: str | None = None
    excused: bool = False
    late: bool = False
    missing: bool = False
    graded_at: datetime | None = None
    submitted_at: datetime | None = None

    @property
    def has_grade(self) -> bool:
        """A grade entered by the teacher (what "at least one graded submission" counts); excused is not one."""
        return self.workflow_state == "graded" and self.score is not None


@dataclass(frozen=True, slots=True)
class OutcomeScore:
    user_id: int
    score: float | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """A Learning Mastery Gradebook column: a course outcome and its rollup scores (never sent to IC)."""

    id: int
    title: str
    scores: tuple[OutcomeScore, ...] = ()


@dataclass(frozen=True, slots=True)
class CanvasCourse:
    id: int
    name: str
    sis_course_id: str | None
    workflow_state: str
    exported_at: datetime
    account_settings: AccountSettings
    sections: tuple[Section, ...]
    students: tuple[Student, ...]
    assignments: tuple[Assignment, ...]
    submissions: tuple[Submission, ...]
    outcomes: tuple[Outcome, ...] = ()
    apply_assignment_group_weights: bool = False  # Courses API: the grade weights assignment groups (course_grade)
    document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _submissions_by_assignment: Mapping[int, tuple[Submission, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A sync asks for the submissions of every assignment: index them once.
        index: dict[int, list[Submission]] = {}
        for submission in self.submissions:
            index.setdefault(submission.assignment_id, []).append(submission)
        object.__setattr__(self, "_submissions_by_assignment", {k: tuple(v) for k, v in index.items()})

    @property
    def published(self) -> bool:
        return self.workflow_state == "available"

    @property
    def assignment_groups(self) -> tuple[AssignmentGroup, ...]:
        return tuple({a.group.id: a.group for a in self.assignments}.values())

    def assignment(self, assignment_id: int) -> Assignment | None:
        return next((a for a in self.assignments if a.id == assignment_id), None)

    def section(self, section_id: int) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def section_by_sis_id(self, section_sis_id: str) -> Section | None:
        return next((s for s in self.sections if s.sis_section_id == section_sis_id), None)

    def student(self, user_id: int) -> Student | None:
        return next((s for s in self.students if s.id == user_id), None)

    def students_of_section(self, section_sis_id: str) -> tuple[Student, ...]:
        section = self.section_by_sis_id(section_sis_id)
        if section is None:
            return ()
        return tuple(s for s in self.students if section.id in s.section_ids)

    def submissions_of(self, assignment_id: int) -> tuple[Submission, ...]:
        return self._submissions_by_assignment.get(assignment_id, ())

    def sections_of(self, assignment: Assignment) -> tuple[Section, ...]:
        """The sections the assignment applies to: every course section when it is assigned to everyone,
        else the sections holding its overrides (the SIS API lists exactly those)."""
        if not assignment.only_visible_to_overrides:
            return self.sections
        return tuple(s for s in self.sections if s.id in assignment.section_ids)

    def section_sis_ids_of(self, assignment: Assignment) -> tuple[str, ...]:
        """The SIS ids (= IC class sourcedIds) of the sections the assignment applies to; sections without one
        cannot be synced and are left out."""
        return tuple(s.sis_section_id for s in self.sections_of(assignment) if s.sis_section_id)

    def to_dict(self) -> Document:
        """The course file this course was read from (a copy)."""
        return copy.deepcopy(dict(self.document))

    def shifted(self, years: int) -> CanvasCourse:
        """The same course moved by whole years (every timestamp; 29 February becomes 28 February), e.g. the
        demo course into the school year the mock serves today (IC-TERMS moves with today's date)."""
        return load_course(shift_document(self.to_dict(), years))


# --------------------------------------------------------------------------------------------------
# Loading


def load_course(source: str | Path | Mapping[str, Any]) -> CanvasCourse:
    """A course from a file path or an already-decoded document; raises CourseFileError naming the JSON path."""
    path: str | None = None
    if isinstance(source, Mapping):
        document = copy.deepcopy(dict(source))
    else:
        path = str(source)
        document = _read(path)
    _validate(document, path)
    return _Parser(document, path).course()


def schema() -> dict[str, Any]:
    """The JSON Schema of the course file (shipped next to this module)."""
    return json.loads(_schema_text())


@cache
def _schema_text() -> str:
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _read(path: str) -> Document:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CourseFileError(path, "$", f"cannot read the file: {exc.strerror or exc}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CourseFileError(path, "$", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    if not isinstance(document, dict):
        raise CourseFileError(path, "$", f"must be a JSON object, not {type(document).__name__}")
    return document


def _validate(document: Document, path: str | None) -> None:
    errors = list(_validator().iter_errors(document))
    if not errors:
        return
    error = best_match(errors)
    more = f" ({len(errors) - 1} more problem(s) in the file)" if len(errors) > 1 else ""
    raise CourseFileError(path, error.json_path, _describe(error) + more)


def _describe(error: ValidationError) -> str:
    """jsonschema's message names the value; a whole object as the value is cut short to stay readable."""
    if error.validator == "anyOf" and isinstance(error.validator_value, list):
        options = [" + ".join(option.get("required", [])) for option in error.validator_value]
        return "needs one of: " + ", ".join(options)
    message = error.message
    return message if len(message) <= 300 else message[:297] + "..."


def _timestamp(value: str | None) -> datetime | None:
    # The schema checked RFC 3339, so the value carries an offset and fromisoformat (3.11) reads it.
    return datetime.fromisoformat(value) if value else None


def _number(value: float | int | None) -> float | None:
    return None if value is None else float(value)


class _Parser:
    """Builds the dataclasses from a schema-valid document and checks what the schema cannot: unique ids and
    enrolments whose section exists."""

    def __init__(self, document: Document, path: str | None) -> None:
        self.doc, self.path = document, path

    def fail(self, json_path: str, message: str) -> CourseFileError:
        return CourseFileError(self.path, json_path, message)

    def course(self) -> CanvasCourse:
        doc, course = self.doc, self.doc["course"]
        sections = self.sections()
        assignments = self.assignments(sections)
        return CanvasCourse(
            id=course["id"], name=course.get("name", ""), sis_course_id=course["sis_course_id"] or None,
            workflow_state=course["workflow_state"], exported_at=datetime.fromisoformat(doc["exported_at"]),
            account_settings=AccountSettings(**doc.get("account_settings", {})),
            sections=sections, students=self.students(sections), assignments=assignments,
            submissions=tuple(self.submission(item) for item in doc["submissions"]),
            outcomes=self.outcomes(),
            apply_assignment_group_weights=bool(course.get("apply_assignment_group_weights", False)), document=doc)

    def unique(self, kind: str, ids: list[int]) -> None:
        seen: set[int] = set()
        for index, value in enumerate(ids):
            if value in seen:
                raise self.fail(f"$.{kind}[{index}].id", f"duplicate id {value}")
            seen.add(value)

    def sections(self) -> tuple[Section, ...]:
        items = self.doc["sections"]
        self.unique("sections", [item["id"] for item in items])
        return tuple(Section(item["id"], item.get("name", ""), item["sis_section_id"] or None) for item in items)

    def students(self, sections: tuple[Section, ...]) -> tuple[Student, ...]:
        self.unique("users", [item["id"] for item in self.doc["users"]])
        by_sis = {s.sis_section_id: s.id for s in sections if s.sis_section_id}
        known = {s.id for s in sections}
        students = []
        for u, user in enumerate(self.doc["users"]):
            section_ids: list[int] = []
            for e, enrollment in enumerate(user["enrollments"]):
                if enrollment["type"] != "StudentEnrollment" or enrollment["enrollment_state"] != "active":
                    continue
                section_id = enrollment.get("course_section_id") or by_sis.get(enrollment.get("sis_section_id"))
                if section_id is None or section_id not in known:
                    shown = enrollment.get("course_section_id", enrollment.get("sis_section_id"))
                    raise self.fail(f"$.users[{u}].enrollments[{e}]",
                                    f"section {shown!r} is not one of the course's sections")
                section_ids.append(section_id)
            if section_ids:
                students.append(Student(user["id"], user.get("name", ""), user["sis_user_id"] or None,
                                        tuple(dict.fromkeys(section_ids))))
        return tuple(students)

    def assignments(self, sections: tuple[Section, ...]) -> tuple[Assignment, ...]:
        items = self.doc["assignments"]
        self.unique("assignments", [item["id"] for item in items])
        return tuple(self.assignment(item, sections) for item in items)

    def assignment(self, item: Document, sections: tuple[Section, ...]) -> Assignment:
        group = item["assignment_group"]
        listed = item.get("sections")
        section_ids = tuple(s["id"] for s in listed) if listed is not None else tuple(s.id for s in sections)
        overrides = tuple(SectionOverride(s["id"], s["override"].get("override_title"),
                                          _timestamp(s["override"].get("due_at")),
                                          _timestamp(s["override"].get("unlock_at")),
                                          _timestamp(s["override"].get("lock_at")))
                          for s in listed or () if "override" in s)
        # The SIS API lists every active section unless the assignment is only visible to its overrides,
        # so a shorter list says "override-only" when the Assignments API field is absent.
        inferred_only_overrides = listed is not None and not {s.id for s in sections} <= set(section_ids)
        return Assignment(
            id=item["id"], name=item["name"], due_at=_timestamp(item["due_at"]),
            points_possible=_number(item["points_possible"]), submission_types=tuple(item["submission_types"]),
            group=AssignmentGroup(group["id"], group["name"], _number(group.get("group_weight")),
                                  group.get("sis_source_id")),
            section_ids=section_ids, section_overrides=overrides,
            user_override_ids=_user_override_ids(item.get("user_overrides", ())),
            created_at=_timestamp(item.get("created_at")), unlock_at=_timestamp(item.get("unlock_at")),
            lock_at=_timestamp(item.get("lock_at")), integration_id=item.get("integration_id"),
            published=item.get("published", True), post_to_sis=item.get("post_to_sis", True),
            grading_type=item.get("grading_type", "points"),
            only_visible_to_overrides=item.get("only_visible_to_overrides", inferred_only_overrides),
            omit_from_final_grade=item.get("omit_from_final_grade", False))

    @staticmethod
    def submission(item: Document) -> Submission:
        return Submission(
            assignment_id=item["assignment_id"], user_id=item["user_id"], score=_number(item.get("score")),
            workflow_state=item["workflow_state"], id=item.get("id"), grade=item.get("grade"),
            entered_score=_number(item.get("entered_score")), entered_grade=item.get("entered_grade"),
            excused=bool(item.get("excused")), late=item.get("late", False), missing=item.get("missing", False),
            graded_at=_timestamp(item.get("graded_at")), submitted_at=_timestamp(item.get("submitted_at")))

    def outcomes(self) -> tuple[Outcome, ...]:
        rollups = self.doc.get("outcome_rollups")
        if not rollups:
            return ()
        scores: dict[int, list[OutcomeScore]] = {}
        for rollup in rollups["rollups"]:
            user_id = int(rollup["links"]["user"])
            for score in rollup["scores"]:
                scores.setdefault(int(score["links"]["outcome"]), []).append(
                    OutcomeScore(user_id, _number(score["score"])))
        return tuple(Outcome(o["id"], o["title"], tuple(scores.get(o["id"], ())))
                     for o in rollups["linked"]["outcomes"])


def _user_override_ids(user_overrides: Any) -> tuple[int, ...]:
    """Canvas lists one student per entry, except students sharing one override: their entry's ``id`` is the
    list of those students (Api::V1::SisAssignment#extract_multiple_user_overrides)."""
    ids: list[int] = []
    for entry in user_overrides:
        value = entry["id"]
        if isinstance(value, list):
            ids.extend(student["id"] for student in value)
        else:
            ids.append(value)
    return tuple(ids)


# --------------------------------------------------------------------------------------------------
# Moving a course in time


def shift_document(document: Document, years: int) -> Document:
    """A copy of a course file with every timestamp (the TIMESTAMP_KEYS, at any depth) moved by whole years."""
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: _shift(item, years) if key in TIMESTAMP_KEYS and isinstance(item, str) else walk(item)
                    for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(document)


def _shift(text: str, years: int) -> str:
    moment = datetime.fromisoformat(text)
    try:
        moved = moment.replace(year=moment.year + years)
    except ValueError:  # 29 February into a common year
        moved = moment.replace(year=moment.year + years, day=28)
    shown = moved.isoformat()
    return shown[:-6] + "Z" if text.endswith("Z") and shown.endswith("+00:00") else shown
