"""The live parts of one server: settings, database, tenants and token service.

The path middleware puts the Runtime into every ASGI scope, so handlers and security functions
find it without module-level globals (several apps can live in one process, e.g. in tests).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mock_ic.settings import Settings
from mock_ic.store import server_meta
from mock_ic.store.engine import Database

if TYPE_CHECKING:
    from mock_ic.control.tenants import TenantRegistry
    from mock_ic.control.tokens import TokenService

SCOPE_KEY = "mock_ic.control.runtime"


@dataclass
class Runtime:
    settings: Settings
    db: Database
    tenants: TenantRegistry
    tokens: TokenService
    clock_offset: float = 0.0  # seconds added to the wall clock (token expiry tests)
    extras: dict[str, Any] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)  # "METHOD path -> status" of each 5xx sent

    def clock(self) -> float:
        return time.time() + self.clock_offset


def runtime_of(scope: Any) -> Runtime:
    return scope[SCOPE_KEY]


def signing_secret(db: Database) -> str:
    """The server's token-signing secret, created once and shared by every worker via the database."""
    with db.write() as conn:
        return server_meta.setdefault(conn, "token_secret", lambda: secrets.token_urlsafe(32))
