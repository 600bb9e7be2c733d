"""Auth suite: the token endpoint, bearer tokens, scopes and the vendor header, to the exact status and code.

IC-AUTH-TOKEN (OAuth 2.0 client credentials, RFC 6749 §4.4): HTTP Basic and form-field client
authentication, the ``appName`` query, ``invalid_client`` / ``unsupported_grant_type`` /
``invalid_scope``. IC-AUTH-BEARER: missing, bad, expired and foreign tokens are 401 with the
version's OneRoster body (codeMinor ``unauthorisedrequest`` on 1.2, ``unauthorized`` on 1.1) and
``WWW-Authenticate: Bearer``. IC-AUTH-SCOPE: a token without the operation's scope is 403
``forbidden``. IC-VENDOR-HEADER: grade book calls without the right ``x-vendor-authorization`` are 401.

Every call is raw (``requests``), so the suite sees what the server answers, and recorded in the
transcript without credentials. Expired and foreign tokens need a mock's control plane (its clock,
a second tenant); against another server they are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

import pytest
import requests

from conformance.client import OneRosterClient
from conformance.client_errors import parse_error_body
from conformance.profiles import Profile
from conformance.sandbox import TITLE_PREFIX, Sandbox
from conformance.suites.auth_raw import Raw, error_problems, form_of, json_of, shown
from conformance.suites.auth_target import another_tenant, clock_moved
from conformance.target import Target
from conformance.transcript import Transcript

SCOPE_PREFIX = {"1.2": "https://purl.imsglobal.org/spec/or/v1p2/scope/",
                "1.1": "https://purl.imsglobal.org/spec/or/v1p1/scope/"}
ROSTER_READ = "/orgs"  # a rostering read every connection may make
GRADEBOOK_READ = "/lineItems"  # a grade book read (vendor header on IC)


@pytest.fixture(scope="module")
def raw(oneroster_target: Target, oneroster_client: OneRosterClient, oneroster_transcript: Transcript,
        oneroster_read_only: bool) -> Iterator[Raw]:
    caller = Raw(oneroster_target, oneroster_client, oneroster_transcript, oneroster_read_only)
    yield caller
    caller.session.close()


def scope(raw: Raw, *names: str) -> str:
    return " ".join(SCOPE_PREFIX[raw.target.version] + name for name in names)


def _fail(problems: list[str]) -> None:
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def _token_problems(raw: Raw, response: requests.Response, how: str, profile: Profile) -> list[str]:
    """A good token answer (RFC 6749 §5.1, IC-AUTH-TOKEN) whose token reads the roster."""
    if response.status_code != 200:
        return [f"IC-AUTH-TOKEN: a client-credentials request with {how} should be 200, got "
                f"{response.status_code}: {form_of(response)}"]
    body = json_of(response)
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
        return [f"IC-AUTH-TOKEN: the answer to {how} has no access_token: {form_of(response)}"]
    problems = []
    token_type = body.get("token_type")
    if not isinstance(token_type, str) or token_type.lower() != "bearer" or (profile.ic and token_type != "Bearer"):
        problems.append(f"IC-AUTH-TOKEN: token_type should be 'Bearer', got {token_type!r}")
    lifetime = body.get("expires_in")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime <= 0:
        problems.append(f"IC-AUTH-TOKEN: expires_in should be a positive number of seconds, got {lifetime!r}")
    if profile.ic and not isinstance(body.get("scope"), str):
        problems.append(f"IC-AUTH-TOKEN: the answer should name the granted scope: {form_of(response)}")
    if "no-store" not in response.headers.get("Cache-Control", "").lower():
        problems.append("IC-AUTH-TOKEN: a token answer must carry Cache-Control: no-store (RFC 6749 §5.1), got "
                        f"{response.headers.get('Cache-Control')!r}")
    used = raw.get(ROSTER_READ, {"limit": 1}, token=body["access_token"], vendor=None)
    if used.status_code != 200:
        problems.append(f"IC-AUTH-TOKEN: the token from {how} does not read the roster: {shown(used)}")
    return problems


def _grant(**extra: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", **extra}


# --- IC-AUTH-TOKEN -------------------------------------------------------------------------------

@pytest.mark.behaviour("IC-AUTH-TOKEN")
def test_ic_auth_token_with_http_basic(raw: Raw, oneroster_profile: Profile) -> None:
    target = raw.target
    # RFC 6749 §2.3.1: client id and secret are form-URL-encoded before Basic encodes them
    response = raw.token_request(_grant(), basic=(quote(target.client_id, safe=""),
                                                  quote(target.client_secret, safe="")))
    _fail(_token_problems(raw, response, "HTTP Basic client authentication", oneroster_profile))


@pytest.mark.behaviour("IC-AUTH-TOKEN")
def test_ic_auth_token_with_form_fields(raw: Raw, oneroster_profile: Profile) -> None:
    target = raw.target
    response = raw.token_request(_grant(client_id=target.client_id, client_secret=target.client_secret))
    _fail(_token_problems(raw, response, "client_id/client_secret form fields", oneroster_profile))


@pytest.mark.behaviour("IC-AUTH-TOKEN")
def test_ic_auth_token_with_the_versions_scopes(raw: Raw, oneroster_profile: Profile) -> None:
    wanted = scope(raw, "roster-core.readonly", "gradebook.readonly")
    response = raw.token_request(_grant(scope=wanted), basic=(raw.target.client_id, raw.target.client_secret))
    problems = _token_problems(raw, response, f"scope {wanted!r}", oneroster_profile)
    granted = (json_of(response) or {}).get("scope") if response.status_code == 200 else None
    if isinstance(granted, str):  # compared by name: IC may answer the other version's URIs
        names = {s.rsplit("/", 1)[-1] for s in granted.split()}
        if not {"roster-core.readonly", "gradebook.readonly"} <= names:
            problems.append(f"IC-AUTH-TOKEN: asked for {wanted!r}, granted {granted!r}")
    _fail(problems)


def _with_app_name(url: str, app: str) -> str:
    parts = urlsplit(url)
    query = {k: v for k, v in parse_qs(parts.query).items() if k != "appName"}
    return urlunsplit(parts._replace(query=urlencode({**query, "appName": app}, doseq=True)))


@pytest.mark.ic
@pytest.mark.behaviour("IC-AUTH-TOKEN")
def test_ic_auth_token_app_name_names_the_connection(raw: Raw) -> None:
    """``?appName=`` picks the application connection: this connection's credentials for another
    appName are refused (401 invalid_client)."""
    app = parse_qs(urlsplit(raw.target.token_url).query).get("appName")
    if not app:
        pytest.skip("the token URL carries no appName query")
    other = _with_app_name(raw.target.token_url, f"{app[0]}-not-this-one")
    response = raw.token_request(_grant(), basic=(raw.target.client_id, raw.target.client_secret), url=other)
    problems = _oauth_error(response, 401, "invalid_client", "this connection's credentials for another appName")
    _fail(problems)


def _oauth_error(response: requests.Response, status: int, error: str, what: str) -> list[str]:
    body = json_of(response)
    got = body.get("error") if isinstance(body, dict) else None
    if response.status_code != status or got != error:
        return [f"IC-AUTH-TOKEN: {what} should be {status} {{\"error\": {error!r}}} (RFC 6749 §5.2), got "
                f"{response.status_code}: {form_of(response)}"]
    return []


@pytest.mark.behaviour("IC-AUTH-TOKEN")
def test_ic_auth_token_wrong_secret_is_invalid_client(raw: Raw) -> None:
    target = raw.target
    problems = []
    basic = raw.token_request(_grant(), basic=(target.client_id, target.client_secret + "x"))
    problems += _oauth_error(basic, 401, "invalid_client", "a wrong secret by HTTP Basic")
    if basic.status_code == 401 and not basic.headers.get("WWW-Authenticate", "").lower().startswith("basic"):
        problems.append("IC-AUTH-TOKEN: a 401 to HTTP Basic client authentication must carry WWW-Authenticate: "
                        f"Basic (RFC 6749 §5.2), got {basic.headers.get('WWW-Authenticate')!r}")
    form = raw.token_request(_grant(client_id=target.client_id, client_secret=target.client_secret + "x"))
    problems += _oauth_error(form, 401, "invalid_client", "a wrong secret in the form fields")
    stranger = raw.token_request(_grant(), basic=("mockic-kit-no-such-client", target.client_secret))
    problems += _oauth_error(stranger, 401, "invalid_client", "an unknown client id")
    _fail(problems)


@pytest.mark.behaviour("IC-AUTH-TOKEN")
@pytest.mark.parametrize("grant_type", ["password", "authorization_code", "implicit"])
def test_ic_auth_token_other_grant_type_is_unsupported(raw: Raw, grant_type: str) -> None:
    response = raw.token_request({"grant_type": grant_type}, basic=(raw.target.client_id, raw.target.client_secret))
    _fail(_oauth_error(response, 400, "unsupported_grant_type", f"grant_type={grant_type}"))


@pytest.mark.behaviour("IC-AUTH-TOKEN")
def test_ic_auth_token_unknown_scope_is_invalid_scope(raw: Raw) -> None:
    wanted = scope(raw, "mockic-kit-everything")
    response = raw.token_request(_grant(scope=wanted), basic=(raw.target.client_id, raw.target.client_secret))
    _fail(_oauth_error(response, 400, "invalid_scope", f"scope {wanted!r}"))


# --- IC-AUTH-BEARER ------------------------------------------------------------------------------

def _unauthorised(raw: Raw, response: requests.Response, what: str) -> list[str]:
    """401, the version's body and code (IC-AUTH-BEARER), and WWW-Authenticate: Bearer (RFC 6750 §3)."""
    problems = error_problems(response, 401, "unauthorisedrequest", raw.target.version, f"IC-AUTH-BEARER ({what})")
    challenge = response.headers.get("WWW-Authenticate", "")
    if response.status_code == 401 and not challenge.lower().startswith("bearer"):
        problems.append(f"IC-AUTH-BEARER ({what}): a 401 must carry WWW-Authenticate: Bearer, got {challenge!r}: "
                        f"{shown(response)}")
    return problems


@pytest.mark.behaviour("IC-AUTH-BEARER", "OR-ERRORS")
def test_ic_auth_bearer_missing_or_bad_token_is_401(raw: Raw) -> None:
    problems = []
    for path in (ROSTER_READ, GRADEBOOK_READ):
        problems += _unauthorised(raw, raw.get(path, {"limit": 1}, token=None), f"GET {path} without a token")
        problems += _unauthorised(raw, raw.get(path, {"limit": 1}, token="mockic-kit-not-a-token"),
                                  f"GET {path} with a token the server never issued")
    basic = raw.get(ROSTER_READ, {"limit": 1}, token=None, headers={"Authorization": "Basic bm9ib2R5Om5vdGhpbmc="})
    problems += _unauthorised(raw, basic, f"GET {ROSTER_READ} with Basic credentials instead of a token")
    _fail(problems)


@pytest.mark.behaviour("IC-AUTH-BEARER")
def test_ic_auth_bearer_expired_token_is_401(raw: Raw) -> None:
    if raw.target.admin is None:
        pytest.skip("needs a mock-ic target (its clock makes a token expire now); a real IC token lives an hour")
    response = raw.token_request(_grant(), basic=(raw.target.client_id, raw.target.client_secret))
    assert response.status_code == 200, f"IC-AUTH-TOKEN: {form_of(response)}"
    body = response.json()
    token = body["access_token"]
    with clock_moved(raw.target.admin, float(body.get("expires_in") or 3600) + 5):
        expired = raw.get(ROSTER_READ, {"limit": 1}, token=token)
    _fail(_unauthorised(raw, expired, "GET with a token past its expires_in"))


@pytest.mark.behaviour("IC-AUTH-BEARER", "IC-TENANT")
def test_ic_auth_bearer_another_tenants_token_is_401(raw: Raw) -> None:
    admin = raw.target.admin
    if admin is None:
        pytest.skip("needs a mock-ic target (a second tenant is made through its control plane)")
    with another_tenant(admin) as other:
        url = other["urls"]["token"]
        response = raw.token_request(_grant(), basic=(other["clientId"], other["clientSecret"]), url=url)
        assert response.status_code == 200, f"IC-AUTH-TOKEN: the second tenant's token: {form_of(response)}"
        foreign = response.json()["access_token"]
        problems = _unauthorised(raw, raw.get(ROSTER_READ, {"limit": 1}, token=foreign),
                                 "GET on this connection's path with another tenant's token")
        theirs = other["urls"]["rostering" if raw.target.version == "1.2" else "v1p1"] + ROSTER_READ
        problems += _unauthorised(raw, raw.get(theirs, {"limit": 1}),
                                  "GET on another tenant's path with this connection's token")
    _fail(problems)


# --- IC-AUTH-SCOPE -------------------------------------------------------------------------------

def _forbidden(raw: Raw, response: requests.Response, what: str) -> list[str]:
    return error_problems(response, 403, "forbidden", raw.target.version, f"IC-AUTH-SCOPE ({what})")


@pytest.mark.behaviour("IC-AUTH-SCOPE")
def test_ic_auth_scope_roster_only_token_cannot_read_the_grade_book(raw: Raw) -> None:
    token = raw.token(scope=scope(raw, "roster-core.readonly"))
    problems = []
    allowed = raw.get(ROSTER_READ, {"limit": 1}, token=token)
    if allowed.status_code != 200:
        problems.append(f"IC-AUTH-SCOPE: a roster-core.readonly token should read {ROSTER_READ}: {shown(allowed)}")
    problems += _forbidden(raw, raw.get(GRADEBOOK_READ, {"limit": 1}, token=token),
                           f"GET {GRADEBOOK_READ} with a roster-core.readonly token")
    problems += _forbidden(raw, raw.get("/demographics", {"limit": 1}, token=token),
                           "GET /demographics without roster-demographics.readonly")
    _fail(problems)


@pytest.mark.writes
@pytest.mark.behaviour("IC-AUTH-SCOPE")
def test_ic_auth_scope_read_only_token_cannot_put(raw: Raw, oneroster_sandbox: Sandbox) -> None:
    """A grade book read-only token's PUT is 403 and stores nothing (the id is the kit's own)."""
    token = raw.token(scope=scope(raw, "gradebook.readonly", "roster-core.readonly"))
    sourced_id = oneroster_sandbox.new_id("lineItems")
    body = {"lineItem": {"sourcedId": sourced_id, "title": f"{TITLE_PREFIX}scope", "class": {
        "sourcedId": oneroster_sandbox.class_id}, "assignDate": "2026-01-01", "dueDate": "2026-01-02"}}
    problems = _forbidden(raw, raw.call("PUT", f"/lineItems/{sourced_id}", body=body, token=token),
                          "PUT /lineItems/{id} with a gradebook.readonly token")
    stored = raw.get(f"/lineItems/{sourced_id}")
    if stored.status_code != 404:
        problems.append(f"IC-AUTH-SCOPE: the refused PUT stored something: {shown(stored)}")
    _fail(problems)


# --- IC-VENDOR-HEADER ----------------------------------------------------------------------------

@pytest.mark.ic
@pytest.mark.behaviour("IC-VENDOR-HEADER")
def test_ic_vendor_header_missing_or_wrong_is_401_on_the_grade_book_only(raw: Raw) -> None:
    target = raw.target
    if target.vendor_key is None:
        pytest.skip("no vendor key given (--oneroster-vendor-key): the connection's grade book is not judged")
    problems = []
    missing = raw.get(GRADEBOOK_READ, {"limit": 1}, vendor=None)
    problems += error_problems(missing, 401, "unauthorisedrequest", target.version,
                               f"IC-VENDOR-HEADER (GET {GRADEBOOK_READ} without x-vendor-authorization)")
    description = parse_error_body(missing.text)[2]
    if missing.status_code == 401 and "x-vendor-authorization" not in description.lower():
        problems.append(f"IC-VENDOR-HEADER: the 401 should say the x-vendor-authorization header is missing, "
                        f"got {description!r}")
    for wrong, what in ((f"{target.vendor_key}:{target.vendor_secret}x", "a wrong vendor secret"),
                        (f"mockic-kit-no-such-vendor:{target.vendor_secret}", "an unknown vendor key"),
                        (str(target.vendor_key), "the key without its secret")):
        response = raw.get(GRADEBOOK_READ, {"limit": 1}, vendor=wrong)
        problems += error_problems(response, 401, "unauthorisedrequest", target.version, f"IC-VENDOR-HEADER ({what})")
    roster = raw.get(ROSTER_READ, {"limit": 1}, vendor=None)
    if roster.status_code != 200:
        problems.append(f"IC-VENDOR-HEADER: rostering reads need no vendor header: {shown(roster)}")
    _fail(problems)
