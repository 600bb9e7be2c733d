"""Shared fixtures: one in-process server per database (a real SQLite file, and a throwaway PostgreSQL
cluster's database), with response validation ON.

Every test that uses the shared server (``client``, ``runtime``, ...) runs once on each database: its id
ends in ``[sqlite]`` or ``[postgresql]``. A module or test marked ``sqlite_only`` (the fuzzers, which
prove the HTTP contract rather than the store) runs on SQLite alone; one marked ``postgresql_only`` (a
behaviour of PostgreSQL's, such as its plans) on PostgreSQL alone. Without PostgreSQL binaries the
``[postgresql]`` runs skip, saying so, unless ``MOCK_IC_REQUIRE_POSTGRES=1`` (``tests/postgres_cluster.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

from mock_ic.app import build_runtime, create_app
from mock_ic.control.runtime import Runtime
from mock_ic.control.tenants import DEMO_CREDENTIALS
from mock_ic.settings import Settings
from mock_ic.store.engine import Database
from tests import postgres_cluster

# Deterministic by default (a red CI reproduces); `make test-deep` selects the deep profile.
settings.register_profile("ci", derandomize=True, max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("deep", derandomize=False, max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DEMO = "demo"
V1P2 = "/campus/api/oneroster/v1p2/demo/ims/oneroster"
ROSTER = f"{V1P2}/rostering/v1p2"
GRADEBOOK = f"{V1P2}/gradebook/v1p2"
VENDOR = {"x-vendor-authorization": f"{DEMO_CREDENTIALS['vendor_key']}:{DEMO_CREDENTIALS['vendor_secret']}"}


DATABASES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test on the shared server runs on both databases (see the module docstring)."""
    if "database" in metafunc.fixturenames:
        only = [kind for kind in DATABASES if metafunc.definition.get_closest_marker(f"{kind}_only")]
        kinds = only or list(DATABASES)
        metafunc.parametrize("database", kinds, indirect=True, scope="session")


@pytest.fixture(scope="session")
def postgres() -> Iterator[postgres_cluster.Cluster]:
    """This test process's PostgreSQL cluster (skips the test when PostgreSQL is not installed)."""
    cluster = postgres_cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def database(request: pytest.FixtureRequest) -> str:
    """The kind of database of the shared server: "sqlite" or "postgresql" (parametrised)."""
    return str(request.param)


@pytest.fixture(scope="session")
def new_database(request: pytest.FixtureRequest, database: str) -> Callable[[], str | None]:
    """Makes a new empty database of the parametrised kind, for a test's own server: its SQLAlchemy URL, or
    None for SQLite (the server's data dir then holds the file)."""
    if database == "sqlite":
        return lambda: None
    cluster: postgres_cluster.Cluster = request.getfixturevalue("postgres")
    return cluster.database


@pytest.fixture(scope="session")
def test_settings(tmp_path_factory: pytest.TempPathFactory, new_database: Callable[[], str | None]) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("mock-ic-data"), database=new_database(),
                    validate_responses=True, host="testserver", port=80)


@pytest.fixture
def store_db(tmp_path: Path, new_database: Callable[[], str | None]) -> Iterator[Database]:
    """An empty store at the newest schema, of the parametrised kind, for one test."""
    db = Database(new_database() or f"sqlite:///{tmp_path / 'store.db'}")
    db.create_schema()
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def runtime(test_settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(test_settings)
    yield rt
    # OR-ERRORS: no request of the whole suite may get a 5xx (fault-injection tests use their own runtime).
    assert rt.server_errors == [], f"5xx answers during the test session: {rt.server_errors}"


@pytest.fixture(scope="session")
def app(test_settings: Settings, runtime: Runtime) -> Any:
    return create_app(test_settings, runtime=runtime)


@pytest.fixture(scope="session")
def client(app: Any) -> Iterator[TestClient]:
    with app.test_client() as test_client:
        yield test_client


def fetch_token(client: TestClient, *, app_name: str = DEMO, scope: str | None = None,
                client_id: str = DEMO_CREDENTIALS["client_id"],
                client_secret: str = DEMO_CREDENTIALS["client_secret"]) -> str:
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    response = client.post(f"/campus/oauth2/token?appName={app_name}", data=data, auth=(client_id, client_secret))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture(scope="session")
def token(client: TestClient) -> str:
    return fetch_token(client)


@pytest.fixture(scope="session")
def auth(token: str) -> dict[str, str]:
    """Headers for a rostering call."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def gb_auth(token: str) -> dict[str, str]:
    """Headers for a grade book call (bearer + vendor header)."""
    return {"Authorization": f"Bearer {token}", **VENDOR}


def code_minor(body: dict[str, Any]) -> str:
    info = body["statusInfoSet"][0] if "statusInfoSet" in body else body
    return info["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
