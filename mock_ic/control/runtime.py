"""The live parts of one server: settings, database, tenants, token service, fault rules, load gate.

The context middleware puts the Runtime into every request's context (``request_context``), so
handlers and security functions find it without module-level globals (several apps can live in one
process, e.g. in tests).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mock_ic.control.faults.book import FaultBook
from mock_ic.control.faults.load import InFlight
from mock_ic.settings import Settings
from mock_ic.store import server_meta
from mock_ic.store.engine import Database

if TYPE_CHECKING:
    from mock_ic.control.tenants import TenantRegistry
    from mock_ic.control.tokens import TokenService


@dataclass
class Runtime:
    settings: Settings
    db: Database
    tenants: TenantRegistry
    tokens: TokenService
    clock_offset: float = 0.0  # seconds added to the wall clock (token expiry tests)
    faults: FaultBook = field(default_factory=FaultBook)  # FAULT-RULES: per process until issue 14
    in_flight: InFlight = field(default_factory=InFlight)  # IC-LOAD: requests in flight per tenant
    server_errors: list[str] = field(default_factory=list)  # "METHOD path -> status" of each 5xx sent

    def clock(self) -> float:
        return time.time() + self.clock_offset


def signing_secret(db: Database) -> str:
    """The server's token-signing secret, created once and shared by every worker via the database."""
    with db.write() as conn:
        return server_meta.setdefault(conn, "token_secret", lambda: secrets.token_urlsafe(32))
