"""Raw HTTP to the target, for the checks the reference client would hide, and the error-body check.

The reference client (conformance/client.py) refreshes tokens, retries and raises typed errors: right
for a passback run, wrong for a suite that must see the exact status, headers and body a server
sends to a bad secret, a missing scope or ``limit=0``. :class:`Raw` sends one request as given:

* credentials are added at send time and never recorded: the transcript shows each call as a curl
  line with ``$TOKEN``/``$VENDOR`` (conformance/transcript.py), a token request with its form fields
  redacted;
* it honours ``--oneroster-read-only`` like the plugin's client: a PUT, POST or DELETE on a OneRoster
  resource raises before it leaves the process (the token POST is not a write to a resource).

:func:`error_problems` checks an error answer in the catalogue's terms (OR-ERRORS): the status, the
version's body shape (1.2 a bare ``imsx_StatusInfoDType``, 1.1 a ``statusInfoSet`` list) and the
codeMinor in the version's spelling.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

from conformance.read_only import WRITE_METHODS, refused

if TYPE_CHECKING:
    from conformance.client import OneRosterClient
    from conformance.target import Target
    from conformance.transcript import Transcript

# Collections served by the 1.2 grade book service (and behind the vendor header in both versions).
GRADEBOOK_COLLECTIONS = frozenset({"lineItems", "lineitems", "results", "categories", "scoreScales",
                                   "assessmentLineItems", "assessmentResults"})
# OR-ERRORS: the 1.1 binding spells a few codeMinor values with spaces (the catalogue's list).
V1P1_SPELLING = {"unknownobject": "unknown object", "invaliddata": "invalid data",
                 "unauthorisedrequest": "unauthorized", "fullsuccess": "full success"}
BODY_SHOWN = 300  # characters of a body quoted in a failure message


class Default:
    """The marker for "use the connection's own credential" (None means: send none)."""


DEFAULT: Any = Default()


def spelled(code: str, version: str) -> str:
    """A codeMinor as the version spells it (give the 1.2 spelling)."""
    return V1P1_SPELLING.get(code, code) if version == "1.1" else code


def is_gradebook_path(path: str) -> bool:
    """Does a OneRoster path (``/classes/1/lineItems``) name a grade book collection?"""
    segments = [s for s in path.split("?", 1)[0].split("/") if s]
    return any(s in GRADEBOOK_COLLECTIONS for s in segments[::2])  # collection names sit at even positions


def service_of(path: str) -> str:
    return "gradebook" if is_gradebook_path(path) else "rostering"


def trimmed(text: str, limit: int = BODY_SHOWN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def shown(response: requests.Response) -> str:
    """``GET url -> 401: body`` for a failure message (the URL carries no credential)."""
    request = response.request
    sent = ""
    if request.body and request.method in WRITE_METHODS and "json" in request.headers.get("Content-Type", ""):
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        sent = f" {trimmed(body, 160)}"
    return f"{request.method} {response.url}{sent} -> {response.status_code}: {trimmed(response.text)}"


@dataclass
class Raw:
    """One request at a time to the target, exactly as given; see the module docstring."""

    target: Target
    client: OneRosterClient  # whose token is "the connection's token"
    transcript: Transcript
    read_only: bool
    session: requests.Session = field(default_factory=requests.Session)
    timeout: float = 60.0

    def url(self, path: str) -> str:
        """The absolute URL of a OneRoster path of the target's version (``/classes/1``)."""
        if "://" in path:
            return path
        if self.target.version == "1.1":
            return f"{self.target.service_url('rostering')}{path}"
        return f"{self.target.service_url(service_of(path))}{path}"

    def call(self, method: str, path: str, *, params: Any = None, body: Any = None, token: Any = DEFAULT,
             vendor: Any = DEFAULT, headers: dict[str, str] | None = None) -> requests.Response:
        """A OneRoster call. ``token``/``vendor``: DEFAULT = the connection's, None = none, else that value.
        ``params`` may be a list of pairs, to send a parameter twice."""
        method = method.upper()
        url = self.url(path)
        if self.read_only and method in WRITE_METHODS:
            raise refused(method, url)
        sent = {"Accept": "application/json", **(headers or {})}
        bearer = self.client.token() if token is DEFAULT else token
        if bearer is not None:
            sent["Authorization"] = f"Bearer {bearer}"
        key = self.target.vendor_header.get("x-vendor-authorization") if vendor is DEFAULT else vendor
        if key is not None:
            sent["x-vendor-authorization"] = key
        response = self.session.request(method, url, params=params, json=body, headers=sent,
                                        timeout=self.timeout, allow_redirects=False)
        self.transcript.record(method, response.url, body, response.status_code)
        return response

    def get(self, path: str, params: Any = None, **options: Any) -> requests.Response:
        return self.call("GET", path, params=params, **options)

    def token_request(self, form: dict[str, str], *, basic: tuple[str, str] | None = None,
                      url: str | None = None) -> requests.Response:
        """POST the token endpoint (IC-AUTH-TOKEN) with ``form``; client credentials as HTTP Basic
        when ``basic`` is given. Recorded with the secret and the client id redacted."""
        target = url or self.target.token_url
        response = self.session.post(target, data=form, auth=basic, headers={"Accept": "application/json"},
                                     timeout=self.timeout, allow_redirects=False)
        redacted = {k: ("$" + k.upper() if k in ("client_id", "client_secret") else v) for k, v in form.items()}
        if basic is not None:
            redacted["(HTTP Basic)"] = "$CLIENT_ID:$CLIENT_SECRET"
        self.transcript.record("POST", target, redacted, response.status_code)
        return response

    def token(self, *, scope: str | None = None, **options: Any) -> str:
        """A fresh token of this connection (HTTP Basic), optionally for ``scope`` only."""
        form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
        response = self.token_request(form, basic=(self.target.client_id, self.target.client_secret), **options)
        assert response.status_code == 200, f"IC-AUTH-TOKEN: a token request was refused: {shown(response)}"
        return str(response.json()["access_token"])


def json_of(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def status_infos(body: Any, version: str) -> list[Any] | None:
    """The status info objects of an error body in the version's shape (OR-ERRORS), else None."""
    if version == "1.1":
        infos = body.get("statusInfoSet") if isinstance(body, dict) else None
        return infos if isinstance(infos, list) and infos else None
    return [body] if isinstance(body, dict) and "imsx_codeMajor" in body else None


def code_minors(info: Any) -> list[str]:
    minor = info.get("imsx_CodeMinor") if isinstance(info, dict) else None
    fields = minor.get("imsx_codeMinorField") if isinstance(minor, dict) else None
    return [f.get("imsx_codeMinorFieldValue") for f in fields or [] if isinstance(f, dict)]


def error_problems(response: requests.Response, status: int | set[int], code: str | set[str] | None,
                   version: str, behaviour: str) -> list[str]:
    """What is wrong with an error answer; ``code`` in the 1.2 spelling (spelled per version here)."""
    statuses = {status} if isinstance(status, int) else status
    if response.status_code not in statuses:
        want = " or ".join(str(s) for s in sorted(statuses))
        return [f"{behaviour}: expected {want}, got {shown(response)}"]
    body = json_of(response)
    infos = status_infos(body, version)
    style = "a statusInfoSet list (1.1)" if version == "1.1" else "a bare imsx_StatusInfoDType (1.2)"
    if infos is None:
        return [f"OR-ERRORS ({behaviour}): the {response.status_code} body is not {style}: {shown(response)}"]
    problems = []
    info = infos[0]
    for name, value in (("imsx_codeMajor", "failure"), ("imsx_severity", "error")):
        if not isinstance(info, dict) or info.get(name) != value:
            problems.append(f"OR-ERRORS ({behaviour}): {name} should be {value!r}: {shown(response)}")
    if not isinstance(info, dict) or not isinstance(info.get("imsx_description"), str):
        problems.append(f"OR-ERRORS ({behaviour}): no imsx_description: {shown(response)}")
    if code is not None:
        wanted = {spelled(c, version) for c in ({code} if isinstance(code, str) else code)}
        got = code_minors(info)
        if not wanted & set(got):
            problems.append(f"{behaviour}: codeMinor should be {' or '.join(sorted(map(repr, wanted)))} "
                            f"(OneRoster {version} spelling), got {got}: {shown(response)}")
    return problems


def form_of(response: requests.Response) -> str:
    """The JSON body of a token answer with the token withheld, for a message."""
    body = json_of(response)
    if isinstance(body, dict) and "access_token" in body:
        body = {**body, "access_token": "(withheld)"}
    return trimmed(json.dumps(body) if body is not None else response.text)
