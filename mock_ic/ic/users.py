"""IC-USERS: which users and enrollments IC serves at all.

Written as scopes (``mock_ic/store/scopes.py``) that the store compiles into every read of the kind,
nested endpoints and parent checks included.
"""

from __future__ import annotations

from mock_ic.store.scopes import AnyOf, IsNull, NotEq, Scope

# IC-USERS: no-show enrollments (metadata.ic.noShow "true", column no_show) are never returned, and
# nothing is reached through them (a no-show student is not among the class's students).
SHOWN_ENROLLMENTS: tuple[Scope, ...] = (AnyOf((IsNull("no_show"), NotEq("no_show", "true"))),)

# IC-USERS: users without an enabled portal account (metadata.ic.portalAccount "false", column portal)
# are absent in 1.1.
PORTAL_USERS: tuple[Scope, ...] = (AnyOf((IsNull("portal"), NotEq("portal", "false"))),)


def visible(kind: str, version: str) -> tuple[Scope, ...]:
    """The rows of ``kind`` a ``version`` connection is served (IC-USERS)."""
    if kind == "enrollments":
        return SHOWN_ENROLLMENTS
    if kind == "users" and version == "1.1":
        return PORTAL_USERS
    return ()
