"""Reading one CSV row into document values, reporting each bad cell with its file, line and column.

Every reader returns None (or []) for a cell it could not read and records why, so a builder can
go on and report every problem of the row; a row with any problem yields no document.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from mock_ic.control.csv_import.bundle import METADATA_PREFIX, Row, Table
from mock_ic.control.csv_import.problems import Problem, Problems
from mock_ic.control.seed import ref
from mock_ic.ic import ids
from mock_ic.store.tables import KINDS

Doc = dict[str, Any]

_EXT = re.compile(r"ext:[a-zA-Z0-9.\-_]+")  # the 1.2 extension pattern of open vocabularies
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?", re.ASCII)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_USER_ID = r"\{[^{}:]+:[^{}]*\}"
_USER_IDS = re.compile(rf"{_USER_ID}(?:\s*,\s*{_USER_ID})*")
_MAPPING = re.compile(r"\{([^{}:]+):([^{}]*)\}")  # one {itemValueLHS:itemValueRHS} of scoreScaleValue


# The cells of a referenced row that other rows read (Context.raw); the index keeps no others.
KEPT: dict[str, tuple[str, ...]] = {"orgs": ("type",), "academicSessions": ("type",), "classes": ("schoolSourcedId",),
                                    "lineItems": ("classSourcedId",), "assessmentLineItems": ("classSourcedId",)}
# A 1.2 role held until its user is built: (order key, roleType, role, org id, beginDate, endDate) — a tuple,
# not the document, since a district's roles.csv has a row per user.
HeldRole = tuple[tuple[Any, ...], str, str, str, str | None, str | None]


@dataclass
class Context:
    """What every row may consult: the version, the default timestamp, and the ids of the referenced files."""

    version: str  # "1.1" or "1.2"
    stamp: str  # dateLastModified of rows that leave it blank
    problems: Problems = field(default_factory=Problems)
    # referenced file name -> sourcedId as given -> its first row (line and KEPT cells only)
    ids: dict[str, dict[str, Row]] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)  # users' sourcedId as given -> canonical (IC-IDS)
    unchecked: set[str] = field(default_factory=set)  # files whose ids are unknown: references to them pass
    roles: dict[str, list[HeldRole]] = field(default_factory=dict)  # 1.2: user as given -> roles
    roles_read: bool = False  # 1.2: roles.csv was read, so a user without roles really has none

    def canonical(self, name: str, given: str) -> str:
        """The document's sourcedId for an id given in ``name``.csv (IC-IDS for users and their demographics)."""
        if name == "users":
            return self.user_ids.get(given, given)
        if name == "demographics" and self.version == "1.1":
            # 1EdTech: a user's demographics share the user's sourcedId, so they follow its IC-IDS mapping.
            return self.user_ids.get(given, given)
        return given

    def raw(self, name: str, given: str, column: str) -> str:
        """A cell of another file's row (e.g. the school of a class), "" when unknown; only KEPT cells."""
        if column not in KEPT.get(name, ()):
            raise KeyError(f"{name}.{column} is not kept for other rows: add it to KEPT")
        row = self.ids.get(name, {}).get(given)
        return row.get(column) if row else ""


def canonical_user_id(version: str, given: str) -> str:
    """IC-IDS: a 1.1 bundle names users by their role-prefixed ids (``s1001`` is person 1001); 1.2 ids are kept."""
    return ids.canonical_user_id(given) if version == "1.1" else given


def id_key(sourced_id: str) -> tuple[int, int, str]:
    """Order ids numerically when integer-like (IC ids), else by text, so "999" comes before "1000"."""
    integer = sourced_id.isascii() and sourced_id.isdigit()  # "²".isdigit() holds, int("²") fails
    return (0, int(sourced_id), sourced_id) if integer else (1, 0, sourced_id)


def set_ic(doc: Doc, key: str, value: str) -> None:
    """A derived ``metadata.ic`` value; an explicit ``metadata.ic.<key>`` column wins."""
    metadata = doc.get("metadata") or {}
    doc["metadata"] = metadata  # in place when common() reserved the key: metadata stays near the top
    metadata.setdefault("ic", {}).setdefault(key, value)


def compact(doc: Doc) -> Doc:
    """The document without the fields that had no value (None, an empty list or object)."""
    return {key: value for key, value in doc.items() if value is not None and value != [] and value != {}}


class Cells:
    """The cells of one row, read as typed values."""

    def __init__(self, ctx: Context, table: Table, row: Row) -> None:
        self.ctx = ctx
        self.table = table
        self.row = row

    @property
    def given_id(self) -> str:
        return self.row.get("sourcedId")

    def problem(self, column: str | None, message: str) -> None:
        self.ctx.problems.append(Problem(self.table.spec.file, self.row.line, column, message))

    def text(self, column: str) -> str | None:
        value = self.row.get(column)
        if value:
            return value
        if column in self.table.spec.required:
            self.problem(column, "a value is required")
        return None

    def enum(self, column: str, allowed: tuple[str, ...], *, ext: bool = True) -> str | None:
        """A vocabulary value; case is forgiven (spreadsheets capitalise), the 1EdTech spelling is kept."""
        value = self.text(column)
        if value is None:
            return None
        for word in allowed:
            if value.lower() == word.lower():
                return word
        if ext and _EXT.fullmatch(value):
            return value
        expected = ", ".join(allowed) + (", or ext:<name>" if ext else "")
        self.problem(column, f"bad value {value!r}; expected one of: {expected}")
        return None

    def flag(self, column: str) -> str | None:
        """A 1.2 boolean: the string "true" or "false"."""
        return self.enum(column, ("true", "false"), ext=False)

    def day(self, column: str) -> str | None:
        value = self.text(column)
        if value is None:
            return None
        if _DATE.fullmatch(value) and _parses(date.fromisoformat, value):
            return value
        self.problem(column, f"bad date {value!r}; expected YYYY-MM-DD")
        return None

    def moment(self, column: str) -> str | None:
        """A date or date-time, as the canonical UTC ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (a date: its midnight UTC)."""
        value = self.text(column)
        if value is None:
            return None
        moment = _utc(value) if _MOMENT.fullmatch(value) else None
        if moment is not None:
            return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        self.problem(column, f"bad date-time {value!r}; expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS.sssZ")
        return None

    def number(self, column: str) -> float | None:
        value = self.text(column)
        if value is None:
            return None
        if _NUMBER.fullmatch(value) and math.isfinite(float(value)):
            return float(value)
        self.problem(column, f"bad number {value!r}; expected a decimal number such as 10 or 9.5")
        return None

    def items(self, column: str) -> list[str]:
        """A multi-valued cell: comma-separated values (quoted in the file)."""
        value = self.text(column)
        return [item.strip() for item in value.split(",") if item.strip()] if value else []

    def user_ids(self, column: str) -> list[dict[str, str]]:
        """1EdTech CSV userIds: ``{type:identifier}`` entries separated by commas."""
        value = self.text(column)
        if value is None:
            return []
        if not _USER_IDS.fullmatch(value):
            self.problem(column, f"bad userIds {value!r}; expected {{type:identifier}} entries separated by "
                                 "commas, e.g. {studentNumber:100001},{LDAP:jsmith}")
            return []
        return [{"type": kind.strip(), "identifier": identifier.strip()}
                for kind, identifier in re.findall(r"\{([^{}:]+):([^{}]*)\}", value)]

    def score_scale_values(self, column: str) -> list[dict[str, str]]:
        """1.2 scoreScaleValue: ``{itemValueLHS:itemValueRHS}`` entries separated by commas, e.g.
        ``{1:Beginning},{4:Exceeds}``; the left-hand side stops at its first colon."""
        value = self.text(column)
        if value is None:
            return []
        matches = [_MAPPING.fullmatch(entry.strip()) for entry in re.split(r",(?=\s*\{)", value)]
        mappings = [match.groups() for match in matches if match]
        if len(mappings) < len(matches):
            self.problem(column, f"bad scoreScaleValue {value!r}; expected {{itemValueLHS:itemValueRHS}} entries "
                                 "separated by commas, e.g. {1:Beginning},{2:Developing}")
            return []
        return [{"itemValueLHS": lhs.strip(), "itemValueRHS": rhs.strip()} for lhs, rhs in mappings]

    def ref(self, column: str, name: str) -> dict[str, str] | None:
        """A GUIDRef to a row of ``name``.csv; an id no row has is a dangling reference."""
        value = self.text(column)
        return self.resolve(column, name, value) if value else None

    def refs(self, column: str, name: str) -> list[dict[str, str]]:
        """Several GUIDRefs; the same id twice is refused (it would be one link stored twice)."""
        values = self.items(column)
        for index, value in enumerate(values):
            if value in values[:index]:
                self.problem(column, f"{value!r} is listed twice")
        return [guid for guid in (self.resolve(column, name, value) for value in dict.fromkeys(values)) if guid]

    def resolve(self, column: str, name: str, given: str) -> dict[str, str] | None:
        if name not in self.ctx.unchecked and given not in self.ctx.ids.get(name, {}):
            where = f"no such sourcedId in {name}.csv" if name in self.ctx.ids else f"{name}.csv is not in the bundle"
            self.problem(column, f"unknown {KINDS[name].type} {given!r} ({where})")
            return None
        return ref(name, self.ctx.canonical(name, given))

    def common(self, name: str) -> Doc:
        """sourcedId, status, dateLastModified and metadata (from the metadata.* extension columns)."""
        doc: Doc = {"sourcedId": self.ctx.canonical(name, self.text("sourcedId") or ""),
                    "status": self.enum("status", ("active", "tobedeleted"), ext=False) or "active",
                    "dateLastModified": self.moment("dateLastModified") or self.ctx.stamp,
                    "metadata": self.metadata() or None}
        return doc

    def metadata(self) -> Doc:
        metadata: Doc = {}
        for column in self.table.header:
            value = self.row.get(column)
            if column.startswith(METADATA_PREFIX) and value:
                *path, key = column[len(METADATA_PREFIX):].split(".")
                target = metadata
                for part in path:
                    target = target.setdefault(part, {})
                target[key] = value
        return metadata


def _parses(parse: Callable[[str], object], value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True


def _utc(value: str) -> datetime | None:
    """The moment in UTC (a time without offset is taken as UTC), or None when there is no such moment."""
    try:
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # 0001-01-01T00:00+01:00 would fall before year 1
        return None
