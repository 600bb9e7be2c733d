"""The deterministic district generator: one Infinite Campus district as OneRoster 1.2 documents.

IC-TERMS, IC-IDS and IC-USERS decide the shape of the district; docs/data-model.md decides the
document format (1.2 objects, complete GUIDRefs with server-relative hrefs, ``metadata.ic``).
The same recipe and ``today`` always give the same documents: the recipe's seed drives one
``random.Random`` and one Faker instance, and only the school year moves with ``today``.

Speed matters (a tenant is created in one request): Faker only fills small name pools once per
district, and every per-document choice is a draw from those pools with the seeded Random.

Size matters too (fixtures/districts/large.yaml: 1.4 million documents): :func:`stream` hands the kinds that grow
with the district's people (STREAMED) to the store a batch at a time as they are made (docs/large-district.md).
"""

from __future__ import annotations

import gc
import random
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from mock_ic.control import grading_tasks
from mock_ic.ic import ids
from mock_ic.resources import fixtures_dir
from mock_ic.store.refs import ref

KINDS = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments",
         "demographics", "categories", "lineItems", "results", "scoreScales", "assessmentLineItems",
         "assessmentResults")

Doc = dict[str, Any]
Write = Callable[[str, list[Doc]], None]

# The kinds whose documents grow with the district's people (tens of thousands of users, hundreds of thousands of
# enrollments, a million results): written a batch at a time as they are made. The others stay in memory until
# the end: a few per class, and the grading tasks are derived from them.
STREAMED = frozenset({"users", "demographics", "enrollments", "results"})
BATCH = 5_000

# --------------------------------------------------------------------------------------------------
# The recipe

_MAX_TERMS = 12  # every term must keep weeks of school days; more than monthly terms is no IC calendar


@dataclass(frozen=True)
class Recipe:
    """What district to generate. Defaults are the demo district's, so an inline recipe may be partial."""

    name: str = "custom"
    seed: int = 20260801
    district_name: str = "Maple Grove Unified School District"
    schools: int = 3
    terms_per_school: int = 4  # 4 quarters; 2 = semesters
    courses: int = 40  # across the district
    classes: int = 120  # IC sections, across the district
    students: int = 540
    teachers: int = 32
    classes_per_student: int = 6
    categories_per_class: tuple[int, int] = (3, 5)
    ic_line_items_per_class: tuple[int, int] = (2, 4)  # IC-native grading tasks / teacher assignments
    no_portal_account_ratio: float = 0.03  # IC-USERS: users absent from 1.1
    no_show_ratio: float = 0.01  # IC-USERS: student enrollments never returned
    vendor_line_items: int = 0  # line items a vendor (Canvas) has already passed back, across the district
    results: int = 0  # scores of the line items (IC-native and the vendor's), spread evenly over them

    def __post_init__(self) -> None:
        problems = _recipe_problems(self)
        if problems:
            raise ValueError(f"Invalid district recipe {self.name!r}: " + "; ".join(problems))


_COUNT_FIELDS = ("courses", "classes", "students", "teachers", "classes_per_student", "vendor_line_items", "results")
_PAIR_FIELDS = ("categories_per_class", "ic_line_items_per_class")
_RATIO_FIELDS = ("no_portal_account_ratio", "no_show_ratio")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _recipe_problems(recipe: Recipe) -> list[str]:
    problems = [f"{name} must be a string" for name in ("name", "district_name")
                if not isinstance(getattr(recipe, name), str)]
    if not _is_int(recipe.seed):
        problems.append("seed must be an integer")
    if not (_is_int(recipe.schools) and recipe.schools >= 1):
        problems.append("schools must be an integer >= 1")
    if not (_is_int(recipe.terms_per_school) and 1 <= recipe.terms_per_school <= _MAX_TERMS):
        problems.append(f"terms_per_school must be an integer from 1 to {_MAX_TERMS}")
    problems += [f"{name} must be an integer >= 0" for name in _COUNT_FIELDS
                 if not (_is_int(getattr(recipe, name)) and getattr(recipe, name) >= 0)]
    problems += [f"{name} must be a ratio from 0 to 1" for name in _RATIO_FIELDS
                 if not (isinstance(getattr(recipe, name), float) and 0.0 <= getattr(recipe, name) <= 1.0)]
    problems += _pair_problems(recipe)
    if not problems and recipe.classes and not (recipe.courses and recipe.teachers):
        problems.append("classes need at least one course and one teacher")
    return problems


def _pair_problems(recipe: Recipe) -> list[str]:
    problems = []
    for name in _PAIR_FIELDS:
        pair = getattr(recipe, name)
        if not (isinstance(pair, tuple) and len(pair) == 2 and all(_is_int(v) for v in pair)
                and 0 <= pair[0] <= pair[1]):
            problems.append(f"{name} must be [min, max] with 0 <= min <= max")
        elif name == "categories_per_class" and not 1 <= pair[0] <= pair[1] <= len(_CATEGORY_TITLES):
            # IC-LI-CATEGORY-1P2: a 1.2 line item needs one of its class's categories.
            problems.append(f"categories_per_class must lie between 1 and {len(_CATEGORY_TITLES)}")
    return problems


_RECIPE_NAME = re.compile(r"[A-Za-z0-9_-]+")


def load_recipe(name_or_path: str | Path | Mapping[str, Any]) -> Recipe:
    """A recipe by name (``fixtures/districts/<name>.yaml``), from a YAML file, or from an inline dict.

    Keys missing from the source take the demo district's values; an unknown key is a ValueError
    that names it, so a typo in a recipe never silently generates the wrong district.
    """
    if isinstance(name_or_path, Mapping):
        return _recipe_from(dict(name_or_path), default_name=Recipe.name)
    path = _recipe_path(name_or_path)
    with open(path, encoding="utf-8") as fh:
        values = yaml.safe_load(fh)
    if not isinstance(values, dict):
        raise ValueError(f"District recipe {str(path)!r} must be a YAML mapping of recipe keys")
    return _recipe_from(values, default_name=path.stem)


def stored_form(name_or_path: str | Path, recipe: Recipe) -> str | dict[str, Any]:
    """What a tenant keeps to seed ``recipe`` again on reset: a shipped recipe's name, any other's values (a
    file may move or change)."""
    if isinstance(name_or_path, str) and _RECIPE_NAME.fullmatch(name_or_path):
        return name_or_path
    return {f.name: list(value) if isinstance(value := getattr(recipe, f.name), tuple) else value
            for f in fields(Recipe)}


def from_stored(stored: Mapping[str, Any]) -> Recipe:
    """The recipe a tenant keeps (``{"name": ...}`` for a shipped one, else its values: :func:`stored_form`)."""
    return load_recipe(stored["name"] if set(stored) == {"name"} else stored)


def recipe_names() -> list[str]:
    """The recipes shipped in fixtures/districts."""
    return sorted(path.stem for path in (fixtures_dir() / "districts").glob("*.yaml"))


def _recipe_path(name_or_path: str | Path) -> Path:
    if isinstance(name_or_path, str) and _RECIPE_NAME.fullmatch(name_or_path):
        path = fixtures_dir() / "districts" / f"{name_or_path}.yaml"
        if not path.is_file():
            raise ValueError(f"Unknown district recipe {name_or_path!r}; available: {recipe_names()}")
        return path
    return Path(name_or_path)


def _recipe_from(values: dict[str, Any], *, default_name: str) -> Recipe:
    known = [f.name for f in fields(Recipe)]
    unknown = sorted(str(key) for key in values if key not in known)
    if unknown:
        raise ValueError(f"Unknown district recipe key(s) {', '.join(map(repr, unknown))}; allowed: {known}")
    values = {"name": default_name, **values}
    for name in _PAIR_FIELDS:
        if isinstance(values.get(name), list):
            values[name] = tuple(values[name])
    for name in _RATIO_FIELDS:
        if _is_int(values.get(name)):
            values[name] = float(values[name])  # YAML reads `0` as an int
    return Recipe(**values)


def estimated_documents(recipe: Recipe) -> int:
    """About how many documents ``recipe`` makes (a progress bar's total): people, their demographics and
    enrollments, a class's categories, line items, grading tasks and score scale, the vendor's line items and the
    results (fewer when the classes have fewer scorable pairs)."""
    items = sum(recipe.categories_per_class) + sum(recipe.ic_line_items_per_class)
    per_class = items / 2 + 1 + recipe.terms_per_school
    enrollments = recipe.students * recipe.classes_per_student + recipe.classes
    return (recipe.teachers + 2 * recipe.students + enrollments + round(recipe.classes * per_class)
            + recipe.courses + recipe.vendor_line_items + recipe.results)


def school_year_bounds(today: date) -> tuple[date, date]:
    """IC-TERMS: the school year (1 August to 30 June) containing ``today``; in July the coming one."""
    first_year = today.year if today.month >= 7 else today.year - 1
    return date(first_year, 8, 1), date(first_year + 1, 6, 30)


# --------------------------------------------------------------------------------------------------
# The domain vocabulary the district is drawn from


@dataclass(frozen=True)
class _CourseTemplate:
    title: str
    subject: str
    grades: tuple[str, ...]


@dataclass(frozen=True)
class _Level:
    """A kind of school: its name suffix, grades and course catalogue."""

    suffix: str
    number: int  # the digit in its course codes
    grades: tuple[str, ...]
    catalogue: tuple[_CourseTemplate, ...]
    class_size: tuple[int, int] = (20, 35)  # students per section, as a school of this level plans them

    @property
    def target_size(self) -> float:
        low, high = self.class_size
        return (low + high) / 2


_MATH, _ELA, _SCI, _SOC = "Mathematics", "English Language Arts", "Science", "Social Studies"
_LANG, _ARTS, _PE = "World Languages", "Fine Arts", "Physical Education"
_CS, _HEALTH = "Computer Science", "Health"
_SUBJECT_CODES = {_MATH: "MTH", _ELA: "ELA", _SCI: "SCI", _SOC: "SOC", _LANG: "WLG", _ARTS: "ART",
                  _PE: "PED", _CS: "CSC", _HEALTH: "HLT"}


def _per_grade(grades: Sequence[str], titles: Sequence[tuple[str, str]]) -> tuple[_CourseTemplate, ...]:
    def label(grade: str) -> str:
        return "K" if grade == "KG" else str(int(grade))

    return tuple(_CourseTemplate(f"{title} {label(grade)}", subject, (grade,))
                 for grade in grades for title, subject in titles)


_ELEMENTARY_GRADES = ("KG", "01", "02", "03", "04", "05")
_MIDDLE_GRADES = ("06", "07", "08")
_HIGH_GRADES = ("09", "10", "11", "12")

_LEVELS = {
    "elementary": _Level("Elementary School", 1, _ELEMENTARY_GRADES, (
        *_per_grade(_ELEMENTARY_GRADES, (("Mathematics", _MATH), ("Reading", _ELA), ("Science", _SCI),
                                         ("Social Studies", _SOC))),
        _CourseTemplate("Art", _ARTS, _ELEMENTARY_GRADES),
        _CourseTemplate("Music", _ARTS, _ELEMENTARY_GRADES),
        _CourseTemplate("Physical Education", _PE, _ELEMENTARY_GRADES),
    ), class_size=(18, 30)),
    "middle": _Level("Middle School", 2, _MIDDLE_GRADES, (
        *_per_grade(_MIDDLE_GRADES, (("Math", _MATH), ("English", _ELA), ("Science", _SCI),
                                     ("Social Studies", _SOC))),
        _CourseTemplate("Spanish I", _LANG, ("07", "08")),
        _CourseTemplate("Art", _ARTS, _MIDDLE_GRADES),
        _CourseTemplate("Band", _ARTS, _MIDDLE_GRADES),
        _CourseTemplate("Physical Education", _PE, _MIDDLE_GRADES),
        _CourseTemplate("Health", _HEALTH, _MIDDLE_GRADES),
        _CourseTemplate("Computer Science Discoveries", _CS, ("07", "08")),
    )),
    "high": _Level("High School", 3, _HIGH_GRADES, (
        _CourseTemplate("Algebra I", _MATH, ("09",)),
        _CourseTemplate("Geometry", _MATH, ("10",)),
        _CourseTemplate("Algebra II", _MATH, ("11",)),
        _CourseTemplate("Pre-Calculus", _MATH, ("12",)),
        _CourseTemplate("AP Calculus AB", _MATH, ("11", "12")),
        _CourseTemplate("English 9", _ELA, ("09",)),
        _CourseTemplate("English 10", _ELA, ("10",)),
        _CourseTemplate("English 11", _ELA, ("11",)),
        _CourseTemplate("English 12", _ELA, ("12",)),
        _CourseTemplate("Biology", _SCI, ("09",)),
        _CourseTemplate("Chemistry", _SCI, ("10",)),
        _CourseTemplate("Physics", _SCI, ("11", "12")),
        _CourseTemplate("Environmental Science", _SCI, ("11", "12")),
        _CourseTemplate("World History", _SOC, ("09",)),
        _CourseTemplate("US History", _SOC, ("10", "11")),
        _CourseTemplate("Government", _SOC, ("12",)),
        _CourseTemplate("Economics", _SOC, ("12",)),
        _CourseTemplate("Spanish I", _LANG, _HIGH_GRADES),
        _CourseTemplate("Spanish II", _LANG, ("10", "11", "12")),
        _CourseTemplate("French I", _LANG, _HIGH_GRADES),
        _CourseTemplate("Art I", _ARTS, _HIGH_GRADES),
        _CourseTemplate("Concert Band", _ARTS, _HIGH_GRADES),
        _CourseTemplate("Choir", _ARTS, _HIGH_GRADES),
        _CourseTemplate("Physical Education", _PE, ("09", "10")),
        _CourseTemplate("Health", _HEALTH, ("09",)),
        _CourseTemplate("Computer Science Principles", _CS, ("10", "11", "12")),
    )),
}

# Grade-book categories in the order a teacher would list them, with a typical weight.
_CATEGORY_WEIGHTS = {"Homework": 20, "Quizzes": 20, "Tests": 35, "Projects": 15, "Participation": 10,
                     "Labs": 15, "Essays": 15, "Classwork": 10, "Presentations": 10, "Final Exam": 20}
_CATEGORY_TITLES = tuple(_CATEGORY_WEIGHTS)
_COMMON_CATEGORIES = 5  # the first five are what nearly every teacher has

# IC-LI-TITLE-LEN: seeded titles stay within the 1.2 default of 30 characters, {n} < 100.
_ASSIGNMENT_TITLES = {
    "Homework": ("Homework {n}", "Practice Set {n}", "Reading Log {n}"),
    "Quizzes": ("Quiz {n}", "Vocabulary Quiz {n}", "Chapter {n} Quiz"),
    "Tests": ("Unit {n} Test", "Chapter {n} Test", "Unit {n} Exam"),
    "Projects": ("Project {n}", "Research Project {n}", "Group Project {n}"),
    "Participation": ("Participation Week {n}", "Discussion {n}", "Warm-Up {n}"),
    "Labs": ("Lab {n}", "Lab Report {n}"),
    "Essays": ("Essay {n}", "Response Paper {n}"),
    "Classwork": ("Classwork {n}", "In-Class Activity {n}"),
    "Presentations": ("Presentation {n}", "Oral Report {n}"),
    "Final Exam": ("Final Exam Part {n}", "Cumulative Review {n}"),
}
_POINTS = {"Homework": (10, 20, 25), "Quizzes": (10, 20, 25), "Tests": (50, 100), "Projects": (50, 100),
           "Participation": (5, 10), "Labs": (20, 25, 50), "Essays": (50, 100), "Classwork": (10, 20),
           "Presentations": (25, 50), "Final Exam": (100, 200)}

# IC-ASSESS-1P2: each school's score scales, as (title, type, [(itemValueLHS, itemValueRHS), ...]); the left-hand
# values are the scores (mock_ic/ic/score_scales.py: a numeric score lies between the lowest and the highest).
_SCORE_SCALES = (
    ("Points 0-100", "points", (("0", "0 points"), ("100", "100 points"))),
    ("Percent", "percent", (("0", "0%"), ("100", "100%"))),
    ("Standards 1-4", "standards", (("1", "Beginning"), ("2", "Developing"), ("3", "Proficient"), ("4", "Exceeds"))),
)
_POINTS_SCALE, _PERCENT_SCALE, _STANDARDS_SCALE = range(len(_SCORE_SCALES))
# Each school's assessments: (title, scale, parent's index in this tuple or None); each has results for the
# first students of the class.
_ASSESSMENTS = (
    ("Fall Benchmark", _PERCENT_SCALE, None),
    ("Fall Benchmark: Part A", _PERCENT_SCALE, 0),
    ("Standards Check 1", _STANDARDS_SCALE, None),
)
_VENDOR_TITLES = ("Canvas Quiz", "Online Discussion", "Module Check", "Canvas Assignment")  # + a number
_ASSESSED_STUDENTS = 8  # per assessment line item: the demo stays small

_TERM_LABELS = {2: "S", 3: "T", 4: "Q"}  # semesters, trimesters, quarters as IC names them
_NAME_WORDS_TO_DROP = {"unified", "school", "schools", "district", "public", "independent", "county",
                       "city", "consolidated", "community", "area", "regional", "usd", "isd"}
_RACES = ("white", "blackOrAfricanAmerican", "asian", "americanIndianOrAlaskaNative",
          "nativeHawaiianOrOtherPacificIslander")
_RACE_CUMULATIVE_WEIGHTS = (55, 70, 80, 83, 85)


# --------------------------------------------------------------------------------------------------
# The district's skeleton, before it becomes documents


# The skeleton classes compare by identity: people and schools refer to each other.
@dataclass(eq=False)
class _Term:
    sourced_id: str
    title: str
    start: date
    end: date  # inclusive, as IC calendars show it

    @property
    def grading_period_id(self) -> str:
        return f"{self.sourced_id}-GP"  # IC-IDS


@dataclass(eq=False)
class _Person:
    sourced_id: str  # IC personID
    given: str
    family: str
    sex: str
    school: _School
    number: str  # student or staff number
    email: str
    grade: str | None = None  # students only
    other_schools: list[_School] = field(default_factory=list)  # teachers with a secondary role


@dataclass(eq=False)
class _School:
    sourced_id: str
    name: str
    level: _Level
    calendar_id: str
    terms: list[_Term] = field(default_factory=list)
    teachers: list[_Person] = field(default_factory=list)  # everyone who may teach here


@dataclass(eq=False)
class _Course:
    sourced_id: str
    school: _School
    title: str
    code: str
    template: _CourseTemplate
    sections: int = 0  # how many sections exist so far, for the section number in class titles


@dataclass(eq=False)
class _Section:
    sourced_id: str  # IC sectionID
    course: _Course
    number: int
    terms: list[_Term]
    teacher: _Person | None = None
    categories: list[tuple[str, str]] = field(default_factory=list)  # (sourcedId, title)
    size: int = 0  # students enrolled so far
    assignments: list[Doc] = field(default_factory=list)  # its IC-native and vendor line items: what gets scores

    @property
    def school(self) -> _School:
        return self.course.school


# Per grade: (the courses suiting it, the other courses).
_Offer = dict[str, tuple[list["_Course"], list["_Course"]]]


class _Serial:
    """Integer-like ids of one fixed width, starting at a seeded offset.

    A fixed width keeps the concatenated IC-native line item id (sectionID + termID + taskID,
    IC-IDS) unambiguous, so two different triples can never produce the same sourcedId.
    """

    def __init__(self, rng: random.Random, capacity: int, min_digits: int) -> None:
        digits = max(min_digits, len(str(capacity)) + 1)
        floor = 10 ** (digits - 1)
        self._next = floor + rng.randrange(0, 10**digits - floor - capacity)

    def __call__(self) -> str:
        value, self._next = self._next, self._next + 1
        return str(value)


class _Names:
    """Seeded Faker name pools; individual people are drawn from them with the district's Random."""

    def __init__(self, seed: int, people: int, schools: int) -> None:
        from faker import Faker  # ~0.05-0.15 s to import: only when a district is generated, not on every start

        fake = Faker("en_US")
        fake.seed_instance(seed)
        size = min(120, max(8, people))  # Faker's weighted names repeat: 120 draws give ~60 names
        self.female = [fake.first_name_female() for _ in range(size)]
        self.male = [fake.first_name_male() for _ in range(size)]
        self.family = [fake.last_name() for _ in range(size * 3 // 2)]
        self.places = [fake.last_name() for _ in range(schools * 2 + 4)]


def _email_part(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower()) or "user"


def _district_domain(district_name: str) -> str:
    # A reserved domain (RFC 2606): generated addresses must never reach a real mailbox.
    words = [w for w in re.findall(r"[a-z0-9]+", district_name.lower()) if w not in _NAME_WORDS_TO_DROP]
    return f"{''.join(words) or 'district'}.example.org"


def _split(total: int, parts: int) -> list[int]:
    """``total`` things shared as evenly as possible, the first parts taking the remainder."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _school_levels(count: int) -> list[_Level]:
    # The last school is always a high school (the demo's "Algebra I - 3" classes); going backwards
    # middle, elementary, high, ... so three schools make one of each.
    order = ("elementary", "middle", "high")
    return [_LEVELS[order[(i - count) % 3]] for i in range(count)]


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00.000Z"


# --------------------------------------------------------------------------------------------------
# The generator


def generate(recipe: Recipe, *, today: date) -> dict[str, list[Doc]]:
    """Every kind in KINDS (possibly empty), as 1.2 documents ready to store and serve."""
    out: dict[str, list[Doc]] = {kind: [] for kind in KINDS}
    stream(recipe, today=today, write=lambda kind, docs: out[kind].extend(docs))
    return out


def stream(recipe: Recipe, *, today: date, write: Write, batch: int = BATCH) -> dict[str, int]:
    """The district of :func:`generate`, handed to ``write(kind, documents)`` a batch at a time: the kinds that
    grow with the district (STREAMED) as they are made, so a district-sized recipe is never whole in memory,
    then the others (a few per class). Each kind's documents come in the order :func:`generate` lists them.
    Returns how many documents of each kind were written."""
    with _collector_paused():
        return _DistrictBuilder(recipe, today, _Batches(write, batch)).build()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The demo district is ~100k new dicts and lists, none of them garbage: in a server's heap the cyclic
    collector's passes over them cost as much as building them (0.21 s -> 0.11 s without, BENCHMARKS.md)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Batches:
    """Documents on their way to ``write``, a batch per kind; counts what was written."""

    def __init__(self, write: Write, size: int) -> None:
        self._write, self._size = write, size
        self._pending: dict[str, list[Doc]] = {}
        self.counts: dict[str, int] = dict.fromkeys(KINDS, 0)

    def add(self, kind: str, document: Doc) -> None:
        pending = self._pending.setdefault(kind, [])
        pending.append(document)
        if len(pending) >= self._size:
            self.write_all(kind, pending)
            self._pending[kind] = []

    def flush(self) -> None:
        for kind, pending in self._pending.items():
            self.write_all(kind, pending)
        self._pending = {}

    def write_all(self, kind: str, documents: list[Doc]) -> None:
        for start in range(0, len(documents), self._size):
            self._write(kind, documents[start:start + self._size])
        self.counts[kind] += len(documents)


class _DistrictBuilder:
    """Builds the skeleton (schools, terms, courses, sections, people) and writes each document once.

    The order of the steps is part of the output: every step draws from the one seeded Random.
    """

    def __init__(self, recipe: Recipe, today: date, batches: _Batches) -> None:
        self.recipe = recipe
        self.batches = batches
        self.rng = random.Random(recipe.seed)
        self.year_start, self.year_end = school_year_bounds(today)
        # Fixed, not the wall clock: the same recipe and today give byte-identical documents.
        self.modified = _stamp(self.year_start)
        self.names = _Names(recipe.seed, recipe.students + recipe.teachers, recipe.schools)
        self.domain = _district_domain(recipe.district_name)
        self.taken_names: Counter[str] = Counter()
        self.out: dict[str, list[Doc]] = {kind: [] for kind in KINDS}
        self.schools: list[_School] = []
        self.courses: list[_Course] = []
        self.sections: list[_Section] = []
        self.sections_of: dict[str, list[_Section]] = {}  # course sourcedId -> its sections, in order
        self.chosen: dict[str, list[_Course]] = {}  # student sourcedId -> the courses they chose
        self.teachers: list[_Person] = []
        self.students: list[_Person] = []
        self.shown_of: dict[str, list[str]] = {}  # section sourcedId -> its students IC shows (no no-shows, IC-USERS)

    def build(self) -> dict[str, int]:
        self.add_orgs()
        self.add_calendars()
        self.add_courses()
        self.plan_teachers()
        self.plan_students()
        self.plan_sections()
        self.assign_all_teachers()
        self.add_classes()
        self.add_users()
        self.add_enrollments()
        self.add_gradebooks()
        self.add_assessments()
        for kind, docs in grading_tasks.district_tasks(self.out, seed=self.recipe.seed).items():  # IC-GRADING-TASK
            self.out[kind] += docs
        self.add_vendor_line_items()
        self.add_results()
        self.batches.flush()
        for kind, docs in self.out.items():
            self.batches.write_all(kind, docs)
        return self.batches.counts

    def doc(self, kind: str, sourced_id: str, **values: Any) -> Doc:
        return self.emit(kind, {"sourcedId": sourced_id, "status": "active", "dateLastModified": self.modified,
                                **values})

    def emit(self, kind: str, document: Doc) -> Doc:
        if kind in STREAMED:
            self.batches.add(kind, document)
        else:
            self.out[kind].append(document)
        return document

    # -- orgs --------------------------------------------------------------------------------------

    def add_orgs(self) -> None:
        recipe, rng = self.recipe, self.rng
        org_ids = _Serial(rng, recipe.schools + 1, 3)
        calendar_ids = _Serial(rng, recipe.schools, 4)
        district_id = org_ids()
        nces_district = f"{rng.randrange(1, 57):02d}{rng.randrange(10000, 100000)}"
        used_names: set[str] = set()
        for level in _school_levels(recipe.schools):
            name = self.school_name(level, used_names)
            self.schools.append(_School(org_ids(), name, level, calendar_ids()))
        self.doc("orgs", district_id, name=recipe.district_name, type="district", identifier=nces_district,
                 children=[ref("orgs", school.sourced_id) for school in self.schools])
        for index, school in enumerate(self.schools):
            self.doc("orgs", school.sourced_id, name=school.name, type="school",
                     identifier=f"{nces_district}{index + 1:05d}", parent=ref("orgs", district_id))

    def school_name(self, level: _Level, used: set[str]) -> str:
        candidates = [f"{place} {level.suffix}" for place in self.names.places]
        name = next((c for c in candidates if c not in used), f"{candidates[0]} {len(used) + 1}")
        used.add(name)
        return name

    # -- academic sessions (IC-TERMS) -------------------------------------------------------------

    def add_calendars(self) -> None:
        self.term_ids = _Serial(self.rng, self.recipe.schools * self.recipe.terms_per_school, 4)
        for school in self.schools:
            school.terms = self.split_year(self.recipe.terms_per_school)
            self.add_calendar(school)

    def split_year(self, count: int) -> list[_Term]:
        """``count`` contiguous terms covering the school year, each ending the day before the next starts."""
        days = (self.year_end - self.year_start).days + 1
        starts = [self.year_start + timedelta(days=days * i // count) for i in range(count + 1)]
        label = _TERM_LABELS.get(count, "Term ")
        return [_Term(self.term_ids(), f"{label}{i + 1}" if count > 1 else "Full Year",
                      starts[i], starts[i + 1] - timedelta(days=1)) for i in range(count)]

    def add_calendar(self, school: _School) -> None:
        """The school year, its terms, and each term's grading period `<termID>-GP` (IC-TERMS, IC-IDS)."""
        start, end = self.year_start, self.year_end
        year = {"schoolYear": str(end.year)}
        self.doc("academicSessions", school.calendar_id, metadata=_ic(school=school.sourced_id),
                 title=f"{start.year}-{end.year % 100:02d} {school.name}", type="schoolYear",
                 startDate=start.isoformat(), endDate=end.isoformat(),
                 children=[ref("academicSessions", term.sourced_id) for term in school.terms], **year)
        for term in school.terms:
            dates = {"startDate": term.start.isoformat(), "endDate": term.end.isoformat()}
            self.doc("academicSessions", term.sourced_id, metadata=_ic(school=school.sourced_id),
                     title=term.title, type="term", **dates, **year,
                     parent=ref("academicSessions", school.calendar_id),
                     children=[ref("academicSessions", term.grading_period_id)])
            self.doc("academicSessions", term.grading_period_id, metadata=_ic(school=school.sourced_id),
                     title=f"{term.title} Grading Period", type="gradingPeriod", **dates, **year,
                     parent=ref("academicSessions", term.sourced_id))

    # -- courses and classes -----------------------------------------------------------------------

    def add_courses(self) -> None:
        course_ids = _Serial(self.rng, self.recipe.courses, 4)
        for school, count in zip(self.schools, _split(self.recipe.courses, len(self.schools)), strict=True):
            catalogue = list(school.level.catalogue)
            self.rng.shuffle(catalogue)
            for index in range(count):
                template = catalogue[index % len(catalogue)]
                repeat = index // len(catalogue)  # a used-up catalogue starts again, numbered
                title = template.title if not repeat else f"{template.title} ({repeat + 1})"
                code = f"{_SUBJECT_CODES[template.subject]}{school.level.number}{index + 1:02d}"
                course = _Course(course_ids(), school, title, code, template)
                self.courses.append(course)
                self.doc("courses", course.sourced_id, title=title, courseCode=code,
                         schoolYear=ref("academicSessions", school.calendar_id),
                         grades=list(template.grades), subjects=[template.subject],
                         org=ref("orgs", school.sourced_id))

    def plan_sections(self) -> None:
        """``recipe.classes`` sections of the courses students chose (of every course when nobody chose any):
        each such course gets one before any gets a second (as long as there are enough), then each further
        section goes to the course whose sections are the fullest against its school level's class size, so
        that sizes come out even."""
        demand = Counter(course.sourced_id for courses in self.chosen.values() for course in courses)
        running = [course for course in self.courses if demand[course.sourced_id]] or self.courses
        if not running:
            return
        section_ids = _Serial(self.rng, self.recipe.classes, 5)
        for index in range(self.recipe.classes):
            if index < len(running):
                course = running[index]
            else:
                course = max(running, key=lambda c: (
                    demand[c.sourced_id] / (c.sections * c.school.level.target_size), -running.index(c)))
            course.sections += 1
            section = _Section(section_ids(), course, course.sections, self.section_terms(course.school.terms))
            self.sections.append(section)
            self.sections_of.setdefault(course.sourced_id, []).append(section)

    def section_terms(self, terms: list[_Term]) -> list[_Term]:
        """Mostly full-year sections; some half-year (semester) ones, a few single-term ones."""
        count, draw = len(terms), self.rng.random()
        if count >= 4 and draw < 0.08:
            return [self.rng.choice(terms)]
        if count >= 2 and draw < 0.2:
            half = count // 2
            return terms[:half] if self.rng.random() < 0.5 else terms[count - half:]
        return list(terms)

    def add_classes(self) -> None:
        for section in self.sections:
            course, template = section.course, section.course.template
            self.doc("classes", section.sourced_id, title=f"{course.title} - {section.number}",
                     classCode=f"{course.code}-{section.number}", classType="scheduled",
                     location=f"Room {self.rng.randrange(100, 300)}", grades=list(template.grades),
                     subjects=[template.subject], course=ref("courses", course.sourced_id),
                     school=ref("orgs", section.school.sourced_id),
                     terms=[ref("academicSessions", term.sourced_id) for term in section.terms],
                     periods=[str(self.rng.randrange(1, 8))])

    # -- people (IC-USERS) -------------------------------------------------------------------------

    def plan_teachers(self) -> None:
        recipe = self.recipe
        self.person_ids = _Serial(self.rng, recipe.teachers + recipe.students, 5)
        staff_numbers = _Serial(self.rng, recipe.teachers, 5)
        for school, count in zip(self.schools, _split(recipe.teachers, len(self.schools)), strict=True):
            for _ in range(count):
                teacher = self.person(school, f"E{staff_numbers()}", self.domain)
                school.teachers.append(teacher)
                self.teachers.append(teacher)
        self.add_secondary_roles()

    def assign_all_teachers(self) -> None:
        for school in self.schools:
            self.assign_teachers(school, [s for s in self.sections if s.school is school])

    def add_secondary_roles(self) -> None:
        """A few teachers also teach at a second school, where they hold a secondary role."""
        if len(self.schools) < 2 or len(self.teachers) < 2:
            return
        for teacher in self.rng.sample(self.teachers, max(1, round(len(self.teachers) * 0.05))):
            other = self.rng.choice([school for school in self.schools if school is not teacher.school])
            teacher.other_schools.append(other)
            other.teachers.append(teacher)

    def assign_teachers(self, school: _School, sections: list[_Section]) -> None:
        """One primary teacher per section, spread evenly; visiting teachers first, so they do teach here."""
        if sections and not school.teachers:
            # A school without staff of its own borrows a teacher, so that every class has one.
            borrowed = self.rng.choice(self.teachers)
            borrowed.other_schools.append(school)
            school.teachers.append(borrowed)
        queue: list[_Person] = []
        for position, section in enumerate(sections):
            if not queue:
                queue = self.rng.sample(school.teachers, len(school.teachers))
                if position == 0:
                    queue.sort(key=lambda teacher: teacher.school is school)
            section.teacher = queue.pop(0)

    def plan_students(self) -> None:
        """The students, and the courses each chooses (which decide how many sections each course gets)."""
        numbers = _Serial(self.rng, self.recipe.students, 6)
        student_domain = f"students.{self.domain}"
        for school, count in zip(self.schools, _split(self.recipe.students, len(self.schools)), strict=True):
            for _ in range(count):
                student = self.person(school, numbers(), student_domain)
                student.grade = self.rng.choice(school.level.grades)
                self.students.append(student)
        for school in self.schools:
            self.choose_school_courses(school, [student for student in self.students if student.school is school])

    def choose_school_courses(self, school: _School, students: list[_Person]) -> None:
        """Each student's courses. As a school schedules, a course too few students chose is not run (its
        students choose again) while the school still offers enough courses: the smallest such course first,
        one at a time, so no section is left far below the level's class size."""
        courses = [course for course in self.courses if course.school is school]
        minimum, wanted = school.level.class_size[0], self.recipe.classes_per_student
        while True:
            offer = self.offer(school, courses)
            for student in students:
                self.chosen[student.sourced_id] = self.choose_courses(student, offer)
            demand = Counter(c.sourced_id for student in students for c in self.chosen[student.sourced_id])
            small = [c for c in courses if demand[c.sourced_id] < minimum]
            if not small or len(courses) <= wanted:
                return
            courses.remove(min(small, key=lambda c: (demand[c.sourced_id], courses.index(c))))

    def person(self, school: _School, number: str, domain: str) -> _Person:
        female = self.rng.random() < 0.5
        given = self.rng.choice(self.names.female if female else self.names.male)
        family = self.rng.choice(self.names.family)
        return _Person(self.person_ids(), given, family, "female" if female else "male", school, number,
                       self.unique_email(given, family, domain))

    def unique_email(self, given: str, family: str, domain: str) -> str:
        # IC-USERS: clients look teachers up by email, so a namesake gets a numbered address. The count
        # runs over both domains because the address's local part is also the (unique) username. A base
        # holds letters and one dot only, so "ann.lee2" can never be somebody else's base.
        local = f"{_email_part(given)}.{_email_part(family)}"
        self.taken_names[local] += 1
        count = self.taken_names[local]
        return f"{local}{count if count > 1 else ''}@{domain}"

    def add_users(self) -> None:
        people = self.teachers + self.students
        hidden = round(len(people) * self.recipe.no_portal_account_ratio)
        without_portal = set(self.rng.sample(range(len(people)), hidden))
        for index, person in enumerate(people):
            self.add_user(person, portal=index not in without_portal)

    def add_user(self, person: _Person, *, portal: bool) -> None:
        student = person.grade is not None
        role = "student" if student else "teacher"
        ic = {"legacySourcedId": ids.legacy_user_id(role, person.sourced_id),  # IC-IDS: the 1.1 id, s…/t…
              "portalAccount": "true" if portal else "false"}  # IC-USERS
        roles = [{"roleType": "primary", "role": role, "org": ref("orgs", person.school.sourced_id)}]
        roles += [{"roleType": "secondary", "role": role, "org": ref("orgs", other.sourced_id)}
                  for other in person.other_schools]
        extra: Doc = {}
        if student:
            ic["personGUID"] = self.add_demographics(person)
            extra["grades"] = [person.grade]
        self.doc("users", person.sourced_id, metadata={"ic": ic}, enabledUser="true",
                 username=person.email.split("@", 1)[0],
                 userIds=[{"type": "studentNumber" if student else "staffNumber",
                           "identifier": person.number}],
                 givenName=person.given, familyName=person.family, roles=roles,
                 primaryOrg=ref("orgs", person.school.sourced_id), identifier=person.number,
                 email=person.email, **extra)

    def add_demographics(self, student: _Person) -> str:
        """The student's demographics, keyed by a uuid-shaped person GUID (IC-IDS); returns the GUID."""
        rng = self.rng
        guid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        # Children start kindergarten at 5 on 1 September; grade g is g years on.
        grade = 0 if student.grade == "KG" else int(student.grade or 0)
        birth = date(self.year_start.year - grade - 6, 9, 2) + timedelta(days=rng.randrange(365))
        races = dict.fromkeys(_RACES, "false")
        draws = 2 if rng.random() < 0.06 else 1
        chosen = set(rng.choices(_RACES, cum_weights=_RACE_CUMULATIVE_WEIGHTS, k=draws))
        races.update(dict.fromkeys(chosen, "true"))
        self.doc("demographics", guid, birthDate=birth.isoformat(), sex=student.sex, **races,
                 demographicRaceTwoOrMoreRaces="true" if len(chosen) > 1 else "false",
                 hispanicOrLatinoEthnicity="true" if rng.random() < 0.25 else "false")
        return guid

    # -- enrollments ------------------------------------------------------------------------------

    def add_enrollments(self) -> None:
        """Teachers' enrollments, then each student's; a ``no_show_ratio`` share of the students' are no-shows,
        decided before any is written (they are streamed: STREAMED)."""
        recipe = self.recipe
        history_ids = _Serial(self.rng, recipe.classes, 6)
        roster_ids = _Serial(self.rng, recipe.students * recipe.classes_per_student, 6)
        schedules = [(student, self.schedule(student)) for student in self.students]
        count = sum(len(sections) for _, sections in schedules)
        no_shows = set(self.rng.sample(range(count), round(count * recipe.no_show_ratio)))
        for section in self.sections:
            if section.teacher is not None:
                self.enrollment(f"t{history_ids()}", section.teacher, section)  # IC-IDS: t<historyID>
        index = 0
        for student, sections in schedules:
            for section in sections:
                no_show = index in no_shows
                self.enrollment(f"s{roster_ids()}", student, section, no_show=no_show)  # IC-IDS: s<rosterID>
                if not no_show:
                    self.shown_of.setdefault(section.sourced_id, []).append(student.sourced_id)
                index += 1

    def offer(self, school: _School, courses: list[_Course]) -> _Offer:
        """Per grade, the school's running courses that suit it, and the others."""
        return {grade: ([c for c in courses if grade in c.template.grades],
                        [c for c in courses if grade not in c.template.grades])
                for grade in school.level.grades}

    def choose_courses(self, student: _Person, offer: _Offer) -> list[_Course]:
        """Up to ``classes_per_student`` distinct courses of the student's own school: of the student's grade
        first, then others."""
        suited, others = offer[student.grade or ""]
        wanted = self.recipe.classes_per_student
        courses = self.rng.sample(suited, min(wanted, len(suited)))
        return courses + self.rng.sample(others, min(wanted - len(courses), len(others)))

    def schedule(self, student: _Person) -> list[_Section]:
        """``classes_per_student`` sections of the student's own school: for each chosen course its least
        full section (so sections of a course fill evenly), then, when the school has fewer courses than
        classes wanted, the least full of its other sections."""
        chosen: list[_Section] = []
        for course in self.chosen[student.sourced_id]:
            sections = self.sections_of.get(course.sourced_id)
            if sections:
                chosen.append(min(sections, key=lambda section: section.size))
        wanted = self.recipe.classes_per_student
        if len(chosen) < wanted:
            rest = [s for s in self.sections if s.school is student.school and s not in chosen]
            chosen += sorted(rest, key=lambda section: section.size)[:wanted - len(chosen)]
        for section in chosen:
            section.size += 1
        return chosen

    def enrollment(self, sourced_id: str, person: _Person, section: _Section, *, no_show: bool = False) -> Doc:
        student = person.grade is not None
        extra: Doc = {"metadata": _ic(noShow="true" if no_show else "false")} if student else {}  # IC-USERS
        return self.doc("enrollments", sourced_id, **extra, user=ref("users", person.sourced_id),
                        **{"class": ref("classes", section.sourced_id)},
                        school=ref("orgs", section.school.sourced_id),
                        role="student" if student else "teacher", primary="false" if student else "true",
                        beginDate=section.terms[0].start.isoformat(),
                        endDate=section.terms[-1].end.isoformat())

    # -- grade books -------------------------------------------------------------------------------

    def add_gradebooks(self) -> None:
        recipe = self.recipe
        self.category_ids = _Serial(self.rng, recipe.classes * recipe.categories_per_class[1], 5)
        self.task_ids = _Serial(self.rng, recipe.classes * recipe.ic_line_items_per_class[1], 3)
        for section in self.sections:
            self.add_categories(section)
            self.add_line_items(section)

    def add_categories(self, section: _Section) -> None:
        """IC categories belong to one section (metadata.ic.class); IC-LI-CATEGORY-1P2 relies on them."""
        low, high = self.recipe.categories_per_class
        pool = _CATEGORY_TITLES[:max(high, _COMMON_CATEGORIES)]
        titles = sorted(self.rng.sample(pool, self.rng.randint(low, high)), key=_CATEGORY_TITLES.index)
        for title in titles:
            sourced_id = self.category_ids()
            section.categories.append((sourced_id, title))
            weight = float(_CATEGORY_WEIGHTS[title] + 5 * self.rng.randint(-1, 1))
            self.doc("categories", sourced_id, metadata=_ic(**{"class": section.sourced_id}),
                     title=title, weight=weight)

    def add_line_items(self, section: _Section) -> None:
        """IC-native items: id sectionID + termID + taskID (IC-IDS), due inside a class term (IC-TERMS),
        in the grading period of that term, titles unique in the class (IC-LI-DUP-TITLE)."""
        rng = self.rng
        planned = []
        for _ in range(rng.randint(*self.recipe.ic_line_items_per_class)):
            term = rng.choice(section.terms)
            # One random() whatever the term's length: a leap year must not shift the later draws
            # (IC-TERMS: only the dates follow today, everything else stays the same).
            due = term.start + timedelta(days=int(rng.random() * ((term.end - term.start).days + 1)))
            planned.append((due, term, rng.choice(section.categories)))
        numbers: Counter[str] = Counter()  # per category, in due-date order: Quiz 1 comes before Quiz 2
        for due, term, (category_id, category) in sorted(planned, key=lambda item: item[0]):
            numbers[category] += 1
            title = rng.choice(_ASSIGNMENT_TITLES[category]).format(n=numbers[category])
            assigned = max(term.start, due - timedelta(days=rng.randrange(1, 15)))
            section.assignments.append(self.doc(
                "lineItems", f"{section.sourced_id}{term.sourced_id}{self.task_ids()}",
                metadata=_ic(origin="campus"), title=title,  # IC-LI-OWNER: read-only for vendors
                assignDate=_stamp(assigned), dueDate=_stamp(due), **{"class": ref("classes", section.sourced_id)},
                school=ref("orgs", section.school.sourced_id), category=ref("categories", category_id),
                gradingPeriod=ref("academicSessions", term.grading_period_id),
                academicSession=ref("academicSessions", term.sourced_id),
                resultValueMin=0.0, resultValueMax=float(rng.choice(_POINTS[category]))))


    # -- what has been graded so far: vendor line items and results ---------------------------------------

    def add_vendor_line_items(self) -> None:
        """``recipe.vendor_line_items`` line items a vendor (Canvas) passed back before, on classes with students:
        the vendor's own sourcedIds in Canvas's shape (IC-IDS), no ``metadata.ic.origin`` (the vendor may change
        them, IC-LI-OWNER), due inside one of the class's terms (IC-LI-DUE-DATE), titles unique in the class
        (IC-LI-DUP-TITLE: no IC-native title has a "Canvas"/"Module"/"Online" word). A random stream of their own,
        drawn after everything else: the rest of the district is what it is without them."""
        taught = [index for index, section in enumerate(self.sections) if self.shown_of.get(section.sourced_id)]
        if not (self.recipe.vendor_line_items and taught):
            return
        rng = random.Random(f"vendor-line-items:{self.recipe.seed}")
        numbers: Counter[int] = Counter()  # per section
        for assignment in range(self.recipe.vendor_line_items):
            index = rng.choice(taught)
            section = self.sections[index]
            numbers[index] += 1
            term = rng.choice(section.terms)
            due = term.start + timedelta(days=int(rng.random() * ((term.end - term.start).days + 1)))
            assigned = max(term.start, due - timedelta(days=rng.randrange(1, 15)))
            category_id, _ = rng.choice(section.categories)
            item = {"sourcedId": f"canvas-{2000 + index}-a{100000 + assignment}-s{5000 + index}", "status": "active",
                    "dateLastModified": _stamp(assigned), "title": f"{rng.choice(_VENDOR_TITLES)} {numbers[index]}",
                    "assignDate": _stamp(assigned), "dueDate": _stamp(due),
                    "class": ref("classes", section.sourced_id), "school": ref("orgs", section.school.sourced_id),
                    "category": ref("categories", category_id),
                    "gradingPeriod": ref("academicSessions", term.grading_period_id),
                    "resultValueMin": 0.0, "resultValueMax": float(rng.choice((10, 20, 25, 50, 100)))}
            section.assignments.append(self.emit("lineItems", item))

    def add_results(self) -> None:
        """``recipe.results`` scores, spread evenly over every (assignment, shown student) pair of every class in
        order (all of them when there are fewer pairs), streamed (STREAMED). Mostly fully graded, with a score
        around 80 % of the maximum now and then above it (extra credit, IC-RES-EXTRA-CREDIT), a few exempt or not
        submitted without a score; scored up to a week after the due date, and last modified then. A vendor's
        item's results have the vendor's ids, the others IC's integer-like score ids (IC-IDS)."""
        sections = [(s, s.assignments, self.shown_of.get(s.sourced_id, [])) for s in self.sections]
        pairs = sum(len(items) * len(students) for _, items, students in sections)
        wanted = min(self.recipe.results, pairs)
        if not wanted:
            return
        rng = random.Random(f"results:{self.recipe.seed}")
        score_ids = _Serial(rng, wanted, 7)
        share = 0
        for section, items, students in sections:
            klass = ref("classes", section.sourced_id)
            for item in items:
                vendor = "metadata" not in item
                due = date.fromisoformat(item["dueDate"][:10])
                for student in students:
                    share += wanted
                    if share < pairs:
                        continue
                    share -= pairs
                    sourced_id = f"{item['sourcedId']}-u{student}" if vendor else score_ids()
                    self.add_result(rng, sourced_id, item, student, klass, min(due + timedelta(
                        days=rng.randrange(8)), self.year_end))

    def add_result(self, rng: random.Random, sourced_id: str, item: Doc, student: str, klass: Doc,
                   day: date) -> None:
        draw, most = rng.random(), item["resultValueMax"]
        scored: Doc = {"scoreStatus": "fully graded",
                       "score": round(most * min(1.05, max(0.0, rng.gauss(0.82, 0.12))) * 2) / 2}
        if draw < 0.02:
            scored = {"scoreStatus": "exempt"}
        elif draw < 0.05:
            scored = {"scoreStatus": "not submitted"}
        self.emit("results", {
            "sourcedId": sourced_id, "status": "active", "dateLastModified": _stamp(day),
            "lineItem": ref("lineItems", item["sourcedId"]), "student": ref("users", student), "class": klass,
            **scored, "scoreDate": day.isoformat()})

    # -- assessments and score scales (IC-ASSESS-1P2, 1.2 only) -------------------------------------------

    def add_assessments(self) -> None:
        """Per school, in its first section: the three score scales of _SCORE_SCALES, that section's line
        items graded on one of them, and the assessment line items of _ASSESSMENTS (made inside IC, so
        read-only for vendors: IC-LI-OWNER) with results for the first students of the section.

        Drawn after everything else, so the rest of the district is what it was before assessments."""
        firsts = {}
        for section in self.sections:
            firsts.setdefault(section.school.sourced_id, section)
        if not firsts:
            return
        scale_ids = _Serial(self.rng, len(firsts) * len(_SCORE_SCALES), 4)
        item_ids = _Serial(self.rng, len(firsts) * len(_ASSESSMENTS), 4)
        result_ids = _Serial(self.rng, len(firsts) * len(_ASSESSMENTS) * _ASSESSED_STUDENTS, 6)
        students = self.shown_students({section.sourced_id for section in firsts.values()})
        for section in firsts.values():
            scales = [self.add_score_scale(scale_ids(), section, *scale) for scale in _SCORE_SCALES]
            self.grade_line_items_on(section, scales)
            items: list[Doc] = []
            for title, scale, parent in _ASSESSMENTS:
                items.append(self.add_assessment(item_ids(), section, title, scales[scale],
                                                 items[parent] if parent is not None else None))
                self.add_assessment_results(result_ids, section, items[-1], scales[scale],
                                            students.get(section.sourced_id, [])[:_ASSESSED_STUDENTS])

    def shown_students(self, sections: set[str]) -> dict[str, list[str]]:
        """Per section of ``sections``, the students IC shows (no-shows left out, IC-USERS), by sourcedId."""
        return {section: sorted(self.shown_of[section]) for section in sections if section in self.shown_of}

    def add_score_scale(self, sourced_id: str, section: _Section, title: str, kind: str,
                        values: tuple[tuple[str, str], ...]) -> Doc:
        return self.doc("scoreScales", sourced_id, title=title, type=kind,
                        course=ref("courses", section.course.sourced_id),
                        **{"class": ref("classes", section.sourced_id)},
                        scoreScaleValue=[{"itemValueLHS": lhs, "itemValueRHS": rhs} for lhs, rhs in values])

    def grade_line_items_on(self, section: _Section, scales: list[Doc]) -> None:
        """The section's line items name a score scale their points fit: points up to 100, else percent."""
        for item in self.out["lineItems"]:
            if item["class"]["sourcedId"] == section.sourced_id:
                fits = item["resultValueMax"] <= 100
                scale = scales[_POINTS_SCALE if fits else _PERCENT_SCALE]
                item["scoreScale"] = ref("scoreScales", scale["sourcedId"])

    def add_assessment(self, sourced_id: str, section: _Section, title: str, scale: Doc,
                       parent: Doc | None) -> Doc:
        low, high = _scale_span(scale)
        extra: Doc = {"parentAssessmentLineItem": ref("assessmentLineItems", parent["sourcedId"])} if parent else {}
        return self.doc("assessmentLineItems", sourced_id, metadata=_ic(origin="campus"), title=title,
                        **{"class": ref("classes", section.sourced_id)}, **extra,
                        scoreScale=ref("scoreScales", scale["sourcedId"]), resultValueMin=low, resultValueMax=high)

    def add_assessment_results(self, ids: _Serial, section: _Section, item: Doc, scale: Doc,
                               students: list[str]) -> None:
        """Scores within the scale (whole numbers; a standards score also carries its label as textScore),
        dated early in the section's first term."""
        term = section.terms[0]
        day = min(term.start + timedelta(days=20), term.end).isoformat()
        labels = {float(v["itemValueLHS"]): v["itemValueRHS"] for v in scale["scoreScaleValue"]}
        low, high = _scale_span(scale)
        for student in students:
            score = float(self.rng.randint(int(max(low, high / 2)), int(high)))
            extra: Doc = {"textScore": labels[score]} if scale["type"] == "standards" else {}
            self.doc("assessmentResults", ids(), assessmentLineItem=ref("assessmentLineItems", item["sourcedId"]),
                     student=ref("users", student), score=score, **extra, scoreDate=day, scoreStatus="fully graded")


def _scale_span(scale: Doc) -> tuple[float, float]:
    numbers = [float(v["itemValueLHS"]) for v in scale["scoreScaleValue"]]
    return min(numbers), max(numbers)


def _ic(**values: str) -> Doc:
    """A fresh ``metadata`` object holding Infinite Campus specifics (docs/data-model.md)."""
    return {"ic": values}
