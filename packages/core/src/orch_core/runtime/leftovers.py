"""What a half-done step visibly left behind, named in the refusal that follows it."""

from __future__ import annotations

import sqlalchemy as sa

# An index whose concurrent build failed or was killed stays, marked not valid: it takes
# writes, serves no reads, and blocks a rerun of the same CREATE INDEX.
_INVALID_INDEXES = sa.text(
    "SELECT n.nspname, c.relname FROM pg_index i "
    "JOIN pg_class c ON c.oid = i.indexrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE NOT i.indisvalid ORDER BY n.nspname, c.relname"
)


def step_leftovers(connection: sa.Connection) -> tuple[str, ...]:
    """Return what to check after a half-done step: PostgreSQL's INVALID indexes."""
    if connection.dialect.name != "postgresql":
        return ()
    found = connection.execute(_INVALID_INDEXES)
    return tuple(f"INVALID index {schema}.{name}" for schema, name in found)
