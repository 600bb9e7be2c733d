"""Baseline: the schema of the last release before Alembic (``metadata.create_all`` of commit 0ca7ef6).

Revision ID: 0001
Revises:
Create Date: 2026-12-04

Written out here, not taken from ``mock_ic.store.tables``, so that later migrations start from a
fixed schema whatever the tables module says then. The DDL is exactly what ``create_all`` emitted
(same columns in the same order, same index names, default constraint names), so a database made
before Alembic and one made by this migration are alike (tests/test_store_migrations.py compares
them).

Adopting a database made before Alembic (``adopt`` in the config attributes, set by
``mock_ic.store.migrations.upgrade``): every statement is ``IF NOT EXISTS``, so only what that
release left out is created (the request log, which it made only when ``mock_ic.requestlog`` had
been imported), and the database is then at this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# A OneRoster document: compact JSON text, PostgreSQL ``json`` (not jsonb, which reorders keys).
DOC = sa.Text().with_variant(postgresql.JSON(), "postgresql")
# Reference columns that only mark rows out and have no index of their own.
UNINDEXED = {"portal", "no_show", "origin", "email"}


def upgrade() -> None:
    adopt = bool(context.config.attributes.get("adopt"))
    exists = {"if_not_exists": True} if adopt else {}

    def kind_table(table: str, refs: list[str]) -> None:
        """One OneRoster kind: its reference columns (in this order) and their (tenant, col, sourced_id) indexes."""
        op.create_table(
            table,
            sa.Column("tenant", sa.String(64), nullable=False),
            sa.Column("sourced_id", sa.String(255), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("date_last_modified", sa.String(32), nullable=False),
            *(sa.Column(ref, sa.String(255), nullable=True) for ref in refs),
            sa.Column("doc", DOC, nullable=False),
            sa.PrimaryKeyConstraint("tenant", "sourced_id"),
            **exists,
        )
        op.create_index(f"ix_{table}_dlm", table, ["tenant", "date_last_modified", "sourced_id"], **exists)
        op.create_index(f"ix_{table}_status", table, ["tenant", "status", "sourced_id"], **exists)
        for ref in refs:
            if ref not in UNINDEXED:
                op.create_index(f"ix_{table}_{ref}", table, ["tenant", ref, "sourced_id"], **exists)
        if "email" in refs:
            op.create_index(f"ix_{table}_email", table, ["tenant", "email"], **exists)

    kind_table("or_orgs", ["type", "parent"])
    kind_table("or_academic_sessions", ["type", "parent", "school"])
    kind_table("or_courses", ["org", "school_year"])
    kind_table("or_classes", ["course", "school"])
    kind_table("or_users", ["role", "primary_org", "email", "portal", "legacy_id"])
    kind_table("or_enrollments", ["user", "class", "school", "role", "no_show"])
    kind_table("or_demographics", [])
    kind_table("or_categories", ["class"])
    kind_table("or_line_items", ["class", "school", "category", "grading_period", "origin"])
    kind_table("or_results", ["line_item", "student", "class"])
    kind_table("or_score_scales", ["class", "course"])

    op.create_table(
        "or_class_terms",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("class_id", sa.String(255), nullable=False),
        sa.Column("term_id", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "class_id", "term_id"),
        **exists,
    )
    op.create_index("ix_or_class_terms_term", "or_class_terms", ["tenant", "term_id", "class_id"], **exists)

    op.create_table(
        "or_user_orgs",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("org_id", sa.String(255), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "user_id", "org_id", "role"),
        **exists,
    )
    op.create_index("ix_or_user_orgs_org", "or_user_orgs", ["tenant", "org_id", "role", "user_id"], **exists)

    op.create_table(
        "mock_tenants",
        sa.Column("app_name", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("client_secret", sa.String(255), nullable=False),
        sa.Column("vendor_key", sa.String(255), nullable=False),
        sa.Column("vendor_secret", sa.String(255), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("recipe", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("app_name"),
        sa.UniqueConstraint("client_id"),
        **exists,
    )

    op.create_table(
        "mock_server_meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        **exists,
    )

    op.create_table(
        "mock_snapshots",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "name"),
        **exists,
    )

    op.create_table(
        "mock_request_log",
        # AUTOINCREMENT on SQLite (ids never reused), BIGSERIAL on PostgreSQL.
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("started", sa.String(32), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("scheme", sa.String(16), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("http_version", sa.String(8), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("operation_id", sa.String(128), nullable=True),
        sa.Column("request_headers", sa.Text(), nullable=False),
        sa.Column("request_body", sa.Text(), nullable=True),
        sa.Column("request_size", sa.Integer(), nullable=False),
        sa.Column("response_headers", sa.Text(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
        **exists,
    )
    op.create_index("ix_mock_request_log_tenant_id", "mock_request_log", ["tenant", "id"], **exists)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: delete the data dir (or drop the database) instead")
