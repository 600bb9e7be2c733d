"""OneRosterClient: the reference OneRoster 1.1/1.2 HTTP client of the conformance kit (issue 6).

What a grade passback client must survive against Infinite Campus, in one place, so that the kit's
suites and the reference passback client measure the *server*, not their own HTTP plumbing:

* **Tokens.** OAuth 2.0 client credentials (HTTP Basic or form fields, IC-AUTH-TOKEN), cached and
  refreshed shortly before ``expires_in``, and once more when a OneRoster call answers 401 (a token
  revoked or expired early). Grade book calls also carry ``x-vendor-authorization``
  (IC-VENDOR-HEADER); rostering calls do not.
* **URLs.** One OneRoster root per connection; 1.2 calls go to ``{root}/rostering/v1p2`` or
  ``{root}/gradebook/v1p2`` by the resource they name, 1.1 calls to ``{root}/v1p1``.
* **Retries** (urllib3 ``Retry`` on every call): 429/502/503/504 and connection errors,
  honouring ``Retry-After``, with exponential backoff (no wait before the first retry, then
  ``backoff_factor * 2**(n-1)``, capped at ``max_backoff``; a longer ``Retry-After`` is capped
  too). Retried methods: GET, HEAD, DELETE and **PUT**. A retried PUT is safe because a OneRoster
  PUT is an idempotent upsert on a sourcedId the *caller* chose: sending it twice stores one object
  (201 then 200), never a duplicate. POST is never retried on OneRoster paths (it may create). The
  token POST is retried like a GET: asking twice for a client-credentials token only issues two
  tokens, which harms nothing.
* **Time.** A per-attempt timeout (connect and read) and an optional overall deadline that bounds
  everything: each attempt's timeout is cut to the time left, and no retry waits past it
  (``DeadlineExceeded``). This is how a passback run meets "Data Sync Job Timed Out".
* **Errors** are typed (``conformance.client_errors``) and carry status, codeMajor, codeMinor,
  description, method, URL and the raw body, parsed from 1.2 and 1.1 bodies alike.
* **HTTP** (``conformance.transport``): urllib3 keep-alive pools, up to ``POOL_SIZE`` connections,
  JSON bodies written with orjson; the environment's proxy and CA bundle are honoured as requests
  would, decided once per origin rather than on every call (the passback's 7,200 PUTs).

Credentials never reach a message, a ``repr`` or a log line: the bearer token and the vendor
secret are added by a credentials object at send time, and errors are built from the answer only.
Redirects are not followed (a redirect elsewhere would carry the vendor header with it).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import orjson
import urllib3

from conformance.budget import BoundedRetry, Budget, ClientStats, DeadlineHit, DeadlineTimeout
from conformance.client_errors import (
    AuthError,
    DeadlineExceeded,
    InvalidData,
    MalformedResponse,
    NotFound,
    OneRosterError,
    RateLimited,
    ServerError,
    TransportError,
    error_class,
    parse_error_body,
)
from conformance.transport import Answer, Transport

__all__ = [
    "AuthError", "ClientStats", "DeadlineExceeded", "InvalidData", "MalformedResponse", "NotFound",
    "OneRosterClient", "OneRosterError", "RateLimited", "ServerError", "TransportError",
]

log = logging.getLogger("conformance.client")

VERSIONS = ("1.1", "1.2")
RETRY_STATUSES = frozenset({429, 502, 503, 504})
RETRIED_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
_TOKEN_MARGIN = 60.0  # refresh this long before expiry (at most a tenth of the lifetime)
# OneRoster collections served by the grade book service (1.2) / needing the vendor header (both).
_GRADEBOOK = frozenset({"lineItems", "lineitems", "results", "categories", "scoreScales", "assessmentLineItems",
                        "assessmentResults"})
_BASE_SUFFIXES = {"/rostering/v1p2": "1.2", "/gradebook/v1p2": "1.2", "/v1p1": "1.1"}


class _Credentials:
    """Adds the credential headers at send time, so no dict of the caller's (nor a transcript's
    record of the call's arguments) holds them; its ``repr`` shows none of them."""

    __slots__ = ("_headers",)

    def __init__(self, headers: dict[str, str]) -> None:
        self._headers = headers

    @classmethod
    def bearer(cls, token: str, vendor: str | None) -> _Credentials:
        headers = {"Authorization": f"Bearer {token}"}
        if vendor is not None:
            headers["x-vendor-authorization"] = vendor
        return cls(headers)

    @classmethod
    def basic(cls, user: str, password: str) -> _Credentials:
        pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return cls({"Authorization": f"Basic {pair}"})

    def apply(self, headers: dict[str, str]) -> None:
        headers.update(self._headers)

    def __repr__(self) -> str:
        return "<credentials>"


def _root_of(base_url: str, version: str) -> str:
    """The ``.../ims/oneroster`` root of a base URL given with or without its service suffix."""
    root = base_url.rstrip("/")
    for suffix, suffix_version in _BASE_SUFFIXES.items():
        if root.endswith(suffix):
            if suffix_version != version:
                raise ValueError(f"base_url ends with {suffix!r}, a OneRoster {suffix_version} base, "
                                 f"but version is {version!r}")
            return root[: -len(suffix)]
    return root


def _is_gradebook(relative: str) -> bool:
    """Does a OneRoster path (``classes/1/lineItems``) name a grade book collection?"""
    segments = [s for s in relative.split("?", 1)[0].split("/") if s]
    return any(s in _GRADEBOOK for s in segments[::2])  # collection names sit at even positions


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _segment(value: object) -> str:
    return quote(str(value), safe="")


_ACCEPT_JSON = {"Accept": "application/json"}


def _json_bytes(value: Any) -> bytes:
    """orjson (a tenth of the stdlib's cost per result PUT); the stdlib for what orjson refuses
    (an integer beyond 64 bits, a key that is not a string)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def _equals(field: str, value: object) -> str:
    """A OneRoster filter ``field='value'``, a quote inside the value doubled (OR-FILTER)."""
    text = str(value).replace("'", "''")
    return f"{field}='{text}'"


def _with_query(url: str, params: dict[str, Any]) -> str:
    """``url`` with ``params`` added to its query, as requests encodes them (None values left out)."""
    query = urlencode([(k, v) for k, v in params.items() if v is not None], doseq=True)
    if not query:
        return url
    return f"{url}{'&' if '?' in url else '?'}{query}"


class OneRosterClient:
    """A client of one OneRoster connection (one IC application connection) in one version.

    Safe to share between threads (the passback's concurrent PUTs): the connection pools, the
    token and the counters are.
    """

    def __init__(self, *, base_url: str, token_url: str, client_id: str, client_secret: str,
                 vendor_key: str | None = None, vendor_secret: str | None = None, version: str = "1.2",
                 auth_method: str = "basic", scope: str | None = None, timeout: float = 30.0,
                 deadline: float | None = None, retries: int = 5, backoff_factor: float = 0.5,
                 max_backoff: float = 30.0) -> None:
        if version not in VERSIONS:
            raise ValueError(f"version must be one of {VERSIONS}, not {version!r}")
        if auth_method not in ("basic", "form"):
            raise ValueError(f"auth_method must be 'basic' or 'form', not {auth_method!r}")
        if (vendor_key is None) != (vendor_secret is None):
            raise ValueError("vendor_key and vendor_secret go together: give both or neither")
        if timeout <= 0 or retries < 0:
            raise ValueError("timeout must be positive and retries at least 0")
        self.version = version
        self.root = _root_of(base_url, version)
        self.token_url = token_url
        self.timeout = timeout
        self._client_id = client_id
        self._client_secret = client_secret
        self._vendor = f"{vendor_key}:{vendor_secret}" if vendor_key is not None else None
        self._auth_method = auth_method
        self._scope = scope
        self.stats = ClientStats()
        self._budget = Budget(self.stats)
        self._token: str | None = None
        self._token_refresh_at: float | None = None
        self._credentials: dict[bool, _Credentials] = {}  # grade book call or not -> the current token's
        self._token_lock = threading.Lock()
        self._clock = time.monotonic  # the token lifetime's clock; a test may move it forward
        self._transport = Transport()
        self._retry = self._retry_policy(RETRIED_METHODS, retries, backoff_factor, max_backoff)
        self._token_retry = self._retry_policy(frozenset({"POST"}), retries, backoff_factor, max_backoff)
        self._token_base = token_url.split("?", 1)[0]
        self.start_deadline(deadline)

    def __repr__(self) -> str:
        return f"OneRosterClient(root={self.root!r}, version={self.version!r})"

    def _retry_policy(self, methods: frozenset[str], retries: int, backoff_factor: float,
                      max_backoff: float) -> BoundedRetry:
        """urllib3 makes a new Retry for each attempt from this one, so one policy serves every call
        and thread. OneRoster calls retry GET/HEAD/PUT/DELETE; the token URL only its POST."""
        policy = BoundedRetry(total=retries, allowed_methods=methods, status_forcelist=RETRY_STATUSES,
                              backoff_factor=backoff_factor, backoff_max=max_backoff,
                              respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False)
        policy.budget = self._budget
        return policy

    # -- time ---------------------------------------------------------------------------------

    def start_deadline(self, seconds: float | None) -> None:
        """Every call from now on must finish within ``seconds`` (None: no overall deadline)."""
        self._budget.seconds = seconds
        self._budget.deadline = None if seconds is None else time.monotonic() + seconds

    def _deadline_error(self, reason: str, method: str, url: str) -> DeadlineExceeded:
        return DeadlineExceeded(f"Overall deadline of {self._budget.seconds} s exceeded: {reason}",
                                method=method, url=url)

    # -- HTTP ---------------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, params: dict[str, Any] | None = None, json: Any = None,
              data: dict[str, str] | None = None, auth: _Credentials | None = None,
              headers: dict[str, str] | None = None) -> Answer:
        """One call with the retry policy of its URL; no answer at all becomes a typed error.

        ``url`` without ``params`` (the kit's transcript and read-only guard wrap this method and
        read both); ``json`` is sent as JSON, ``data`` as a form.
        """
        sent = dict(headers) if headers else {}
        body: bytes | None = None
        if json is not None:
            body = _json_bytes(json)
            sent["Content-Type"] = "application/json"
        elif data is not None:
            body = urlencode(data).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if auth is not None:
            auth.apply(sent)
        full = _with_query(url, params) if params else url
        retry = self._token_retry if url.startswith(self._token_base) else self._retry
        try:
            timeout = DeadlineTimeout(self.timeout, self._budget)
            self._budget.count(attempts=1)
            response = self._transport.send(method, full, body=body, headers=sent, retries=retry, timeout=timeout)
        except DeadlineHit as hit:
            raise self._deadline_error(str(hit), method, url) from None
        except urllib3.exceptions.HTTPError as exc:
            if self._budget.expired():
                raise self._deadline_error(f"no answer in time ({type(exc).__name__})", method, url) from None
            raise TransportError(f"No HTTP answer after every retry: {exc}", method=method, url=url) from None
        self._budget.count(status=response.status_code)
        return response

    def _url(self, target: str) -> tuple[str, bool]:
        """(absolute URL, is a grade book call) of a OneRoster path or of an absolute URL of this root."""
        if "://" in target:
            if _origin(target) != _origin(self.root):
                raise ValueError(f"{target!r} is not on this connection's server ({self.root})")
            path = urlsplit(target).path
            if "/gradebook/v1p2/" in path or "/rostering/v1p2/" in path:
                return target, "/gradebook/v1p2/" in path
            return target, _is_gradebook(path.rsplit("/v1p1/", 1)[-1])
        relative = target.lstrip("/")
        gradebook = _is_gradebook(relative)
        if self.version == "1.1":
            return f"{self.root}/v1p1/{relative}", gradebook
        return f"{self.root}/{'gradebook' if gradebook else 'rostering'}/v1p2/{relative}", gradebook

    def _request(self, method: str, target: str, *, params: dict[str, Any] | None = None,
                 body: dict[str, Any] | None = None) -> Answer:
        """A OneRoster call: bearer (+ vendor) credentials, one token refresh on 401, typed errors."""
        url, gradebook = self._url(target)
        for attempt in (1, 2):
            token, credentials = self._credentials_for(gradebook)
            response = self._send(method, url, params=params, json=body, auth=credentials, headers=_ACCEPT_JSON)
            if response.status_code == 401 and attempt == 1:
                log.info("%s %s answered 401; fetching a new token and trying once more", method, url)
                self._forget_token(token)
                continue
            break
        if 200 <= response.status_code < 300:
            return response
        raise self._error(response, method)

    @staticmethod
    def _error(response: Answer, method: str) -> OneRosterError:
        status = response.status_code
        major, minor, description = parse_error_body(response.text)
        if 300 <= status < 400:
            description = f"Unexpected redirect to {response.headers.get('Location')!r} (not followed)"
        return error_class(status)(description, status=status, code_major=major, code_minor=minor, method=method,
                                   url=response.url, body=response.text)

    @staticmethod
    def _json(response: Answer, method: str) -> dict[str, Any]:
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            kind = response.headers.get("Content-Type", "no Content-Type")
            raise MalformedResponse(f"HTTP {response.status_code} answer is not a JSON object ({kind}, "
                                    f"{len(response.content)} bytes)", status=response.status_code, method=method,
                                    url=response.url, body=response.text)
        return data

    # -- tokens -------------------------------------------------------------------------------

    def token(self) -> str:
        """The current access token; fetched on first use and shortly before it expires."""
        return self._credentials_for(False)[0]

    def _credentials_for(self, gradebook: bool) -> tuple[str, _Credentials]:
        """(token, its credential headers: bearer, plus the vendor header on grade book calls),
        made once per token rather than per call."""
        with self._token_lock:
            if self._token is None or (self._token_refresh_at is not None
                                       and self._clock() >= self._token_refresh_at):
                self._token, self._token_refresh_at = self._fetch_token()
                self._credentials = {}
            credentials = self._credentials.get(gradebook)
            if credentials is None:
                credentials = self._credentials[gradebook] = _Credentials.bearer(
                    self._token, self._vendor if gradebook else None)
            return self._token, credentials

    def _forget_token(self, token: str) -> None:
        with self._token_lock:
            if self._token == token:  # another thread may have refreshed it already
                self._token = None
                self._credentials = {}

    def _fetch_token(self) -> tuple[str, float | None]:
        """POST the client-credentials grant (IC-AUTH-TOKEN); (token, monotonic refresh time)."""
        data = {"grant_type": "client_credentials"}
        if self._scope:
            data["scope"] = self._scope
        auth: _Credentials | None = None
        if self._auth_method == "basic":  # RFC 6749 2.3.1: both parts form-URL-encoded first
            auth = _Credentials.basic(quote(self._client_id, safe=""), quote(self._client_secret, safe=""))
        else:
            data.update(client_id=self._client_id, client_secret=self._client_secret)
        started = self._clock()
        response = self._send("POST", self.token_url, data=data, auth=auth, headers=_ACCEPT_JSON)
        url = response.url
        if not 200 <= response.status_code < 300:
            status = response.status_code
            _, minor, description = parse_error_body(response.text)
            cls = AuthError if 400 <= status < 500 and status != 429 else error_class(status)
            raise cls(f"Token request refused: {description}", status=status, code_minor=minor, method="POST",
                      url=url, body=response.text)
        try:
            answer = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            answer = None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            # The body may hold part of a token: keep none of it.
            raise MalformedResponse(f"Token answer HTTP {response.status_code} has no access_token "
                                    f"({response.headers.get('Content-Type', 'no Content-Type')}, "
                                    f"{len(response.content)} bytes)", status=response.status_code, method="POST",
                                    url=url, body="(withheld: token endpoint answer)")
        self._budget.count(tokens=1)
        lifetime = answer.get("expires_in")
        try:
            seconds = float(lifetime) if lifetime is not None else None
        except (TypeError, ValueError):
            seconds = None
        if seconds is None or seconds <= 0:
            return token, None  # no known lifetime: refresh on a 401 only
        return token, started + seconds - min(_TOKEN_MARGIN, seconds / 10)

    # -- generic calls ------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET a OneRoster path (``classes/1``) or an absolute URL of this root; the JSON body."""
        return self._json(self._request("GET", path, params=params), "GET")

    def paginate(self, path: str, key: str, params: dict[str, Any] | None = None,
                 page_size: int = 100) -> Iterator[dict[str, Any]]:
        """Every object of a collection, page by page (OR-PAGING).

        Follows the ``Link`` ``rel="next"`` URL while the server gives one; a server without a Link
        header is paged by ``offset``, up to ``X-Total-Count`` or to the first short page. A Link
        that repeats a page or leaves the server is a MalformedResponse, not an endless loop.
        """
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, not {page_size}")
        query: dict[str, Any] = {**(params or {}), "limit": page_size}
        offset = int(query.get("offset", 0))
        query["offset"] = offset
        target: str = path
        request_params: dict[str, Any] | None = query
        seen: set[str] = set()
        while True:
            response = self._request("GET", target, params=request_params)
            items = self._json(response, "GET").get(key)
            if not isinstance(items, list):
                raise MalformedResponse(f"The page has no {key!r} list", status=response.status_code, method="GET",
                                        url=response.url, body=response.text)
            yield from items
            following = response.links.get("next", {}).get("url")
            if following:
                following = urljoin(response.url, following)
                if following in seen or _origin(following) != _origin(self.root):
                    raise MalformedResponse(f"Link rel=next {following!r} repeats a page or leaves the server",
                                            status=response.status_code, method="GET", url=response.url)
                seen.add(following)
                target, request_params = following, None
                continue
            offset += len(items)
            total = response.headers.get("X-Total-Count", "")
            done = (not items or "Link" in response.headers
                    or (offset >= int(total) if total.isdigit() else len(items) < page_size))
            if done:
                return
            target, request_params = path, {**query, "offset": offset}

    def put(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """PUT (idempotent upsert: retried safely); (status, JSON body, ``{}`` when the answer is empty)."""
        response = self._request("PUT", path, body=body)
        return response.status_code, (self._json(response, "PUT") if response.content else {})

    def delete(self, path: str) -> None:
        """DELETE. A retried DELETE whose first attempt did reach the server answers 404 (NotFound)."""
        self._request("DELETE", path)

    def _object(self, path: str, key: str) -> dict[str, Any]:
        body = self.get(path)
        value = body.get(key)
        if not isinstance(value, dict):
            raise MalformedResponse(f"The answer has no {key!r} object", status=200, method="GET", url=path,
                                    body=json.dumps(body)[:1000])
        return value

    # -- rostering ----------------------------------------------------------------------------

    def get_class(self, class_id: object) -> dict[str, Any]:
        return self._object(f"classes/{_segment(class_id)}", "class")

    def class_students(self, class_id: object) -> list[dict[str, Any]]:
        return list(self.paginate(f"classes/{_segment(class_id)}/students", "users"))

    def class_teachers(self, class_id: object) -> list[dict[str, Any]]:
        return list(self.paginate(f"classes/{_segment(class_id)}/teachers", "users"))

    def class_enrollments(self, class_id: object, school_id: object | None = None) -> list[dict[str, Any]]:
        """Enrolments of a class. Neither version has ``/classes/{id}/enrollments``; both have the
        school-scoped route, so the class's school is read first unless given."""
        if school_id is None:
            school_id = self.get_class(class_id)["school"]["sourcedId"]
        return list(self.paginate(f"schools/{_segment(school_id)}/classes/{_segment(class_id)}/enrollments",
                                  "enrollments"))

    def class_terms(self, class_id: object) -> list[dict[str, Any]]:
        """The academic sessions of ``class.terms``. There is no class-terms route in either
        version, so each reference is read from ``/academicSessions/{id}``."""
        refs = self.get_class(class_id).get("terms") or []
        return [self._object(f"academicSessions/{_segment(ref['sourcedId'])}", "academicSession") for ref in refs]

    # -- grade book ---------------------------------------------------------------------------

    def class_line_items(self, class_id: object) -> list[dict[str, Any]]:
        return list(self.paginate(f"classes/{_segment(class_id)}/lineItems", "lineItems"))

    def class_results(self, class_id: object) -> list[dict[str, Any]]:
        return list(self.paginate(f"classes/{_segment(class_id)}/results", "results"))

    def line_item_results(self, class_id: object, line_item_id: object) -> list[dict[str, Any]]:
        return list(self.paginate(f"classes/{_segment(class_id)}/lineItems/{_segment(line_item_id)}/results",
                                  "results"))

    def class_categories(self, class_id: object) -> list[dict[str, Any]]:
        """The class's grade book categories.

        1.2: ``GET /classes/{id}/categories``. 1.1 has no class-scoped categories route and its
        Category has no class; Infinite Campus (and the mock) record the class in
        ``metadata.ic.class``, so 1.1 asks ``/categories`` filtered on it and keeps only the
        categories that name this class. A 1.1 server without that metadata gives ``[]``.
        """
        if self.version == "1.2":
            return list(self.paginate(f"classes/{_segment(class_id)}/categories", "categories"))
        wanted = str(class_id).replace("'", "")
        found = self.paginate("categories", "categories", params={"filter": f"metadata.ic.class='{wanted}'"})
        return [c for c in found if ((c.get("metadata") or {}).get("ic") or {}).get("class") == str(class_id)]

    def get_line_item(self, sourced_id: object) -> dict[str, Any]:
        return self._object(f"lineItems/{_segment(sourced_id)}", "lineItem")

    def put_line_item(self, sourced_id: object, line_item: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self.put(f"lineItems/{_segment(sourced_id)}", {"lineItem": line_item})

    def delete_line_item(self, sourced_id: object) -> None:
        self.delete(f"lineItems/{_segment(sourced_id)}")

    def get_result(self, sourced_id: object) -> dict[str, Any]:
        return self._object(f"results/{_segment(sourced_id)}", "result")

    def put_result(self, sourced_id: object, result: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self.put(f"results/{_segment(sourced_id)}", {"result": result})

    def delete_result(self, sourced_id: object) -> None:
        self.delete(f"results/{_segment(sourced_id)}")

    # -- score scales and assessments (OneRoster 1.2 only) ----------------------------------------
    #
    # 1.1 has none of them (IC-LI-1P1-ONLY): on a 1.1 client these raise ValueError before sending.
    # 1.2 has no class-scoped assessment route: the class's assessment line items are asked for with a
    # filter on ``class.sourcedId``, an assessment line item's results with one on
    # ``assessmentLineItem.sourcedId``.

    def class_score_scales(self, class_id: object) -> list[dict[str, Any]]:
        self._only_1p2("score scales")
        return list(self.paginate(f"classes/{_segment(class_id)}/scoreScales", "scoreScales"))

    def get_score_scale(self, sourced_id: object) -> dict[str, Any]:
        self._only_1p2("score scales")
        return self._object(f"scoreScales/{_segment(sourced_id)}", "scoreScale")

    def put_score_scale(self, sourced_id: object, scale: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self._only_1p2("score scales")
        return self.put(f"scoreScales/{_segment(sourced_id)}", {"scoreScale": scale})

    def delete_score_scale(self, sourced_id: object) -> None:
        self._only_1p2("score scales")
        self.delete(f"scoreScales/{_segment(sourced_id)}")

    def class_assessment_line_items(self, class_id: object) -> list[dict[str, Any]]:
        self._only_1p2("assessment line items")
        return list(self.paginate("assessmentLineItems", "assessmentLineItems",
                                  params={"filter": _equals("class.sourcedId", class_id)}))

    def get_assessment_line_item(self, sourced_id: object) -> dict[str, Any]:
        self._only_1p2("assessment line items")
        return self._object(f"assessmentLineItems/{_segment(sourced_id)}", "assessmentLineItem")

    def put_assessment_line_item(self, sourced_id: object, line_item: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self._only_1p2("assessment line items")
        return self.put(f"assessmentLineItems/{_segment(sourced_id)}", {"assessmentLineItem": line_item})

    def delete_assessment_line_item(self, sourced_id: object) -> None:
        self._only_1p2("assessment line items")
        self.delete(f"assessmentLineItems/{_segment(sourced_id)}")

    def assessment_line_item_results(self, line_item_id: object) -> list[dict[str, Any]]:
        self._only_1p2("assessment results")
        return list(self.paginate("assessmentResults", "assessmentResults",
                                  params={"filter": _equals("assessmentLineItem.sourcedId", line_item_id)}))

    def get_assessment_result(self, sourced_id: object) -> dict[str, Any]:
        self._only_1p2("assessment results")
        return self._object(f"assessmentResults/{_segment(sourced_id)}", "assessmentResult")

    def put_assessment_result(self, sourced_id: object, result: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self._only_1p2("assessment results")
        return self.put(f"assessmentResults/{_segment(sourced_id)}", {"assessmentResult": result})

    def delete_assessment_result(self, sourced_id: object) -> None:
        self._only_1p2("assessment results")
        self.delete(f"assessmentResults/{_segment(sourced_id)}")

    def _only_1p2(self, what: str) -> None:
        if self.version != "1.2":
            raise ValueError(f"{what} are OneRoster 1.2 objects; a {self.version} connection has none "
                             "(IC-LI-1P1-ONLY)")

    # -- lifetime -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pools."""
        self._transport.close()

    def __enter__(self) -> OneRosterClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
