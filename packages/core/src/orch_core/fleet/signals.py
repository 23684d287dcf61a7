"""Stopping a run: the flags its threads and workers share, and the signals that set them.

A failure sets `stop` (nothing new starts, unless the run keeps going); SIGINT or SIGTERM sets
both `stop` and `interrupt` (running databases also stop, each after the step under way).
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from structlog.typing import FilteringBoundLogger

from orch_core.audit.events import Event
from orch_core.errors import QuitBySignal
from orch_core.fleet.beside import beside

# Ctrl-C at a terminal; what a deployment sends to end a job (Kubernetes, systemd, CI).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopFlag(Protocol):
    """A flag a run's threads, or its worker processes, share: a threading.Event, or a
    multiprocessing one."""

    def set(self) -> None: ...
    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


@dataclass(frozen=True)
class RunFlags:
    """The two flags that stop a run: after a failure, and on a signal."""

    stop: StopFlag
    interrupt: StopFlag

    @classmethod
    def make(cls, *, processes: bool) -> RunFlags:
        """Return new flags: shared with forked workers, or for this process's threads only."""
        if processes:
            context = multiprocessing.get_context("fork")
            return cls(context.Event(), context.Event())
        return cls(threading.Event(), threading.Event())


@contextmanager
def stop_on_signals(flags: RunFlags, log: FilteringBoundLogger) -> Iterator[list[str]]:
    """While the block runs, a first SIGINT or SIGTERM stops the run gently: each running
    database after its step under way (cancelled after the grace period), none new, said at
    once; a second one quits.

    Yields the list that receives the name of the signal that stopped the run. A signal
    handler, not a caught KeyboardInterrupt: the exception would surface wherever the main
    thread happens to be, in the middle of relaying a worker's message, say."""
    received: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield received  # only the main thread may handle signals; a caller's keeps Python's
        return

    def on_signal(number: int, _frame: object) -> None:
        if flags.interrupt.is_set():
            raise QuitBySignal(number)
        received.append(signal.Signals(number).name)
        flags.interrupt.set()
        flags.stop.set()
        log.warning(
            Event.RUN_INTERRUPTED,
            signal=received[0],
            action="each running database stops after its step under way, cancelled after "
            "the grace period; none starts (the same signal again quits at once)",
        )

    previous = {number: signal.signal(number, on_signal) for number in STOP_SIGNALS}
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def leave_signals_to_parent() -> None:
    """Ignore SIGINT and SIGTERM in a worker process: its parent decides, and sets the flags.

    Ctrl-C reaches the whole process group, and a service manager's SIGTERM may."""
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)


@contextmanager
def cancel_after_grace(flags: RunFlags, grace: float, cancel: Callable[[], None]) -> Iterator[None]:
    """While the block runs, once the run is interrupted, give the steps under way `grace`
    seconds to finish, then call `cancel` (which cancels their statements).

    A thread of each process that runs databases watches the shared flag: the parent's signal
    handler sets it for every worker process too."""

    def watch(done: threading.Event) -> None:
        while not flags.interrupt.wait(0.1):
            if done.is_set():
                return
        if not done.wait(grace):
            cancel()

    with beside(watch, "orch-grace"):
        yield
