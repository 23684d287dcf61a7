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

import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from multiprocessing.connection import Connection, wait
from typing import Any

from orch_core.errors import OrchError
from orch_core.fleet.outcomes import DatabaseOutcome, Outcome
from orch_core.fleet.progress import Progress
from orch_core.fleet.run_state import STOP_SIGNALS, RunState, StopFlag
from orch_graph.plan import Direction

# Builds the RunState a worker runs its share with: given its progress relay, the stop flag
# (a failure: start nothing new) and the interrupt flag (a signal: also stop between steps).
StateFactory = Callable[[Progress, StopFlag, StopFlag], RunState]


class WorkerDied(OrchError):
    """A worker process ended without reporting a database's outcome."""

    def __init__(self, database: str, exit_code: int | None) -> None:
        super().__init__(
            f"the worker process migrating {database} ended (exit code {exit_code}) before it "
            "finished; the version table says where the database is"
        )
        self.database = database
        self.exit_code = exit_code


def worker_count(groups: int, concurrency: int) -> int:
    """Return how many worker processes a run of this many independent groups should use."""
    if not sys.platform.startswith("linux") or groups < 2:
        return 1
    return max(1, min(groups, concurrency, os.cpu_count() or 1))


def share(groups: Sequence[list[str]], workers: int) -> list[list[str]]:
    """Deal the groups out to workers, largest first, each to the least loaded worker."""
    shares: list[list[str]] = [[] for _ in range(workers)]
    for group in sorted(groups, key=len, reverse=True):
        min(shares, key=len).extend(group)
    return [s for s in shares if s]


def run_in_workers(
    shares: list[list[str]],
    *,
    order: list[str],
    direction: Direction,
    threads: int,
    make_state: StateFactory,
    progress: Progress,
    flags: tuple[StopFlag, StopFlag],
) -> dict[str, DatabaseOutcome]:
    """Run each share in a forked worker; return every database's outcome.

    flags: the stop and interrupt flags, made by `run_flags(processes=True)` to be shared."""
    context = multiprocessing.get_context("fork")
    stop, interrupt = flags
    readers: dict[Connection, tuple[Any, list[str]]] = {}
    for names in shares:
        chosen = set(names)
        mine = [n for n in order if n in chosen]
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(
            target=_work,
            args=(make_state, stop, interrupt, writer),
            kwargs={"names": mine, "direction": direction, "threads": threads},
            daemon=True,
        )
        process.start()
        writer.close()  # the parent's copy: a worker's death then reads as end of file
        readers[reader] = (process, mine)
    outcomes: dict[str, DatabaseOutcome] = {}
    while readers:
        for ready in wait(list(readers)):
            assert isinstance(ready, Connection)
            try:
                message = ready.recv()
            except EOFError:
                process, names = readers.pop(ready)
                process.join()
                for name in names:
                    if name not in outcomes:
                        error = WorkerDied(name, process.exitcode)
                        outcomes[name] = DatabaseOutcome(name, Outcome.FAILED, error=error)
                        progress.finished(name, Outcome.FAILED.value)
                        stop.set()
                continue
            _relay(message, progress, outcomes)
    return outcomes


def run_flags(processes: bool) -> tuple[StopFlag, StopFlag]:
    """Return a run's stop and interrupt flags: shared with forked workers, or in-process."""
    if processes:
        context = multiprocessing.get_context("fork")
        return context.Event(), context.Event()
    return threading.Event(), threading.Event()


def _relay(message: tuple[Any, ...], progress: Progress, outcomes: dict[str, Any]) -> None:
    kind, *rest = message
    if kind == "outcome":
        outcomes[rest[0]] = rest[1]
    else:
        getattr(progress, kind)(*rest)


# A worker tells the parent about its steps at most this often: a message per step costs both
# processes CPU (a fleet of small steps ran 4% slower), and a person reads no faster.
_STEP_INTERVAL = 0.1


class _Relay(Progress):
    """Progress of a worker, sent to the parent; steps gathered between two messages."""

    def __init__(self, pipe: Connection) -> None:
        self.pipe = pipe
        self._lock = threading.Lock()  # the worker's threads report at once; one sender
        self._steps: dict[str, tuple[str, str, int]] = {}  # database: last step, steps since
        self._sent = 0.0

    def started(self, database: str) -> None:
        self._send(("started", database))

    def step(self, database: str, revision: str, direction: str, count: int = 1) -> None:
        with self._lock:
            since = self._steps.get(database, ("", "", 0))[2]
            self._steps[database] = (revision, direction, since + count)
            if time.monotonic() - self._sent < _STEP_INTERVAL:
                return
            self._flush()

    def finished(self, database: str, outcome: str) -> None:
        with self._lock:
            self._flush()
            self.pipe.send(("finished", database, outcome))

    def _send(self, message: tuple[Any, ...]) -> None:
        with self._lock:
            self.pipe.send(message)

    def _flush(self) -> None:
        """Send the steps gathered so far (the lock is held)."""
        for database, (revision, direction, count) in self._steps.items():
            self.pipe.send(("step", database, revision, direction, count))
        self._steps.clear()
        self._sent = time.monotonic()


def _work(
    make_state: StateFactory,
    stop: StopFlag,
    interrupt: StopFlag,
    pipe: Connection,
    *,
    names: list[str],
    direction: Direction,
    threads: int,
) -> None:
    """A worker's body: migrate its share, then send each outcome."""
    # Ctrl-C reaches the whole process group, and a service manager's SIGTERM may: the
    # parent decides, and sets the flags.
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    state = make_state(_Relay(pipe), stop, interrupt)
    for name, outcome in state.run(names, direction, threads).items():
        pipe.send(("outcome", name, _portable(outcome)))
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
