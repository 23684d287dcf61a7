"""What a run reports as it goes; the CLI draws it, the library only calls it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orch_core.fleet.outcomes import Outcome
    from orch_graph.plan import Direction


class Progress:
    """Receive a run's progress; this base ignores it (subclass to show it)."""

    def started(self, database: str) -> None:
        """A database has started migrating."""

    def step(self, database: str, revision: str, direction: Direction, count: int = 1) -> None:
        """A database has applied `count` more steps, the last of them `revision`."""

    def finished(self, database: str, outcome: Outcome) -> None:
        """A database has finished, with an outcome such as succeeded or failed."""
