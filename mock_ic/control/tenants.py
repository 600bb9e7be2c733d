"""Tenants (IC-TENANT): one Infinite Campus application connection each — credentials, settings, data.

The registry keeps the tenants in memory (token checks run on the event loop and must not touch
the database) and in the ``mock_tenants`` table, the source of truth shared by every worker; a
generation number stored with them tells each worker when to reload (:meth:`TenantRegistry.refresh`).
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from mock_ic.control import seed, seeding
from mock_ic.control.stored_copy import StoredCopy
from mock_ic.ic.settings import TenantSettings
from mock_ic.store import documents, fault_rules, server_meta, snapshots, tenant_rows
from mock_ic.store.engine import Database

__all__ = ["DEMO_APP", "DEMO_CREDENTIALS", "Tenant", "TenantExists", "TenantRegistry", "TenantSettings"]

DEMO_APP = "demo"
DEMO_CREDENTIALS = {
    "client_id": "mock-ic-demo",
    "client_secret": "mock-ic-demo-secret",
    "vendor_key": "mock-ic-vendor",
    "vendor_secret": "mock-ic-vendor-secret",
}


@dataclass(frozen=True)
class Tenant:
    app_name: str
    client_id: str
    client_secret: str
    vendor_key: str
    vendor_secret: str
    settings: TenantSettings = field(default_factory=TenantSettings)
    recipe: dict[str, Any] = field(default_factory=lambda: {"name": "demo"})

    def public(self) -> dict[str, Any]:
        """The tenant as shown to its owner (admin API, CLI) — secrets included, never logged."""
        return {
            "appName": self.app_name,
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "vendorKey": self.vendor_key,
            "vendorSecret": self.vendor_secret,
            "settings": self.settings.to_dict(),
            "recipe": self.recipe,
        }


class TenantExists(ValueError):
    pass


# What an appName may be: it is a path segment of every URL of the tenant. The admin API declares the same pattern
# (openapi/mock-admin.yaml, TenantCreate; a test keeps the two equal); `mock-ic seed` checks it here.
APP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class TenantRegistry(StoredCopy):
    """The tenants of one worker, in memory, kept equal to the ``mock_tenants`` table.

    Every tenant write bumps a generation number in the same transaction (``tenant_rows``); :meth:`refresh`,
    called once per request before the tenant is resolved, reads that number (one primary-key read, a few
    µs on SQLite) and reloads the table only when it moved. A tenant created or changed through any worker
    is therefore seen by every worker from its next request on. Reads (:meth:`get`, :meth:`by_client_id`)
    never touch the database: the token check runs on the event loop.
    """

    def __init__(self, db: Database) -> None:
        super().__init__(db, server_meta.TENANTS_GENERATION)
        self._lock = threading.Lock()  # one reload at a time, so a slower, older one never lands last
        self._by_app: dict[str, Tenant] = {}
        self._by_client: dict[str, Tenant] = {}

    def load(self) -> None:
        """Read every tenant from the database (at start, and whenever the generation moved)."""
        with self._lock, self._db.read() as conn:
            # The generation first: rows read after it in this transaction are at least that new, never older.
            generation = tenant_rows.generation(conn)
            rows = tenant_rows.all_rows(conn)
            by_app = {row["app_name"]: _from_row(row) for row in rows}
            # Readers on other threads see the old maps or the new ones, never a half-built one.
            self._by_app, self._by_client = by_app, {t.client_id: t for t in by_app.values()}
            self._generation = generation

    @property
    def generation(self) -> int:
        """The stored tenants generation the registry reflects (-1 before the first load)."""
        return self._generation

    def get(self, app_name: str) -> Tenant | None:
        return self._by_app.get(app_name)

    def by_client_id(self, client_id: str) -> Tenant | None:
        return self._by_client.get(client_id)

    def all(self) -> list[Tenant]:
        return sorted(self._by_app.values(), key=lambda t: t.app_name)

    def create(self, app_name: str, *, credentials: dict[str, str] | None = None,
               settings: TenantSettings | None = None, recipe: dict[str, Any] | str = "demo",
               today: date | None = None, progress: seeding.Progress | None = None) -> Tenant:
        """Create the tenant and seed its district in one transaction (streamed: mock_ic/control/seeding.py)."""
        creds = {k: secrets.token_urlsafe(24) for k in DEMO_CREDENTIALS} | {"client_id": f"{app_name}-client"}
        creds |= credentials or {}
        recipe_dict = {"name": recipe} if isinstance(recipe, str) else dict(recipe)
        tenant = Tenant(app_name=app_name, settings=settings or TenantSettings(), recipe=recipe_dict, **creds)
        district = seed.from_stored(recipe_dict)  # an invalid recipe is refused before anything is written
        with self._db.write() as conn:
            if tenant_rows.clashes(conn, app_name, tenant.client_id):
                raise TenantExists(f"A tenant with appName {app_name!r} or clientId {tenant.client_id!r} exists")
            tenant_rows.insert(conn, _to_row(tenant))
            seeding.load(conn, app_name, district, today=today or date.today(), progress=progress)
            self._db.analyze(conn)
        self.load()
        return tenant

    def update_settings(self, app_name: str, settings: TenantSettings) -> Tenant:
        tenant = replace(self._require(app_name), settings=settings)
        with self._db.write() as conn:
            found = tenant_rows.set_settings(conn, app_name, settings.to_dict())
        self.load()
        if not found:  # deleted through another worker since this one last loaded
            raise KeyError(app_name)
        return tenant

    def delete(self, app_name: str) -> None:
        self._require(app_name)
        with self._db.write() as conn:
            documents.drop_tenant(conn, app_name)
            snapshots.drop_tenant(conn, app_name)
            fault_rules.drop_tenant(conn, app_name)
            tenant_rows.delete(conn, app_name)
        self.load()

    def _require(self, app_name: str) -> Tenant:
        tenant = self.get(app_name)
        if tenant is None:
            raise KeyError(app_name)
        return tenant


def _to_row(tenant: Tenant) -> dict[str, Any]:
    return {
        "app_name": tenant.app_name,
        "client_id": tenant.client_id,
        "client_secret": tenant.client_secret,
        "vendor_key": tenant.vendor_key,
        "vendor_secret": tenant.vendor_secret,
        "settings": tenant.settings.to_dict(),
        "recipe": tenant.recipe,
        "created_at": documents.now_stamp(),
    }


def _from_row(row: dict[str, Any]) -> Tenant:
    return Tenant(
        app_name=row["app_name"],
        client_id=row["client_id"],
        client_secret=row["client_secret"],
        vendor_key=row["vendor_key"],
        vendor_secret=row["vendor_secret"],
        settings=TenantSettings.from_stored(row["settings"]),
        recipe=row["recipe"],
    )
