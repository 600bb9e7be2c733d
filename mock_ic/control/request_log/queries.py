"""A tenant's request log: :func:`entries`, :func:`count`, :func:`get`, :func:`clear`.

Newest first, filtered by path glob, method, status (``404`` or ``"4xx"``) and time window. Each
first waits for this process's pending entries (:func:`~mock_ic.control.request_log.recorder.flush`).

An entry::

    {"id": 41, "tenant": "demo", "started": "2025-01-31T12:00:00.123Z", "method": "PUT",
     "path": "/campus/api/oneroster/v1p2/demo/ims/oneroster/gradebook/v1p2/lineItems/li-1",
     "status": 201, "latencyMs": 4.2, "operationId": "putLineItem",
     "url": "http://localhost:8080/campus/api/...", "httpVersion": "1.1",
     "request": {"headers": [{"name": "authorization", "value": "Bearer [redacted]"}, ...],
                 "body": "{...}", "bodySize": 312, "truncated": false},
     "response": {"headers": [...], "body": "{...}", "bodySize": 498, "truncated": false}}

``path`` is the path the client used with its query string; see ``entry`` for the rest.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import orjson

from mock_ic.control.request_log.bodies import unpack
from mock_ic.control.request_log.entry import BODY_CAP, iso_millis
from mock_ic.control.request_log.recorder import flush
from mock_ic.store import request_log as store

if TYPE_CHECKING:
    from mock_ic.store.engine import Database
    from mock_ic.store.request_log import Row

Moment = datetime | str | float  # a datetime (naive = UTC), an ISO-8601 string or seconds since the epoch
_STATUS_CLASS = re.compile(r"^([1-5])xx$", re.IGNORECASE)
_URL_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def entries(db: Database, tenant: str, *, path_glob: str | None = None, method: str | None = None,
            status: int | str | None = None, since: Moment | None = None, until: Moment | None = None,
            limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The tenant's entries, newest first.

    ``path_glob``: ``*`` any run of characters (``/`` included), ``?`` one character, case-sensitive,
    matched against the path alone and against path?query (``*/lineItems/*``, ``*/classes?limit=*``).
    ``status``: 201, ``"201"`` or a class, ``"4xx"``. ``since`` / ``until``: inclusive, to the millisecond.
    """
    if limit < 0 or offset < 0:
        raise ValueError(f"limit and offset must be >= 0, got {limit} and {offset}")
    filters = _filters(path_glob, method, status, since, until)
    flush(db)
    with db.read() as conn:
        rows = store.newest_first(conn, tenant, filters, limit=limit, offset=offset)
    return [_entry(row) for row in rows]


def count(db: Database, tenant: str, *, path_glob: str | None = None, method: str | None = None,
          status: int | str | None = None, since: Moment | None = None, until: Moment | None = None) -> int:
    """How many entries :func:`entries` pages through with these filters."""
    filters = _filters(path_glob, method, status, since, until)
    flush(db)
    with db.read() as conn:
        return store.count(conn, tenant, filters)


def get(db: Database, tenant: str, entry_id: int) -> dict[str, Any] | None:
    """One entry of the tenant by id, or None."""
    flush(db)
    with db.read() as conn:
        row = store.get(conn, tenant, entry_id)
    return _entry(row) if row else None


def clear(db: Database, tenant: str) -> int:
    """Delete every entry of the tenant: how many there were."""
    flush(db)
    with db.write() as conn:
        return store.clear(conn, tenant)


def _entry(row: Row) -> dict[str, Any]:
    query = f"?{row['query']}" if row["query"] else ""
    return {
        "id": row["id"],
        "tenant": row["tenant"],
        "started": row["started"],
        "method": row["method"],
        "path": row["path"] + query,
        "status": row["status"],
        "latencyMs": row["latency_ms"],
        "operationId": row["operation_id"],
        "url": f"{row['scheme']}://{row['host']}{quote(row['path'], safe=_URL_PATH_SAFE)}{query}",
        "httpVersion": row["http_version"],
        "request": _message(row["request_headers"], unpack(row["request_body"], row["request_body_z"]),
                            row["request_size"]),
        "response": _message(row["response_headers"], unpack(row["response_body"], row["response_body_z"]),
                             row["response_size"]),
    }


def _message(headers: str, body: str | None, size: int) -> dict[str, Any]:
    return {
        "headers": [{"name": name, "value": value} for name, value in orjson.loads(headers)],
        "body": body,
        "bodySize": size,
        "truncated": size > BODY_CAP,
    }


def _filters(path_glob: str | None, method: str | None, status: int | str | None, since: Moment | None,
             until: Moment | None) -> store.Filters:
    """The arguments checked and in stored form (a ValueError names the one that is wrong)."""
    return store.Filters(
        path_glob=path_glob or None,
        method=method.upper() if method else None,
        statuses=_status_range(status) if status is not None else None,
        since=_moment(since, "since") if since is not None else None,
        until=_moment(until, "until") if until is not None else None,
    )


def _status_range(status: int | str) -> tuple[int, int]:
    if isinstance(status, int) and not isinstance(status, bool):
        return status, status
    text = str(status).strip()
    if text.isdigit():
        return int(text), int(text)
    if match := _STATUS_CLASS.match(text):
        first = int(match.group(1)) * 100
        return first, first + 99
    raise ValueError(f"status must be a status code like 404 or a class like '4xx', got {status!r}")


def _moment(value: Moment, name: str) -> str:
    """A moment in the stored form of ``started``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return iso_millis(float(value))
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{name} must be an ISO-8601 date-time, got {value!r}") from None
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, an ISO-8601 string or epoch seconds, got {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return iso_millis(value.timestamp())
