"""Where each database is and where `upgrade heads` would take it: what status and current show."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
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


@dataclass(frozen=True)
class StateTally:
    """How many databases are at the same revisions, with the same revisions pending."""

    current: tuple[str, ...]
    heads: tuple[str, ...]
    pending: tuple[str, ...]
    count: int


def tally_states(states: Iterable[DatabaseState]) -> tuple[StateTally, ...]:
    """Return the readable databases counted by revisions now and pending, most first."""
    counts = Counter((s.current, s.heads, s.pending) for s in states if s.error is None)
    tallies = (StateTally(*key, count) for key, count in counts.items())
    return tuple(sorted(tallies, key=lambda t: (-t.count, t.current, t.pending)))


def read_state(runner: DatabaseRunner) -> DatabaseState:
    """Return where the runner's database is, its heads, and what is pending (one connection).

    The plan to heads is made once per view and revisions (DatabaseView), the same for every
    tenant of a fleet at the same revisions."""
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
