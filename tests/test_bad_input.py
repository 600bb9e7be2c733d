"""Bad input gets a clear error, never a 500, and changes nothing (OR-ERRORS, IC-AUTH-TOKEN).

Each case is one a fuzzer or a newcomer met: a huge token form, a huge or chunked OneRoster body,
numbers JSON cannot carry, non-UTF-8 bytes, malformed JSON.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_ic.control.tenants import DEMO_CREDENTIALS
from mock_ic.settings import Settings
from tests.conftest import GRADEBOOK, ROSTER, code_minor

_ids = itertools.count(1)


def new_id(prefix: str = "bad-li") -> str:
    return f"{prefix}-{next(_ids)}"


@pytest.fixture(scope="module")
def klass(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    """A demo class (not the one tests/test_gradebook.py writes to), its first term and a student."""
    first = client.get(f"{ROSTER}/classes", headers=auth, params={"limit": 1, "offset": 7}).json()["classes"][0]
    term = client.get(f"{ROSTER}/terms/{first['terms'][0]['sourcedId']}", headers=auth).json()["academicSession"]
    students = client.get(f"{ROSTER}/classes/{first['sourcedId']}/students", headers=auth).json()["users"]
    return {"class": first, "term": term, "student": students[0]}


@pytest.fixture(scope="module")
def category(client: TestClient, gb_auth: dict[str, str], klass: dict[str, Any]) -> dict[str, Any]:
    cid = klass["class"]["sourcedId"]
    return client.get(f"{GRADEBOOK}/classes/{cid}/categories", headers=gb_auth).json()["categories"][0]


def line_item_body(klass: dict[str, Any], category: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body = {"title": f"Bad input {next(_ids)}", "dueDate": klass["term"]["startDate"] + "T23:59:00Z",
            "class": {"sourcedId": klass["class"]["sourcedId"]}, "category": {"sourcedId": category["sourcedId"]},
            "resultValueMax": 20, **overrides}
    return {"lineItem": body}

TOKEN_URL = "/campus/oauth2/token?appName=demo"
BASIC = (DEMO_CREDENTIALS["client_id"], DEMO_CREDENTIALS["client_secret"])
FORM = {"content-type": "application/x-www-form-urlencoded"}


def _description(response: Any) -> str:
    body = response.json()
    return body.get("error_description") or body["imsx_description"]


def test_token_form_over_the_body_limit_is_413_oauth_error(client: TestClient) -> None:
    huge_scope = "x" * (2 << 20)
    response = client.post(TOKEN_URL, data={"grant_type": "client_credentials", "scope": huge_scope}, auth=BASIC)
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_request"
    assert f"limit of {Settings().max_body_bytes} bytes" in _description(response)


def test_token_form_field_over_the_form_parsers_cap_is_413_not_500(tmp_path: Any) -> None:
    """With a raised body limit, the form parser's own 1 MiB field cap answers instead, still a 413."""
    from mock_ic.app import create_app

    app = create_app(Settings(data_dir=tmp_path, max_body_bytes=8 << 20))
    with TestClient(app) as own:
        response = own.post(TOKEN_URL, data={"grant_type": "client_credentials", "scope": "x" * (2 << 20)},
                            auth=BASIC)
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "invalid_request"
    assert "maximum size" in _description(response)


@pytest.mark.parametrize("content", [b"grant_type=client_credentials&scope=\xff\xfe",
                                     b"grant_type=client_credentials\xff", b"grant_type=client_credentials&x=%FF"])
def test_token_form_not_utf8_says_so(client: TestClient, content: bytes) -> None:
    response = client.post(TOKEN_URL, content=content, headers=FORM, auth=BASIC)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "not valid UTF-8" in _description(response)
    assert "grant_type" not in _description(response)


def test_oneroster_body_over_the_limit_is_413_and_nothing_stored(client: TestClient, gb_auth: dict[str, str],
                                                                 klass: dict, category: dict) -> None:
    sid = new_id()
    body = line_item_body(klass, category, description="x" * (Settings().max_body_bytes + 1))
    response = client.put(f"{GRADEBOOK}/lineItems/{sid}", json=body, headers=gb_auth)
    assert response.status_code == 413
    assert code_minor(response.json()) == "invaliddata"
    assert "max_body_bytes" in _description(response)
    assert client.get(f"{GRADEBOOK}/lineItems/{sid}", headers=gb_auth).status_code == 404


def test_chunked_body_over_the_limit_is_413(client: TestClient, gb_auth: dict[str, str]) -> None:
    """A body without Content-Length is counted as it arrives."""

    def chunks() -> Iterator[bytes]:
        yield b'{"lineItem": {"description": "'
        for _ in range(Settings().max_body_bytes // 65536 + 1):
            yield b"x" * 65536
        yield b'"}}'

    response = client.put(f"{GRADEBOOK}/lineItems/{new_id()}", content=chunks(),
                          headers={**gb_auth, "content-type": "application/json"})
    assert response.status_code == 413
    assert code_minor(response.json()) == "invaliddata"


def test_chunked_body_under_the_limit_is_served(client: TestClient, gb_auth: dict[str, str],
                                                klass: dict, category: dict) -> None:
    sid = new_id()
    text = json.dumps(line_item_body(klass, category)).encode()
    response = client.put(f"{GRADEBOOK}/lineItems/{sid}", content=iter([text[:10], text[10:]]),
                          headers={**gb_auth, "content-type": "application/json"})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(("number", "said"), [("1e309", "1e309 is not finite"), ("-1e400", "-1e400 is not finite"),
                                              ("NaN", "NaN is not a JSON value"),
                                              ("Infinity", "Infinity is not a JSON value")])
def test_non_finite_score_is_400_and_nothing_stored(client: TestClient, gb_auth: dict[str, str], klass: dict,
                                                    category: dict, number: str, said: str) -> None:
    sid, rid = new_id(), new_id("bad-res")
    assert client.put(f"{GRADEBOOK}/lineItems/{sid}", json=line_item_body(klass, category),
                      headers=gb_auth).status_code == 201
    body = {"result": {"lineItem": {"sourcedId": sid}, "student": {"sourcedId": klass["student"]["sourcedId"]},
                       "score": 12345, "scoreStatus": "fully graded"}}
    content = json.dumps(body).replace("12345", number).encode()
    response = client.put(f"{GRADEBOOK}/results/{rid}", content=content,
                          headers={**gb_auth, "content-type": "application/json"})
    assert response.status_code == 400
    assert said in _description(response)
    assert client.get(f"{GRADEBOOK}/results/{rid}", headers=gb_auth).status_code == 404


def test_malformed_json_says_it_is_not_valid_json(client: TestClient, gb_auth: dict[str, str]) -> None:
    response = client.put(f"{GRADEBOOK}/lineItems/{new_id()}", content=b'{"lineItem": ',
                          headers={**gb_auth, "content-type": "application/json"})
    assert response.status_code == 400
    assert _description(response).startswith("The request body is not valid JSON: ")


def test_non_utf8_json_body_says_so(client: TestClient, gb_auth: dict[str, str]) -> None:
    response = client.put(f"{GRADEBOOK}/lineItems/{new_id()}", content=b'{"lineItem": "\xff"}',
                          headers={**gb_auth, "content-type": "application/json"})
    assert response.status_code == 400
    assert _description(response) == "The request body is not valid UTF-8: byte 0xff at position 14"
