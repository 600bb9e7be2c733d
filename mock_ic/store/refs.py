"""GUIDRefs as stored: complete, with a server-relative href on the kind's 1.2 base (docs/data-model.md)."""

from __future__ import annotations

from urllib.parse import quote

from mock_ic.store.tables import KINDS

HREF_BASES = {"rostering": "/ims/oneroster/rostering/v1p2", "gradebook": "/ims/oneroster/gradebook/v1p2"}
_PCHAR = "-._~!$&'()*+,;=:@"  # what RFC 3986 lets a path segment hold as it is, besides letters and digits


def ref(kind: str, sourced_id: str) -> dict[str, str]:
    """``ref("classes", "123")`` -> ``{"href": "/ims/oneroster/rostering/v1p2/classes/123", ...}``."""
    return {"href": href(kind, sourced_id), "sourcedId": sourced_id, "type": KINDS[kind].type}


def href(kind: str, sourced_id: str) -> str:
    """Where the object is: its sourcedId percent-encoded as a path segment, so that any sourcedId (a space, '#',
    '?', a non-ASCII letter) makes a URI, as the 1EdTech schemas' ``format: uri`` requires, that leads back to it."""
    return f"{HREF_BASES[KINDS[kind].service]}/{kind}/{quote(sourced_id, safe=_PCHAR)}"
