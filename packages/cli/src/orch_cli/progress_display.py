"""A live display of a run on a terminal; nothing at all when stdout is not one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from orch_core.progress import Progress


class _RichProgress(Progress):
    def __init__(self, total: int) -> None:
        from rich.progress import Progress as Bar

        self.bar = Bar(transient=True)
        self.task = self.bar.add_task("migrating", total=total)
        self.steps = 0

    def step(self, database: str, revision: str, direction: str) -> None:
        self.steps += 1
        self.bar.update(self.task, description=f"{database}: {direction} {revision}")

    def finished(self, database: str, outcome: str) -> None:
        self.bar.advance(self.task)


@contextmanager
def live_progress(total: int) -> Iterator[Progress]:
    """Yield a progress receiver: a rich bar on a terminal, silence elsewhere."""
    if not sys.stdout.isatty():
        yield Progress()
        return
    shown = _RichProgress(total)
    with shown.bar:
        yield shown
