"""Read databases: current, status, check, verify. Nothing here moves a database."""

from __future__ import annotations

from collections.abc import Sequence

from orch_core.api.events import hand_events_to_logging
from orch_core.api.loading import databases_named
from orch_core.autogenerate.drift import DatabaseCheck, check_databases
from orch_core.fleet.orchestrator import Orchestrator
from orch_core.project import Project
from orch_core.runtime.state import DatabaseState, read_states
from orch_core.runtime.verify import ScriptDrift, baseline_scripts, verify_scripts


def status(project: Project, *, databases: Sequence[str] | None = None) -> list[DatabaseState]:
    """Return where each database (default: all) is, its heads and what is pending, in order.

    Creates and locks nothing. A database whose next upgrade would refuse to start says why
    in `blocked` instead of raising."""
    hand_events_to_logging()
    return read_states(project, databases_named(project, databases))


def current(
    project: Project, *, databases: Sequence[str] | None = None
) -> dict[str, tuple[str, ...]]:
    """Return the revisions each database (default: all) is at; () for base."""
    return {state.database: state.current for state in status(project, databases=databases)}


def check(project: Project, *, databases: Sequence[str] | None = None) -> list[DatabaseCheck]:
    """Return, per database, the revisions pending and, at its heads, its drift from the models.

    A database that cannot be reached is reported in its DatabaseCheck (`error`), not raised;
    `failed` tells whether it fails the check."""
    hand_events_to_logging()
    return check_databases(project, databases_named(project, databases))


def verify(
    project: Project, *, databases: Sequence[str] | None = None, baseline: bool = False
) -> list[ScriptDrift]:
    """Return the applied revisions whose script changed, vanished, is unknown or unchecked.

    baseline: record the checksum of each unchecked revision's script as it is now (after a
    review) and return the revisions recorded instead."""
    hand_events_to_logging()
    orchestrator = Orchestrator(project)
    found: list[ScriptDrift] = []
    for database in databases_named(project, databases):
        runner = orchestrator.runner(database)
        try:
            found += baseline_scripts(runner) if baseline else verify_scripts(runner)
        finally:
            runner.dispose()
    return found
