"""Run independent groups of databases in worker processes, one per CPU.

Threads overlap the databases' waits (commits, the network), but a migration also costs CPU:
loading scripts, building and compiling statements. Threads of one process share one CPU for
that. Databases that neither wait for nor feed each other (no `after`, no depends_on between
them) form independent groups, and a run with several groups forks workers that each migrate a
share of the groups exactly as one process would: threads, waits, a lock per database. The
parent relays their progress and collects their outcomes; a failure in one worker stops the
others from starting new databases unless the run keeps going. A worker that dies (killed, out
of memory) fails the databases it had not finished, and the version tables say where each is.

Forking is only used where it is safe and cheap: on Linux, before any connection is open.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import assert_never

from orch_core.errors import OrchError, WorkerDied
from orch_core.fleet.outcomes import DatabaseOutcome, Outcome
from orch_core.fleet.progress import Progress
from orch_core.fleet.run_state import RunState
from orch_core.fleet.signals import RunFlags, leave_signals_to_parent
from orch_graph.plan import Direction

# Builds the RunState a worker runs its share with, given its progress relay and the run's
# flags (shared with the parent and the other workers).
StateFactory = Callable[[Progress, RunFlags], RunState]


@dataclass(frozen=True)
class Started:
    """A worker's database has started migrating."""

    database: str


@dataclass(frozen=True)
class Stepped:
    """A worker's database has applied `count` more steps, the last of them `revision`."""

    database: str
    revision: str
    direction: Direction
    count: int


@dataclass(frozen=True)
class Finished:
    """A worker's database has finished with this outcome (its details follow in Reported)."""

    database: str
    outcome: Outcome


@dataclass(frozen=True)
class Reported:
    """The whole outcome of one of a worker's databases, sent once its share is done."""

    outcome: DatabaseOutcome


# What a worker sends its parent.
Message = Started | Stepped | Finished | Reported


def worker_count(groups: int, concurrency: int) -> int:
    """Return how many worker processes a run of this many independent groups should use."""
    if not sys.platform.startswith("linux") or groups < 2:
        return 1
    return max(1, min(groups, concurrency, os.cpu_count() or 1))


def run_in_workers(
    shares: Sequence[Sequence[str]],
    *,
    threads: int,
    make_state: StateFactory,
    progress: Progress,
    flags: RunFlags,
) -> dict[str, DatabaseOutcome]:
    """Run each share (databases in run order) in a forked worker; return every outcome.

    flags: made by `RunFlags.make(processes=True)`, to be shared."""
    context = multiprocessing.get_context("fork")
    # What the parent has made so far (imports, config, the graph) stays put in the workers:
    # their garbage collections then scan only what they make themselves.
    gc.freeze()
    readers: dict[Connection, tuple[BaseProcess, Sequence[str]]] = {}
    for names in shares:
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(
            target=_work,
            args=(make_state, flags, writer),
            kwargs={"names": names, "threads": threads},
            daemon=True,
        )
        process.start()
        writer.close()  # the parent's copy: a worker's death then reads as end of file
        readers[reader] = (process, names)
    gc.unfreeze()
    outcomes: dict[str, DatabaseOutcome] = {}
    while readers:
        for ready in wait(list(readers)):
            assert isinstance(ready, Connection)
            try:
                message = ready.recv()
            except EOFError:
                dead, names = readers.pop(ready)
                dead.join()
                state = make_state(progress, flags)
                _fail_unreported(names, dead.exitcode, outcomes, state=state)
                continue
            _relay(message, progress, outcomes)
    return outcomes


def _fail_unreported(
    names: Sequence[str],
    exit_code: int | None,
    outcomes: dict[str, DatabaseOutcome],
    *,
    state: RunState,
) -> None:
    """Fail the databases a dead worker did not report, at the heads their version tables
    hold (read, never guessed), and stop the run."""
    for name in names:
        if name not in outcomes:
            error = WorkerDied(name, exit_code)
            after = state.heads_of(name)
            outcomes[name] = DatabaseOutcome(name, Outcome.FAILED, after=after, error=error)
            state.progress.finished(name, Outcome.FAILED)
            state.flags.stop.set()


def _relay(message: Message, progress: Progress, outcomes: dict[str, DatabaseOutcome]) -> None:
    """Pass a worker's message on to the run's progress, or keep the outcome it carries."""
    match message:
        case Started():
            progress.started(message.database)
        case Stepped():
            progress.step(message.database, message.revision, message.direction, message.count)
        case Finished():
            progress.finished(message.database, message.outcome)
        case Reported():
            outcomes[message.outcome.database] = message.outcome
        case _:
            assert_never(message)


# A worker tells the parent about its steps at most this often: a message per step costs both
# processes CPU (a fleet of small steps ran 4% slower), and a person reads no faster.
_STEP_INTERVAL = 0.1


class _Relay(Progress):
    """Progress of a worker, sent to the parent; steps gathered between two messages."""

    def __init__(self, pipe: Connection) -> None:
        self.pipe = pipe
        self._lock = threading.Lock()  # the worker's threads report at once; one sender
        self._steps: dict[str, Stepped] = {}  # database: its last step, and the count since
        self._sent = 0.0

    def started(self, database: str) -> None:
        self._send(Started(database))

    def step(self, database: str, revision: str, direction: Direction, count: int = 1) -> None:
        with self._lock:
            since = self._steps[database].count if database in self._steps else 0
            self._steps[database] = Stepped(database, revision, direction, since + count)
            if time.monotonic() - self._sent < _STEP_INTERVAL:
                return
            self._flush()

    def finished(self, database: str, outcome: Outcome) -> None:
        with self._lock:
            self._flush()
            self.pipe.send(Finished(database, outcome))

    def _send(self, message: Message) -> None:
        with self._lock:
            self.pipe.send(message)

    def _flush(self) -> None:
        """Send the steps gathered so far (the lock is held)."""
        for stepped in self._steps.values():
            self.pipe.send(stepped)
        self._steps.clear()
        self._sent = time.monotonic()


def _work(
    make_state: StateFactory,
    flags: RunFlags,
    pipe: Connection,
    *,
    names: Sequence[str],
    threads: int,
) -> None:
    """A worker's body: migrate its share, then send each outcome."""
    leave_signals_to_parent()
    state = make_state(_Relay(pipe), flags)
    for outcome in state.run(names, threads).values():
        pipe.send(Reported(_portable(outcome)))
    pipe.close()


def _portable(outcome: DatabaseOutcome) -> DatabaseOutcome:
    """Return the outcome with an error that survives the trip to the parent.

    orch's errors do; any other exception that does not is replaced by an OrchError that
    carries its type and message.
    """
    error = outcome.error
    if error is None:
        return outcome
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # whatever fails to travel is described instead
        return replace(outcome, error=OrchError(f"{type(error).__name__}: {error}"))
    return outcome
