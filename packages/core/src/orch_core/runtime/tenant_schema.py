"""A tenant's PostgreSQL schema as the search_path of every connection to it.

As in Alembic's multi-tenant recipe: a script's unqualified names (`op.create_table("users")`)
then land in the tenant's schema, and the same scripts serve every tenant.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def attach_search_path(engine: sa.Engine, schema: str) -> None:
    """Make schema the search_path of each new connection of engine."""
    quoted = engine.dialect.identifier_preparer.quote_schema(schema)

    @sa.event.listens_for(engine, "connect", insert=True)
    def _set_search_path(dbapi_connection: Any, _record: Any) -> None:
        # Outside a transaction: the pool's rollback on return would otherwise undo it.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET SESSION search_path TO {quoted}")  # an identifier, quoted
        finally:
            cursor.close()
            dbapi_connection.autocommit = autocommit
