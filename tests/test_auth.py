"""IC-AUTH-TOKEN, IC-AUTH-BEARER, IC-AUTH-SCOPE, IC-VENDOR-HEADER over real HTTP semantics (in-process ASGI)."""

from __future__ import annotations

import base64

import pytest
from starlette.testclient import TestClient

from mock_ic.control.runtime import Runtime
from mock_ic.control.tenants import DEMO_CREDENTIALS, TenantSettings
from tests.conftest import GRADEBOOK, ROSTER, VENDOR, code_minor, fetch_token

TOKEN_URL = "/campus/oauth2/token?appName=demo"
CID, SECRET = DEMO_CREDENTIALS["client_id"], DEMO_CREDENTIALS["client_secret"]


def test_ic_auth_token_with_http_basic(client: TestClient) -> None:
    response = client.post(TOKEN_URL, data={"grant_type": "client_credentials"}, auth=(CID, SECRET))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert 3500 < body["expires_in"] <= 3600
    assert "https://purl.imsglobal.org/spec/or/v1p2/scope/gradebook.createput" in body["scope"].split()
    assert response.headers["cache-control"] == "no-store"


def test_ic_auth_token_with_form_fields(client: TestClient) -> None:
    data = {"grant_type": "client_credentials", "client_id": CID, "client_secret": SECRET}
    response = client.post(TOKEN_URL, data=data)
    assert response.status_code == 200
    token = response.json()["access_token"]
    assert client.get(f"{ROSTER}/schools", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_ic_auth_token_without_app_name_finds_the_tenant_by_client(client: TestClient) -> None:
    response = client.post("/campus/oauth2/token", data={"grant_type": "client_credentials"}, auth=(CID, SECRET))
    assert response.status_code == 200


@pytest.mark.parametrize("data,auth", [
    ({"grant_type": "client_credentials"}, (CID, "wrong")),
    ({"grant_type": "client_credentials", "client_id": CID, "client_secret": "wrong"}, None),
    ({"grant_type": "client_credentials"}, ("nobody", SECRET)),
])
def test_ic_auth_token_wrong_secret_is_invalid_client(client: TestClient, data: dict, auth: tuple | None) -> None:
    response = client.post(TOKEN_URL, data=data, auth=auth)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    if auth:  # RFC 6749 §5.2: a client that used Basic is told how to authenticate
        assert response.headers["www-authenticate"].startswith("Basic")


def test_ic_auth_token_for_another_app_name_is_refused(client: TestClient) -> None:
    response = client.post("/campus/oauth2/token?appName=elsewhere", data={"grant_type": "client_credentials"},
                           auth=(CID, SECRET))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_ic_auth_token_other_grant_type_is_unsupported(client: TestClient) -> None:
    response = client.post(TOKEN_URL, data={"grant_type": "password"}, auth=(CID, SECRET))
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_ic_auth_token_unknown_scope_is_invalid_scope(client: TestClient) -> None:
    data = {"grant_type": "client_credentials", "scope": "https://purl.imsglobal.org/spec/or/v1p2/scope/everything"}
    response = client.post(TOKEN_URL, data=data, auth=(CID, SECRET))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_ic_auth_token_basic_with_url_encoded_credentials(client: TestClient) -> None:
    raw = base64.b64encode(f"{CID}:{SECRET}".encode()).decode()
    response = client.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                           headers={"Authorization": f"Basic {raw}"})
    assert response.status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}])
def test_ic_auth_bearer_missing_or_bad_token_is_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get(f"{ROSTER}/schools", headers=headers)
    assert response.status_code == 401
    assert code_minor(response.json()) == "unauthorisedrequest"
    assert response.headers["www-authenticate"] == "Bearer"


def test_ic_auth_bearer_token_of_one_tenant_refused_on_another_tenants_path(client: TestClient, token: str,
                                                                          runtime: Runtime) -> None:
    """IC-TENANT: a token is good for its own tenant only."""
    if runtime.tenants.get("other-district") is None:
        runtime.tenants.create("other-district", recipe="demo")
    path = "/campus/api/oneroster/v1p2/other-district/ims/oneroster/rostering/v1p2/schools"
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert code_minor(response.json()) == "unauthorisedrequest"


def test_ic_auth_bearer_expired_token_is_401(client: TestClient, runtime: Runtime) -> None:
    token = fetch_token(client)
    runtime.clock_offset = 3601
    try:
        response = client.get(f"{ROSTER}/schools", headers={"Authorization": f"Bearer {token}"})
    finally:
        runtime.clock_offset = 0
    assert response.status_code == 401


def test_ic_auth_scope_missing_scope_is_403(client: TestClient) -> None:
    token = fetch_token(client, scope="https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{ROSTER}/schools", headers=headers).status_code == 200
    response = client.get(f"{ROSTER}/demographics", headers=headers)
    assert response.status_code == 403
    assert code_minor(response.json()) == "forbidden"


def test_ic_auth_scope_put_needs_gradebook_createput(client: TestClient) -> None:
    token = fetch_token(client, scope="https://purl.imsglobal.org/spec/or/v1p2/scope/gradebook.readonly")
    response = client.put(f"{GRADEBOOK}/lineItems/no-scope", json={"lineItem": {"title": "x"}},
                          headers={"Authorization": f"Bearer {token}", **VENDOR})
    assert response.status_code == 403
    assert code_minor(response.json()) == "forbidden"


def test_ic_vendor_header_missing_is_401_on_gradebook_only(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{GRADEBOOK}/lineItems", headers=auth)
    assert response.status_code == 401
    assert "x-vendor-authorization" in response.json()["imsx_description"]
    assert client.get(f"{ROSTER}/classes?limit=1", headers=auth).status_code == 200


def test_ic_vendor_header_wrong_secret_is_401(client: TestClient, auth: dict[str, str]) -> None:
    headers = {**auth, "x-vendor-authorization": f"{DEMO_CREDENTIALS['vendor_key']}:wrong"}
    response = client.get(f"{GRADEBOOK}/lineItems", headers=headers)
    assert response.status_code == 401
    assert code_minor(response.json()) == "unauthorisedrequest"


def test_ic_vendor_optional_and_gradebook_sync_settings(client: TestClient, runtime: Runtime) -> None:
    """IC-VENDOR-OPTIONAL lifts the header requirement; IC-GRADEBOOK-SYNC off refuses grade book calls."""
    app = "vendor-settings"
    if runtime.tenants.get(app) is None:
        runtime.tenants.create(app, recipe="demo", settings=TenantSettings(vendor_header_required=False))
    tenant = runtime.tenants.get(app)
    assert tenant is not None
    token = fetch_token(client, app_name=app, client_id=tenant.client_id, client_secret=tenant.client_secret)
    path = f"/campus/api/oneroster/v1p2/{app}/ims/oneroster/gradebook/v1p2/lineItems?limit=1"
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(path, headers=headers).status_code == 200
    runtime.tenants.update_settings(app, TenantSettings(gradebook_sync=False))
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert "Grade Book Sync is disabled" in response.json()["imsx_description"]
