"""Where each database is and where `upgrade heads` would take it: what status and current show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from orch_core.config import DatabaseConfig
from orch_core.errors import DatabaseUnreachable, OrchError
from orch_core.project import Project
from orch_core.runtime.runner import DatabaseRunner


@dataclass(frozen=True)
class DatabaseState:
    """One database as it is now, read without creating or locking anything."""

    database: str
    url: str  # the password masked
    current: tuple[str, ...]
    heads: tuple[str, ...]  # where `upgrade heads` takes it
    pending: tuple[str, ...]  # the revisions that upgrade would apply, in order
    # Why the next upgrade will refuse to start, if it will: a step left half done, or a
    # version table that is not where the configuration says.
    blocked: OrchError | None = None
    # Why it could not be read (unreachable): the revisions above are then unknown, not empty.
    error: Exception | None = None

    @property
    def at_heads(self) -> bool:
        """Return whether nothing is pending."""
        return not self.pending and self.error is None


def read_state(runner: DatabaseRunner) -> DatabaseState:
    """Return where the runner's database is, its heads, and what is pending (one connection)."""
    heads, blocked = runner.state()
    plan = runner.plan("up", "heads", heads)
    return DatabaseState(
        runner.config.name,
        runner.url,
        plan.current,
        plan.heads_after,
        tuple(step.revision for step in plan.steps),
        blocked,
    )


def read_states(project: Project, databases: Sequence[DatabaseConfig]) -> list[DatabaseState]:
    """Return each database's state, in the order given; each runner's connections closed.

    A database that cannot be reached is returned as such, with the error, and the others
    are read as usual."""
    states = []
    for database in databases:
        runner = DatabaseRunner(database, project.view(database))
        try:
            states.append(read_state(runner))
        except DatabaseUnreachable as exc:
            states.append(DatabaseState(database.name, runner.url, (), (), (), error=exc))
        finally:
            runner.dispose()
    return states
