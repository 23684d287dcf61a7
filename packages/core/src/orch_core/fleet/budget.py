"""A run's failure budget: after K failures, no database starts."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from orch_core.fleet.outcomes import Outcome
from orch_core.fleet.progress import Progress

if TYPE_CHECKING:
    from orch_core.fleet.signals import StopFlag
    from orch_graph.plan import Direction


class FailureBudget(Progress):
    """Pass progress on, and set `stop` once `limit` databases have failed.

    Every failure reaches the run's progress in the parent process, from its own threads or
    relayed from worker processes, so counting there counts the whole run."""

    def __init__(self, shown: Progress, stop: StopFlag, limit: int | None) -> None:
        self.shown = shown
        self.stop = stop
        self.limit = limit
        self.failures = 0
        self._lock = threading.Lock()

    def started(self, database: str) -> None:
        self.shown.started(database)

    def step(self, database: str, revision: str, direction: Direction, count: int = 1) -> None:
        self.shown.step(database, revision, direction, count)

    def finished(self, database: str, outcome: Outcome) -> None:
        if outcome is Outcome.FAILED:
            with self._lock:
                self.failures += 1
                if self.limit is not None and self.failures >= self.limit:
                    self.stop.set()
        self.shown.finished(database, outcome)
