"""How many of a process's databases migrate at once: as many as keep the process busy.

A run's threads overlap the databases' waits: a server's answer, a commit's fsync, a lock. When
nothing waits (SQLite files in memory, a fast local server), Python runs one thread at a time
and every thread more only contends for the interpreter: 4 threads a process took 20% more CPU
and 25% more time than 1 over 1,000 in-memory SQLite tenants (bench/fleet_scale.py).

So a process starts one database at a time and lets one more start whenever, over the last
moments, it spent less of the wall-clock time on the CPU than LOW: its databases are waiting,
and another can use the CPU meanwhile. When it is busy (HIGH and over), no new database starts
until fewer run than before. `concurrency` stays the most that ever run at once.

A database that waits for another database (to finish, or to apply a revision) gives its
place up while it waits, so the one it waits for can always start: the run cannot deadlock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from orch_core.fleet.beside import beside

# Share of the wall-clock time the process spent on the CPU: below LOW, one more database may
# start; from HIGH, none may until one finishes or waits.
LOW = 0.75
HIGH = 0.95
# How often the process's use of the CPU is read.
TICK_SECONDS = 0.05


class Admission:
    """The places of one process's databases: taken to migrate, given up to wait."""

    def __init__(
        self,
        most: int,
        *,
        cpu: Callable[[], float] = time.process_time,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """most: the places there ever are (the threads); cpu and clock: the process's CPU
        time and the wall-clock time, in seconds."""
        self.most = max(1, most)
        self.limit = 1  # places open now
        self.taken = 0
        self._cpu, self._clock = cpu, clock
        self._last = (cpu(), clock())
        self._condition = threading.Condition()

    @contextmanager
    def place(self) -> Iterator[None]:
        """Hold a place for the block, waiting for one first."""
        self._take()
        try:
            yield
        finally:
            self._give_up()

    @contextmanager
    def given_up(self) -> Iterator[None]:
        """Give the caller's place up while the block waits (for another database); take one
        again after."""
        self._give_up()
        try:
            yield
        finally:
            self._take()

    def _take(self) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self.taken < self.limit)
            self.taken += 1

    def _give_up(self) -> None:
        with self._condition:
            self.taken -= 1
            self._condition.notify()

    def adjust(self) -> None:
        """Open one more place if the process was waiting more than working since the last
        call and every open place is taken; close one if it was busy."""
        cpu, clock = self._cpu(), self._clock()
        (last_cpu, last_clock), self._last = self._last, (cpu, clock)
        elapsed = clock - last_clock
        if elapsed <= 0:
            return
        busy = (cpu - last_cpu) / elapsed
        with self._condition:
            if busy < LOW and self.taken >= self.limit and self.limit < self.most:
                self.limit += 1
                self._condition.notify()
            elif busy >= HIGH and self.limit > 1:
                self.limit -= 1

    @contextmanager
    def adjusting(self, tick: float = TICK_SECONDS) -> Iterator[None]:
        """Adjust the places every `tick` seconds, from a thread of its own, while the block
        runs."""
        if self.most == 1:
            yield
            return

        def loop(done: threading.Event) -> None:
            while not done.wait(tick):
                self.adjust()

        with beside(loop, "orch-admission"):
            yield
