"""OneRoster 1.1 as a view of the canonical 1.2 documents, and 1.1 input as canonical documents.

One store, one form: a line item written through 1.1 and read through 1.2 is the same object by
construction (DESIGN.md, Data). IC-IDS: 1.1 user ids carry the role prefix kept in
``metadata.ic.legacySourcedId``; references to users are rewritten both ways.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import orjson

from mock_ic.ic import ids
from mock_ic.store import users
from mock_ic.store.refs import HREF_BASES, href

if TYPE_CHECKING:
    from mock_ic.store import Connection

V1P2_BASES = tuple(f"{base}/" for base in HREF_BASES.values())
V1P1_BASE = "/ims/oneroster/v1p1/"

# 1.2 role -> 1.1 role vocabulary (administrator, aide, guardian, parent, proctor, relative, student, teacher)
_ROLE_1P1 = {
    "districtAdministrator": "administrator", "siteAdministrator": "administrator",
    "systemAdministrator": "administrator", "principal": "administrator", "counselor": "aide",
}
# Fields 1.2 has and 1.1 does not, per kind.
_ONLY_1P2: dict[str, tuple[str, ...]] = {
    "users": ("roles", "primaryOrg", "userProfiles", "preferredFirstName", "preferredMiddleName",
              "preferredLastName", "pronouns", "userMasterIdentifier", "resources"),
    "lineItems": ("school", "academicSession", "scoreScale", "learningObjectiveSet"),
    "results": ("textScore", "class", "inProgress", "incomplete", "late", "missing", "scoreScale",
                "learningObjectiveSet"),
    "categories": ("weight",),
    "classes": ("resources",),
    "courses": ("resources",),
}
# Where 1.2 documents refer to users (1.1 shows those ids with their role prefix).
_USER_REFS: dict[str, tuple[str, ...]] = {"enrollments": ("user",), "results": ("student",), "users": ("agents",)}


def legacy_ids(conn: Connection, tenant: str, user_ids: Iterable[str]) -> dict[str, str]:
    """canonical user id -> the id 1.1 shows for it (IC-IDS), for the given users that exist."""
    return {sid: ids.shown_in_1p1(sid, legacy) for sid, legacy in users.legacy_ids(conn, tenant, user_ids).items()}


def canonical_user_id(conn: Connection, tenant: str, legacy: str) -> str:
    """A 1.1 user id (``s12345``) -> the canonical id (``12345``); unknown ids pass through unchanged (IC-IDS)."""
    return ids.named_in_1p1(legacy, users.with_legacy_id(conn, tenant, legacy))


def _referenced_users(kind: str, doc: dict[str, Any]) -> list[str]:
    out = [doc["sourcedId"]] if kind == "users" else []
    for field in _USER_REFS.get(kind, ()):
        value = doc.get(field)
        refs = value if isinstance(value, list) else [value] if value else []
        out += [r["sourcedId"] for r in refs]
    return out


def render_texts(conn: Connection, tenant: str, kind: str, texts: list[str]) -> list[str]:
    """Stored 1.2 texts -> 1.1 texts (hrefs still server-relative, on the 1.1 base)."""
    docs = [orjson.loads(t) for t in texts]
    legacy = legacy_ids(conn, tenant, (u for d in docs for u in _referenced_users(kind, d)))
    return [_relink(orjson.dumps(render(kind, d, legacy)).decode()) for d in docs]


def render(kind: str, doc: dict[str, Any], legacy: dict[str, str]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in _ONLY_1P2.get(kind, ())}
    if kind == "users":
        out["sourcedId"] = legacy.get(doc["sourcedId"], doc["sourcedId"])
        roles = doc.get("roles") or []
        primary = next((r for r in roles if r.get("roleType") == "primary"), roles[0] if roles else None)
        out["role"] = _ROLE_1P1.get(primary["role"], primary["role"]) if primary else "student"
        out["orgs"] = list({r["org"]["sourcedId"]: r["org"] for r in roles}.values())
    for field in _USER_REFS.get(kind, ()):
        value = out.get(field)
        if isinstance(value, list):
            out[field] = [_user_ref(r, legacy) for r in value]
        elif value:
            out[field] = _user_ref(value, legacy)
    return out


def _user_ref(ref: dict[str, str], legacy: dict[str, str]) -> dict[str, str]:
    sid = legacy.get(ref["sourcedId"], ref["sourcedId"])
    return {**ref, "sourcedId": sid, "href": href("users", sid)}


def _relink(text: str) -> str:
    for base in V1P2_BASES:
        text = text.replace(f'"href":"{base}', f'"href":"{V1P1_BASE}')
    return text


def input_user_refs(conn: Connection, tenant: str, body: dict[str, Any], fields: Iterable[str]) -> None:
    """1.1 input names users by their prefixed ids: rewrite those references to canonical ids in place."""
    for field in fields:
        value = body.get(field)
        if isinstance(value, dict) and isinstance(value.get("sourcedId"), str):
            body[field] = {**value, "sourcedId": canonical_user_id(conn, tenant, value["sourcedId"])}
