"""What running one database's plan gives back: each step as it ran, the database's result, and
the callbacks a run hangs around each step; the part of orch-graph a runner plans with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from orch_core.runtime.recorder import HistoryOutcome
from orch_graph.plan import Direction, Plan, Step
from orch_graph.revision import Revision


class Planner(Protocol):
    """The part of orch-graph a runner needs: plans for one database and its revisions."""

    def plan_upgrade(self, current: Sequence[str], target: str) -> Plan: ...
    def plan_downgrade(self, current: Sequence[str], target: str) -> Plan: ...
    def plan_stamp(self, current: Sequence[str], target: str) -> Plan: ...
    def get(self, revision: str) -> Revision: ...
    @property
    def revisions(self) -> tuple[Revision, ...]: ...


@dataclass(frozen=True)
class StepResult:
    """One step as it ran."""

    revision: str
    direction: Direction
    outcome: HistoryOutcome
    duration_ms: int
    # Resumed (`--resume`): the statements its earlier run completed, not run again.
    statements_skipped: int | None = None


@dataclass(frozen=True)
class DatabaseResult:
    """What a run did to one database."""

    database: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    steps: tuple[StepResult, ...]
    stopped: bool = False  # asked to stop (hooks.stop) before the plan's last step
    note: str | None = None  # what the run says of it besides its steps (nothing to resume)


@dataclass(frozen=True)
class StepHooks:
    """Callbacks around each step, for the orchestrator's cross-database waits."""

    before: Callable[[Step], None] = lambda step: None
    after: Callable[[Step], None] = lambda step: None
    # Asked before each step: True ends the run of this database there, after a whole step.
    stop: Callable[[], bool] = lambda: False


def utc_now() -> dt.datetime:
    """Return the time in UTC without its zone, as the history table keeps times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
