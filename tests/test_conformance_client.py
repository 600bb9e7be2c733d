"""conformance.client.OneRosterClient against a real mock-ic server in this process (issue 6).

Every test gets its own tenant (a small district, so each costs milliseconds) and drives faults
through the control plane (FAULT-RULES). Backoff is tiny; the only real wait is the one
``Retry-After: 1`` the client must honour.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.client import (
    AuthError,
    DeadlineExceeded,
    InvalidData,
    MalformedResponse,
    NotFound,
    OneRosterClient,
    RateLimited,
    ServerError,
    TransportError,
)
from conformance.client_errors import DESCRIPTION_CAP, parse_error_body
from mock_ic.testing import MockIC, free_port

SMALL = {"schools": 1, "students": 30, "teachers": 3, "courses": 3, "classes": 6}
_ids = itertools.count(1)


@pytest.fixture
def ic() -> Iterator[MockIC]:
    with MockIC(recipe=SMALL) as instance:
        yield instance


def recording(client: OneRosterClient) -> list[tuple[str, str, str | None]]:
    """(method, URL, Link rel=next) of every answer ``client`` gets from now on, recorded by wrapping
    its ``_send`` as the kit's transcript does (conformance/transcript.py)."""
    seen: list[tuple[str, str, str | None]] = []
    send = client._send

    def recorded(method: str, url: str, **kwargs: Any) -> Any:
        answer = send(method, url, **kwargs)
        seen.append((method, answer.url, answer.links.get("next", {}).get("url")))
        return answer

    client._send = recorded  # type: ignore[method-assign]
    return seen


def make_client(ic: MockIC, version: str = "1.2", **options: Any) -> OneRosterClient:
    settings: dict[str, Any] = {"backoff_factor": 0.01, "timeout": 20.0, "retries": 5, "version": version,
                                "client_id": ic.client_id, "client_secret": ic.client_secret,
                                "vendor_key": ic.vendor_key, "vendor_secret": ic.vendor_secret}
    settings.update(options)
    base = ic.rostering_url if settings["version"] == "1.2" else ic.v1p1_url
    return OneRosterClient(base_url=settings.pop("base_url", base), token_url=ic.token_url, **settings)


@pytest.fixture
def client(ic: MockIC) -> Iterator[OneRosterClient]:
    with make_client(ic) as instance:
        yield instance


def first_class(client: OneRosterClient) -> dict[str, Any]:
    return client.get("classes", params={"limit": 1})["classes"][0]


def line_item(client: OneRosterClient, klass: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """What a passback client sends: references by sourcedId, a due date inside the class's term."""
    term = client.class_terms(klass["sourcedId"])[0]
    category = client.class_categories(klass["sourcedId"])[0]
    body = {"title": f"Quiz {next(_ids)}", "assignDate": f"{term['startDate']}T08:00:00Z",
            "dueDate": f"{term['startDate']}T23:59:00Z", "class": {"sourcedId": klass["sourcedId"]},
            "category": {"sourcedId": category["sourcedId"]}, "resultValueMin": 0, "resultValueMax": 20}
    body.update(overrides)
    return body


# -- tokens -----------------------------------------------------------------------------------


@pytest.mark.parametrize("auth_method", ["basic", "form"])
def test_token_by_basic_or_form_is_fetched_once_and_reused(ic: MockIC, auth_method: str) -> None:
    with make_client(ic, auth_method=auth_method) as client:
        for _ in range(3):
            assert len(client.get("schools")["orgs"]) == 1
        assert client.stats.tokens_fetched == 1
        assert client.stats.requests == 4 and client.stats.by_status[200] == 4


def test_wrong_secret_is_an_auth_error_with_the_oauth_code_and_no_secret_in_it(ic: MockIC) -> None:
    secret = "not-the-secret-9f3a"
    with make_client(ic, client_secret=secret) as client, pytest.raises(AuthError) as caught:
        client.get("schools")
    error = caught.value
    assert error.status == 401 and error.code_minor == "invalid_client" and error.method == "POST"
    assert "client" in error.description
    assert secret not in str(error) and secret not in error.body and secret not in repr(error)
    assert client.stats.tokens_fetched == 0


def test_a_revoked_token_is_fetched_again_once_and_the_call_succeeds(ic: MockIC, client: OneRosterClient) -> None:
    client.get("schools")
    ic.admin.add_fault(id="revoke", path="*/schools", times=1, revokeToken=True)
    assert len(client.get("schools")["orgs"]) == 1
    assert client.stats.tokens_fetched == 2
    assert client.stats.by_status[401] == 1 and client.stats.retries == 0


def test_a_token_is_refreshed_shortly_before_it_expires(client: OneRosterClient) -> None:
    """IC-AUTH-TOKEN: tokens expire (3600 s by default); the client asks again before the server refuses."""
    client.get("schools")
    client._clock = lambda: time.monotonic() + 3600 - 30  # inside the refresh margin, not yet expired
    client.get("schools")
    assert client.stats.tokens_fetched == 2 and client.stats.by_status[401] == 0


def test_a_401_that_persists_is_an_auth_error_without_credentials_in_it(ic: MockIC) -> None:
    """IC-VENDOR-HEADER: a wrong vendor secret is 401 on grade book calls, even with a fresh token."""
    vendor_secret = "wrong-vendor-secret-77"
    with make_client(ic, vendor_secret=vendor_secret) as client:
        klass = first_class(client)  # rostering: no vendor header needed
        with pytest.raises(AuthError) as caught:
            client.class_line_items(klass["sourcedId"])
        token = client.token()
    error = caught.value
    assert error.status == 401 and error.code_minor == "unauthorisedrequest"
    assert client.stats.tokens_fetched == 2  # one refresh, then give up
    for text in (str(error), repr(error), error.body, repr(client)):
        assert token not in text and vendor_secret not in text and ic.client_secret not in text


# -- URLs and paging --------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["root", "rostering", "gradebook"])
def test_any_1p2_base_form_reaches_rostering_and_gradebook(ic: MockIC, which: str) -> None:
    root = ic.rostering_url.removesuffix("/rostering/v1p2")
    base = {"root": root, "rostering": ic.rostering_url, "gradebook": ic.gradebook_url}[which]
    with make_client(ic, base_url=base) as client:
        seen = recording(client)
        assert client.root == root
        klass = first_class(client)
        assert client.get_class(klass["sourcedId"])["sourcedId"] == klass["sourcedId"]
        assert client.class_line_items(klass["sourcedId"])  # the seeded IC line items
    assert [url.removeprefix(root).split("?")[0] for _, url, _ in seen if url.startswith(root)] == [
        "/rostering/v1p2/classes", "/rostering/v1p2/classes/" + klass["sourcedId"],
        f"/gradebook/v1p2/classes/{klass['sourcedId']}/lineItems"]


def test_a_base_url_of_the_other_version_is_refused(ic: MockIC) -> None:
    with pytest.raises(ValueError, match="v1p1"):
        make_client(ic, base_url=ic.v1p1_url, version="1.2")


def test_paginate_in_small_pages_gives_each_student_once_following_link_next(mock_ic: MockIC) -> None:
    """OR-PAGING on the demo district (the ``mock_ic`` fixture): pages of 7 == one page of 1000."""
    with make_client(mock_ic) as client:
        seen = recording(client)
        class_id = first_class(client)["sourcedId"]
        whole = [u["sourcedId"] for u in client.get(f"classes/{class_id}/students", {"limit": 1000})["users"]]
        del seen[:]
        paged = [u["sourcedId"] for u in client.paginate(f"classes/{class_id}/students", "users", page_size=7)]
    assert len(whole) > 14 and paged == whole and len(set(paged)) == len(paged)
    assert len(seen) == -(-len(whole) // 7)  # one request per page, none after the last
    for (_, _, link_next), (_, url, _) in itertools.pairwise(seen):
        assert url == link_next  # each page after the first is the previous page's Link rel="next"
    assert seen[-1][2] is None
    assert [parse_qs(urlsplit(url).query)["offset"] for _, url, _ in seen] == [
        [str(offset)] for offset in range(0, len(whole), 7)]


# -- retries ----------------------------------------------------------------------------------


def test_429_with_retry_after_and_two_503s_on_a_put_are_retried_and_it_still_succeeds(
        ic: MockIC, client: OneRosterClient) -> None:
    klass = first_class(client)
    sid = f"li-{next(_ids)}"
    ic.admin.add_fault(id="busy", method="PUT", path="*/lineItems/*", times=1, status=429, retryAfter=1)
    ic.admin.add_fault(id="down", method="PUT", path="*/lineItems/*", times=2, status=503, retryAfter=0)
    status, stored = client.put_line_item(sid, line_item(client, klass, title="Retried quiz"))
    assert status == 201 and stored["lineItem"]["title"] == "Retried quiz"
    assert client.stats.retries == 3
    assert client.stats.by_status[429] == 1 and client.stats.by_status[503] == 2
    assert client.stats.slept >= 1.0  # Retry-After honoured although the backoff is 0.01 s
    assert [li["sourcedId"] for li in client.class_line_items(klass["sourcedId"])].count(sid) == 1


def test_two_503s_on_a_get_are_retried(ic: MockIC, client: OneRosterClient) -> None:
    ic.admin.add_fault(id="two-503", path="*/schools", times=2, status=503, retryAfter=0)
    assert len(client.get("schools")["orgs"]) == 1
    assert client.stats.retries == 2 and client.stats.by_status[503] == 2


def test_a_dropped_connection_on_a_result_put_is_retried_without_a_duplicate(ic: MockIC,
                                                                             client: OneRosterClient) -> None:
    klass = first_class(client)
    li_id, result_id = f"li-{next(_ids)}", f"res-{next(_ids)}"
    assert client.put_line_item(li_id, line_item(client, klass))[0] == 201
    student = client.class_students(klass["sourcedId"])[0]
    ic.admin.add_fault(id="drop", method="PUT", path="*/results/*", times=1, drop=True)
    status, stored = client.put_result(result_id, {"lineItem": {"sourcedId": li_id},
                                                   "student": {"sourcedId": student["sourcedId"]},
                                                   "score": 17, "scoreStatus": "fully graded"})
    assert status == 201 and stored["result"]["score"] == 17
    assert client.stats.retries == 1
    assert client.get_result(result_id)["score"] == 17
    assert [r["sourcedId"] for r in client.class_results(klass["sourcedId"])].count(result_id) == 1
    assert [r["sourcedId"] for r in client.line_item_results(klass["sourcedId"], li_id)] == [result_id]


def test_retries_exhausted_on_503_is_a_server_error_after_three_attempts(ic: MockIC) -> None:
    with make_client(ic, retries=2) as client:
        client.token()
        ic.admin.add_fault(id="always-503", path="*/schools", every=1, status=503, retryAfter=0)
        with pytest.raises(ServerError) as caught:
            client.get("schools")
    error = caught.value
    assert error.status == 503 and error.code_minor == "server_busy" and "always-503" in error.description
    assert client.stats.by_status[503] == 3 and client.stats.retries == 2


def test_retries_exhausted_on_429_is_rate_limited(ic: MockIC) -> None:
    with make_client(ic, retries=0) as client:
        client.token()
        ic.admin.add_fault(id="busy", path="*/schools", times=1, status=429, retryAfter=0)
        with pytest.raises(RateLimited) as caught:
            client.get("schools")
    assert caught.value.status == 429 and caught.value.code_minor == "server_busy"
    assert client.stats.retries == 0


def test_a_422_is_not_retried(ic: MockIC, client: OneRosterClient) -> None:
    ic.admin.add_fault(id="refuse", method="PUT", path="*/results/*", times=1, status=422)
    with pytest.raises(InvalidData):
        client.put_result("res-x", {"lineItem": {"sourcedId": "x"}, "student": {"sourcedId": "y"}, "score": 1})
    assert client.stats.retries == 0


def test_connection_refused_is_a_transport_error_after_the_retries() -> None:
    port = free_port()
    with OneRosterClient(base_url=f"http://127.0.0.1:{port}/ims/oneroster", client_id="a", client_secret="b",
                         token_url=f"http://127.0.0.1:{port}/campus/oauth2/token", retries=1,
                         backoff_factor=0.01) as client, pytest.raises(TransportError) as caught:
        client.get("schools")
    assert caught.value.status is None and caught.value.method == "POST"
    assert client.stats.retries == 1 and client.stats.requests == 2


def test_the_environment_proxy_is_used_and_no_proxy_bypasses_it(ic: MockIC, monkeypatch: pytest.MonkeyPatch) -> None:
    """As requests did: HTTP(S)_PROXY carries the calls unless NO_PROXY names the host. A proxy
    where nothing listens makes that visible: the server is up, yet no call gets through it."""
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with make_client(ic, retries=0) as client, pytest.raises(TransportError) as caught:
        client.get("schools")
    assert "Connection refused" in caught.value.description
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with make_client(ic, retries=0) as client:
        assert len(client.get("schools")["orgs"]) == 1


# -- deadline, malformed answers ----------------------------------------------------------------


def test_latency_beyond_the_deadline_is_deadline_exceeded(ic: MockIC, client: OneRosterClient) -> None:
    client.token()
    ic.admin.add_fault(id="slow", path="*/schools", times=1, latencyMs=3000)
    client.start_deadline(1.0)
    with pytest.raises(DeadlineExceeded) as caught:
        client.get("schools")
    assert caught.value.status is None and caught.value.url and caught.value.url.endswith("/schools")


def test_no_retry_waits_past_the_deadline(ic: MockIC, client: OneRosterClient) -> None:
    """A Retry-After longer than the time left ends the call at once instead of sleeping into the deadline."""
    client.token()
    ic.admin.add_fault(id="down", path="*/schools", every=1, status=503, retryAfter=5)
    client.start_deadline(2.0)
    with pytest.raises(DeadlineExceeded) as caught:
        client.get("schools")
    assert "503" in caught.value.description
    assert client.stats.slept == 0 and client.stats.retries == 0 and client.stats.by_status[503] == 1


def test_a_passed_deadline_refuses_the_call_before_sending(client: OneRosterClient) -> None:
    client.start_deadline(0)
    with pytest.raises(DeadlineExceeded):
        client.get("schools")
    assert client.stats.requests == 0
    client.start_deadline(None)
    assert client.get("schools")["orgs"]


@pytest.mark.parametrize("malformed", ["nonjson", "truncated"])
def test_a_malformed_2xx_body_is_malformed_response(ic: MockIC, client: OneRosterClient, malformed: str) -> None:
    client.token()
    ic.admin.add_fault(id="bad-body", path="*/schools", times=1, malformed=malformed)
    with pytest.raises(MalformedResponse) as caught:
        client.get("schools")
    assert caught.value.status == 200 and caught.value.body
    assert client.stats.retries == 0


# -- errors and both versions ----------------------------------------------------------------


def test_404_is_not_found_with_code_minor_and_description(client: OneRosterClient) -> None:
    with pytest.raises(NotFound) as caught:
        client.get_line_item("no-such-line-item")
    error = caught.value
    assert error.status == 404 and error.code_minor == "unknownobject" and error.code_major == "failure"
    assert "no-such-line-item" in error.description and "404" in str(error)


def test_an_ic_rule_422_is_invalid_data_with_its_description(client: OneRosterClient) -> None:
    """IC-LI-TITLE-LEN: 30 characters on a 1.2 connection."""
    klass = first_class(client)
    with pytest.raises(InvalidData) as caught:
        client.put_line_item(f"li-{next(_ids)}", line_item(client, klass, title="T" * 60))
    error = caught.value
    assert error.status == 422 and error.code_minor == "invaliddata"
    assert error.description == json.loads(error.body)["imsx_description"] and "30" in error.description
    assert client.stats.retries == 0


def test_1p1_errors_are_parsed_with_the_1p1_spelling(ic: MockIC) -> None:
    with make_client(ic, version="1.1") as client, pytest.raises(NotFound) as caught:
        client.get_line_item("no-such-line-item")
    error = caught.value
    assert error.code_minor == "unknown object" and error.code_major == "failure"
    assert "no-such-line-item" in error.description and "/v1p1/lineItems/" in (error.url or "")


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_line_item_put_get_delete_round_trip(ic: MockIC, version: str) -> None:
    with make_client(ic, version=version) as client:
        klass = first_class(client)
        assert client.class_categories(klass["sourcedId"]), "categories of the class"
        sid = f"li-{next(_ids)}"
        body = line_item(client, klass, title="Round trip")
        assert client.put_line_item(sid, body)[0] == 201
        stored = client.get_line_item(sid)
        assert stored["title"] == "Round trip" and stored["class"]["sourcedId"] == klass["sourcedId"]
        status, replaced = client.put_line_item(sid, {**body, "title": "Round trip 2"})
        assert status == 200 and replaced["lineItem"]["title"] == "Round trip 2"
        client.delete_line_item(sid)
        with pytest.raises(NotFound):
            client.get_line_item(sid)


def test_score_scale_assessment_line_item_and_result_round_trip(ic: MockIC, client: OneRosterClient) -> None:
    """The 1.2 helpers: put, get, the class's (or the line item's) list, delete; in cleanup order."""
    klass = first_class(client)["sourcedId"]
    student = client.class_students(klass)[0]["sourcedId"]
    scale, item, result = (f"{kind}-{next(_ids)}" for kind in ("scale", "ali", "ar"))
    values = [{"itemValueLHS": "1", "itemValueRHS": "Beginning"}, {"itemValueLHS": "4", "itemValueRHS": "Exceeds"}]
    assert client.put_score_scale(scale, {"title": "Standards", "type": "standards", "class": {"sourcedId": klass},
                                          "scoreScaleValue": values})[0] == 201
    assert client.get_score_scale(scale)["scoreScaleValue"] == values
    assert scale in {s["sourcedId"] for s in client.class_score_scales(klass)}
    status, stored = client.put_assessment_line_item(item, {"title": "Benchmark", "class": {"sourcedId": klass},
                                                            "scoreScale": {"sourcedId": scale}})
    assert status == 201 and stored["assessmentLineItem"]["scoreScale"]["sourcedId"] == scale
    assert client.get_assessment_line_item(item)["title"] == "Benchmark"
    assert item in {i["sourcedId"] for i in client.class_assessment_line_items(klass)}
    assert client.put_assessment_result(result, {"assessmentLineItem": {"sourcedId": item},
                                                 "student": {"sourcedId": student}, "score": 3})[0] == 201
    assert client.get_assessment_result(result)["score"] == 3
    assert [r["sourcedId"] for r in client.assessment_line_item_results(item)] == [result]
    client.delete_assessment_result(result)
    client.delete_assessment_line_item(item)
    client.delete_score_scale(scale)
    for gone in (lambda: client.get_assessment_result(result), lambda: client.get_assessment_line_item(item),
                 lambda: client.get_score_scale(scale)):
        with pytest.raises(NotFound):
            gone()


def test_a_filtered_list_doubles_a_quote_in_the_id(client: OneRosterClient) -> None:
    seen = recording(client)
    assert client.class_assessment_line_items("O'Brien") == []
    query = parse_qs(urlsplit(seen[-1][1]).query)
    assert query["filter"] == ["class.sourcedId='O''Brien'"]


def test_score_scales_and_assessments_on_a_1p1_client_are_refused_before_sending(ic: MockIC) -> None:
    with make_client(ic, version="1.1") as client:
        seen = recording(client)
        for call in (lambda: client.class_score_scales("1"), lambda: client.get_assessment_line_item("1"),
                     lambda: client.put_assessment_result("1", {}), lambda: client.delete_score_scale("1")):
            with pytest.raises(ValueError, match=r"OneRoster 1\.2 objects; a 1\.1 connection has none"):
                call()
    assert seen == []


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_class_roster_helpers(ic: MockIC, version: str) -> None:
    with make_client(ic, version=version) as client:
        klass = first_class(client)
        students = client.class_students(klass["sourcedId"])
        enrollments = client.class_enrollments(klass["sourcedId"])
        terms = client.class_terms(klass["sourcedId"])
        teachers = client.class_teachers(klass["sourcedId"])
    assert students and teachers and terms
    assert {t["sourcedId"] for t in terms} == {ref["sourcedId"] for ref in klass["terms"]}
    assert {e["class"]["sourcedId"] for e in enrollments} == {klass["sourcedId"]}
    enrolled = {e["user"]["sourcedId"] for e in enrollments}
    assert {s["sourcedId"] for s in students} <= enrolled


# -- error bodies -----------------------------------------------------------------------------


def _info(minor: str, description: str) -> dict[str, Any]:
    return {"imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_description": description,
            "imsx_CodeMinor": {"imsx_codeMinorField": [{"imsx_codeMinorFieldName": "TargetEndSystem",
                                                        "imsx_codeMinorFieldValue": minor}]}}


@pytest.mark.parametrize(("body", "expected"), [
    (_info("invaliddata", "bad"), ("failure", "invaliddata", "bad")),
    ({"statusInfoSet": [_info("unknown object", "gone")]}, ("failure", "unknown object", "gone")),
    ({"imsx_statusInfoSet": {"imsx_statusInfo": [{**_info("x", "w"), "imsx_severity": "warning"},
                                                 _info("server_busy", "busy")]}}, ("failure", "server_busy", "busy")),
    ({"error": "invalid_client", "error_description": "nope"}, (None, "invalid_client", "nope")),
])
def test_parse_error_body_styles(body: dict[str, Any], expected: tuple[str | None, str | None, str]) -> None:
    assert parse_error_body(json.dumps(body)) == expected


def test_parse_error_body_of_an_html_page_keeps_its_start() -> None:
    page = "<html>" + "x" * 500
    assert parse_error_body(page) == (None, None, page[:DESCRIPTION_CAP])


@given(st.text(max_size=400))
def test_parse_error_body_never_fails(text: str) -> None:
    major, minor, description = parse_error_body(text)
    assert description and (major is None or isinstance(major, str)) and (minor is None or isinstance(minor, str))
