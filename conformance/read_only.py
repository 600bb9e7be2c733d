"""``--oneroster-read-only``: a run against a production connection sends no write.

A suite's write that reaches a read-only run is a defect of the kit (a write test without the
``writes`` marker); it is refused before it leaves the process, never sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.client import OneRosterClient

WRITE_METHODS = frozenset({"PUT", "POST", "DELETE", "PATCH"})


class ReadOnlyViolation(AssertionError):
    """A write attempted in a read-only run."""


def refused(method: str, url: str) -> ReadOnlyViolation:
    return ReadOnlyViolation(f"{method} {url} attempted in a read-only run")


def refuse_writes(client: OneRosterClient) -> None:
    """The client raises before any write leaves the process (its token requests still go out)."""
    send = client._send

    def guarded(method: str, url: str, **kwargs: Any) -> Any:
        if method.upper() in WRITE_METHODS and url != client.token_url:
            raise refused(method, url)
        return send(method, url, **kwargs)

    client._send = guarded  # type: ignore[method-assign]
