"""Alembic manages the schema: a data dir made before it upgrades in place, and tables.py never drifts
from the migrations.

``tests/data/datadir-before-alembic/`` holds a SQLite file made by the last release before Alembic
(its README says how); every test works on a copy. PostgreSQL: ``tests/test_postgres.py``.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from mock_ic.app import build_runtime, create_app
from mock_ic.settings import Settings
from mock_ic.store import migrations
from mock_ic.store.engine import Database
from mock_ic.store.tables import metadata
from tests.conftest import fetch_token

FIXTURE = Path(__file__).parent / "data" / "datadir-before-alembic" / "mock-ic.sqlite3"
ROOT = "/campus/api/oneroster/v1p2/legacy/ims/oneroster"
ROOT_DIR = Path(__file__).resolve().parents[1]


def schema_diff(engine: sa.Engine) -> list[Any]:
    """What Alembic's autogenerate would write to make the database match tables.py ([] when nothing)."""
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), metadata)


def shape(engine: sa.Engine) -> dict[str, Any]:
    """Tables, their columns and their indexes (names and columns), as SQLAlchemy reflects them."""
    inspector = sa.inspect(engine)
    return {
        table: {
            "columns": sorted(c["name"] for c in inspector.get_columns(table)),  # ADD COLUMN appends
            "primary_key": sorted(inspector.get_pk_constraint(table)["constrained_columns"]),
            "indexes": sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)
                              if "duplicates_constraint" not in i),  # PostgreSQL's index behind a UNIQUE
        }
        for table in sorted(set(inspector.get_table_names()) - {migrations.VERSION_TABLE})
    }


def model_shape() -> dict[str, Any]:
    return {
        table.name: {
            "columns": sorted(c.name for c in table.columns),
            "primary_key": sorted(c.name for c in table.primary_key.columns),
            "indexes": sorted((i.name, tuple(c.name for c in i.columns)) for i in table.indexes),
        }
        for table in sorted(metadata.tables.values(), key=lambda t: t.name)
    }


def sqlite_schema(path: Path) -> list[tuple[str, ...]]:
    """The CREATE statements SQLite keeps for the file (its own sqlite_* tables aside)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                                   "WHERE name NOT LIKE 'sqlite_%'").fetchall())


def revision_of(db: Database) -> str | None:
    with db.read() as conn:
        return migrations.current(conn)


@pytest.fixture
def legacy_dir(tmp_path: Path) -> Path:
    """A copy of the data dir made before Alembic (the committed file is never opened for writing)."""
    data_dir = tmp_path / "legacy-data"
    data_dir.mkdir()
    shutil.copyfile(FIXTURE, data_dir / "mock-ic.sqlite3")
    return data_dir


def test_the_fixture_is_a_data_dir_from_before_alembic() -> None:
    with sqlite3.connect(f"file:{FIXTURE}?immutable=1", uri=True) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert migrations.VERSION_TABLE not in tables
        assert {"mock_tenants", "or_line_items", "mock_snapshots", "mock_request_log"} <= tables
        assert conn.execute("SELECT app_name FROM mock_tenants").fetchall() == [("legacy",)]


def test_a_data_dir_made_before_alembic_upgrades_in_place_and_serves_its_tenant(legacy_dir: Path) -> None:
    settings = Settings(data_dir=legacy_dir, demo_tenant=False, validate_responses=True, host="testserver", port=80)
    runtime = build_runtime(settings)
    try:
        assert revision_of(runtime.db) == migrations.head()
        tenant = runtime.tenants.get("legacy")
        assert tenant is not None
        with create_app(settings, runtime=runtime).test_client() as client:
            token = fetch_token(client, app_name="legacy", client_id=tenant.client_id,
                                client_secret=tenant.client_secret)
            auth = {"Authorization": f"Bearer {token}"}
            gb = {**auth, "x-vendor-authorization": f"{tenant.vendor_key}:{tenant.vendor_secret}"}

            users = client.get(f"{ROOT}/rostering/v1p2/users", headers=auth, params={"limit": 100})
            assert users.status_code == 200, users.text
            roles = [u["roles"][0]["role"] for u in users.json()["users"]]
            assert (roles.count("student"), roles.count("teacher")) == (20, 2)
            classes = client.get(f"{ROOT}/rostering/v1p2/classes", headers=auth).json()["classes"]
            assert len(classes) == 4

            line_item = client.get(f"{ROOT}/gradebook/v1p2/lineItems/legacy-li-1", headers=gb)
            assert line_item.status_code == 200, line_item.text
            assert line_item.json()["lineItem"]["title"] == "Legacy quiz"
            result = client.get(f"{ROOT}/gradebook/v1p2/results/legacy-res-1", headers=gb).json()["result"]
            assert result["score"] == 17 and result["lineItem"]["sourcedId"] == "legacy-li-1"

            snapshots = client.get("/_mock/tenants/legacy/snapshots").json()["snapshots"]
            assert [s["name"] for s in snapshots] == ["before-alembic"]
            logged = client.get("/_mock/tenants/legacy/requests", params={"method": "PUT"}).json()["entries"]
            assert any(e["path"].endswith("/lineItems/legacy-li-1") for e in logged)

            # Writes work on the adopted schema, and the old snapshot restores over them.
            body = dict(line_item.json()["lineItem"], title="After the upgrade")
            written = client.put(f"{ROOT}/gradebook/v1p2/lineItems/after-upgrade", headers=gb,
                                 json={"lineItem": {k: body[k] for k in ("title", "class", "category",
                                                                           "assignDate", "dueDate")}})
            assert written.status_code == 201, written.text
            assert client.post("/_mock/tenants/legacy/snapshots/before-alembic/restore").status_code == 200
            assert client.get(f"{ROOT}/gradebook/v1p2/lineItems/after-upgrade", headers=gb).status_code == 404
            assert client.get(f"{ROOT}/gradebook/v1p2/lineItems/legacy-li-1", headers=gb).status_code == 200
    finally:
        runtime.db.dispose()
    assert schema_diff(Database(settings.database_url).engine) == []


def test_an_upgraded_data_dir_has_the_schema_of_a_new_one(legacy_dir: Path, tmp_path: Path) -> None:
    """The baseline is exactly what the release before Alembic made: same CREATE statements, byte for byte."""
    before = sqlite_schema(legacy_dir / "mock-ic.sqlite3")
    Database(f"sqlite:///{legacy_dir / 'mock-ic.sqlite3'}").create_schema()
    new = tmp_path / "new.sqlite3"
    Database(f"sqlite:///{new}").create_schema()
    assert sqlite_schema(legacy_dir / "mock-ic.sqlite3") == sqlite_schema(new)
    if migrations.head() == migrations.BASELINE:
        assert [row for row in sqlite_schema(new) if migrations.VERSION_TABLE not in row[1]] == before


def test_adopting_creates_what_the_old_release_left_out(legacy_dir: Path) -> None:
    """Old releases made the request log only when mock_ic.requestlog (as it was then) had been imported first."""
    path = legacy_dir / "mock-ic.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE mock_request_log")
    db = Database(f"sqlite:///{path}")
    db.create_schema()
    assert revision_of(db) == migrations.head()
    assert schema_diff(db.engine) == []
    with db.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM mock_tenants")).scalar() == 1


def test_an_empty_database_upgraded_to_head_is_exactly_tables_py(tmp_path: Path) -> None:
    """A change to mock_ic/store/tables.py without a migration fails here (see migrations/README.md)."""
    db = Database(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    db.create_schema()
    assert revision_of(db) == migrations.head()
    assert shape(db.engine) == model_shape()
    assert schema_diff(db.engine) == []
    memory = Database("sqlite://")
    memory.create_schema()
    assert shape(memory.engine) == model_shape()


def test_revisions_are_numbered_files_in_one_line(tmp_path: Path) -> None:
    """The start-up check reads the head from the file names; Alembic must agree, with no branches."""
    scripts = ScriptDirectory.from_config(migrations.config())
    assert scripts.get_heads() == [migrations.head()]
    revisions = list(reversed(list(scripts.walk_revisions())))
    assert revisions[0].revision == migrations.BASELINE and revisions[0].down_revision is None
    for previous, revision in itertools.pairwise(revisions):
        assert revision.down_revision == previous.revision
        assert int(revision.revision) == int(previous.revision) + 1
    for revision in revisions:
        assert Path(revision.path).name.startswith(f"{revision.revision}_"), revision.path


def test_a_current_database_starts_with_one_version_check_and_no_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'current.sqlite3'}"
    Database(url).create_schema()
    code = ("import sys, time\n"
            "from mock_ic.store.engine import Database\n"
            f"db = Database({url!r})\n"
            "start = time.perf_counter()\n"
            "db.create_schema()\n"
            "print(time.perf_counter() - start)\n"
            "assert 'alembic' not in sys.modules, 'the start-up check imported Alembic'\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT_DIR)
    assert run.returncode == 0, run.stderr
    assert float(run.stdout) < 1.0  # measured ~1 ms; a full migration run costs ~30 ms plus ~90 ms of imports


def test_processes_starting_together_migrate_one_database_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'together.sqlite3'}"
    code = f"from mock_ic.store.engine import Database\nDatabase({url!r}).create_schema()\n"
    starts = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True, cwd=ROOT_DIR)
              for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in starts]
    assert [p.returncode for p in starts] == [0, 0, 0, 0], errors
    db = Database(url)
    assert revision_of(db) == migrations.head()
    assert schema_diff(db.engine) == []


def test_a_database_from_a_newer_mock_ic_is_refused(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'newer.sqlite3'}")
    db.create_schema()
    with db.write() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(migrations.SchemaTooNew, match="9999"):
        db.create_schema()
