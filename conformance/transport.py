"""The reference client's HTTP layer: urllib3 connection pools with keep-alive, one answer type.

Why not requests: on the passback's hot path (7,200 result PUTs) a requests ``Session`` spent about
half of the client's CPU on work a OneRoster client never needs per call — merging session and
request settings, walking ``os.environ`` twice for proxy settings, cookie jars, hooks, header
dictionaries rebuilt several times (benchmarks/BENCHMARKS.md, "Passback client cost"). What it did
that matters is kept, decided once per origin instead of per call: the environment's proxy
(``HTTP(S)_PROXY``/``NO_PROXY``), certifi's CA bundle for HTTPS (``REQUESTS_CA_BUNDLE`` or
``SSL_CERT_FILE`` when set), gzip/deflate answers, keep-alive pools of ``POOL_SIZE`` connections.
Retries, backoff and the deadline stay urllib3's ``Retry``/``Timeout`` (conformance/budget.py).

A request with a body goes out in **one** ``send()`` (headers and body together): urllib3 sends
them separately, which on loopback costs an extra wake-up of the server for every PUT.
"""

from __future__ import annotations

import os
import threading
import urllib.request
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import urllib3
from requests.utils import parse_header_links
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util import Retry, Timeout

POOL_SIZE = 5  # IC asks consumers for at most 5 concurrent requests (IC-LOAD)
USER_AGENT = f"mock-ic-conformance (python-urllib3/{urllib3.__version__})"
ACCEPT_ENCODING = "gzip, deflate"  # what requests asked for: a real district's big rostering pages shrink


@dataclass(frozen=True)
class Answer:
    """An HTTP answer, read in full: status, headers (case-insensitive), body, and the URL asked."""

    status_code: int
    headers: Any  # urllib3's HTTPHeaderDict: case-insensitive, ``get`` and ``in`` like a dict
    content: bytes
    url: str  # the URL as requested, query included

    @cached_property
    def text(self) -> str:
        charset = "utf-8"
        for part in str(self.headers.get("Content-Type", "")).split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:  # an unknown charset name
            return self.content.decode("utf-8", errors="replace")

    @cached_property
    def links(self) -> dict[str, dict[str, str]]:
        """The ``Link`` header by ``rel`` (as requests' ``Response.links``)."""
        header = self.headers.get("Link")
        if not header:
            return {}
        return {link.get("rel") or link.get("url", ""): link for link in parse_header_links(header)}


class _OneSend:
    """Mixin: a request whose framing is known (``Content-Length`` given) leaves in one ``send()``.

    urllib3 (and http.client under it) send the header block, then the body. The body is held back
    from urllib3, which then sends none of its own (the length being given), and joined to the
    header block where http.client sends it (``_send_output``, the one place it is written).
    """

    _held_body: bytes | None = None
    _buffer: list[bytes]

    def request(self, method: str, url: str, body: Any = None, headers: Any = None, **kw: Any) -> None:
        if isinstance(body, bytes) and body and headers is not None and "Content-Length" in headers:
            self._held_body = body
            try:
                super().request(method, url, body=None, headers=headers, **kw)  # type: ignore[misc]
            finally:
                self._held_body = None
            return
        super().request(method, url, body=body, headers=headers, **kw)  # type: ignore[misc]

    def _send_output(self, message_body: Any = None, encode_chunked: bool = False) -> None:
        held = self._held_body
        if message_body is not None or held is None:
            super()._send_output(message_body, encode_chunked)  # type: ignore[misc]
            return
        self._buffer.extend((b"", b""))
        head = b"\r\n".join(self._buffer)
        del self._buffer[:]
        self.send(head + held)  # type: ignore[attr-defined]


class _HTTPConnection(_OneSend, HTTPConnection):
    pass


class _HTTPSConnection(_OneSend, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def _ca_bundle() -> str | None:
    """The CA bundle requests would use: the environment's, else certifi's, else the system's (None)."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with requests
        return None
    return certifi.where()


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY``, ``NO_PROXY``, ...), if any."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    if not proxies or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxies.get(parts.scheme) or proxies.get("all")


def _split(url: str) -> tuple[tuple[str, str], str]:
    """((scheme, host[:port]) lower-cased, the request target: path and query) of an absolute URL,
    by string search: urllib3's and urllib's parsers cost more than the rest of a call's routing."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not an absolute URL: {url!r}")
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    target = rest[cut:].split("#", 1)[0]
    if not target.startswith("/"):
        target = "/" + target
    return (scheme.lower(), rest[:cut].lower()), target


@dataclass
class _Route:
    """How calls to one origin go: straight to its pool, or through the environment's proxy."""

    manager: urllib3.PoolManager
    pool: HTTPConnectionPool | None  # None: through the proxy (it wants the absolute URL)


class Transport:
    """Keep-alive connection pools, one per origin, each origin's route (direct or through the
    environment's proxy) decided at its first call."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], _Route] = {}
        self._lock = threading.Lock()

    def _route(self, origin: tuple[str, str], url: str) -> _Route:
        route = self._routes.get(origin)
        if route is None:
            with self._lock:
                route = self._routes.get(origin)
                if route is None:
                    route = self._routes[origin] = self._new_route(url)
        return route

    @staticmethod
    def _new_route(url: str) -> _Route:
        options: dict[str, Any] = {"num_pools": 2, "maxsize": POOL_SIZE, "block": False}
        if url.lower().startswith("https:"):
            options["ca_certs"] = _ca_bundle()
        proxy = _proxy_for(url)
        if proxy:
            manager: urllib3.PoolManager = urllib3.ProxyManager(proxy, **options)
            manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
            return _Route(manager, None)
        manager = urllib3.PoolManager(**options)
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        return _Route(manager, manager.connection_from_url(url))

    def send(self, method: str, url: str, *, body: bytes | None, headers: dict[str, str], retries: Retry,
             timeout: Timeout) -> Answer:
        """One call with urllib3's retries; redirects are returned, never followed. Raises urllib3's
        errors (``urllib3.exceptions.HTTPError``) when no answer came after the retries."""
        headers["User-Agent"] = USER_AGENT
        headers["Accept-Encoding"] = ACCEPT_ENCODING
        if body is not None:
            headers["Content-Length"] = str(len(body))  # the framing is known: one send (_OneSend)
        origin, target = _split(url)
        route = self._route(origin, url)
        options: dict[str, Any] = {"body": body, "headers": headers, "retries": retries, "redirect": False,
                                   "timeout": timeout, "preload_content": True, "decode_content": True}
        if route.pool is None:
            response = route.manager.urlopen(method, url, **options)
        else:  # what PoolManager.urlopen would do, without parsing the URL twice more per call
            response = route.pool.urlopen(method, target, assert_same_host=False, **options)
        return Answer(response.status, response.headers, response.data, url)

    def close(self) -> None:
        with self._lock:
            routes, self._routes = list(self._routes.values()), {}
        for route in routes:
            route.manager.clear()
