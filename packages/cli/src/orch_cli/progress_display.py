"""A run's progress on a terminal: one status line on stderr, rewritten in place.

Nothing at all when stderr is not a terminal (CI logs, pipes): the summary and the audit log
say everything there. Plain text, no rich: importing rich costs every command 70 ms, since
structlog imports it whenever it is installed.
"""

from __future__ import annotations

import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from orch_core.fleet.progress import Progress

_CLEAR = "\r\x1b[2K"  # back to the start of the line, and erase it


class StatusLine(Progress):
    """`[done/total] N steps  database: what it is doing`, rewritten as the run moves."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.done = 0
        self.steps = 0
        self._lock = threading.Lock()  # databases report from several threads

    def started(self, database: str) -> None:
        self._show(f"{database}: started")

    def step(self, database: str, revision: str, direction: str, count: int = 1) -> None:
        with self._lock:
            self.steps += count
        self._show(f"{database}: {direction} {revision}")

    def finished(self, database: str, outcome: str) -> None:
        with self._lock:
            self.done += 1
        self._show(f"{database}: {outcome}")

    def clear(self) -> None:
        """Erase the status line, leaving the terminal as it was."""
        with self._lock:
            self.stream.write(_CLEAR)
            self.stream.flush()

    def _show(self, text: str) -> None:
        width = shutil.get_terminal_size().columns - 1
        with self._lock:
            line = f"[{self.done}/{self.total}] {self.steps} steps  {text}"
            self.stream.write(_CLEAR + line[:width])
            self.stream.flush()


@contextmanager
def live_progress(total: int) -> Iterator[Progress]:
    """Yield a progress receiver: a status line on a terminal, silence elsewhere."""
    if not sys.stderr.isatty():
        yield Progress()
        return
    shown = StatusLine(total, sys.stderr)
    try:
        yield shown
    finally:
        shown.clear()
