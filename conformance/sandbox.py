"""Safe against a real district: what the kit writes, it names, confines and removes.

- every object the kit creates has a sourcedId starting with :data:`PREFIX` (and a title starting
  with :data:`TITLE_PREFIX` where a title shows in a teacher's grade book);
- it lives in the one class the user names (``--sandbox-class``);
- it is deleted at the end of the run, results before line items before categories, and
  ``mock-ic conformance --cleanup`` deletes whatever an interrupted run left;
- the kit never modifies or deletes an object whose sourcedId lacks the prefix: :meth:`Sandbox.owns`
  is asked before every write, and :func:`cleanup_class` only ever deletes prefixed objects.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.client import OneRosterClient

PREFIX = "mockic-kit-"
TITLE_PREFIX = "KIT "
# The order objects are removed in: nothing refers to a result; results refer to line items, line
# items to categories.
CLEANUP_ORDER = ("results", "lineItems", "categories")


class NotOurs(ValueError):
    """A write the kit was about to make to an object it did not create."""


@dataclass
class Sandbox:
    class_id: str
    run_id: str = field(default_factory=lambda: secrets.token_hex(3))
    created: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in CLEANUP_ORDER})
    _counter: itertools.count = field(default_factory=itertools.count, repr=False)

    def new_id(self, kind: str) -> str:
        """A fresh sourcedId for an object of ``kind`` this run will create (and remember)."""
        sourced_id = f"{PREFIX}{self.run_id}-{kind}-{next(self._counter)}"
        self.created.setdefault(kind, []).append(sourced_id)
        return sourced_id

    @staticmethod
    def owns(sourced_id: str) -> bool:
        return str(sourced_id).startswith(PREFIX)

    def check_ours(self, sourced_id: str) -> None:
        if not self.owns(sourced_id):
            raise NotOurs(f"the kit never writes to an object it did not create: {sourced_id!r} "
                          f"lacks the {PREFIX!r} prefix")

    def cleanup(self, client: OneRosterClient) -> list[str]:
        """Delete what this run created; the problems met (already gone is not one)."""
        return _delete_all(client, {kind: list(ids) for kind, ids in self.created.items()})


def leftovers(client: OneRosterClient, class_id: str) -> dict[str, list[str]]:
    """The kit's objects still in the class (an interrupted run's), by kind."""
    found: dict[str, list[str]] = {}
    listings = {"results": client.class_results, "lineItems": client.class_line_items,
                "categories": client.class_categories}
    for kind in CLEANUP_ORDER:
        found[kind] = [o["sourcedId"] for o in listings[kind](class_id) if Sandbox.owns(o["sourcedId"])]
    return found


def cleanup_class(client: OneRosterClient, class_id: str) -> tuple[int, list[str]]:
    """``--cleanup``: delete every object of the kit in the class; (how many, the problems met)."""
    found = leftovers(client, class_id)
    return sum(len(ids) for ids in found.values()), _delete_all(client, found)


def _delete_all(client: OneRosterClient, ids_by_kind: dict[str, list[str]]) -> list[str]:
    from conformance.client_errors import NotFound, OneRosterError

    problems = []
    for kind in CLEANUP_ORDER:
        for sourced_id in ids_by_kind.get(kind, []):
            if not Sandbox.owns(sourced_id):  # never, by construction; checked anyway
                continue
            try:
                client.delete(f"{kind}/{sourced_id}")
            except NotFound:
                pass
            except OneRosterError as error:
                problems.append(f"{kind}/{sourced_id}: {error}")
    return problems
