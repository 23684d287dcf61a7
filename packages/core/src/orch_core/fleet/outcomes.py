"""What a run did to each database: the outcomes the orchestrator reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from orch_core.errors import MigrationFailed
from orch_core.runtime.results import StepResult
from orch_graph.plan import Direction


class Outcome(StrEnum):
    """How a database ended a run."""

    SUCCEEDED = "succeeded"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"  # stopped between two steps: at its last committed one

    @property
    def complete(self) -> bool:
        """Return whether the database got where the run was taking it."""
        return self in {Outcome.SUCCEEDED, Outcome.UNCHANGED}


@dataclass(frozen=True)
class DatabaseOutcome:
    """One database's part of a run."""

    database: str
    outcome: Outcome
    before: tuple[str, ...] = ()
    # Where it is now, as read from its version table; None when it could not be read.
    after: tuple[str, ...] | None = ()
    steps: tuple[StepResult, ...] = ()  # the steps it applied, a failed run's included
    duration_ms: int = 0
    error: Exception | None = None
    reason: str | None = None
    started: bool = True  # False: the run never started it (its version table is untouched)

    @property
    def failed_step(self) -> str | None:
        """Return the revision whose step failed, if one did."""
        return self.error.revision if isinstance(self.error, MigrationFailed) else None


@dataclass(frozen=True)
class Tally:
    """How many databases ended a run the same way, at the same revisions."""

    outcome: Outcome
    at: tuple[str, ...] | None  # None: where they are could not be read
    failed_step: str | None
    count: int


@dataclass(frozen=True)
class RunSummary:
    """The outcome of every database a run addressed."""

    run_id: str
    direction: Direction
    target: str
    databases: dict[str, DatabaseOutcome] = field(default_factory=dict)
    # The signal (SIGINT, SIGTERM) that stopped the run: running steps finished, none began.
    stopped_by: str | None = None

    @property
    def ok(self) -> bool:
        """Return whether no database failed or was skipped because of a failure."""
        return all(o.outcome.complete for o in self.databases.values())

    @property
    def outcome(self) -> Outcome:
        """Return how the run as a whole ended: interrupted, succeeded or failed."""
        if self.stopped_by is not None:
            return Outcome.INTERRUPTED
        return Outcome.SUCCEEDED if self.ok else Outcome.FAILED

    @property
    def never_started(self) -> tuple[str, ...]:
        """Return the databases the run did not start, in run order."""
        return tuple(name for name, o in self.databases.items() if not o.started)

    def tally(self) -> tuple[Tally, ...]:
        """Return the databases counted by outcome, revisions now and failed step, most first."""
        counts = Counter((o.outcome, o.after, o.failed_step) for o in self.databases.values())
        tallies = (Tally(*key, count) for key, count in counts.items())
        return tuple(
            sorted(tallies, key=lambda t: (-t.count, t.outcome, t.at or (), t.failed_step or ""))
        )

    @property
    def first_error(self) -> Exception | None:
        """Return the first failure's error, if any."""
        return next((o.error for o in self.databases.values() if o.error is not None), None)
