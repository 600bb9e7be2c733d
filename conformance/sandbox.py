"""Safe against a real district: what the kit writes, it names, confines and removes.

- every object the kit creates has a sourcedId starting with :data:`PREFIX` (and a title starting
  with :data:`TITLE_PREFIX` where a title shows in a teacher's grade book);
- it lives in the one class the user names (``--sandbox-class``);
- it is deleted at the end of the run, results before line items before categories, then (OneRoster
  1.2) assessment results before assessment line items before score scales, and
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
# items to categories (and, on 1.2, to score scales); assessment results to assessment line items, those
# to score scales and to their parent assessment line item.
CLEANUP_ORDER = ("results", "lineItems", "categories", "assessmentResults", "assessmentLineItems", "scoreScales")
ONLY_1P2 = frozenset({"assessmentResults", "assessmentLineItems", "scoreScales"})  # IC-LI-1P1-ONLY


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
        return delete_all(client, {kind: list(ids) for kind, ids in self.created.items()})


def leftovers(client: OneRosterClient, class_id: str) -> dict[str, list[str]]:
    """The kit's objects still in the class (an interrupted run's), by kind. An assessment result names
    no class: those of the kit's assessment line items of the class are its."""
    listings = {"results": client.class_results, "lineItems": client.class_line_items,
                "categories": client.class_categories}
    if client.version == "1.2":
        listings |= {"assessmentLineItems": client.class_assessment_line_items,
                     "scoreScales": client.class_score_scales}
    found = {kind: [o["sourcedId"] for o in listing(class_id) if Sandbox.owns(o["sourcedId"])]
             for kind, listing in listings.items()}
    if client.version == "1.2":
        found["assessmentResults"] = [result["sourcedId"] for item in found["assessmentLineItems"]
                                      for result in client.assessment_line_item_results(item)
                                      if Sandbox.owns(result["sourcedId"])]
    return {kind: found[kind] for kind in CLEANUP_ORDER if kind in found}


def cleanup_class(client: OneRosterClient, class_id: str) -> tuple[int, list[str]]:
    """``--cleanup``: delete every object of the kit in the class; (how many, the problems met)."""
    found = leftovers(client, class_id)
    return sum(len(ids) for ids in found.values()), delete_all(client, found)


def delete_all(client: OneRosterClient, ids_by_kind: dict[str, list[str]]) -> list[str]:
    """Delete the kit's objects kind by kind in :data:`CLEANUP_ORDER` (the 1.2 kinds only on 1.2); the
    problems met (already gone is not one). Within a kind, what was refused is tried again while each
    round deletes something: a parent assessment line item goes once its children are gone."""
    from conformance.client_errors import NotFound, OneRosterError

    problems = []
    for kind in CLEANUP_ORDER:
        if kind in ONLY_1P2 and client.version != "1.2":
            continue
        pending = [sid for sid in reversed(ids_by_kind.get(kind, [])) if Sandbox.owns(sid)]  # checked anyway
        refused: dict[str, str] = {}
        while pending:
            refused = {}
            for sourced_id in pending:
                try:
                    client.delete(f"{kind}/{sourced_id}")
                except NotFound:
                    pass
                except OneRosterError as error:
                    refused[sourced_id] = f"{kind}/{sourced_id}: {error}"
            if len(refused) == len(pending):
                break
            pending = list(refused)
        problems += refused.values()
    return problems
