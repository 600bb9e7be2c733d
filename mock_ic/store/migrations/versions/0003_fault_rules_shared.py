"""Fault rules, their counters and token revocations live in the database, shared by every server (issue 14).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

``mock_fault_rules``: a tenant's rules in ``position`` order, each with its ``matched`` and ``fired``
counters; ``mock_token_revocations``: the time before which a tenant's tokens are refused
(``mock_ic.store.fault_rules``). Both start empty: rules armed before this revision lived in one
server's memory and ended with it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mock_fault_rules",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("rule_id", sa.String(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("matched", sa.BigInteger(), nullable=False),
        sa.Column("fired", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "rule_id"),
    )
    op.create_table(
        "mock_token_revocations",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=False),
        sa.Column("rule_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("tenant"),
    )


def downgrade() -> None:
    op.drop_table("mock_token_revocations")
    op.drop_table("mock_fault_rules")
