"""What a worker keeps in memory from the database (the tenants, the fault rules, the clock's offset), kept equal
to it by a generation number that every write of those rows moves in the same transaction: a request costs one
primary-key read of the number (or none: ``control/runtime.py`` reads the three in one SELECT and passes each on),
and the rows are read again only when it moved, whichever server wrote.
"""

from __future__ import annotations

from mock_ic.store import server_meta
from mock_ic.store.engine import Database


class StoredCopy:
    """Subclasses read their rows in :meth:`load`, the generation number first in the same read transaction (the
    rows are then at least that new), and set ``self._generation`` to it."""

    def __init__(self, db: Database, counter: str) -> None:
        self._db = db
        self._stored_generation = server_meta.CounterReader(db, counter)
        self._generation = -1  # the stored generation the copy reflects; -1: not loaded yet

    def load(self) -> None:
        raise NotImplementedError

    def refresh(self, stored_generation: int | None = None) -> bool:
        """Load again when the rows changed (through any server) since the last load; whether they did.
        ``stored_generation``: the generation when the caller has just read it."""
        if stored_generation is None:
            stored_generation = self._stored_generation.read()
        if stored_generation == self._generation:
            return False
        self.load()
        return True
