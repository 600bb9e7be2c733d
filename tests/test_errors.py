"""OR-ERRORS: every 4xx the server sends is a OneRoster body, never a 500, never HTML."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.conftest import GRADEBOOK, ROSTER, code_minor


def test_or_errors_unknown_route_is_oneroster_404(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{ROSTER}/spaceships", headers=auth)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert code_minor(response.json()) == "unknownobject"


def test_or_errors_405_keeps_allow(client: TestClient, gb_auth: dict[str, str]) -> None:
    response = client.post(f"{GRADEBOOK}/lineItems/x", headers=gb_auth, json={})
    assert response.status_code == 405
    assert {"GET", "PUT", "DELETE"} <= {m.strip() for m in response.headers["allow"].split(",")}
    assert response.json()["imsx_codeMajor"] == "failure"


def test_or_errors_415_for_non_json_body(client: TestClient, gb_auth: dict[str, str]) -> None:
    response = client.put(f"{GRADEBOOK}/lineItems/x", headers={**gb_auth, "content-type": "text/plain"},
                          content=b"title=x")
    assert response.status_code == 415
    assert response.json()["imsx_codeMajor"] == "failure"


@pytest.mark.parametrize("content", [b"\xff\xfe\x00", b"{not json", b'{"lineItem": '])
def test_or_errors_undecodable_body_is_400(client: TestClient, gb_auth: dict[str, str], content: bytes) -> None:
    response = client.put(f"{GRADEBOOK}/lineItems/x", headers={**gb_auth, "content-type": "application/json"},
                          content=content)
    assert response.status_code == 400
    assert code_minor(response.json()) == "invaliddata"


@pytest.mark.parametrize("path", ["/classes/%0A", "/classes/a%00b", "/classes/%7F/students"])
def test_or_errors_control_characters_in_path_are_400(client: TestClient, auth: dict[str, str], path: str) -> None:
    response = client.get(f"{ROSTER}{path}", headers=auth)
    assert response.status_code == 400
    assert code_minor(response.json()) == "invaliddata"
    assert "control character" in response.json()["imsx_description"]


def test_or_errors_401_carries_www_authenticate(client: TestClient) -> None:
    response = client.get(f"{GRADEBOOK}/lineItems")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_health(client: TestClient) -> None:
    assert client.get("/_mock/health").json() == {"status": "ok"}


def test_request_validators_are_compiled_once_per_schema(client: TestClient, gb_auth: dict[str, str]) -> None:
    """The compiled-validator cache (mock_ic/api/validation.py) is keyed by the spec's own objects:
    repeated requests reuse its entries, and the messages still name the parameter and the value."""
    from mock_ic.api import validation

    def some_requests() -> None:
        for offset in range(5):
            assert client.get(f"{GRADEBOOK}/lineItems?limit=2&offset={offset}", headers=gb_auth).status_code == 200
            put = client.put(f"{GRADEBOOK}/results/cache-{offset}", headers=gb_auth, json={"result": {"score": "high"}})
            assert put.status_code == 400 and "high" in put.json()["imsx_description"]
        bad = client.get(f"{GRADEBOOK}/lineItems?limit=0", headers=gb_auth)
        assert bad.status_code == 400 and "'limit'=0" in bad.json()["imsx_description"]

    some_requests()
    size = len(validation._COMPILED)
    some_requests()
    assert len(validation._COMPILED) == size > 0
