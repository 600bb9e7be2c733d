"""OneRoster 1.2 assessment line items and assessment results get their kind tables (issue 15, IC-ASSESS-1P2).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

Two new kinds, shaped like every other (``0001_baseline``): ``or_assessment_line_items`` with the
reference columns ``class`` and ``parent`` (``parentAssessmentLineItem``), ``or_assessment_results`` with
``assessment_line_item`` and ``student``, each with its (tenant, column, sourced_id) index. Both start
empty: nothing before this revision could store an assessment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# A OneRoster document: compact JSON text, PostgreSQL ``json`` (not jsonb, which reorders keys).
DOC = sa.Text().with_variant(postgresql.JSON(), "postgresql")


def _kind_table(table: str, refs: list[str]) -> None:
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
    )
    op.create_index(f"ix_{table}_dlm", table, ["tenant", "date_last_modified", "sourced_id"])
    op.create_index(f"ix_{table}_status", table, ["tenant", "status", "sourced_id"])
    for ref in refs:
        op.create_index(f"ix_{table}_{ref}", table, ["tenant", ref, "sourced_id"])


def upgrade() -> None:
    _kind_table("or_assessment_line_items", ["class", "parent"])
    _kind_table("or_assessment_results", ["assessment_line_item", "student"])


def downgrade() -> None:
    op.drop_table("or_assessment_results")
    op.drop_table("or_assessment_line_items")
