"""Run operations on a test database and look at what they left behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from orch_core.operations import Operations
from orch_core.runtime.context import MigrationContext
from tests.support.databases import TestDatabase


@contextmanager
def migrate(database: TestDatabase, revision: str = "r1") -> Iterator[Operations]:
    """Yield an Operations bound to a transaction on the database; commit on success."""
    engine = database.engine()
    try:
        with engine.begin() as connection:
            yield Operations(MigrationContext.online(connection, revision=revision))
    finally:
        engine.dispose()


def inspect(database: TestDatabase, fn: Callable[[sa.Inspector], Any]) -> Any:
    """Return fn applied to a fresh inspector of the database."""
    engine = database.engine()
    try:
        with engine.connect() as connection:
            return fn(sa.inspect(connection))
    finally:
        engine.dispose()


def rows(database: TestDatabase, sql: str) -> list[tuple[Any, ...]]:
    """Return the rows of a query."""
    engine = database.engine()
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


def columns(database: TestDatabase, table: str) -> dict[str, dict[str, Any]]:
    """Return the reflected columns of a table, by name."""
    return {c["name"]: c for c in inspect(database, lambda i: i.get_columns(table))}


def users_table(op: Operations) -> sa.Table:
    """Create the users table most tests start from."""
    return op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("age", sa.Integer),
    )
