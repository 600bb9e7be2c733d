"""A second counter per tenant and kind: ``mock_kind_versions.membership`` (issue 17, a walk during writes).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

``version`` moves on every write of a kind's documents; ``membership`` moves on every write but an update in place
(one that neither adds nor removes a row). An unfiltered list of the whole kind in sourcedId order keeps where its
pages end while ``membership`` holds, so a walk of all results goes on by keyset while other clients PUT scores
(``store/listing.py``). Filled here with each row's version: any start will do, as long as every later write that
adds or removes rows moves it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mock_kind_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("membership", sa.BigInteger(), nullable=False, server_default="0"))
    op.execute("UPDATE mock_kind_versions SET membership = version")
    with op.batch_alter_table("mock_kind_versions", schema=None) as batch_op:
        batch_op.alter_column("membership", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("mock_kind_versions", schema=None) as batch_op:
        batch_op.drop_column("membership")
