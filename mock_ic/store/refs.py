"""GUIDRefs as stored: complete, with a server-relative href on the kind's 1.2 base (docs/data-model.md)."""

from __future__ import annotations

from mock_ic.store.tables import KINDS

HREF_BASES = {"rostering": "/ims/oneroster/rostering/v1p2", "gradebook": "/ims/oneroster/gradebook/v1p2"}


def ref(kind: str, sourced_id: str) -> dict[str, str]:
    """``ref("classes", "123")`` -> ``{"href": "/ims/oneroster/rostering/v1p2/classes/123", ...}``."""
    spec = KINDS[kind]
    return {"href": f"{HREF_BASES[spec.service]}/{kind}/{sourced_id}", "sourcedId": sourced_id, "type": spec.type}
