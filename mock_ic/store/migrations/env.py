"""Alembic's environment: migrates the connection that ``mock_ic.store.migrations`` passes in.

The connection is already inside the caller's write transaction (SQLite ``BEGIN IMMEDIATE``), so
Alembic runs every migration in it and the caller commits (or rolls everything back). There is no
offline (``--sql``) mode and no URL here: run Alembic through ``mock_ic.store.migrations``.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from mock_ic.store.tables import DocJSON, metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Autogenerate writes a document column as the DDL it is, not as our Python type (fixed migrations)."""
    if type_ == "type" and isinstance(obj, DocJSON):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return 'sa.Text().with_variant(postgresql.JSON(), "postgresql")'
    return False


connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("run Alembic through mock_ic.store.migrations (see its README.md), which passes the connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
