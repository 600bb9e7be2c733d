"""The writer thread: exchanges are stored in batches, off the event loop, after their answer went out.

A server (one :class:`Runtime`) has one :class:`Recorder`. The capture middleware
(``mock_ic.edge.request_capture``) hands it each exchange; a daemon thread takes whatever is queued,
waiting up to :data:`LINGER` for more once it has one (up to :data:`BATCH`), files and redacts it
(``entry``), compresses its bodies (``bodies``; faster when it is :data:`BEHIND`) and inserts the
batch in one transaction, pruning each tenant to its newest
``keep`` entries every ``prune_every`` inserts. It never changes or delays an answer, and a failure
to record is a warning that holds no secret.

Reads of the log first wait (:func:`flush`) for this process's pending entries, so a request
answered before a read is in it. With ``--workers`` > 1 another worker's entries become visible
when its writer commits them, a few milliseconds later.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

from mock_ic.control.request_log import bodies
from mock_ic.control.request_log.entry import Captured, row_of, tenants_of
from mock_ic.store import request_log as store

if TYPE_CHECKING:
    from mock_ic.control.runtime import Runtime
    from mock_ic.store import Connection
    from mock_ic.store.engine import Database

log = logging.getLogger("mock_ic.control.request_log")

DEFAULT_KEEP = 5000  # entries kept per tenant
PRUNE_EVERY = 100  # inserts of a tenant between two prunings
BATCH = 200  # entries written in one transaction at most
LINGER = 0.005  # seconds the writer waits for more entries once it has one (a log read waits at most this more)
# A batch this large means the writer is behind: it compresses at bodies.FAST (a third of the CPU of
# bodies.LEVEL on OneRoster pages) until it has caught up.
BEHIND = 50

_recorders: weakref.WeakSet[Recorder] = weakref.WeakSet()


class Recorder:
    """Writes the exchanges of one server (runtime) to its database; keeps each tenant's newest ``keep``.

    :meth:`submit` queues an exchange and returns at once; a daemon writer thread takes whatever is
    queued (up to :data:`BATCH`), redacts it and inserts it in one transaction. Under load that is
    one commit for many requests, and no thread hop per request on the event loop.
    """

    def __init__(self, runtime: Runtime, *, keep: int = DEFAULT_KEEP, prune_every: int = PRUNE_EVERY) -> None:
        if keep < 1 or prune_every < 1:
            raise ValueError(f"keep and prune_every must be >= 1, got {keep} and {prune_every}")
        self.runtime = runtime
        self.keep = keep
        self.prune_every = prune_every
        self._inserts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._read_token = runtime.tokens.read  # checks each token's signature once (TokenService)
        self._queue: queue.SimpleQueue[Captured] = queue.SimpleQueue()
        self._pending = 0  # submitted, not yet written (or given up)
        self._settled = threading.Condition()
        self._writer: threading.Thread | None = None
        _recorders.add(self)

    # -- the writer thread -------------------------------------------------------------------------------

    def reserve(self, exchange: Captured) -> None:
        """Count the exchange as pending before its answer is complete (a client may ask for its entry
        the moment it has the answer)."""
        with self._settled:
            self._pending += 1

    def submit(self, exchange: Captured) -> None:
        """Queue the exchange for the writer thread (never blocks, never raises for a bad exchange)."""
        with self._settled:
            if not exchange.reserved:
                self._pending += 1
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write_forever, name="mock-ic-request-log", daemon=True)
                self._writer.start()
        self._queue.put(exchange)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every exchange submitted so far is written (or given up); False on timeout."""
        with self._settled:
            return self._settled.wait_for(lambda: self._pending == 0, timeout=timeout)

    def _write_forever(self) -> None:
        while True:
            batch = [self._queue.get()]
            # Wait a moment for the entries of the requests being answered right now: one transaction
            # for a burst instead of one per entry (a transaction cost more than the entry it wrote:
            # 0.5 ms of CPU per PUT entry with a batch per entry; BENCHMARKS.md "Serving core").
            linger_until = time.monotonic() + LINGER
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get(timeout=max(0.0, linger_until - time.monotonic())))
                except queue.Empty:
                    break
            try:
                self.record_many(batch)
            except Exception as exc:
                for exchange in batch:
                    _warn(exchange, exc)
            finally:
                with self._settled:
                    self._pending -= len(batch)
                    self._settled.notify_all()

    # -- writing -------------------------------------------------------------------------------------------

    def record_many(self, exchanges: list[Captured]) -> int:
        """Store the exchanges in one transaction; how many belonged to a tenant (and were stored)."""
        rows = self._rows(exchanges, bodies.FAST if len(exchanges) >= BEHIND else bodies.LEVEL)
        if rows:
            with self.runtime.db.write() as conn:
                store.insert_many(conn, rows)
                self._prune(conn, rows)
        return len(rows)

    def _rows(self, exchanges: list[Captured], level: int) -> list[dict[str, Any]]:
        rows = []
        for exchange in exchanges:
            involved = tenants_of(exchange, self.runtime.tenants, self._read_token)
            if involved:
                rows.append(row_of(exchange, involved, self._is_token, level))
        return rows

    def _is_token(self, text: str) -> bool:
        return self._read_token(text) is not None

    def _prune(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Every ``prune_every`` inserts of a tenant; the first insert of a tenant in this process too
        (the table outlives processes)."""
        due: set[str] = set()
        with self._lock:
            for row in rows:
                count = self._inserts.get(row["tenant"], 0)
                self._inserts[row["tenant"]] = count + 1
                if count % self.prune_every == 0:
                    due.add(row["tenant"])
        for tenant in sorted(due):
            store.prune(conn, tenant, self.keep)


def _warn(exchange: Captured, exc: Exception) -> None:
    # Only what cannot hold a secret: not the exception's text (a database error quotes the row), not
    # the path or query (a client may put anything there).
    log.warning("request log: could not record a %s request (operation %s, status %s): %s",
                exchange.method, exchange.operation_id or "unknown", exchange.answered_status,
                type(exc).__name__)


def flush(db: Database, timeout: float = 10.0) -> bool:
    """Wait until this process's recorders on ``db`` have written what they were given (see module doc)."""
    return all(recorder.flush(timeout) for recorder in list(_recorders) if recorder.runtime.db is db)
