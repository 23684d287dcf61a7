"""What a run did to each database: the outcomes the orchestrator reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from orch_core.errors import OrchError
from orch_core.runtime.runner import StepResult


class Outcome(StrEnum):
    """How a database ended a run."""

    SUCCEEDED = "succeeded"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"  # stopped between two steps: at its last committed one


@dataclass(frozen=True)
class DatabaseOutcome:
    """One database's part of a run."""

    database: str
    outcome: Outcome
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    steps: tuple[StepResult, ...] = ()
    duration_ms: int = 0
    error: OrchError | Exception | None = None
    reason: str | None = None


@dataclass(frozen=True)
class RunSummary:
    """The outcome of every database a run addressed."""

    run_id: str
    direction: str
    target: str
    databases: dict[str, DatabaseOutcome] = field(default_factory=dict)
    # The signal (SIGINT, SIGTERM) that stopped the run: running steps finished, none began.
    stopped_by: str | None = None

    @property
    def interrupted(self) -> bool:
        """Return whether a signal stopped the run before every database was done."""
        return self.stopped_by is not None

    @property
    def ok(self) -> bool:
        """Return whether no database failed or was skipped because of a failure."""
        return all(
            o.outcome in {Outcome.SUCCEEDED, Outcome.UNCHANGED} for o in self.databases.values()
        )

    @property
    def first_error(self) -> OrchError | Exception | None:
        """Return the first failure's error, if any."""
        return next((o.error for o in self.databases.values() if o.error is not None), None)
