"""Fault injection (FAULT-RULES) and the per-tenant concurrency limit (IC-LOAD).

- :class:`FaultRule` — one rule, validated, JSON round-trippable (``from_dict`` / ``to_dict``).
- :class:`FaultBook` — the per-tenant rule lists and counters: ``runtime.faults``.
- :class:`InFlight` — requests in flight per tenant: ``runtime.in_flight``.

The ASGI middleware that applies both is mock_ic/edge/faults.py.

Rules, their counters and token revocations are stored, shared by every server on the database;
in-flight counts are kept per server process.
"""

from mock_ic.control.faults.book import FaultBook, Revocation
from mock_ic.control.faults.load import InFlight
from mock_ic.control.faults.operations import known_operation_ids, operation_id
from mock_ic.control.faults.rules import FaultRule

__all__ = ["FaultBook", "FaultRule", "InFlight", "Revocation", "known_operation_ids", "operation_id"]
