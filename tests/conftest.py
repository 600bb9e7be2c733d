"""Shared fixtures: one in-process server over a real SQLite file, with response validation ON."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

from mock_ic.app import build_runtime, create_app
from mock_ic.control.runtime import Runtime
from mock_ic.control.tenants import DEMO_CREDENTIALS
from mock_ic.settings import Settings

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


@pytest.fixture(scope="session")
def test_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("mock-ic-data")
    return Settings(data_dir=data_dir, validate_responses=True, host="testserver", port=80)


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
