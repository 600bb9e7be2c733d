"""Log entries as an HTTP Archive: HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/)."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from functools import cache
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from mock_ic.control.request_log.entry import BODY_CAP


def to_har(log_entries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A HAR 1.2 document of entries as :func:`~mock_ic.control.request_log.queries.entries` returns them.

    Entries go oldest first (as the format prefers), each with ``_id``, ``_tenant`` and
    ``_operationId`` (custom fields start with "_"). Timings: the server's latency is ``wait``;
    ``send`` and ``receive`` are 0 (the network is not seen from inside the server).
    """
    ordered = sorted(log_entries, key=lambda e: (e["started"], e["id"]))
    return {"log": {
        "version": "1.2",
        "creator": {"name": "mock-ic", "version": _version()},
        "entries": [_har_entry(e) for e in ordered],
    }}


def _har_entry(entry: dict[str, Any]) -> dict[str, Any]:
    latency = float(entry["latencyMs"])
    http_version = f"HTTP/{entry['httpVersion']}"
    request, response = entry["request"], entry["response"]
    har_request: dict[str, Any] = {
        "method": entry["method"],
        "url": entry["url"],
        "httpVersion": http_version,
        "cookies": [],  # cookie values are redacted: nothing to show
        "headers": request["headers"],
        "queryString": [{"name": k, "value": v}
                        for k, v in parse_qsl(entry["url"].partition("?")[2], keep_blank_values=True)],
        "headersSize": -1,
        "bodySize": request["bodySize"],
    }
    if request["body"] is not None:
        mime_type = _header(request["headers"], "content-type") or "application/octet-stream"
        har_request["postData"] = {"mimeType": mime_type, "text": request["body"], **_truncation(request)}
    content: dict[str, Any] = {"size": response["bodySize"],
                               "mimeType": _header(response["headers"], "content-type") or "x-unknown",
                               **_truncation(response)}
    if response["body"] is not None:
        content["text"] = response["body"]
    return {
        "startedDateTime": entry["started"],
        "time": latency,
        "request": har_request,
        "response": {
            "status": entry["status"],
            "statusText": _status_text(entry["status"]),
            "httpVersion": http_version,
            "cookies": [],
            "headers": response["headers"],
            "content": content,
            "redirectURL": _header(response["headers"], "location") or "",
            "headersSize": -1,
            "bodySize": response["bodySize"],
        },
        "cache": {},
        "timings": {"send": 0, "wait": latency, "receive": 0},
        "_id": entry["id"],
        "_tenant": entry["tenant"],
        "_operationId": entry["operationId"],
    }


def _header(headers: list[dict[str, str]], name: str) -> str | None:
    return next((h["value"] for h in headers if h["name"].lower() == name), None)


def _truncation(message: dict[str, Any]) -> dict[str, str]:
    if not message["truncated"]:
        return {}
    return {"comment": f"body truncated by mock-ic: {message['bodySize']} bytes in total, the first {BODY_CAP} kept"}


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


@cache
def _version() -> str:
    try:
        return importlib.metadata.version("mock-ic")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"
