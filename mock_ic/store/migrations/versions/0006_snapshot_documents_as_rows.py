"""Snapshot documents as rows (issue 17): ``mock_snapshot_docs``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

A snapshot taken from now on copies the tenant's documents row by row inside the database (INSERT ... SELECT)
and is restored in batches, so a tenant of a million results is snapshotted and restored in bounded memory;
its ``mock_snapshots.data`` is empty. Snapshots taken before keep their compressed blob and restore as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mock_snapshot_docs",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("sourced_id", sa.String(length=255), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "name", "kind", "sourced_id"),
    )


def downgrade() -> None:
    op.drop_table("mock_snapshot_docs")
