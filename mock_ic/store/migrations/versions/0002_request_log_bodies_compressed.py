"""The request log stores bodies compressed: ``request_body_z`` and ``response_body_z`` (issue 13).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

A body is stored in one of two columns: ``*_body_z``, zlib of its UTF-8 text, when that is smaller
(a 64 KiB page of users is ~5 KB), else ``*_body`` as text (``mock_ic.control.request_log.bodies``).
Rows written before this revision keep their text bodies and are read as before; they leave with
pruning. Adding nullable columns copies nothing (SQLite's ALTER TABLE ADD COLUMN, no batch copy).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mock_request_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_body_z", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("response_body_z", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mock_request_log", schema=None) as batch_op:
        batch_op.drop_column("response_body_z")
        batch_op.drop_column("request_body_z")
