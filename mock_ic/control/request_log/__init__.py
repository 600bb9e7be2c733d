"""The request log: every OneRoster request of a tenant, with its answer, secrets redacted.

- capture: ``mock_ic.edge.request_capture`` (ASGI), which hands each exchange to the server's
  :class:`Recorder` once the answer is out;
- ``recorder``: the writer thread, batches, pruning, :func:`flush`;
- ``entry``: the tenant an exchange is filed under and its stored row, capped at :data:`BODY_CAP`;
- ``bodies``: bodies are stored zlib-compressed when that is smaller (a page of users: 64 KiB -> ~5 KB);
- ``redaction``: secrets, tokens and vendor secrets are never stored (:class:`Secrets`,
  :func:`redact_header`, :func:`redact_fields`);
- ``queries``: :func:`entries`, :func:`count`, :func:`get`, :func:`clear`;
- ``har``: :func:`to_har`, entries as an HTTP Archive 1.2 document.

Stored in the database (``mock_ic.store.request_log``, table ``mock_request_log``), so every worker
process and a restart see it; each tenant keeps its newest ``keep`` entries (default
:data:`DEFAULT_KEEP`, the ``request_log_keep`` setting). Requests with no known tenant, and ``/_mock``
admin requests, are not logged.
"""

from mock_ic.control.request_log.entry import BODY_CAP, Captured
from mock_ic.control.request_log.har import to_har
from mock_ic.control.request_log.queries import Moment, clear, count, entries, get
from mock_ic.control.request_log.recorder import DEFAULT_KEEP, PRUNE_EVERY, Recorder, flush
from mock_ic.control.request_log.redaction import REDACTED, Secrets, redact_fields, redact_header

__all__ = [
    "BODY_CAP", "DEFAULT_KEEP", "PRUNE_EVERY", "REDACTED", "Captured", "Moment", "Recorder", "Secrets", "clear",
    "count", "entries", "flush", "get", "redact_fields", "redact_header", "to_har",
]
