"""One writer at a time per tenant for the grade book, on any database.

The IC rules of a write read before they write (IC-LI-DUP-TITLE reads the class's other line items, a
result its line item and the student's enrolment). On SQLite that is safe by itself: every write
transaction is ``BEGIN IMMEDIATE``, so writers of the whole database take turns. On PostgreSQL under
READ COMMITTED two servers could both read "no such title" and both insert; so a grade book write first
takes a transaction-scoped advisory lock on its tenant (held until commit or rollback), and the reads
that follow see everything the previous holder committed. Writes of different tenants still run in
parallel.
"""

from __future__ import annotations

import sqlalchemy as sa

_NAMESPACE = "mock-ic grade book "  # keeps these keys apart from any other advisory lock
_LOCK = sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


def serialise_tenant_writes(conn: sa.Connection, tenant: str) -> None:
    """Wait until no other transaction writes this tenant's grade book; call first in a write transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK, {"key": _NAMESPACE + tenant})
