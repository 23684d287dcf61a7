"""`orch check`: per database, the revisions not applied yet and the models' drift.

Databases are checked in threads (the work is mostly waiting on each server), at most the
project's concurrency at once; a database that cannot be reached is reported as such while the
rest are checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import sqlalchemy as sa

from orch_core.autogenerate.changes import Change
from orch_core.autogenerate.comparison import compare_metadata
from orch_core.autogenerate.options import Filters
from orch_core.autogenerate.targets import ComparisonTarget, comparison_target
from orch_core.config import DatabaseConfig
from orch_core.errors import DatabaseUnreachable
from orch_core.project import Project
from orch_core.runtime.engines import is_missing
from orch_core.runtime.runner import DatabaseRunner


@dataclass(frozen=True)
class DatabaseCheck:
    """What `check` found in one database."""

    database: str
    url: str  # password masked
    pending: tuple[str, ...]
    drift: tuple[Change, ...]
    compared: bool  # False: no models named, or not at heads (so nothing was compared)
    error: str | None = None  # why the database could not be checked (unreachable, ...)

    @property
    def failed(self) -> bool:
        """Return whether this database fails the check: pending work, drift, or no answer."""
        return bool(self.pending or self.drift or self.error)


def check_databases(
    project: Project,
    databases: Sequence[DatabaseConfig],
    filters: Filters | None = None,
    concurrency: int | None = None,
) -> list[DatabaseCheck]:
    """Check every database, in parallel; the result keeps the order given."""
    # Models are imported here, once, before any thread: an import error stops the command.
    targets = [comparison_target(project.config, database, filters) for database in databases]
    workers = max(1, min(concurrency or project.config.concurrency, len(databases)))
    with ThreadPoolExecutor(workers, thread_name_prefix="orch-check") as pool:
        return list(
            pool.map(
                lambda pair: check_database(project, *pair), zip(databases, targets, strict=True)
            )
        )


def check_database(
    project: Project, database: DatabaseConfig, target: ComparisonTarget
) -> DatabaseCheck:
    """Return one database's pending revisions and, if it is at its heads, its drift."""
    runner = DatabaseRunner(database, project.view(database))
    try:
        heads, _ = runner.state()
        pending = tuple(step.revision for step in runner.plan("up", "heads", heads).steps)
        if pending or not target.has_models:
            return DatabaseCheck(database.name, runner.url, pending, (), compared=False)
        # Detached: a fleet's reflected schemas are freed as each database is done.
        drift = tuple(change.detached() for change in compare_database(runner, target))
        return DatabaseCheck(database.name, runner.url, (), drift, compared=True)
    except DatabaseUnreachable as exc:
        return DatabaseCheck(
            database.name, runner.url, (), (), False, f"cannot connect: {exc.reason}"
        )
    finally:
        runner.dispose()


def compare_database(runner: DatabaseRunner, target: ComparisonTarget) -> list[Change]:
    """Return the differences between the target's models and the runner's database."""
    if is_missing(runner.config):
        # Never created: every model table is missing. Compare against an empty database
        # in memory rather than create the file.
        engine = sa.create_engine("sqlite://")
        try:
            with engine.connect() as connection:
                return compare_metadata(connection, target.metadata, target.options)
        finally:
            engine.dispose()
    with runner.engine.connect() as connection:
        return compare_metadata(connection, target.metadata, target.options)
