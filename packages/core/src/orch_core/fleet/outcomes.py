"""What a run did to each database: the outcomes the orchestrator reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from orch_core.runtime.runner import StepResult
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
    after: tuple[str, ...] = ()
    steps: tuple[StepResult, ...] = ()
    duration_ms: int = 0
    error: Exception | None = None
    reason: str | None = None


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
    def first_error(self) -> Exception | None:
        """Return the first failure's error, if any."""
        return next((o.error for o in self.databases.values() if o.error is not None), None)
