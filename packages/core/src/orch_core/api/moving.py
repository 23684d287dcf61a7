"""Move databases: plan, upgrade, downgrade and stamp over a loaded project.

A target no database could reach (an unknown revision, `head` among several heads) is raised
before any database is read or moved. A failure while migrating is not raised: it is in the
returned RunSummary, per database (`summary.ok`, `summary.first_error`), since other
databases may have moved on.
"""

from __future__ import annotations

from collections.abc import Sequence

from orch_core.api.events import hand_events_to_logging
from orch_core.api.loading import databases_named
from orch_core.fleet.orchestrator import Orchestrator, RunSummary
from orch_core.fleet.progress import Progress
from orch_core.fleet.requirements import with_providers
from orch_core.project import Project
from orch_core.runtime.results import DatabaseResult
from orch_graph.plan import Direction, Plan


def plan(
    project: Project,
    target: str = "heads",
    *,
    direction: Direction = "up",
    databases: Sequence[str] | None = None,
) -> dict[str, Plan]:
    """Return, per database the target concerns, the steps a run would take; moves nothing."""
    return _orchestrator(project).plan(databases_named(project, databases), direction, target)


def upgrade(
    project: Project,
    target: str = "heads",
    *,
    databases: Sequence[str] | None = None,
    keep_going: bool = False,
    canary: int = 0,
    max_failures: int | None = None,
    with_deps: bool = False,
    x_arguments: Sequence[str] = (),
    progress: Progress | None = None,
    processes: bool = True,
    resume: bool = False,
) -> RunSummary:
    """Upgrade the databases (default: all) to target and return what happened to each.

    keep_going: after a failure, still migrate the databases that do not depend on it.
    canary: migrate the first N databases of the run order first; start no other if one fails.
    max_failures: start no database once that many have failed.
    with_deps: also upgrade the databases outside the selection whose revisions it needs
    (without it, such a run is refused with DependencyNotMet).
    processes=False keeps every database in this process (threads only).
    resume: where an earlier run left a step half done (outside a transaction), run the rest
    of it, skipping the statements that completed; a database with none migrates as usual.
    Without it, such a database is refused (PartialMigrationPending)."""
    chosen = databases_named(project, databases)
    if with_deps:
        chosen = with_providers(project, chosen)
    orchestrator = _orchestrator(project, x_arguments, processes, resume)
    return orchestrator.run(
        chosen,
        "up",
        target,
        keep_going=keep_going,
        progress=progress,
        canary=canary,
        max_failures=max_failures,
    )


def downgrade(
    project: Project,
    target: str,
    *,
    databases: Sequence[str] | None = None,
    keep_going: bool = False,
    canary: int = 0,
    max_failures: int | None = None,
    x_arguments: Sequence[str] = (),
    progress: Progress | None = None,
    processes: bool = True,
    resume: bool = False,
) -> RunSummary:
    """Downgrade the databases (default: all) to target and return what happened to each
    (the keywords as for upgrade; resume goes on with a half-done downgrade step)."""
    chosen = databases_named(project, databases)
    orchestrator = _orchestrator(project, x_arguments, processes, resume)
    return orchestrator.run(
        chosen,
        "down",
        target,
        keep_going=keep_going,
        progress=progress,
        canary=canary,
        max_failures=max_failures,
    )


def _orchestrator(
    project: Project,
    x_arguments: Sequence[str] = (),
    processes: bool = True,
    resume: bool = False,
) -> Orchestrator:
    """Return a run's orchestrator, its events handed to logging unless the program chose."""
    hand_events_to_logging()
    return Orchestrator(project, x_arguments=x_arguments, processes=processes, resume=resume)


def stamp(
    project: Project,
    target: str,
    *,
    databases: Sequence[str] | None = None,
    purge: bool = False,
) -> dict[str, DatabaseResult]:
    """Record target in the version tables without running a script; return rows before, after.

    purge: ignore the version rows that are there. Databases are stamped one after another;
    an error stops at the database it happened in."""
    orchestrator = _orchestrator(project)
    chosen = databases_named(project, databases)
    stamped = {}
    for name, local in orchestrator.targets(chosen, target, "stamp").items():
        runner = orchestrator.runner(project.database(name))
        try:
            stamped[name] = runner.stamp(local, purge=purge)
        finally:
            runner.dispose()
    return stamped
