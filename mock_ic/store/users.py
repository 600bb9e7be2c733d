"""Users by their 1.1 ids: the ``legacy_id`` column holds each user's ``metadata.ic.legacySourcedId`` (IC-IDS)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from mock_ic.store.tables import TABLES


def legacy_ids(conn: sa.Connection, tenant: str, user_ids: Iterable[str]) -> dict[str, str | None]:
    """canonical user id -> its stored 1.1 id (None when it has none), for those of ``user_ids`` that exist."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    users = TABLES["users"]
    rows = conn.execute(sa.select(users.c.sourced_id, users.c.legacy_id)
                        .where(users.c.tenant == tenant, users.c.sourced_id.in_(ids)))
    return {sid: legacy for sid, legacy in rows}


def with_legacy_id(conn: sa.Connection, tenant: str, legacy_id: str) -> str | None:
    """The canonical id of the user whose 1.1 id is ``legacy_id``; None when no user has it."""
    users = TABLES["users"]
    return conn.execute(sa.select(users.c.sourced_id)
                        .where(users.c.tenant == tenant, users.c.legacy_id == legacy_id)).scalar_one_or_none()
