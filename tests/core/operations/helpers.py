"""Run operations on a test database and look at what they left behind."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from orch_core.operations import Operations
from orch_core.project import Project
from orch_core.runtime.context import MigrationContext
from orch_core.runtime.runner import DatabaseRunner
from tests.support.databases import TestDatabase
from tests.support.projects import Database, Script, write_project


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


def runner_for(
    tmp_path: Path, database: TestDatabase, scripts: list[Script], **extra: object
) -> DatabaseRunner:
    """Return a runner for a one-service project of these scripts on the database."""
    entry = Database(database.url, ["app"], extra=extra)
    config = write_project(tmp_path, {"app": scripts}, {"main": entry})
    project = Project.load(config, environ={})
    database_config = project.config.databases["main"]
    return DatabaseRunner(database_config, project.view(database_config), run_id="test-run")


def outcomes(database: TestDatabase) -> list[tuple[str, str]]:
    """Return (revision, outcome) of each history row but the `started` ones, oldest first."""
    found = rows(database, "SELECT revision, outcome FROM orch_history ORDER BY id")
    return [(r[0], r[1]) for r in found if r[1] != "started"]


def orch_sql(
    dialect: str, script: Callable[[Any], None], target_metadata: sa.MetaData | None = None
) -> list[str]:
    """Return the statements orch writes for script(op) offline, whitespace collapsed."""
    out: list[str] = []
    context = MigrationContext.offline(dialect, out.append, target_metadata=target_metadata)
    script(Operations(context))
    return _statements("".join(out))


def alembic_sql(
    dialect: str, script: Callable[[Any], None], target_metadata: sa.MetaData | None = None
) -> list[str]:
    """Return the statements Alembic writes for script(op) offline, whitespace collapsed."""
    from alembic.operations import Operations as AlembicOperations
    from alembic.runtime.migration import MigrationContext as AlembicContext

    buffer = io.StringIO()
    opts: dict[str, Any] = {"as_sql": True, "output_buffer": buffer}
    if target_metadata is not None:
        opts["target_metadata"] = target_metadata
    script(AlembicOperations(AlembicContext.configure(dialect_name=dialect, opts=opts)))
    return _statements(buffer.getvalue())


def _statements(text: str) -> list[str]:
    return [" ".join(s.split()) for s in text.split(";\n") if s.strip()]
