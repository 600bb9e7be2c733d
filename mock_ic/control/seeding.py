"""A tenant's documents seeded from its district recipe, straight into the store a batch at a time.

``seed.stream`` hands the documents over as it makes them, so a district-sized recipe (fixtures/districts/
large.yaml: 1.4 million documents) never sits whole in memory; each batch is one executemany
(``documents.bulk_load``). Creating a tenant, resetting it and ``mock-ic seed`` all come through here, inside
the caller's write transaction: readers see the old district or the new one, never half of one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from mock_ic.control import seed
from mock_ic.store import documents

if TYPE_CHECKING:
    from mock_ic.store import Connection

Progress = Callable[[str, int], None]  # (kind, documents just written)


def load(conn: Connection, tenant: str, recipe: seed.Recipe, *, today: date,
         progress: Progress | None = None) -> int:
    """Write the district ``recipe`` generates for ``today`` as the tenant's documents; returns how many."""
    def write(kind: str, docs: list[dict[str, Any]]) -> None:
        documents.bulk_load(conn, tenant, {kind: docs})
        if progress is not None:
            progress(kind, len(docs))

    return sum(seed.stream(recipe, today=today, write=write).values())
