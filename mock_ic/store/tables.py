"""SQLAlchemy tables: one per OneRoster kind, plus tenants, link tables, server metadata, snapshots and
the request log. Alembic migrations (``migrations/``) make and change them: a change here needs one
(``tests/test_store_migrations.py`` fails otherwise; ``migrations/README.md`` says how).

Each kind row: tenant, sourced_id, status, date_last_modified, the indexed reference columns that
nested endpoints and common filters need, and the full 1.2 document as compact JSON text
(docs/data-model.md). Every reference column has a composite index (tenant, col, sourced_id) so
that filtered pages come straight off the index, sourced_id being the tie-breaker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()


class DocJSON(sa.types.TypeDecorator[str]):
    """A JSON column that is written and read as the stored text, untouched.

    Documents are serialised once (orjson) when written and joined into response envelopes as
    they are, which is ~100x cheaper than parsing and re-serialising them (DESIGN.md, Store facts).
    PostgreSQL uses ``JSON`` (not JSONB) so the text comes back exactly as written.
    """

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSON())
        return dialect.type_descriptor(sa.Text())

    def bind_processor(self, dialect: sa.Dialect) -> None:
        return None

    def result_processor(self, dialect: sa.Dialect, coltype: object) -> None:
        return None

    def column_expression(self, colexpr: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        # psycopg 3 parses json columns itself; reading the column as text keeps the stored text
        # (on SQLite the column already is text and the cast costs nothing).
        return sa.type_coerce(sa.cast(colexpr, sa.Text), self)


def _ref(path: str) -> Callable[[dict[str, Any]], str | None]:
    """Extract ``doc[path].sourcedId`` (or a plain scalar for dotted metadata paths)."""
    keys = path.split(".")

    def extract(doc: dict[str, Any]) -> str | None:
        value: Any = doc
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        if isinstance(value, dict):
            value = value.get("sourcedId")
        return None if value is None else str(value)

    return extract


def _primary_role(doc: dict[str, Any]) -> str | None:
    roles = doc.get("roles") or []
    for role in roles:
        if role.get("roleType") == "primary":
            return role.get("role")
    return roles[0].get("role") if roles else None


@dataclass(frozen=True)
class Kind:
    """A OneRoster kind as stored: its table name and the document path behind each reference column."""

    name: str  # the plural used in URLs and envelopes, e.g. "lineItems"
    singular: str  # the single-object wrapper, e.g. "lineItem"
    type: str  # the GUIDRef type, e.g. "lineItem"
    service: str  # "rostering" | "gradebook"
    paths: dict[str, str]  # column -> dotted document path (a GUIDRef path means its sourcedId)

    @property
    def table(self) -> sa.Table:
        return TABLES[self.name]

    @cached_property
    def extractors(self) -> dict[str, Callable[[dict[str, Any]], str | None]]:
        return {col: _primary_role if path == "roles" else _ref(path) for col, path in self.paths.items()}


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("orgs", "org", "org", "rostering", {"type": "type", "parent": "parent"}),
        Kind("academicSessions", "academicSession", "academicSession", "rostering",
             {"type": "type", "parent": "parent", "school": "metadata.ic.school"}),
        Kind("courses", "course", "course", "rostering", {"org": "org", "school_year": "schoolYear"}),
        Kind("classes", "class", "class", "rostering", {"course": "course", "school": "school"}),
        Kind("users", "user", "user", "rostering",
             {"role": "roles", "primary_org": "primaryOrg", "email": "email",
              "portal": "metadata.ic.portalAccount", "legacy_id": "metadata.ic.legacySourcedId"}),
        Kind("enrollments", "enrollment", "enrollment", "rostering",
             {"user": "user", "class": "class", "school": "school", "role": "role",
              "no_show": "metadata.ic.noShow"}),
        Kind("demographics", "demographics", "demographics", "rostering", {}),
        Kind("categories", "category", "category", "gradebook", {"class": "metadata.ic.class"}),
        Kind("lineItems", "lineItem", "lineItem", "gradebook",
             {"class": "class", "school": "school", "category": "category",
              "grading_period": "gradingPeriod", "origin": "metadata.ic.origin", "title": "title"}),
        Kind("results", "result", "result", "gradebook",
             {"line_item": "lineItem", "student": "student", "class": "class", "score_status": "scoreStatus"}),
        Kind("scoreScales", "scoreScale", "scoreScale", "gradebook", {"class": "class", "course": "course"}),
        Kind("assessmentLineItems", "assessmentLineItem", "assessmentLineItem", "gradebook",
             {"class": "class", "parent": "parentAssessmentLineItem"}),
        Kind("assessmentResults", "assessmentResult", "assessmentResult", "gradebook",
             {"assessment_line_item": "assessmentLineItem", "student": "student"}),
    )
}

# Columns that only mark rows out (IC-USERS) and never need an index of their own.
_UNINDEXED = {"portal", "no_show", "origin", "email"}
# Free text a client may filter on (a line item's title, passback matching by name): no length limit.
_TEXT_COLUMNS = {"title"}


def _kind_table(kind: Kind) -> sa.Table:
    table_name = "or_" + "".join("_" + c.lower() if c.isupper() else c for c in kind.name)
    cols = [
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("sourced_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("date_last_modified", sa.String(32), nullable=False),
        *(sa.Column(name, sa.Text if name in _TEXT_COLUMNS else sa.String(255)) for name in kind.paths),
        sa.Column("doc", DocJSON(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "sourced_id"),
    ]
    table = sa.Table(table_name, metadata, *cols)
    sa.Index(f"ix_{table_name}_dlm", table.c.tenant, table.c.date_last_modified, table.c.sourced_id)
    sa.Index(f"ix_{table_name}_status", table.c.tenant, table.c.status, table.c.sourced_id)
    for name in kind.paths:
        if name not in _UNINDEXED:
            sa.Index(f"ix_{table_name}_{name}", table.c.tenant, table.c[name], table.c.sourced_id)
    if "email" in kind.paths:
        sa.Index(f"ix_{table_name}_email", table.c.tenant, table.c.email)
    return table


TABLES: dict[str, sa.Table] = {name: _kind_table(kind) for name, kind in KINDS.items()}

# Many-valued references: a class's terms and a user's orgs (with the role held there).
class_terms = sa.Table(
    "or_class_terms", metadata,
    sa.Column("tenant", sa.String(64), nullable=False),
    sa.Column("class_id", sa.String(255), nullable=False),
    sa.Column("term_id", sa.String(255), nullable=False),
    sa.PrimaryKeyConstraint("tenant", "class_id", "term_id"),
    sa.Index("ix_or_class_terms_term", "tenant", "term_id", "class_id"),
)

user_orgs = sa.Table(
    "or_user_orgs", metadata,
    sa.Column("tenant", sa.String(64), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("org_id", sa.String(255), nullable=False),
    sa.Column("role", sa.String(64), nullable=False),
    sa.PrimaryKeyConstraint("tenant", "user_id", "org_id", "role"),
    sa.Index("ix_or_user_orgs_org", "tenant", "org_id", "role", "user_id"),
)


def links_for(kind: str, doc: dict[str, Any]) -> list[tuple[sa.Table, dict[str, str]]]:
    """Link-table rows implied by a document (without the tenant)."""
    sid = doc["sourcedId"]
    if kind == "classes":
        return [(class_terms, {"class_id": sid, "term_id": t["sourcedId"]}) for t in doc.get("terms") or []]
    if kind == "users":
        return [
            (user_orgs, {"user_id": sid, "org_id": r["org"]["sourcedId"], "role": r["role"]})
            for r in doc.get("roles") or []
        ]
    return []


LINK_TABLES: dict[str, tuple[sa.Table, str]] = {
    "classes": (class_terms, "class_id"),
    "users": (user_orgs, "user_id"),
}

tenants = sa.Table(
    "mock_tenants", metadata,
    sa.Column("app_name", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(255), nullable=False, unique=True),
    sa.Column("client_secret", sa.String(255), nullable=False),
    sa.Column("vendor_key", sa.String(255), nullable=False),
    sa.Column("vendor_secret", sa.String(255), nullable=False),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("recipe", sa.JSON, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)

server_meta = sa.Table(
    "mock_server_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

snapshots = sa.Table(
    "mock_snapshots", metadata,
    sa.Column("tenant", sa.String(64), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    # Snapshots taken before revision 0006: zlib-compressed JSON of every document by kind. Since then b"": the
    # documents are rows of mock_snapshot_docs (copied and restored in bounded memory).
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.PrimaryKeyConstraint("tenant", "name"),
)

snapshot_docs = sa.Table(
    "mock_snapshot_docs", metadata,
    sa.Column("tenant", sa.String(64), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("sourced_id", sa.String(255), nullable=False),
    sa.Column("doc", sa.Text, nullable=False),  # the stored JSON text, as it was
    sa.PrimaryKeyConstraint("tenant", "name", "kind", "sourced_id"),
)


# The request log (mock_ic/control/request_log/, its SQL in store/request_log.py): every OneRoster request of a
# tenant with its answer, redacted. A body is stored in one of two columns: ``*_body_z`` (zlib of its UTF-8
# text) when that is smaller, else ``*_body`` as text (short bodies, and every row written before 0002).
request_log = sa.Table(
    "mock_request_log", metadata,
    # AUTOINCREMENT on SQLite: ids are never reused, even after the newest rows were cleared.
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("tenant", sa.String(64), nullable=False),
    sa.Column("started", sa.String(32), nullable=False),  # 2025-01-31T12:00:00.123Z: text order is time order
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("scheme", sa.String(16), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("path", sa.Text, nullable=False),  # as the client sent it, percent-decoded
    sa.Column("query", sa.Text, nullable=False),  # raw query string, redacted; "" when none
    sa.Column("http_version", sa.String(8), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("operation_id", sa.String(128)),
    sa.Column("request_headers", sa.Text, nullable=False),  # JSON [[name, value], ...], redacted
    sa.Column("request_body", sa.Text),
    sa.Column("request_size", sa.Integer, nullable=False),  # bytes, before truncation
    sa.Column("response_headers", sa.Text, nullable=False),
    sa.Column("response_body", sa.Text),
    sa.Column("response_size", sa.Integer, nullable=False),
    sa.Column("request_body_z", sa.LargeBinary),  # zlib (deflate) of the body's UTF-8 text
    sa.Column("response_body_z", sa.LargeBinary),
    sa.Index("ix_mock_request_log_tenant_id", "tenant", "id"),
    sqlite_autoincrement=True,
)


# Fault rules (FAULT-RULES, mock_ic/control/faults/book.py), shared by every server on the database: a tenant's
# rules in ``position`` order, each with its counters (updated in the transaction that decides a request).
fault_rules = sa.Table(
    "mock_fault_rules", metadata,
    sa.Column("tenant", sa.String(64), nullable=False),
    sa.Column("rule_id", sa.String(128), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("rule", sa.Text, nullable=False),  # the rule's JSON (FaultRule.to_dict)
    sa.Column("matched", sa.BigInteger, nullable=False),  # matching calls seen
    sa.Column("fired", sa.BigInteger, nullable=False),  # calls the rule was applied to
    sa.PrimaryKeyConstraint("tenant", "rule_id"),
)

# A ``revokeToken`` effect: the tenant's tokens issued before ``revoked_at`` (the server clock, epoch seconds) fail.
token_revocations = sa.Table(
    "mock_token_revocations", metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("revoked_at", sa.Float, nullable=False),
    sa.Column("rule_id", sa.String(128), nullable=False),
)


# Two counters per tenant and kind (``store/kind_versions.py``): ``version``, moved by every write of that kind's
# documents (``store/documents.py``), and ``membership``, moved by every write that is not an update in place (one
# that adds or removes rows); what a reader cached about a query (its total, where its pages end:
# ``store/listing.py``) is good while the counter that query depends on holds; and the kind's row count, kept with
# them, which is the total of every unfiltered list without a COUNT.
kind_versions = sa.Table(
    "mock_kind_versions", metadata,
    sa.Column("tenant", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("rows", sa.BigInteger, nullable=False),  # how many documents of the kind the tenant has
    sa.Column("membership", sa.BigInteger, nullable=False),  # revision 0007
    sa.PrimaryKeyConstraint("tenant", "kind"),
)
