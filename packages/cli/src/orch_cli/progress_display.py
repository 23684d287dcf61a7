"""A run's progress on a terminal: one status line on stderr, rewritten in place.

Nothing at all when stderr is not a terminal (CI logs, pipes): the summary and the audit log
say everything there. On a terminal, log lines (a Ctrl-C's message among them) are written
above the status line, which is drawn again under them: neither overwrites the other. Plain
text, no rich: importing rich costs every command 70 ms, since structlog imports it whenever
it is installed.
"""

from __future__ import annotations

import io
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from orch_core.fleet.progress import Progress

_CLEAR = "\r\x1b[2K"  # back to the start of the line, and erase it

# The line is redrawn at most this often: a fleet of small steps would otherwise spend its
# time writing to the terminal, and a person reads no faster.
_REDRAW_INTERVAL = 0.1


class Terminal(io.TextIOBase):
    """A terminal's stderr shared by log lines and one status line kept under them."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.status = ""
        self._lock = threading.RLock()  # databases report, and log, from several threads

    def write(self, text: str) -> int:
        """Write text (log lines) above the status line, then draw the status line again."""
        with self._lock:
            self.stream.write(_CLEAR + text if self.status else text)
            if self.status and text.endswith("\n"):
                self.stream.write(self.status)
            self.stream.flush()
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def show(self, status: str) -> None:
        """Draw the status line in place of the last one ("" erases it)."""
        with self._lock:
            self.status = status
            self.stream.write(_CLEAR + status)
            self.stream.flush()


class StatusLine(Progress):
    """`[done/total] F failed  R db/s  ETA 2m05s  N steps  database: what it is doing`."""

    def __init__(
        self, total: int, terminal: Terminal, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.total = total
        self.terminal = terminal
        self.clock = clock
        self.done = 0
        self.failed = 0
        self.steps = 0
        self._began = clock()
        self._drawn = -_REDRAW_INTERVAL
        self._lock = threading.Lock()

    def started(self, database: str) -> None:
        self._show(f"{database}: started")

    def step(self, database: str, revision: str, direction: str, count: int = 1) -> None:
        with self._lock:
            self.steps += count
        self._show(f"{database}: {direction} {revision}")

    def finished(self, database: str, outcome: str) -> None:
        with self._lock:
            self.done += 1
            self.failed += outcome == "failed"
        self._show(f"{database}: {outcome}", now=True)

    def clear(self) -> None:
        """Erase the status line, leaving the terminal as it was."""
        self.terminal.show("")

    def line(self, doing: str) -> str:
        """Return the status line as it reads now."""
        elapsed = self.clock() - self._began
        rate = self.done / elapsed if elapsed > 0 else 0.0
        parts = [f"[{self.done:,}/{self.total:,}]"]
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        if rate > 0:
            parts.append(f"{rate:,.1f} db/s" if rate >= 1 else f"{rate * 60:,.1f} db/min")
            parts.append(f"ETA {_duration((self.total - self.done) / rate)}")
        return "  ".join([*parts, f"{self.steps:,} steps", doing])

    def _show(self, doing: str, *, now: bool = False) -> None:
        with self._lock:
            moment = self.clock()
            if not now and moment - self._drawn < _REDRAW_INTERVAL:
                return
            self._drawn = moment
            width = shutil.get_terminal_size().columns - 1
            self.terminal.show(self.line(doing)[:width])


def _duration(seconds: float) -> str:
    """Return seconds as people read a wait: 45s, 2m05s, 1h20m."""
    whole = int(seconds + 0.5)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole // 60 % 60:02d}m"


def terminal() -> Terminal | None:
    """Return stderr as a Terminal for a status line, or None when it is not a terminal."""
    return Terminal(sys.stderr) if sys.stderr.isatty() else None


@contextmanager
def live_progress(total: int, shown_on: Terminal | None) -> Iterator[Progress]:
    """Yield a progress receiver: a status line on a terminal, silence elsewhere."""
    if shown_on is None:
        yield Progress()
        return
    shown = StatusLine(total, shown_on)
    try:
        yield shown
    finally:
        shown.clear()
