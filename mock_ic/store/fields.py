"""Where a field of a kind lives, as plain data, and the SQL that reads it there.

``mock_ic/oneroster/query.py`` describes each filterable and sortable field of a kind with one of the
locations below (it knows the standard; the store knows the tables); :func:`field_of` turns a
location into the SQL :class:`~mock_ic.store.filter_sql.Field` that filters and sorts use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa

from mock_ic.store.filter_sql import Field, FieldKind, json_number, json_text
from mock_ic.store.tables import KINDS, LINK_TABLES


@dataclass(frozen=True)
class Column:
    """An indexed column of the kind's table (``sourced_id``, ``class``, ``legacy_id``, ...)."""

    name: str
    kind: FieldKind = FieldKind.STRING
    many = False


@dataclass(frozen=True)
class DocPath:
    """A path into the stored JSON document (``("metadata", "ic", "origin")``); ``many``: a list of strings."""

    path: tuple[str, ...]
    kind: FieldKind = FieldKind.STRING
    many: bool = False


@dataclass(frozen=True)
class LinkColumn:
    """A column of the kind's link table (class terms: ``term_id``; user orgs: ``org_id``, ``role``):
    many values per object."""

    name: str
    kind = FieldKind.STRING
    many = True


@dataclass(frozen=True)
class UserLegacyId:
    """The 1.1 id (``users.legacy_id``) of the user a reference column names (IC-IDS: 1.1 references to users
    carry the role prefix, stored ids do not)."""

    column: str
    kind = FieldKind.STRING
    many = False


Location = Column | DocPath | LinkColumn | UserLegacyId


@lru_cache(maxsize=1024)  # bounded: filters may name any metadata.* path
def field_of(kind: str, location: Location) -> Field:
    """The SQL of a field of ``kind`` at ``location`` (built once per kind and location)."""
    table = KINDS[kind].table
    if isinstance(location, Column):
        return Field(table.c[location.name], location.kind)
    if isinstance(location, DocPath):
        if location.many:
            return Field(json_text(table.c.doc, location.path), location.kind, many=True,
                         doc=table.c.doc, path=location.path)
        if location.kind is FieldKind.NUMBER:
            return Field(json_number(table.c.doc, location.path), location.kind)
        return Field(json_text(table.c.doc, location.path), location.kind)
    if isinstance(location, LinkColumn):
        link, foreign_key = LINK_TABLES[kind]
        return Field(link.c[location.name], location.kind, many=True,
                     link=(link, link.c[foreign_key], table.c.sourced_id))
    users = KINDS["users"].table
    legacy = (sa.select(users.c.legacy_id)
              .where(users.c.tenant == table.c.tenant, users.c.sourced_id == table.c[location.column])
              .scalar_subquery())
    return Field(legacy, location.kind)
