"""Hypothesis strategies for the rostering properties (OR-FILTER, OR-SORT, OR-FIELDS) and their oracles.

Each strategy draws from the target's own data (the full lists, read once), so a filter's value is
often one the data holds and its answer is rarely empty. The oracles are the catalogue's words, in
Python, over those full lists:

* OR-FILTER: ``= != > >= < <=`` compare as strings (dates are ISO-8601 strings: values drawn from
  the data only, so no normalisation question arises), ``~`` is contains, case-insensitive (ASCII
  values: what "case-insensitive" means beyond ASCII the catalogue does not say); ``AND`` binds
  tighter than ``OR``; a quote inside a value is doubled.
* Fields are drawn only where every object of the list holds a string: what a filter on a missing
  member or on a number means is not the catalogue's to say, so the kit does not judge it.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import strategies as st

# The members a client may filter and sort on, per collection, both versions (the 1EdTech classes'
# string members and reference sourcedIds). Only those every object holds as a string are drawn.
FIELDS: dict[str, tuple[str, ...]] = {
    "orgs": ("sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parent.sourcedId"),
    "academicSessions": ("sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate",
                         "schoolYear", "parent.sourcedId"),
    "courses": ("sourcedId", "status", "dateLastModified", "title", "courseCode", "schoolYear.sourcedId",
                "org.sourcedId"),
    "classes": ("sourcedId", "status", "dateLastModified", "title", "classCode", "classType", "location",
                "course.sourcedId", "school.sourcedId"),
    "users": ("sourcedId", "status", "dateLastModified", "username", "enabledUser", "givenName", "familyName",
              "middleName", "identifier", "email", "role"),
}
# collection path -> envelope key of the lists the properties run over
COLLECTIONS = {"/orgs": "orgs", "/academicSessions": "academicSessions", "/courses": "courses",
               "/classes": "classes", "/users": "users"}
OPERATORS = ("=", "!=", ">", ">=", "<", "<=", "~")
DATE_FIELDS = frozenset({"dateLastModified", "startDate", "endDate"})
_TEXT = string.ascii_letters + string.digits + " '-.@"


def examples(config: pytest.Config, default: int) -> int:
    """Examples per property: ``--oneroster-examples`` when given, else the suite's small default."""
    given = config.getoption("oneroster_examples", None)
    return int(given) if given else default


def member(obj: dict[str, Any], path: str) -> Any:
    """A dotted member (``course.sourcedId``) of an object, None when absent."""
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def string_fields(key: str, objects: list[dict[str, Any]]) -> list[str]:
    """The fields of FIELDS[key] every object holds as a string."""
    return [f for f in FIELDS[key] if objects and all(isinstance(member(o, f), str) for o in objects)]


def quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Predicate:
    field: str
    op: str
    value: str

    @property
    def text(self) -> str:
        return f"{self.field}{self.op}{quoted(self.value)}"

    def holds(self, obj: dict[str, Any]) -> bool:
        have = member(obj, self.field)
        if not isinstance(have, str):
            return self.op == "!="
        compare: dict[str, Callable[[str, str], bool]] = {
            "=": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
            "~": lambda a, b: b.lower() in a.lower(),
        }
        return compare[self.op](have, self.value)


@dataclass(frozen=True)
class Filter:
    path: str
    key: str
    predicates: tuple[Predicate, ...]
    joins: tuple[str, ...]  # len(predicates) - 1 of "AND" / "OR"

    @property
    def text(self) -> str:
        parts = [self.predicates[0].text]
        for join, predicate in zip(self.joins, self.predicates[1:], strict=True):
            parts += [join, predicate.text]
        return " ".join(parts)

    def groups(self) -> list[list[Predicate]]:
        """The OR of AND-groups (AND binds tighter than OR)."""
        groups = [[self.predicates[0]]]
        for join, predicate in zip(self.joins, self.predicates[1:], strict=True):
            if join == "AND":
                groups[-1].append(predicate)
            else:
                groups.append([predicate])
        return groups

    def holds(self, obj: dict[str, Any]) -> bool:
        return any(all(p.holds(obj) for p in group) for group in self.groups())


def _values(objects: list[dict[str, Any]], field: str) -> list[str]:
    return sorted({v for o in objects if isinstance(v := member(o, field), str)})


@st.composite
def predicates(draw: st.DrawFn, objects: list[dict[str, Any]], fields: list[str]) -> Predicate:
    field = draw(st.sampled_from(fields))
    op = draw(st.sampled_from(OPERATORS))
    values = _values(objects, field)
    if field in DATE_FIELDS:  # the stored form only: the catalogue leaves other spellings open
        value = draw(st.sampled_from(values))
    else:
        seen = st.sampled_from(values)
        part = seen.flatmap(lambda v: st.tuples(st.integers(0, len(v)), st.integers(0, len(v))).map(
            lambda ij, v=v: v[min(ij):max(ij)]))
        value = draw(st.one_of(seen, part, st.text(_TEXT, min_size=1, max_size=6)))
        value = value.strip() or "a"  # no value that only whitespace tells apart
    if op == "~" and not value.isascii():
        value = "a"
    return Predicate(field, op, value)


@st.composite
def filters(draw: st.DrawFn, lists: dict[str, list[dict[str, Any]]]) -> Filter:
    """A filter over one of the collections in ``lists`` (path -> its full list)."""
    path = draw(st.sampled_from(sorted(p for p in lists if string_fields(COLLECTIONS[p], lists[p]))))
    key = COLLECTIONS[path]
    objects = lists[path]
    fields = string_fields(key, objects)
    count = draw(st.integers(1, 3))
    chosen = tuple(draw(predicates(objects, fields)) for _ in range(count))
    joins = tuple(draw(st.sampled_from(("AND", "OR"))) for _ in range(count - 1))
    return Filter(path, key, chosen, joins)


@dataclass(frozen=True)
class Sort:
    path: str
    key: str
    field: str
    order: str | None  # asc, desc or None (the default order: ascending)
    pages: int  # how many pages the list is walked in


@st.composite
def sorts(draw: st.DrawFn, lists: dict[str, list[dict[str, Any]]]) -> Sort:
    path = draw(st.sampled_from(sorted(p for p in lists if string_fields(COLLECTIONS[p], lists[p]))))
    key = COLLECTIONS[path]
    field = draw(st.sampled_from(string_fields(key, lists[path])))
    return Sort(path, key, field, draw(st.sampled_from((None, "asc", "desc"))), draw(st.integers(1, 4)))


@dataclass(frozen=True)
class Selection:
    path: str
    key: str
    fields: tuple[str, ...]
    limit: int
    offset: int


@st.composite
def selections(draw: st.DrawFn, lists: dict[str, list[dict[str, Any]]]) -> Selection:
    path = draw(st.sampled_from(sorted(p for p in lists if lists[p])))
    objects = lists[path]
    members = sorted({k for o in objects for k in o})
    fields = tuple(draw(st.lists(st.sampled_from(members), min_size=1, max_size=len(members), unique=True)))
    limit = draw(st.integers(1, 20))
    offset = draw(st.integers(0, max(0, len(objects) - 1)))
    return Selection(path, COLLECTIONS[path], fields, limit, offset)


def page_size(total: int, pages: int) -> int:
    return max(1, math.ceil(total / pages))
