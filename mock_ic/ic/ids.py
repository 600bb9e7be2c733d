"""IC-IDS: how OneRoster 1.1 names users.

A 1.1 user id is the person id with its role prefix (``s12345`` a student, ``t678`` a teacher); 1.2
ids have no prefix, and each user keeps its 1.1 id in ``metadata.ic.legacySourcedId``. Once stored,
that kept id is what maps one to the other (the store looks it up); before anything is stored (a
CSV bundle being read) the prefix is the mapping.
"""

from __future__ import annotations

import re

PREFIXES = {"student": "s", "teacher": "t"}
_PREFIXED = re.compile(r"[st](\d+)", re.ASCII)


def legacy_user_id(role: str, person_id: str) -> str:
    """The 1.1 id of a person in ``role``: ``("student", "1001")`` -> ``s1001``; other roles have no prefix."""
    return PREFIXES.get(role, "") + person_id


def canonical_user_id(user_id: str) -> str:
    """The person a role-prefixed 1.1 id names: ``s1001``/``t501`` -> ``1001``/``501``; any other id as it is."""
    match = _PREFIXED.fullmatch(user_id)
    return match.group(1) if match else user_id


def shown_in_1p1(sourced_id: str, stored: str | None) -> str:
    """The id 1.1 shows for a user: its stored 1.1 id; a user stored without one (written through 1.2
    with no IC metadata) keeps its own."""
    return stored or sourced_id


def named_in_1p1(given: str, stored: str | None) -> str:
    """The user a 1.1 request names by ``given``: the one whose stored 1.1 id it is (``stored``); an id no
    user carries is kept as given, so the 404 names it as the client sent it."""
    return stored or given
