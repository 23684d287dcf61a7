"""A step an earlier run left half done: the refusal to go on past it, naming what it visibly
left behind."""

from __future__ import annotations

import sqlalchemy as sa

from orch_core.errors import PartialMigrationPending
from orch_core.runtime.recorder import HistoryOutcome, LastEntry

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


def left_half_done(
    connection: sa.Connection, database: str, last: LastEntry | None
) -> PartialMigrationPending | None:
    """Return the refusal the history's newest row calls for: a step that failed after part
    of it committed, or one whose migrator stopped without recording an end; else None."""
    if last is None:
        return None
    if last.outcome == HistoryOutcome.FAILED_PARTIAL:
        statement, reason = last.statement, last.error or ""
    elif last.outcome == HistoryOutcome.STARTED:
        statement = None
        reason = "the migrator stopped (killed?) in the middle of it, without recording an end"
    else:
        return None
    return PartialMigrationPending(
        database,
        last.revision,
        statement,
        reason,
        step_leftovers(connection),
        statements_done=last.statements_done,
    )
