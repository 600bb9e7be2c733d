"""Tenant state as a whole: export, reset to the seeded district, snapshot and restore (issue 5 groundwork)."""

from __future__ import annotations

from datetime import date

import pytest

from mock_ic.control import state
from mock_ic.control.runtime import Runtime
from mock_ic.control.tenants import Tenant
from mock_ic.store import documents

APP = "state-test"
TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def tenant(runtime: Runtime) -> Tenant:
    found = runtime.tenants.get(APP) or runtime.tenants.create(APP, recipe="demo", today=TODAY)
    return found


def _write_line_item(runtime: Runtime, sid: str) -> None:
    with runtime.db.write() as conn:
        klass = documents.all_docs(conn, APP, ["classes"])["classes"][0]
        documents.put(conn, APP, "categories", {"sourcedId": sid, "status": "active",
                                                 "dateLastModified": documents.now_stamp(), "title": sid,
                                                 "metadata": {"ic": {"class": klass["sourcedId"]}}})


def test_reset_after_writes_returns_the_exact_seeded_state(runtime: Runtime, tenant: Tenant) -> None:
    seeded = state.export(runtime.db, APP)
    _write_line_item(runtime, "written-after-seed")
    assert state.export(runtime.db, APP) != seeded
    state.reset(runtime.db, tenant, today=TODAY)
    assert state.export(runtime.db, APP) == seeded


def test_snapshot_and_restore_round_trip(runtime: Runtime, tenant: Tenant) -> None:
    _write_line_item(runtime, "before-snapshot")
    saved = state.save_snapshot(runtime.db, APP, "checkpoint")
    at_snapshot = state.export(runtime.db, APP)
    assert saved["documents"] == sum(len(v) for v in at_snapshot.values())
    _write_line_item(runtime, "after-snapshot")
    assert state.export(runtime.db, APP) != at_snapshot
    state.restore_snapshot(runtime.db, APP, "checkpoint")
    assert state.export(runtime.db, APP) == at_snapshot
    assert [s["name"] for s in state.list_snapshots(runtime.db, APP)] == ["checkpoint"]
    with pytest.raises(state.UnknownSnapshot):
        state.restore_snapshot(runtime.db, APP, "never-saved")
    assert state.export(runtime.db, APP) == at_snapshot


def test_snapshot_restores_in_batches_of_bounded_size(runtime: Runtime, tenant: Tenant,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A snapshot's documents are copied inside the database and read back a batch at a time (issue 17): with
    batches of 500 documents the restore is the same district."""
    from mock_ic.store import snapshots

    monkeypatch.setattr(snapshots, "BATCH", 500)
    _write_line_item(runtime, "batched")
    state.save_snapshot(runtime.db, APP, "batched")
    at_snapshot = state.export(runtime.db, APP)
    with runtime.db.read() as conn:
        sizes = [len(docs) for _, docs in snapshots.batches(conn, APP, "batched")]
    assert max(sizes) == 500 and sum(sizes) == sum(len(v) for v in at_snapshot.values())
    _write_line_item(runtime, "after-batched")
    assert state.restore_snapshot(runtime.db, APP, "batched") == sum(sizes)
    assert state.export(runtime.db, APP) == at_snapshot


def test_a_snapshot_taken_before_migration_0006_still_restores(runtime: Runtime, tenant: Tenant) -> None:
    """Snapshots of older releases hold their documents as one compressed blob; they restore as before."""
    import zlib

    import orjson
    import sqlalchemy as sa

    from mock_ic.store.tables import snapshots as snapshot_table

    district = state.export(runtime.db, APP)
    with runtime.db.write() as conn:
        conn.execute(sa.insert(snapshot_table).values(tenant=APP, name="old-release", created_at="2026-01-01",
                                                      data=zlib.compress(orjson.dumps(district))))
    _write_line_item(runtime, "after-old-release")
    assert state.restore_snapshot(runtime.db, APP, "old-release") == sum(len(v) for v in district.values())
    assert state.export(runtime.db, APP) == district


def test_export_json_streams_what_export_returns(runtime: Runtime, tenant: Tenant) -> None:
    """The admin API's export is written a batch of stored texts at a time (issue 17): the same documents."""
    import io

    import orjson

    out = io.BytesIO()
    state.export_json(runtime.db, APP, out)
    assert orjson.loads(out.getvalue()) == {"appName": APP, "documents": state.export(runtime.db, APP)}
