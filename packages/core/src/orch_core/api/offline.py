"""Write the SQL a run would execute, without connecting (Alembic's offline mode)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from orch_core.api.events import hand_events_to_logging
from orch_core.api.loading import databases_named
from orch_core.fleet.orchestrator import Orchestrator
from orch_core.project import Project
from orch_core.runtime.plan_sql import render_plan_sql
from orch_graph.errors import BadTarget
from orch_graph.plan import Direction
from orch_graph.target import parse_range
from orch_graph.targets import resolve


@dataclass(frozen=True)
class DatabaseSql:
    """The SQL for one database: its statements and comments, one string each."""

    database: str
    url: str  # the password masked
    lines: tuple[str, ...]


def sql(
    project: Project,
    target: str = "heads",
    *,
    direction: Direction = "up",
    databases: Sequence[str] | None = None,
    x_arguments: Sequence[str] = (),
) -> Iterator[DatabaseSql]:
    """Yield, database by database, the SQL that moving to target would run; changes nothing.

    Without FROM, each database's heads are read (a connection that only reads) to start from
    where it is; with FROM:TO, as Alembic reads it, no database is touched: the SQL from FROM
    (revisions, partial ids, labels, `heads`; empty for base) to TO. Each database's SQL is
    made when it is asked for, so a caller can write the first while the next is being made."""
    hand_events_to_logging()
    # FROM:TO as Alembic reads it: FROM revisions, partial ids, labels, `heads` (`base` none).
    span = parse_range(target) if ":" in target else None
    if span is not None and span.upper is None:
        raise BadTarget(target, "--sql FROM:TO needs where to go (TO)")
    end = target if span is None or span.upper is None else span.upper.text
    orchestrator = Orchestrator(project, x_arguments=x_arguments)
    chosen = databases_named(project, databases)
    for name, local in orchestrator.targets(chosen, end, direction).items():
        config = project.database(name)
        runner = orchestrator.runner(config)
        try:
            current = None if span is None else resolve(project.view(config), span.lower, ())
            lines: list[str] = []
            render_plan_sql(runner, runner.plan(direction, local, current), lines.append)
            yield DatabaseSql(name, runner.url, tuple(lines))
        finally:
            runner.dispose()
