"""The server's clock: the wall clock moved by an offset that every worker shares (``PUT /_mock/clock``).

Token expiry (IC-AUTH-TOKEN) is judged on it, so a test can age tokens without waiting. The offset is
stored in the database with a generation number, like the tenants (``control/tenants.py``): a worker reads
the number once per request (:meth:`SharedClock.refresh`, one primary-key read) and the offset only when
it moved. Being stored, the offset also outlives a restart; ``PUT /_mock/clock {"offsetSeconds": 0}``
puts the clock back.
"""

from __future__ import annotations

import time

from mock_ic.control.stored_copy import StoredCopy
from mock_ic.store import server_meta
from mock_ic.store.engine import Database


class SharedClock(StoredCopy):
    def __init__(self, db: Database) -> None:
        super().__init__(db, server_meta.CLOCK_GENERATION)
        self.offset = 0.0  # seconds added to the wall clock
        self.refresh()

    def now(self) -> float:
        return time.time() + self.offset

    def load(self) -> None:
        with self._db.read() as conn:
            self._generation = server_meta.generation(conn, server_meta.CLOCK_GENERATION)
            self.offset = float(server_meta.value(conn, server_meta.CLOCK_OFFSET) or 0.0)

    def set(self, offset: float) -> None:
        """Move the clock of every worker to the wall clock plus ``offset`` seconds."""
        with self._db.write() as conn:
            server_meta.put(conn, server_meta.CLOCK_OFFSET, repr(float(offset)))
            server_meta.bump(conn, server_meta.CLOCK_GENERATION)
        self.refresh()
