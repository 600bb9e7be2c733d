"""The live parts of one server: settings, database, tenants, token service, fault rules, load gate.

The context middleware puts the Runtime into every request's context (``request_context``), so
handlers and security functions find it without module-level globals (several apps can live in one
process, e.g. in tests).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mock_ic.control.clock import SharedClock
from mock_ic.control.faults.book import FaultBook
from mock_ic.control.faults.load import InFlight
from mock_ic.settings import Settings
from mock_ic.store import server_meta
from mock_ic.store.engine import Database

if TYPE_CHECKING:
    from mock_ic.control.tenants import TenantRegistry
    from mock_ic.control.tokens import TokenService


_GENERATIONS = (server_meta.TENANTS_GENERATION, server_meta.CLOCK_GENERATION, server_meta.FAULTS_GENERATION)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    tenants: TenantRegistry
    tokens: TokenService
    in_flight: InFlight = field(default_factory=InFlight)  # IC-LOAD: requests in flight per tenant, per server
    server_errors: list[str] = field(default_factory=list)  # "METHOD path -> status" of each 5xx sent
    shared_clock: SharedClock = field(init=False)  # the wall clock plus an offset every worker shares
    faults: FaultBook = field(init=False)  # FAULT-RULES: rules, counters and revocations every worker shares
    _generations: server_meta.CounterReader = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.shared_clock = SharedClock(self.db)
        self.faults = FaultBook(self.db)
        self._generations = server_meta.CounterReader(self.db, *_GENERATIONS)

    def clock(self) -> float:
        return self.shared_clock.now()

    @property
    def clock_offset(self) -> float:
        """Seconds the server's clock is ahead of the wall clock (token expiry tests)."""
        return self.shared_clock.offset

    @clock_offset.setter
    def clock_offset(self, offset: float) -> None:
        self.shared_clock.set(offset)

    def refresh(self) -> None:
        """Catch up with what another worker may have changed: the tenants, the clock, the fault rules (one
        read of their generation numbers; a part is reloaded only when its number moved)."""
        stored = self._generations.read_all()
        self.tenants.refresh(stored[server_meta.TENANTS_GENERATION])
        self.shared_clock.refresh(stored[server_meta.CLOCK_GENERATION])
        self.faults.refresh(stored[server_meta.FAULTS_GENERATION])


def signing_secret(db: Database) -> str:
    """The server's token-signing secret, created once and shared by every worker via the database."""
    with db.write() as conn:
        return server_meta.setdefault(conn, "token_secret", lambda: secrets.token_urlsafe(32))
