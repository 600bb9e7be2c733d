"""Workers agree (issue 13): a tenant created or changed through one worker is usable on every worker at once.

Each worker keeps the tenants in memory (token checks run on the event loop); every tenant write bumps a
generation number in the database, and ``TenantRegistry.refresh()`` (once per request) reloads when it moved.
Two registries over one database stand for two workers; a served ``--workers 2`` process proves it end to end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_ic.control.tenants import TenantRegistry
from mock_ic.ic.settings import TenantSettings
from mock_ic.store.engine import Database

SMALL = {"seed": 5, "schools": 1, "students": 20, "teachers": 2, "courses": 2, "classes": 4}  # quick to seed


@pytest.fixture
def two_workers(tmp_path: Path) -> tuple[TenantRegistry, TenantRegistry]:
    """Two registries, each with its own engine, over one SQLite file: what two worker processes hold."""
    url = f"sqlite:///{tmp_path / 'mock-ic.sqlite3'}"
    first, second = Database(url), Database(url)
    first.create_schema()
    registries = TenantRegistry(first), TenantRegistry(second)
    for registry in registries:
        registry.load()
    yield registries
    first.dispose()
    second.dispose()


def test_refresh_sees_a_tenant_created_through_another_worker(two_workers: tuple[TenantRegistry, ...]) -> None:
    a, b = two_workers
    created = a.create("other-worker", recipe=SMALL)
    assert b.get("other-worker") is None  # b has not looked yet: this is what refresh() is for
    assert b.refresh() is True
    assert b.get("other-worker") == created
    assert b.by_client_id(created.client_id) == created
    assert b.refresh() is False  # nothing changed since: no reload


def test_refresh_sees_settings_and_grading_windows_changed_through_another_worker(
        two_workers: tuple[TenantRegistry, ...]) -> None:
    a, b = two_workers
    a.create("settings-worker", recipe=SMALL)
    b.refresh()
    a.update_settings("settings-worker", TenantSettings(token_lifetime=60, closed_grading_periods=("gp-1",)))
    b.refresh()
    seen = b.get("settings-worker")
    assert seen is not None
    assert seen.settings.token_lifetime == 60
    assert seen.settings.closed_grading_periods == ("gp-1",)
    b.update_settings("settings-worker", TenantSettings())  # and back, through the other one
    assert a.refresh() is True
    seen_by_a = a.get("settings-worker")
    assert seen_by_a is not None and seen_by_a.settings == TenantSettings()


def test_refresh_forgets_a_tenant_deleted_through_another_worker(two_workers: tuple[TenantRegistry, ...]) -> None:
    a, b = two_workers
    created = a.create("deleted-worker", recipe=SMALL)
    b.refresh()
    a.delete("deleted-worker")
    assert b.refresh() is True
    assert b.get("deleted-worker") is None
    assert b.by_client_id(created.client_id) is None
    assert "deleted-worker" not in {t.app_name for t in b.all()}


def test_a_worker_changing_a_tenant_another_worker_deleted_is_told_so(
        two_workers: tuple[TenantRegistry, ...]) -> None:
    a, b = two_workers
    a.create("gone-worker", recipe=SMALL)
    b.refresh()
    a.delete("gone-worker")
    with pytest.raises(KeyError):  # b still held it in memory; the database no longer has it
        b.update_settings("gone-worker", TenantSettings(token_lifetime=60))
    assert b.get("gone-worker") is None


def test_a_refused_create_changes_nothing_another_worker_sees(two_workers: tuple[TenantRegistry, ...]) -> None:
    a, b = two_workers
    a.create("twice", recipe=SMALL)
    b.refresh()
    with pytest.raises(ValueError, match="exists"):
        b.create("twice", recipe=SMALL)
    assert a.refresh() is False  # the refused write was rolled back, generation bump and all


def test_refresh_on_an_in_memory_database() -> None:
    db = Database("sqlite:///:memory:")
    db.create_schema()
    a, b = TenantRegistry(db), TenantRegistry(db)
    a.load()
    b.load()
    a.create("in-memory", recipe=SMALL)
    assert b.refresh() is True
    assert b.get("in-memory") is not None
    db.dispose()
