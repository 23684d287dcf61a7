"""How many databases a process migrates at once: one more while it waits, none more while busy.

The policy is driven here by a clock and a CPU reading the test sets; the last test runs a
real RunState whose databases wait (sleep), and finds them overlapping.
"""

from __future__ import annotations

import threading
import time

import structlog

from orch_core.config import DatabaseConfig
from orch_core.fleet.admission import HIGH, LOW, Admission
from orch_core.fleet.run_state import RunState
from orch_core.fleet.schedule import Schedule
from orch_core.runtime.results import DatabaseResult, StepHooks
from orch_graph.plan import Direction


class Clocks:
    """A wall clock and a CPU clock the test moves by hand."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu_time = 0.0

    def spend(self, seconds: float, busy: float) -> None:
        """Let `seconds` pass, `busy` of them on the CPU."""
        self.wall += seconds
        self.cpu_time += seconds * busy


def admission(most: int) -> tuple[Admission, Clocks]:
    clocks = Clocks()
    return Admission(most, cpu=lambda: clocks.cpu_time, clock=lambda: clocks.wall), clocks


def taker(gate: Admission, holding: threading.Event, release: threading.Event) -> threading.Thread:
    def hold() -> None:
        with gate.place():
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    return thread


def test_one_place_at_first_and_another_only_once_the_process_waits() -> None:
    gate, clocks = admission(4)
    release = threading.Event()
    first, second = threading.Event(), threading.Event()
    taker(gate, first, release)
    assert first.wait(5)
    taker(gate, second, release)
    assert not second.wait(0.2)  # one place, taken

    clocks.spend(0.05, busy=HIGH)  # busy: no more places
    gate.adjust()
    assert not second.wait(0.2)
    assert gate.limit == 1

    clocks.spend(0.05, busy=LOW / 2)  # waiting more than working: one more place
    gate.adjust()
    assert second.wait(5)
    assert gate.limit == 2
    release.set()


def test_places_never_exceed_the_most_nor_fall_below_one() -> None:
    gate, clocks = admission(2)
    release = threading.Event()
    holding = [threading.Event() for _ in range(3)]
    for event in holding:
        taker(gate, event, release)
    for _ in range(5):
        clocks.spend(0.05, busy=0.0)
        gate.adjust()
    assert gate.limit == 2
    assert sum(event.wait(0.3) for event in holding) == 2  # the third waits for a place
    for _ in range(5):
        clocks.spend(0.05, busy=1.0)
        gate.adjust()
    assert gate.limit == 1
    release.set()
    assert holding[2].wait(5)  # a place comes free when one finishes


def test_a_busy_process_opens_no_place_even_when_databases_queue() -> None:
    gate, clocks = admission(8)
    release = threading.Event()
    holding = [threading.Event() for _ in range(3)]
    for event in holding:
        taker(gate, event, release)
    for _ in range(10):
        clocks.spend(0.05, busy=0.9)  # between LOW and HIGH: leave it as it is
        gate.adjust()
    assert gate.limit == 1
    assert sum(event.wait(0.2) for event in holding) == 1
    release.set()


def test_a_database_waiting_for_another_gives_its_place_up() -> None:
    gate, _clocks = admission(4)
    waited = threading.Event()
    with gate.place():
        holding, release = threading.Event(), threading.Event()
        with gate.given_up():
            taker(gate, holding, release)
            assert holding.wait(5)  # the one place went to the other database
            release.set()
        waited.set()  # and came back once it was free
    assert waited.is_set()
    assert gate.taken == 0


class SleepingRunner:
    """A database whose one step waits (as on a server) and notes how many overlap it."""

    running = 0
    most_at_once = 0
    lock = threading.Lock()
    url = "sleeping://"

    def __init__(self, name: str) -> None:
        self.name = name

    def migrate(
        self, direction: Direction, target: str, hooks: StepHooks | None = None
    ) -> DatabaseResult:
        cls = SleepingRunner
        with cls.lock:
            cls.running += 1
            cls.most_at_once = max(cls.most_at_once, cls.running)
        time.sleep(0.4)
        with cls.lock:
            cls.running -= 1
        return DatabaseResult(self.name, (), (), ())

    def current(self) -> tuple[str, ...]:
        return ()

    def dispose(self) -> None:
        pass

    def cancel(self) -> None:
        pass


def test_databases_that_wait_run_together() -> None:
    names = [f"t{k}" for k in range(6)]
    databases = [DatabaseConfig(name, "sqlite://", ("s",)) for name in names]
    schedule = Schedule.build("up", dict.fromkeys(names, "heads"), databases, {})
    state = RunState(schedule, SleepingRunner, structlog.get_logger("orch"))
    outcomes = state.run(names, threads=4)
    assert len(outcomes) == len(names)
    assert SleepingRunner.most_at_once >= 2
    assert SleepingRunner.most_at_once <= 4
