"""The request log: every OneRoster request of a tenant, with its answer, secrets redacted.

- :class:`RequestLogMiddleware` — pure ASGI, installed right after PathMiddleware; captures each
  exchange in memory and writes one row after the answer was sent (in a worker thread).
- :func:`entries`, :func:`count`, :func:`get`, :func:`clear` — a tenant's log, newest first,
  filtered by path glob, method, status (``404`` or ``"4xx"``) and time window.
- :func:`to_har` — entries as an HTTP Archive 1.2 document.

Stored in the database (table ``mock_request_log``), so every worker process and a restart see
it; each tenant keeps its newest ``keep`` entries (default 5,000, pruned every 100 inserts).
Bodies are kept up to 64 KiB each. Client secrets, vendor secrets and tokens are never stored:
see :mod:`mock_ic.requestlog.redaction`.

An entry (``entries()`` / ``get()``)::

    {"id": 41, "tenant": "demo", "started": "2025-01-31T12:00:00.123Z", "method": "PUT",
     "path": "/campus/api/oneroster/v1p2/demo/ims/oneroster/gradebook/v1p2/lineItems/li-1",
     "status": 201, "latencyMs": 4.2, "operationId": "putLineItem",
     "url": "http://localhost:8080/campus/api/...", "httpVersion": "1.1",
     "request": {"headers": [{"name": "authorization", "value": "Bearer [redacted]"}, ...],
                 "body": "{...}", "bodySize": 312, "truncated": false},
     "response": {"headers": [...], "body": "{...}", "bodySize": 498, "truncated": false}}

``path`` is the path the client used, with its query string; ``request.body`` is None when the
request had no body (or the server answered without reading it); ``status`` 0 means no answer was
sent (a dropped connection).
"""

from mock_ic.requestlog.exchange import BODY_CAP
from mock_ic.requestlog.har import to_har
from mock_ic.requestlog.middleware import RequestLogMiddleware
from mock_ic.requestlog.queries import clear, count, entries, get
from mock_ic.requestlog.recorder import DEFAULT_KEEP, PRUNE_EVERY, Recorder
from mock_ic.requestlog.redaction import REDACTED
from mock_ic.requestlog.table import ensure_table, request_log

__all__ = [
    "BODY_CAP",
    "DEFAULT_KEEP",
    "PRUNE_EVERY",
    "REDACTED",
    "Recorder",
    "RequestLogMiddleware",
    "clear",
    "count",
    "ensure_table",
    "entries",
    "get",
    "request_log",
    "to_har",
]
