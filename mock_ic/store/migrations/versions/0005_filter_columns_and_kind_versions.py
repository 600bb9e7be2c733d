"""Indexed columns for two filters real clients send, and a version per tenant and kind (issue 17).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

- ``or_line_items.title`` and ``or_results.score_status``, each with its ``(tenant, column, sourced_id)`` index:
  a title filter (passback matching by name) and ``scoreStatus='exempt'`` come off an index instead of a
  JSON scan of every row. Filled from the stored documents here.
- ``mock_kind_versions``: moved by every write of a kind's documents; ``store/listing.py`` keeps a query's
  total and where its pages end only while the version it saw holds; ``rows`` is the kind's row count (the
  total of an unfiltered list). Filled here from the kind tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The kinds as of this revision (their tables are "or_" + the name in snake case).
_KINDS = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments", "demographics", "categories",
          "lineItems", "results", "scoreScales", "assessmentLineItems", "assessmentResults")

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mock_kind_versions",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "kind"),
    )
    with op.batch_alter_table("or_line_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.Text(), nullable=True))
    with op.batch_alter_table("or_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("score_status", sa.String(length=255), nullable=True))
    extract = ("json_extract(doc, '$.{}')" if op.get_context().dialect.name == "sqlite" else "(doc ->> '{}')")
    op.execute(f"UPDATE or_line_items SET title = {extract.format('title')}")
    op.execute(f"UPDATE or_results SET score_status = {extract.format('scoreStatus')}")
    kinds = {"or_" + "".join("_" + c.lower() if c.isupper() else c for c in kind): kind for kind in _KINDS}
    for table, kind in kinds.items():
        op.execute(f"INSERT INTO mock_kind_versions (tenant, kind, version, rows) "
                   f"SELECT tenant, '{kind}', 1, COUNT(*) FROM {table} GROUP BY tenant")
    with op.batch_alter_table("or_line_items", schema=None) as batch_op:
        batch_op.create_index("ix_or_line_items_title", ["tenant", "title", "sourced_id"], unique=False)
    with op.batch_alter_table("or_results", schema=None) as batch_op:
        batch_op.create_index("ix_or_results_score_status", ["tenant", "score_status", "sourced_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("or_results", schema=None) as batch_op:
        batch_op.drop_index("ix_or_results_score_status")
        batch_op.drop_column("score_status")
    with op.batch_alter_table("or_line_items", schema=None) as batch_op:
        batch_op.drop_index("ix_or_line_items_title")
        batch_op.drop_column("title")
    op.drop_table("mock_kind_versions")
