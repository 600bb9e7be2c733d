"""The request log: recording through the real app, redaction of every secret, filters, HAR 1.2, pruning.

Its own tenants ("log-test" with the demo district, small "log-other" and "log-prune"), so the
counts here do not depend on what other test modules sent.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import jsonschema
import pytest
import requests
import sqlalchemy as sa
import uvicorn
from starlette.requests import Request
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from mock_ic.app import build_runtime, create_app
from mock_ic.control import request_log
from mock_ic.control.request_log import REDACTED, Secrets, recorder, redact_fields, redact_header
from mock_ic.control.runtime import Runtime
from mock_ic.control.tenants import DEMO_CREDENTIALS, Tenant, TenantExists
from mock_ic.edge.context import ContextMiddleware
from mock_ic.edge.request_capture import Exchange, RequestLogMiddleware
from mock_ic.settings import Settings
from mock_ic.store import tables

T = TypeVar("T")

TENANT = "log-test"
OTHER = "log-other"
PRUNED = "log-prune"
SMALL_DISTRICT = {"seed": 5, "schools": 1, "students": 20, "teachers": 2, "courses": 2, "classes": 4}


def v1p2(app_name: str) -> str:
    return f"/campus/api/oneroster/v1p2/{app_name}/ims/oneroster"


ROSTER = f"{v1p2(TENANT)}/rostering/v1p2"
GRADEBOOK = f"{v1p2(TENANT)}/gradebook/v1p2"


def tenant_named(runtime: Runtime, app_name: str, recipe: dict[str, Any] | str) -> Tenant:
    try:
        return runtime.tenants.create(app_name, recipe=recipe)
    except TenantExists:
        tenant = runtime.tenants.get(app_name)
        assert tenant is not None
        return tenant


def eventually(probe: Callable[[], T | None], what: str, timeout: float = 10.0) -> T:
    """Poll until ``probe`` gives something truthy: entries are written after the answer was sent."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def token_of(client: TestClient, tenant: Tenant) -> str:
    response = client.post(f"/campus/oauth2/token?appName={tenant.app_name}", data={"grant_type": "client_credentials"},
                           auth=(tenant.client_id, tenant.client_secret))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def the_entry(runtime: Runtime, tenant: str, **filters: Any) -> dict[str, Any]:
    found = eventually(lambda: request_log.entries(runtime.db, tenant, limit=1, **filters), f"an entry {filters}")
    return found[0]


def headers_of(message: dict[str, Any]) -> dict[str, str]:
    return {h["name"]: h["value"] for h in message["headers"]}


@pytest.fixture(scope="module")
def tenant(runtime: Runtime) -> Tenant:
    return tenant_named(runtime, TENANT, "demo")


@pytest.fixture(scope="module")
def token(client: TestClient, tenant: Tenant) -> str:
    return token_of(client, tenant)


@pytest.fixture(scope="module")
def gb_headers(tenant: Tenant, token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "x-vendor-authorization": f"{tenant.vendor_key}:{tenant.vendor_secret}"}


@pytest.fixture(scope="module")
def line_item_refs(client: TestClient, token: str, gb_headers: dict[str, str]) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {token}"}
    klass = client.get(f"{ROSTER}/classes", headers=auth, params={"limit": 1}).json()["classes"][0]
    term = client.get(f"{ROSTER}/terms/{klass['terms'][0]['sourcedId']}", headers=auth).json()["academicSession"]
    categories = client.get(f"{GRADEBOOK}/classes/{klass['sourcedId']}/categories", headers=gb_headers).json()
    return {"class": klass["sourcedId"], "category": categories["categories"][0]["sourcedId"],
            "start": term["startDate"]}


_ids = iter(range(1, 10_000))


def put_line_item(client: TestClient, refs: dict[str, Any], headers: dict[str, str],
                  **fields: Any) -> tuple[str, dict[str, Any]]:
    sid = f"log-li-{next(_ids)}"
    body = {"lineItem": {
        "title": f"Log quiz {sid}"[:30], "assignDate": f"{refs['start']}T08:00:00Z",
        "dueDate": f"{refs['start']}T23:59:00Z", "class": {"sourcedId": refs["class"]},
        "category": {"sourcedId": refs["category"]}, "resultValueMin": 0, "resultValueMax": 10, **fields,
    }}
    response = client.put(f"{GRADEBOOK}/lineItems/{sid}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return sid, body


# --- recording through the real app ------------------------------------------------------------------


def test_request_log_put_line_item_is_recorded_with_its_body_and_201(
        client: TestClient, runtime: Runtime, line_item_refs: dict[str, Any], gb_headers: dict[str, str],
        tenant: Tenant) -> None:
    sid, body = put_line_item(client, line_item_refs, gb_headers)

    entry = the_entry(runtime, TENANT, path_glob=f"*/lineItems/{sid}")
    assert (entry["method"], entry["status"], entry["tenant"]) == ("PUT", 201, TENANT)
    assert entry["path"] == f"{GRADEBOOK}/lineItems/{sid}"  # as the client sent it, not the rewritten path
    assert entry["url"] == f"http://testserver{GRADEBOOK}/lineItems/{sid}"
    assert entry["operationId"] == "putLineItem"
    assert json.loads(entry["request"]["body"]) == body
    assert json.loads(entry["response"]["body"])["lineItem"]["sourcedId"] == sid
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["started"])
    assert entry["latencyMs"] > 0
    sent = headers_of(entry["request"])
    assert sent["authorization"] == f"Bearer {REDACTED}"
    assert sent["x-vendor-authorization"] == f"{tenant.vendor_key}:{REDACTED}"
    assert headers_of(entry["response"])["content-type"].startswith("application/json")
    assert request_log.get(runtime.db, TENANT, entry["id"]) == entry


def test_request_log_token_endpoint_call_has_client_secret_and_access_token_redacted(
        client: TestClient, runtime: Runtime, tenant: Tenant) -> None:
    # Form credentials and no appName: the tenant is found from the client_id in the body.
    response = client.post("/campus/oauth2/token", data={"grant_type": "client_credentials",
                                                         "client_id": tenant.client_id,
                                                         "client_secret": tenant.client_secret})
    assert response.status_code == 200
    issued = response.json()["access_token"]

    entry = the_entry(runtime, TENANT, path_glob="/campus/oauth2/token", method="POST")
    assert entry["operationId"] == "issueToken"
    assert entry["request"]["body"] == (f"grant_type=client_credentials&client_id={tenant.client_id}"
                                        f"&client_secret={REDACTED}")
    answer = json.loads(entry["response"]["body"])
    assert answer["access_token"] == REDACTED and answer["token_type"] == "Bearer"
    assert issued not in json.dumps(entry) and tenant.client_secret not in json.dumps(entry)

    # HTTP Basic and appName in the query.
    token_of(client, tenant)
    entry = the_entry(runtime, TENANT, path_glob="/campus/oauth2/token?appName=*")
    assert headers_of(entry["request"])["authorization"] == f"Basic {REDACTED}"
    assert json.loads(entry["response"]["body"])["access_token"] == REDACTED


def test_request_log_filters_by_path_glob_method_status_and_time(
        client: TestClient, runtime: Runtime, token: str, gb_headers: dict[str, str],
        line_item_refs: dict[str, Any]) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{ROSTER}/classes", headers=auth, params={"limit": 1}).status_code == 200
    assert client.get(f"{ROSTER}/classes/no-such-class", headers=auth).status_code == 404
    sid, _ = put_line_item(client, line_item_refs, gb_headers)
    newest = eventually(lambda: request_log.entries(runtime.db, TENANT, limit=3), "three entries")
    put, missing, listed = newest
    assert [e["method"] for e in newest] == ["PUT", "GET", "GET"]  # newest first
    assert put["id"] > missing["id"] > listed["id"]

    def ids(**filters: Any) -> set[int]:
        return {e["id"] for e in request_log.entries(runtime.db, TENANT, limit=1000, **filters)}

    mine = {put["id"], missing["id"], listed["id"]}
    assert ids(path_glob="*/classes?limit=1") & mine == {listed["id"]}  # glob over path?query
    assert ids(path_glob="*/classes") & mine == {listed["id"]}  # or the path alone
    assert ids(path_glob="*/classes/*") & mine == {missing["id"]}
    assert ids(path_glob=f"*/LINEITEMS/{sid}") == set()  # case-sensitive
    assert ids(path_glob="*/lineItems/log-li-?*") & mine == {put["id"]}
    assert ids(method="put") & mine == {put["id"]}
    assert ids(status=404) & mine == {missing["id"]}
    assert ids(status="4xx") & mine == {missing["id"]}
    assert ids(status="2xx") & mine == {put["id"], listed["id"]}
    assert ids(status="5xx") == set()
    assert all(e["status"] == 404 for e in request_log.entries(runtime.db, TENANT, status="404"))
    # Time window, inclusive at millisecond precision.
    assert ids(since=listed["started"], until=put["started"]) >= mine
    assert ids(until=listed["started"]) & mine == {listed["id"]} | (
        {missing["id"]} if missing["started"] == listed["started"] else set())
    later = datetime.fromisoformat(put["started"]) + timedelta(milliseconds=1)
    assert ids(since=later) & mine == set()
    assert ids(since=later.timestamp() - 3600) >= mine  # epoch seconds work too
    assert ids(until=datetime(2000, 1, 1)) == set()  # naive datetimes are UTC
    assert request_log.count(runtime.db, TENANT, status="4xx") >= 1
    # Paging.
    assert [e["id"] for e in request_log.entries(runtime.db, TENANT, limit=2, offset=1)] == [
        missing["id"], listed["id"]]
    with pytest.raises(ValueError, match="4xx"):
        request_log.entries(runtime.db, TENANT, status="client errors")
    with pytest.raises(ValueError, match="since"):
        request_log.entries(runtime.db, TENANT, since="yesterday")


# A small JSON Schema of HAR 1.2's required fields (http://www.softwareishard.com/blog/har-12-spec/).
_NAME_VALUE = {"type": "array", "items": {"type": "object", "required": ["name", "value"],
                                          "properties": {"name": {"type": "string"}, "value": {"type": "string"}}}}
HAR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["log"],
    "properties": {"log": {
        "type": "object",
        "required": ["version", "creator", "entries"],
        "properties": {
            "version": {"const": "1.2"},
            "creator": {"type": "object", "required": ["name", "version"],
                        "properties": {"name": {"type": "string"}, "version": {"type": "string"}}},
            "entries": {"type": "array", "items": {
                "type": "object",
                "required": ["startedDateTime", "time", "request", "response", "cache", "timings"],
                "properties": {
                    "startedDateTime": {"type": "string", "format": "date-time"},
                    "time": {"type": "number", "minimum": 0},
                    "request": {
                        "type": "object",
                        "required": ["method", "url", "httpVersion", "cookies", "headers", "queryString",
                                     "headersSize", "bodySize"],
                        "properties": {
                            "method": {"type": "string"}, "url": {"type": "string", "pattern": "^https?://"},
                            "httpVersion": {"type": "string"}, "cookies": _NAME_VALUE, "headers": _NAME_VALUE,
                            "queryString": _NAME_VALUE, "headersSize": {"type": "integer"},
                            "bodySize": {"type": "integer"},
                            "postData": {"type": "object", "required": ["mimeType"],
                                         "properties": {"mimeType": {"type": "string"}, "text": {"type": "string"},
                                                        "params": {"type": "array"}}},
                        },
                    },
                    "response": {
                        "type": "object",
                        "required": ["status", "statusText", "httpVersion", "cookies", "headers", "content",
                                     "redirectURL", "headersSize", "bodySize"],
                        "properties": {
                            "status": {"type": "integer"}, "statusText": {"type": "string"},
                            "httpVersion": {"type": "string"}, "cookies": _NAME_VALUE, "headers": _NAME_VALUE,
                            "content": {"type": "object", "required": ["size", "mimeType"],
                                        "properties": {"size": {"type": "integer"}, "mimeType": {"type": "string"},
                                                       "text": {"type": "string"}}},
                            "redirectURL": {"type": "string"}, "headersSize": {"type": "integer"},
                            "bodySize": {"type": "integer"},
                        },
                    },
                    "cache": {"type": "object"},
                    "timings": {"type": "object", "required": ["send", "wait", "receive"],
                                "properties": {k: {"type": "number", "minimum": -1}
                                               for k in ("send", "wait", "receive")}},
                },
            }},
        },
    }},
}


def test_request_log_har_export_has_the_entries_and_is_har_1_2(
        client: TestClient, runtime: Runtime, token: str, gb_headers: dict[str, str],
        line_item_refs: dict[str, Any]) -> None:
    assert client.get(f"{ROSTER}/classes?limit=2&offset=1", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 200
    sid, body = put_line_item(client, line_item_refs, gb_headers)
    entries = eventually(lambda: request_log.entries(runtime.db, TENANT, limit=2), "two entries")

    har = request_log.to_har(entries)
    jsonschema.validate(har, HAR_SCHEMA, format_checker=jsonschema.FormatChecker())
    assert har["log"]["creator"]["name"] == "mock-ic"
    listed, put = har["log"]["entries"]  # oldest first
    assert put["request"]["url"] == f"http://testserver{GRADEBOOK}/lineItems/{sid}"
    assert put["request"]["postData"]["mimeType"] == "application/json"
    assert json.loads(put["request"]["postData"]["text"]) == body
    assert put["response"]["status"] == 201 and put["response"]["statusText"] == "Created"
    assert put["response"]["content"]["mimeType"].startswith("application/json")
    assert put["time"] == put["timings"]["wait"] == entries[0]["latencyMs"]
    assert listed["request"]["queryString"] == [{"name": "limit", "value": "2"}, {"name": "offset", "value": "1"}]
    assert "postData" not in listed["request"]
    assert listed["request"]["bodySize"] == 0
    assert listed["response"]["bodySize"] == listed["response"]["content"]["size"] > 0
    assert listed["_operationId"] == "getAllClasses"
    json.dumps(har)  # JSON-ready as it is


def test_request_log_never_stores_a_token_client_secret_or_vendor_secret(
        client: TestClient, runtime: Runtime, tenant: Tenant, line_item_refs: dict[str, Any]) -> None:
    """Secrets sent every way a client may send them, echoed back by the server, or issued by it."""
    before = request_log.count(runtime.db, TENANT)
    basic_token = token_of(client, tenant)
    form = client.post(f"/campus/oauth2/token?appName={TENANT}",
                       data={"grant_type": "client_credentials", "client_id": tenant.client_id,
                             "client_secret": tenant.client_secret})
    form_token = form.json()["access_token"]
    vendor = f"{tenant.vendor_key}:{tenant.vendor_secret}"
    headers = {"Authorization": f"Bearer {basic_token}", "x-vendor-authorization": vendor,
               "Cookie": f"session={form_token}"}
    # The server stores and echoes the description: only redaction by value can catch these.
    put_line_item(client, line_item_refs, headers,
                  description=f"{tenant.client_secret} / {tenant.vendor_secret} / {form_token}")
    client.get(f"{ROSTER}/orgs", params={"access_token": form_token}, headers={"Authorization": f"Bearer {form_token}"})
    client.get(f"{ROSTER}/orgs?note={tenant.client_secret}", headers={"Authorization": f"Bearer {basic_token}"})
    # Wrong-looking but real credentials in odd places still count.
    client.post(f"/campus/oauth2/token?appName={TENANT}", data={"grant_type": "client_credentials"},
                auth=(tenant.client_id, tenant.vendor_secret))
    client.post("/campus/oauth2/token", json={"client_id": tenant.client_id, "client_secret": tenant.client_secret})
    # Another tenant's (the demo's) credentials sent to this tenant's URL.
    client.get(f"{ROSTER}/orgs", headers={"x-vendor-authorization": f"{DEMO_CREDENTIALS['vendor_key']}:"
                                                                     f"{DEMO_CREDENTIALS['vendor_secret']}",
                                          "Authorization": f"Bearer {basic_token}"})
    eventually(lambda: request_log.count(runtime.db, TENANT) - before >= 7, "the entries of these requests")

    secrets = {"access token (Basic)": basic_token, "access token (form)": form_token,
               "client secret": tenant.client_secret, "vendor secret": tenant.vendor_secret,
               "demo client secret": DEMO_CREDENTIALS["client_secret"],
               "demo vendor secret": DEMO_CREDENTIALS["vendor_secret"]}
    with runtime.db.read() as conn:
        rows = conn.execute(sa.select(tables.request_log)).all()
    assert rows
    for row in rows:  # every column of every row, every tenant; compressed bodies inflated (plain zlib)
        for column, value in zip(tables.request_log.columns.keys(), row, strict=True):
            text = zlib.decompress(value).decode() if isinstance(value, bytes) else str(value)
            for what, secret in secrets.items():
                assert secret not in text, f"{what} found in {column} of request-log entry {row.id}"
    har = json.dumps(request_log.to_har(request_log.entries(runtime.db, TENANT, limit=10_000)))
    for what, secret in secrets.items():
        assert secret not in har, f"{what} found in the HAR export"
    assert REDACTED in har


def test_request_log_is_per_tenant(client: TestClient, runtime: Runtime, tenant: Tenant) -> None:
    other = tenant_named(runtime, OTHER, SMALL_DISTRICT)
    other_roster = f"{v1p2(OTHER)}/rostering/v1p2"
    other_token = token_of(client, other)
    assert client.get(f"{other_roster}/orgs", headers={"Authorization": f"Bearer {other_token}"}).status_code == 200
    # The plain (not app-scoped) path: the tenant comes from the bearer token.
    assert client.get("/ims/oneroster/rostering/v1p2/orgs", headers={"Authorization": f"Bearer {other_token}"}
                      ).status_code == 200
    mine_before = request_log.count(runtime.db, TENANT)

    theirs = eventually(lambda: [e for e in request_log.entries(runtime.db, OTHER) if e["method"] == "GET"] or None,
                        "the other tenant's GETs")
    assert {e["path"] for e in theirs} >= {f"{other_roster}/orgs", "/ims/oneroster/rostering/v1p2/orgs"}
    assert all(e["tenant"] == OTHER for e in request_log.entries(runtime.db, OTHER))
    assert not [e for e in request_log.entries(runtime.db, TENANT, limit=10_000) if OTHER in e["path"]]

    assert request_log.clear(runtime.db, OTHER) >= 3
    assert request_log.entries(runtime.db, OTHER) == []
    assert request_log.count(runtime.db, TENANT) == mine_before
    # A request with no tenant (unknown app, no credentials) and the admin API are not logged anywhere.
    client.get(f"{v1p2('no-such-app')}/rostering/v1p2/orgs")
    client.get("/_mock/health", headers={"Authorization": f"Bearer {other_token}"})
    assert request_log.entries(runtime.db, "no-such-app") == []
    assert request_log.entries(runtime.db, OTHER) == []
    # An unknown app in the URL with a tenant's token: refused, and filed under that tenant.
    assert client.get(f"{v1p2('no-such-app')}/rostering/v1p2/orgs",
                      headers={"Authorization": f"Bearer {other_token}"}).status_code == 401
    assert [(e["status"], e["tenant"]) for e in request_log.entries(runtime.db, OTHER)] == [(401, OTHER)]


# --- the middleware alone, around small apps -------------------------------------------------------


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the request body (or "ok"), in two chunks to exercise streaming."""
    body = await Request(scope, receive).body()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    half = len(body) // 2
    await send({"type": "http.response.body", "body": body[:half] or b"ok", "more_body": True})
    await send({"type": "http.response.body", "body": body[half:], "more_body": False})


async def boom(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("handler bug")


def logged(app: Any, runtime: Runtime, **options: Any) -> ContextMiddleware:
    """The app behind the same two middlewares, in the same order, as in create_app."""
    return ContextMiddleware(RequestLogMiddleware(app, **options), runtime=runtime)


@pytest.fixture(scope="module")
def pruned(runtime: Runtime) -> Tenant:
    return tenant_named(runtime, PRUNED, SMALL_DISTRICT)


def test_request_log_keeps_the_newest_n_per_tenant(runtime: Runtime, pruned: Tenant, tenant: Tenant) -> None:
    request_log.clear(runtime.db, PRUNED)
    mine_before = request_log.count(runtime.db, TENANT)
    small = TestClient(logged(echo, runtime, keep=5, prune_every=3))
    for n in range(12):
        assert small.get(f"{v1p2(PRUNED)}/rostering/v1p2/orgs/{n}").status_code == 200
    kept = [e["path"].rsplit("/", 1)[1] for e in request_log.entries(runtime.db, PRUNED, limit=100)]
    # Pruned to 5 entries after the batch holding insert 1, 4, 7 or 10; how many inserts share a
    # batch depends on timing (the writer lingers for more), so the newest 5 to 5 + 3 - 1 are kept.
    assert 5 <= len(kept) <= 7 and kept == [str(n) for n in range(11, 11 - len(kept), -1)]
    assert request_log.count(runtime.db, TENANT) == mine_before  # other tenants untouched
    TestClient(logged(echo, runtime, keep=5, prune_every=1)).get(f"{v1p2(PRUNED)}/rostering/v1p2/orgs/12")
    assert [e["path"].rsplit("/", 1)[1] for e in request_log.entries(runtime.db, PRUNED)] == [
        "12", "11", "10", "9", "8"]
    # Ids are never reused, even after the newest entries were cleared.
    newest = request_log.entries(runtime.db, PRUNED, limit=1)[0]["id"]
    request_log.clear(runtime.db, PRUNED)
    TestClient(logged(echo, runtime)).get(f"{v1p2(PRUNED)}/rostering/v1p2/orgs/13")
    assert request_log.entries(runtime.db, PRUNED)[0]["id"] > newest


def stored_row(runtime: Runtime, entry_id: int) -> sa.Row[Any]:
    with runtime.db.read() as conn:
        return conn.execute(sa.select(tables.request_log).where(tables.request_log.c.id == entry_id)).one()


def test_request_log_stores_large_bodies_compressed_and_reads_them_back_as_sent(
        client: TestClient, runtime: Runtime, token: str, tenant: Tenant) -> None:
    """A page of users is stored deflated (zlib) at a fraction of its size; every read gives the text back."""
    response = client.get(f"{ROSTER}/users", params={"limit": 40, "marker": "packed"},
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and 10_000 < len(response.content) < request_log.BODY_CAP

    entry = the_entry(runtime, TENANT, path_glob="*marker=packed")
    assert entry["response"]["body"] == response.text and not entry["response"]["truncated"]
    assert request_log.get(runtime.db, TENANT, entry["id"]) == entry
    har = request_log.to_har([entry])["log"]["entries"][0]
    assert har["response"]["content"]["text"] == response.text
    row = stored_row(runtime, entry["id"])
    assert row.response_body is None
    assert zlib.decompress(row.response_body_z).decode() == response.text  # plain zlib: any tool reads it
    assert len(row.response_body_z) * 5 < len(response.content)
    assert row.request_body is None and row.request_body_z is None  # a GET has no body


def test_request_log_keeps_short_and_incompressible_bodies_as_text(runtime: Runtime, pruned: Tenant) -> None:
    request_log.clear(runtime.db, PRUNED)
    printable = "".join(map(chr, range(32, 127)))
    for body in ("short body", printable + printable[::-1]):  # 190 bytes deflate cannot shrink
        TestClient(logged(echo, runtime)).post(f"{v1p2(PRUNED)}/rostering/v1p2/echo", content=body.encode())
        entry = request_log.entries(runtime.db, PRUNED, limit=1)[0]
        assert entry["request"]["body"] == entry["response"]["body"] == body
        row = stored_row(runtime, entry["id"])
        assert (row.request_body, row.request_body_z, row.response_body, row.response_body_z) == (
            body, None, body, None)


def test_request_log_reads_rows_stored_before_compression(runtime: Runtime, pruned: Tenant) -> None:
    """Rows written before migration 0002 hold their bodies as text, and read as before."""
    request_log.clear(runtime.db, PRUNED)
    TestClient(logged(echo, runtime)).post(f"{v1p2(PRUNED)}/rostering/v1p2/echo", content=b"x" * 1000)
    entry = request_log.entries(runtime.db, PRUNED, limit=1)[0]
    with runtime.db.write() as conn:  # as a release before 0002 stored it
        conn.execute(sa.update(tables.request_log).where(tables.request_log.c.id == entry["id"]).values(
            request_body="x" * 1000, request_body_z=None, response_body="old text", response_body_z=None))
    old = request_log.get(runtime.db, PRUNED, entry["id"])
    assert old is not None
    assert (old["request"]["body"], old["response"]["body"]) == ("x" * 1000, "old text")


def test_request_log_writer_behind_compresses_faster_and_answers_are_not_held(
        runtime: Runtime, pruned: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the writer is held, every answer still goes out; the backlog it then finds (a batch of
    ``BEHIND`` entries) is compressed at the fast level, a batch of one at the default level."""
    request_log.clear(runtime.db, PRUNED)
    release = threading.Event()
    record_many = request_log.Recorder.record_many
    batches: list[int] = []

    def held(self: request_log.Recorder, exchanges: list[Exchange]) -> int:
        batches.append(len(exchanges))
        release.wait(timeout=10)
        return record_many(self, exchanges)

    monkeypatch.setattr(request_log.Recorder, "record_many", held)
    client = TestClient(logged(echo, runtime))
    body = json.dumps([{"sourcedId": f"u-{n}", "status": "active", "role": "student"} for n in range(40)])

    def post(n: int) -> None:
        response = client.post(f"{v1p2(PRUNED)}/rostering/v1p2/echo?n={n}", content=body.encode())
        assert response.status_code == 200 and response.text == body

    post(0)
    eventually(lambda: batches, "the writer holding its first batch")
    for n in range(1, 1 + recorder.BEHIND):
        post(n)  # answered while the writer is held
    assert batches == [1]
    release.set()
    entries = request_log.entries(runtime.db, PRUNED, limit=100)
    assert batches == [1, recorder.BEHIND] and len(entries) == 1 + recorder.BEHIND

    def zlib_level_class(entry: dict[str, Any]) -> int:
        """FLEVEL of the stored zlib stream's header (RFC 1950): 0 fastest (level 1), 2 default (6)."""
        assert entry["response"]["body"] == body
        return int(stored_row(runtime, entry["id"]).response_body_z[1] >> 6)

    *backlog, first = entries  # newest first
    assert zlib_level_class(first) == 2
    assert {zlib_level_class(e) for e in backlog} == {0}


def test_request_log_truncates_bodies_at_64_kib_with_a_marker(runtime: Runtime, pruned: Tenant) -> None:
    request_log.clear(runtime.db, PRUNED)
    big = ("x" * 100 + "é") * 1000  # 102,000 bytes; multi-byte characters across the cut
    response = TestClient(logged(echo, runtime)).post(f"{v1p2(PRUNED)}/rostering/v1p2/echo", content=big.encode())
    assert response.text == big  # the answer is untouched
    entry = request_log.entries(runtime.db, PRUNED)[0]
    for message in (entry["request"], entry["response"]):
        assert message["bodySize"] == len(big.encode()) and message["truncated"]
        text, _, marker = message["body"].partition("\n[mock-ic: body truncated")
        assert len(text.encode()) <= request_log.BODY_CAP and big.startswith(text)
        assert "102000 bytes in total" in marker
    har = request_log.to_har([entry])["log"]["entries"][0]
    assert har["response"]["content"]["size"] == 102_000 and "truncated" in har["response"]["content"]["comment"]


def test_request_log_failure_to_record_is_a_warning_without_secrets(
        runtime: Runtime, pruned: Tenant, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Any, exchange: Any) -> None:
        raise sa.exc.OperationalError("INSERT ...", {"request_body": pruned.client_secret}, Exception("disk full"))

    monkeypatch.setattr(request_log.Recorder, "record_many", broken)
    with caplog.at_level(logging.WARNING, logger="mock_ic.control.request_log"):
        response = TestClient(logged(echo, runtime)).post(
            f"{v1p2(PRUNED)}/rostering/v1p2/x?client_secret={pruned.client_secret}", content=pruned.client_secret)
    assert response.status_code == 200 and response.text == pruned.client_secret
    assert request_log.flush(runtime.db)
    assert "could not record a POST request (operation unknown, status 200): OperationalError" in caplog.text
    assert pruned.client_secret not in caplog.text


def test_request_log_an_exception_in_the_app_passes_through_and_is_logged_as_500(
        runtime: Runtime, pruned: Tenant) -> None:
    request_log.clear(runtime.db, PRUNED)
    errors_before = list(runtime.server_errors)
    with pytest.raises(RuntimeError, match="handler bug"):
        TestClient(logged(boom, runtime)).get(f"{v1p2(PRUNED)}/rostering/v1p2/orgs")
    assert request_log.entries(runtime.db, PRUNED)[0]["status"] == 500
    assert runtime.server_errors == errors_before  # nothing was sent: no 5xx went out


# --- a real server: the entry is written after the answer ----------------------------------------------


@pytest.fixture(scope="module")
def server(test_settings: Settings, runtime: Runtime) -> Iterator[str]:
    """A second app over the same runtime and database (like a second worker), served by uvicorn."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    uv = uvicorn.Server(uvicorn.Config(create_app(test_settings, runtime=runtime), log_level="warning"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{base}/_mock/health", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.05)
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
    yield base
    uv.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_request_log_over_real_http(server: str, runtime: Runtime, tenant: Tenant) -> None:
    session = requests.Session()
    response = session.post(f"{server}/campus/oauth2/token", auth=(tenant.client_id, tenant.client_secret),
                            data={"grant_type": "client_credentials"}, timeout=10)
    assert response.status_code == 200
    token = response.json()["access_token"]
    response = session.get(f"{server}{ROSTER}/schools?limit=1", headers={"Authorization": f"Bearer {token}"},
                           timeout=10)
    assert response.status_code == 200

    entry = the_entry(runtime, TENANT, path_glob=f"{ROSTER}/schools?limit=1")
    assert entry["url"] == f"{server}{ROSTER}/schools?limit=1"
    assert json.loads(entry["response"]["body"]) == response.json()
    assert entry["response"]["bodySize"] == len(response.content)
    assert entry["operationId"] == "getAllSchools"
    token_entry = the_entry(runtime, TENANT, path_glob="/campus/oauth2/token", method="POST")
    assert token not in json.dumps(token_entry) and tenant.client_secret not in json.dumps(token_entry)


def test_request_log_is_written_after_the_answer_was_sent(server: str, runtime: Runtime, tenant: Tenant,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The answer never waits for its log entry; a read of the log waits for the entries of every
    request answered before it (in this process)."""
    token = requests.post(f"{server}/campus/oauth2/token?appName={TENANT}", data={"grant_type": "client_credentials"},
                          auth=(tenant.client_id, tenant.client_secret), timeout=10).json()["access_token"]
    release = threading.Event()
    record_many = request_log.Recorder.record_many
    writing: list[str] = []

    def held(self: request_log.Recorder, exchanges: list[Exchange]) -> int:
        writing.extend(str(e.scope.get("query_string", b"").decode()) for e in exchanges)
        release.wait(timeout=10)
        return record_many(self, exchanges)

    monkeypatch.setattr(request_log.Recorder, "record_many", held)
    response = requests.get(f"{server}{ROSTER}/orgs?marker=held", headers={"Authorization": f"Bearer {token}"},
                            timeout=10)
    assert response.status_code == 200  # answered while its log write is still held back
    assert not release.is_set()
    release.set()
    # No polling: the read itself waits for the pending entry.
    entries = request_log.entries(runtime.db, TENANT, path_glob="*marker=held")
    assert [e["status"] for e in entries] == [200] and "marker=held" in writing


def test_request_log_read_right_after_a_put_over_http_sees_it(server: str, runtime: Runtime, tenant: Tenant) -> None:
    token = requests.post(f"{server}/campus/oauth2/token?appName={TENANT}", data={"grant_type": "client_credentials"},
                          auth=(tenant.client_id, tenant.client_secret), timeout=10).json()["access_token"]
    for n in range(20):
        requests.get(f"{server}{ROSTER}/orgs?burst={n}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        latest = requests.get(f"{server}/_mock/tenants/{TENANT}/requests", params={"limit": 1}, timeout=10).json()
        assert latest["entries"][0]["path"].endswith(f"?burst={n}")


# --- redaction rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value", "stored"), [
    ("authorization", "Bearer abc.def", f"Bearer {REDACTED}"),
    ("Authorization", "Basic dXNlcjpwYXNz", f"Basic {REDACTED}"),
    ("authorization", "sometoken", REDACTED),
    ("x-vendor-authorization", "vendor-key:vendor-secret", f"vendor-key:{REDACTED}"),
    ("x-vendor-authorization", "no-colon", REDACTED),
    ("cookie", "session=abc", REDACTED),
    ("set-cookie", "session=abc; HttpOnly", REDACTED),
    ("x-api-key", "k", REDACTED),
    ("content-type", "application/json", "application/json"),
])
def test_request_log_header_redaction(name: str, value: str, stored: str) -> None:
    assert redact_header(name, value) == stored


@pytest.mark.parametrize(("text", "stored"), [
    ("grant_type=client_credentials&client_id=c&client_secret=s3cr%2Bt",
     f"grant_type=client_credentials&client_id=c&client_secret={REDACTED}"),
    ("client_secret=s&scope=x", f"client_secret={REDACTED}&scope=x"),
    ("my_client_secret=s", "my_client_secret=s"),  # another field: left alone
    ('{"access_token":"a.b.c","token_type":"Bearer"}', f'{{"access_token":"{REDACTED}","token_type":"Bearer"}}'),
    ('{"refresh_token": "r\\"q", "x": 1}', f'{{"refresh_token": "{REDACTED}", "x": 1}}'),
    ('{"title":"t","access_token":"cut off by the si', f'{{"title":"t","access_token":"{REDACTED}"'),
])
def test_request_log_field_redaction(text: str, stored: str) -> None:
    assert redact_fields(text) == stored


def test_request_log_secrets_are_scrubbed_by_value_in_every_encoding() -> None:
    secrets = Secrets()
    secrets.add("abc+/=def", "short")  # too short to scrub by value: "short" stays
    secrets.add_authorization("Basic " + "Y2xpZW50OnNlY3JldC12YWx1ZQ==")  # client:secret-value
    text = "abc+/=def abc%2B%2F%3Ddef abc%2B/%3Ddef secret-value short"
    assert secrets.scrub(text) == f"{REDACTED} {REDACTED} {REDACTED} {REDACTED} short"


def test_request_log_keep_comes_from_the_settings(test_settings: Settings) -> None:
    """``--request-log-keep`` / MOCK_IC_REQUEST_LOG_KEEP reach the recorder of a served app."""
    assert Settings().request_log_keep == request_log.DEFAULT_KEEP
    assert Settings.from_env({"MOCK_IC_REQUEST_LOG_KEEP": "12"}).request_log_keep == 12
    settings = test_settings.with_overrides(request_log_keep=7)
    middleware = RequestLogMiddleware(echo)
    runtime = build_runtime(replace(settings, database="sqlite:///:memory:", demo_tenant=False))
    assert middleware._recorder(runtime).keep == 7
