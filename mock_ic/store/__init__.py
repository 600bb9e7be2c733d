"""The store: the only package that imports SQLAlchemy (import-linter checks it; docs/architecture.md).

Tables, Alembic migrations, the tenant-scoped reads and writes, paging and filtering in SQL, bulk
loads, and the fact queries the IC rules ask. Code outside this package holds a :data:`Connection`
(one transaction, from ``Database.read()`` / ``Database.write()``) and passes it back in, never
looking inside it.
"""

from sqlalchemy import Connection

__all__ = ["Connection"]
