"""Cross-database depends_on in a run that leaves the providing database out.

Within a run, a database waits for the revisions it needs (schedule.py). A database that
`--db` leaves out is waited for by no one, so a step that needs one of its revisions would run
too early: the run is refused unless that database is already there, or `--with-deps` adds it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from orch_core.config import DatabaseConfig
from orch_core.errors import DependencyNotMet
from orch_core.fleet.schedule import Schedule
from orch_core.project import Project
from orch_core.runtime.runner import DatabaseRunner
from orch_graph.view import ExternalRequirement

# Makes the runner of the configured database with this name.
RunnerFactory = Callable[[str], DatabaseRunner]


def with_providers(project: Project, databases: Sequence[DatabaseConfig]) -> list[DatabaseConfig]:
    """Return the databases and every configured one they wait for, in configuration order."""
    everything = list(project.config.databases.values())
    requirements = {d.name: project.view(d).external_requirements for d in everything}
    schedule = Schedule.build("up", {d.name: "heads" for d in everything}, everything, requirements)
    names = {d.name for d in databases}
    wanted = names | schedule.providers(names)
    return [d for d in everything if d.name in wanted]


def refuse_unmet(project: Project, schedule: Schedule, runners: RunnerFactory) -> None:
    """Raise DependencyNotMet if a pending step of the run needs a revision that a database
    outside the run has not applied; reads only when such a database exists."""
    if schedule.direction != "up":
        return
    in_run = set(schedule.order)
    carriers: defaultdict[str, list[str]] = defaultdict(list)
    for database in project.config.databases.values():
        if database.name not in in_run:
            for service in database.services:
                carriers[service].append(database.name)
    for name in schedule.order:
        outside = _outside(project, name, carriers)
        if not outside:
            continue
        pending = _pending(runners(name), schedule.targets[name])
        for requirement, provider in outside:
            if requirement.required_by in pending:
                _refuse_unless_reached(project, name, requirement, runners(provider))


def _outside(
    project: Project, name: str, carriers: Mapping[str, list[str]]
) -> list[tuple[ExternalRequirement, str]]:
    """Return the database's requirements on databases the run leaves out, with each provider.

    carriers: per service, the databases outside the run that carry it."""
    view = project.view(project.database(name))
    return [
        (requirement, provider)
        for requirement in view.external_requirements
        for provider in carriers.get(requirement.service or "", ())
    ]


def _pending(runner: DatabaseRunner, target: str) -> set[str]:
    """Return the revisions an upgrade of the runner's database to target would apply."""
    try:
        return {step.revision for step in runner.plan("up", target).steps}
    finally:
        runner.dispose()


def _refuse_unless_reached(
    project: Project, name: str, requirement: ExternalRequirement, provider: DatabaseRunner
) -> None:
    try:
        heads = provider.current()
    finally:
        provider.dispose()
    if requirement.revision not in project.graph.ancestors(heads):
        raise DependencyNotMet(
            name, requirement.required_by, provider.config.name, requirement.revision, heads
        )
