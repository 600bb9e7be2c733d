"""Reading a tenant's request log: filtered pages (newest first), one entry, a count, clearing it.

Filtering, ordering and paging are SQL on the ``(tenant, id)`` index; the log holds at most a few
thousand rows per tenant.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson
import sqlalchemy as sa

from mock_ic.requestlog.exchange import BODY_CAP
from mock_ic.requestlog.recorder import iso_millis
from mock_ic.requestlog.table import ensure_table, request_log
from mock_ic.store.engine import Database

Moment = datetime | str | float  # a datetime (naive = UTC), an ISO-8601 string or seconds since the epoch
_STATUS_CLASS = re.compile(r"^([1-5])xx$", re.IGNORECASE)
_URL_SAFE_PATH = "/:@!$&'()*+,;=-._~%"


def entries(db: Database, tenant: str, *, path_glob: str | None = None, method: str | None = None,
            status: int | str | None = None, since: Moment | None = None, until: Moment | None = None,
            limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The tenant's entries, newest first.

    ``path_glob``: ``*`` any run of characters (``/`` included), ``?`` one character, case-sensitive;
    matched against the path alone and against path?query (``*/lineItems/*``, ``*classes?limit=*``).
    ``status``: 201, ``"201"`` or a class ``"4xx"``. ``since``/``until``: inclusive, millisecond precision.
    """
    if limit < 0 or offset < 0:
        raise ValueError(f"limit and offset must be >= 0, got {limit} and {offset}")
    ensure_table(db)
    query = (sa.select(request_log).where(*_conditions(db, tenant, path_glob, method, status, since, until))
             .order_by(request_log.c.id.desc()).limit(limit).offset(offset))
    with db.read() as conn:
        rows = conn.execute(query).mappings().all()
    return [entry_of(row) for row in rows]


def count(db: Database, tenant: str, *, path_glob: str | None = None, method: str | None = None,
          status: int | str | None = None, since: Moment | None = None, until: Moment | None = None) -> int:
    """How many entries :func:`entries` would page through with these filters."""
    ensure_table(db)
    query = sa.select(sa.func.count()).select_from(request_log).where(
        *_conditions(db, tenant, path_glob, method, status, since, until))
    with db.read() as conn:
        return int(conn.execute(query).scalar_one())


def get(db: Database, tenant: str, entry_id: int) -> dict[str, Any] | None:
    ensure_table(db)
    query = sa.select(request_log).where(request_log.c.tenant == tenant, request_log.c.id == entry_id)
    with db.read() as conn:
        row = conn.execute(query).mappings().first()
    return entry_of(row) if row else None


def clear(db: Database, tenant: str) -> int:
    """Delete every entry of the tenant; how many there were."""
    ensure_table(db)
    with db.write() as conn:
        return conn.execute(sa.delete(request_log).where(request_log.c.tenant == tenant)).rowcount or 0


def entry_of(row: Any) -> dict[str, Any]:
    """The public (JSON-ready) form of a stored row."""
    target = row["path"] + (f"?{row['query']}" if row["query"] else "")
    url = f"{row['scheme']}://{row['host']}{quote(row['path'], safe=_URL_SAFE_PATH)}"
    return {
        "id": row["id"],
        "tenant": row["tenant"],
        "started": row["started"],
        "method": row["method"],
        "path": target,
        "status": row["status"],
        "latencyMs": row["latency_ms"],
        "operationId": row["operation_id"],
        "url": url + (f"?{row['query']}" if row["query"] else ""),
        "httpVersion": row["http_version"],
        "request": _message(row["request_headers"], row["request_body"], row["request_size"]),
        "response": _message(row["response_headers"], row["response_body"], row["response_size"]),
    }


def _message(headers: str, body: str | None, size: int) -> dict[str, Any]:
    return {
        "headers": [{"name": name, "value": value} for name, value in orjson.loads(headers)],
        "body": body,
        "bodySize": size,
        "truncated": size > BODY_CAP,
    }


def _conditions(db: Database, tenant: str, path_glob: str | None, method: str | None, status: int | str | None,
                since: Moment | None, until: Moment | None) -> list[sa.ColumnElement[bool]]:
    c = request_log.c
    conditions: list[sa.ColumnElement[bool]] = [c.tenant == tenant]
    if path_glob:
        target = c.path + "?" + c.query
        conditions.append(sa.or_(_glob(db, c.path, path_glob), sa.and_(c.query != "", _glob(db, target, path_glob))))
    if method:
        conditions.append(c.method == method.upper())
    if status is not None:
        low, high = _status_range(status)
        conditions.append(c.status.between(low, high))
    if since is not None:
        conditions.append(c.started >= _moment(since, "since"))
    if until is not None:
        conditions.append(c.started <= _moment(until, "until"))
    return conditions


def _glob(db: Database, column: sa.ColumnElement[str], pattern: str) -> sa.ColumnElement[bool]:
    """Case-sensitive glob with only ``*`` and ``?`` special, on SQLite (GLOB) and PostgreSQL (LIKE)."""
    if db.is_sqlite:
        # GLOB also knows [...] classes: make "[" literal so both backends agree.
        return column.op("GLOB")(pattern.replace("[", "[[]"))
    like = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%").replace("?", "_")
    return column.like(like, escape="\\")


def _status_range(status: int | str) -> tuple[int, int]:
    if isinstance(status, int) and not isinstance(status, bool):
        return status, status
    text = str(status).strip()
    if text.isdigit():
        return int(text), int(text)
    match = _STATUS_CLASS.match(text)
    if match:
        first = int(match.group(1)) * 100
        return first, first + 99
    raise ValueError(f"status must be a status code like 404 or a class like '4xx', got {status!r}")


def _moment(value: Moment, name: str) -> str:
    """The stored form of a moment (``started`` is fixed-width UTC text, so text order is time order)."""
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
