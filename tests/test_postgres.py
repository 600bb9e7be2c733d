"""The server on PostgreSQL (``--database postgresql+psycopg://...``): a throwaway cluster of the
machine's PostgreSQL binaries, the app served by uvicorn, and the same real-client checks as on SQLite.

The cluster is the test process's throwaway one (``tests/postgres_cluster.py``); the store and API tests
run on it too (``tests/conftest.py`` parametrises them over both databases), so this module keeps what
needs a served PostgreSQL server of its own: a real client over HTTP, a second server, migrations.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
import requests
import uvicorn

from conformance.client import OneRosterClient
from conformance.passback.canvas import load_course
from conformance.passback.state import SyncState
from conformance.passback.sync import sync
from mock_ic.app import create_app
from mock_ic.control.seed import school_year_bounds
from mock_ic.control.tenants import DEMO_CREDENTIALS
from mock_ic.settings import Settings
from mock_ic.testing import free_port, wait_until_healthy
from tests.postgres_cluster import Cluster

ROOT = Path(__file__).resolve().parents[1]
@pytest.fixture(scope="module")
def postgres_url(postgres: Cluster) -> str:
    """A new database on this test process's throwaway cluster (tests/postgres_cluster.py)."""
    return postgres.database("pg")


@pytest.fixture(scope="module")
def served(postgres_url: str) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(port=sock.getsockname()[1], database=postgres_url, validate_responses=True)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until_healthy(base, timeout=120)
    yield base
    server.should_exit = True
    thread.join(timeout=20)
    sock.close()


def demo_client(base: str, version: str = "1.2") -> OneRosterClient:
    root = f"{base}/campus/api/oneroster/v1p2/demo/ims/oneroster" if version == "1.2" else \
        f"{base}/campus/oneroster/demo/ims/oneroster"
    return OneRosterClient(base_url=root, token_url=f"{base}/campus/oauth2/token?appName=demo", version=version,
                           client_id=DEMO_CREDENTIALS["client_id"], client_secret=DEMO_CREDENTIALS["client_secret"],
                           vendor_key=DEMO_CREDENTIALS["vendor_key"], vendor_secret=DEMO_CREDENTIALS["vendor_secret"])


def test_postgres_serves_rostering_reads_with_filter_sort_and_paging(served: str) -> None:
    with demo_client(served) as client:
        page = client.get("users", {"limit": 7, "offset": 3, "filter": "roles.role='student' AND givenName~'a'",
                                    "sort": "familyName", "fields": "sourcedId,familyName"})
        names = [u["familyName"] for u in page["users"]]
        assert len(names) == 7 and names == sorted(names)
        assert {tuple(sorted(u)) for u in page["users"]} == {("familyName", "sourcedId")}
        walked = [u["sourcedId"] for u in client.paginate("schools", "orgs", page_size=2)]
        assert len(walked) == len(set(walked)) == 3
    with demo_client(served, "1.1") as v1p1:
        assert all(u["sourcedId"][0] in "st" for u in v1p1.get("users", {"limit": 5})["users"])


def test_postgres_takes_a_whole_passback_and_keeps_it(served: str) -> None:
    course = load_course(ROOT / "fixtures" / "canvas" / "demo-course.json")
    years = school_year_bounds(date.today())[0].year - school_year_bounds(course.exported_at.date())[0].year
    course = course.shifted(years)
    state = SyncState(None)
    with demo_client(served) as client:
        report = sync(course, client, state)
        assert report.status == "success" and report.counts.grades_sent > 0, report.errors
        assert sync(course, client, state).message == "No changes: nothing to send"
        [sent] = state.targets.values()
        assert len(sent.results) == report.counts.grades_sent
        for result_id in list(sent.results)[:5]:
            assert client.get_result(result_id)["sourcedId"] == result_id


def test_postgres_control_plane_snapshot_reset_and_request_log(served: str) -> None:
    with demo_client(served) as client:
        klass = client.get("classes", {"limit": 1})["classes"][0]
        category = client.class_categories(klass["sourcedId"])[0]
        term = client.class_terms(klass["sourcedId"])[0]
        admin = f"{served}/_mock/tenants/demo"
        assert requests.post(f"{admin}/snapshots", json={"name": "before"}, timeout=60).status_code == 201
        status, _ = client.put_line_item("pg-li-1", {
            "title": "On PostgreSQL", "dueDate": f"{term['startDate']}T12:00:00Z", "resultValueMax": 10,
            "class": {"sourcedId": klass["sourcedId"]}, "category": {"sourcedId": category["sourcedId"]}})
        assert status == 201
        log = requests.get(f"{admin}/requests", params={"method": "PUT", "limit": 1}, timeout=30).json()["entries"]
        assert log[0]["path"].endswith("/lineItems/pg-li-1") and "On PostgreSQL" in log[0]["request"]["body"]
        assert requests.post(f"{admin}/snapshots/before/restore", timeout=120).status_code == 200
        assert all(li["sourcedId"] != "pg-li-1" for li in client.class_line_items(klass["sourcedId"]))


def test_postgres_database_outlives_the_server(postgres_url: str, served: str) -> None:
    """A second server on the same database sees the first one's tenants (state is in PostgreSQL)."""
    port = free_port()
    other = Settings(port=port, database=postgres_url, demo_tenant=False)
    server = uvicorn.Server(uvicorn.Config(create_app(other), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", timeout=120)
        tenants = requests.get(f"http://127.0.0.1:{port}/_mock/tenants", timeout=30).json()["tenants"]
        assert "demo" in [t["appName"] for t in tenants]
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_postgres_schema_migrations_from_empty_and_from_before_alembic(postgres_url: str) -> None:
    """Alembic on PostgreSQL: processes starting together on an empty database migrate it once (an advisory
    lock), and a database made before Alembic (the baseline without its version row) is adopted in place."""
    from alembic import command

    from mock_ic.store import migrations
    from mock_ic.store.engine import Database
    from tests.test_store_migrations import model_shape, schema_diff, shape

    server = postgres_url.rsplit("/", 1)[0]
    with psycopg.connect(server.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE mig_empty")
        conn.execute("CREATE DATABASE mig_legacy")

    code = f"from mock_ic.store.engine import Database\nDatabase({server + '/mig_empty'!r}).create_schema()\n"
    starts = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True, cwd=ROOT)
              for _ in range(3)]
    errors = [p.communicate(timeout=120)[1] for p in starts]
    assert [p.returncode for p in starts] == [0, 0, 0], errors
    empty = Database(server + "/mig_empty")
    try:
        with empty.read() as conn:
            assert migrations.current(conn) == migrations.head()
        assert shape(empty.engine) == model_shape()
        assert schema_diff(empty.engine) == []
    finally:
        empty.dispose()

    legacy = Database(server + "/mig_legacy")
    try:
        with legacy.write() as conn:  # what the release before Alembic made (the baseline is that, exactly) ...
            command.upgrade(migrations.config(conn), migrations.BASELINE)
            conn.exec_driver_sql("DROP TABLE alembic_version")
            conn.exec_driver_sql("DROP TABLE mock_request_log")  # ... when mock_ic.requestlog was not imported
            conn.exec_driver_sql("INSERT INTO mock_server_meta (key, value) VALUES ('kept', 'yes')")
        legacy.create_schema()
        with legacy.read() as conn:
            assert migrations.current(conn) == migrations.head()
            assert conn.exec_driver_sql("SELECT value FROM mock_server_meta WHERE key = 'kept'").scalar() == "yes"
        assert schema_diff(legacy.engine) == []
    finally:
        legacy.dispose()


def test_without_postgresql_binaries_the_tests_skip_unless_required(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14, point 4: no PostgreSQL installed -> a skip that says so; MOCK_IC_REQUIRE_POSTGRES=1 (CI) -> a
    failure, so CI cannot pass the PostgreSQL runs by skipping them."""
    from tests import postgres_cluster

    monkeypatch.setattr(postgres_cluster, "binary", lambda name: None)
    monkeypatch.delenv(postgres_cluster.REQUIRE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL server binaries not on PATH: initdb, pg_ctl"):
        postgres_cluster.require_binaries()
    monkeypatch.setenv(postgres_cluster.REQUIRE, "1")
    with pytest.raises(pytest.fail.Exception, match="MOCK_IC_REQUIRE_POSTGRES=1 but PostgreSQL server binaries"):
        postgres_cluster.require_binaries()
