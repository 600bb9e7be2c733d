"""Request-log entries as an HTTP Archive (HAR 1.2, http://www.softwareishard.com/blog/har-12-spec/).

Entries go oldest first (what the format prefers); each carries ``_id``, ``_tenant`` and
``_operationId`` (custom fields start with an underscore). Timings: the server's own latency is
``wait``; ``send`` and ``receive`` are 0 (the network is not seen from inside the server).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from http import HTTPStatus
from importlib import metadata
from typing import Any
from urllib.parse import parse_qsl

from mock_ic.requestlog.exchange import BODY_CAP

HAR_VERSION = "1.2"
_UNKNOWN_MIME = "x-unknown"


def to_har(entries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A HAR document of entries as :func:`mock_ic.requestlog.entries` returns them."""
    ordered = sorted(entries, key=lambda e: (e["started"], e["id"]))
    return {"log": {
        "version": HAR_VERSION,
        "creator": {"name": "mock-ic", "version": _version()},
        "entries": [_entry(e) for e in ordered],
    }}


def _entry(entry: dict[str, Any]) -> dict[str, Any]:
    latency = float(entry["latencyMs"])
    return {
        "startedDateTime": entry["started"],
        "time": latency,
        "request": _request(entry),
        "response": _response(entry),
        "cache": {},
        "timings": {"send": 0, "wait": latency, "receive": 0},
        "_id": entry["id"],
        "_tenant": entry["tenant"],
        "_operationId": entry["operationId"],
    }


def _request(entry: dict[str, Any]) -> dict[str, Any]:
    request = entry["request"]
    query = entry["url"].partition("?")[2]
    har: dict[str, Any] = {
        "method": entry["method"],
        "url": entry["url"],
        "httpVersion": _http_version(entry),
        "cookies": [],  # cookie values are redacted: nothing to show
        "headers": request["headers"],
        "queryString": [{"name": k, "value": v} for k, v in parse_qsl(query, keep_blank_values=True)],
        "headersSize": -1,
        "bodySize": request["bodySize"],
    }
    if request["body"] is not None:
        har["postData"] = {"mimeType": _content_type(request["headers"]) or "application/octet-stream",
                           "text": request["body"]}
        if request["truncated"]:
            har["postData"]["comment"] = _truncated(request["bodySize"])
    return har


def _response(entry: dict[str, Any]) -> dict[str, Any]:
    response = entry["response"]
    status = int(entry["status"])
    content: dict[str, Any] = {"size": response["bodySize"],
                               "mimeType": _content_type(response["headers"]) or _UNKNOWN_MIME}
    if response["body"] is not None:
        content["text"] = response["body"]
    if response["truncated"]:
        content["comment"] = _truncated(response["bodySize"])
    return {
        "status": status,
        "statusText": _status_text(status),
        "httpVersion": _http_version(entry),
        "cookies": [],
        "headers": response["headers"],
        "content": content,
        "redirectURL": _header(response["headers"], "location") or "",
        "headersSize": -1,
        "bodySize": response["bodySize"],
    }


def _http_version(entry: dict[str, Any]) -> str:
    return f"HTTP/{entry['httpVersion']}"


def _header(headers: list[dict[str, str]], name: str) -> str | None:
    return next((h["value"] for h in headers if h["name"].lower() == name), None)


def _content_type(headers: list[dict[str, str]]) -> str | None:
    return _header(headers, "content-type")


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _truncated(size: int) -> str:
    return f"body truncated by mock-ic: {size} bytes in total, the first {BODY_CAP} kept"


@cache
def _version() -> str:
    try:
        return metadata.version("mock-ic")
    except metadata.PackageNotFoundError:
        return "0+unknown"
