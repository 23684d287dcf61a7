"""One process's part of a run: its databases on a pool of threads, waiting where they must.

Work is submitted in topological order, so a waiting database only ever waits for one that
already holds a thread: the pool cannot deadlock.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from orch_core.audit.events import Event
from orch_core.config import DatabaseConfig
from orch_core.errors import OrchError
from orch_core.fleet.outcomes import DatabaseOutcome, Outcome
from orch_core.fleet.progress import Progress
from orch_core.runtime.runner import DatabaseRunner, StepHooks
from orch_graph.plan import Direction, Step

if TYPE_CHECKING:
    from orch_core.fleet.orchestrator import Orchestrator


# Outcomes of a database that did not get where its dependants need it.
_NOT_THERE = frozenset({Outcome.FAILED, Outcome.SKIPPED, Outcome.INTERRUPTED})


class StopFlag(Protocol):
    """A flag a run's threads, or its worker processes, share: a threading.Event, or a
    multiprocessing one."""

    def set(self) -> None: ...
    def is_set(self) -> bool: ...


class DependencyFailed(OrchError):
    """A database this one waits for did not get where it was needed."""


class RunState:
    """The shared state of one run: who finished, who failed, what each has applied."""

    def __init__(
        self,
        orchestrator: Orchestrator,
        *,
        targets: dict[str, str],
        order: list[str],
        waits: dict[str, list[str]],
        keep_going: bool,
        progress: Progress,
        stop: StopFlag | None = None,
        interrupt: StopFlag | None = None,
    ) -> None:
        """stop: set after a failure, nothing new starts; interrupt: set on Ctrl-C or SIGTERM,
        running databases also stop, each after the step under way."""
        self.orchestrator = orchestrator
        self.targets = targets
        self.order = order
        self.waits = waits
        self.keep_going = keep_going
        self.progress = progress
        self.stop = stop or threading.Event()
        self.interrupt = interrupt or threading.Event()
        self.condition = threading.Condition()
        self.applied: dict[str, set[str]] = {name: set() for name in order}
        self.finished: dict[str, DatabaseOutcome] = {}

    def run(
        self, names: list[str], direction: Direction, threads: int
    ) -> dict[str, DatabaseOutcome]:
        """Migrate the named databases (in run order) on up to threads threads."""
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="orch-db") as pool:
            for name in names:
                pool.submit(self.migrate, name, direction)
        return {name: self.finished[name] for name in names}

    def migrate(self, name: str, direction: Direction) -> None:
        """Run one database: wait for what it needs, apply its plan, record the outcome."""
        config = self.orchestrator.project.config.databases[name]
        log = self.orchestrator.log.bind(database=name)
        blocked = self._blocked_by(config)
        if blocked:
            self._finish(DatabaseOutcome(name, Outcome.SKIPPED, reason=blocked))
            log.warning(Event.DB_SKIPPED, reason=blocked)
            return
        runner = self.orchestrator.runner(config)
        started = time.perf_counter()
        log.info(Event.DB_STARTED, url=runner.url, target=self.targets[name])
        self.progress.started(name)
        hooks = StepHooks(
            before=lambda step: self._wait_for(config, step),
            after=lambda step: self._applied(name, step),
            stop=self.interrupt.is_set,
        )
        try:
            result = runner.migrate(direction, self.targets[name], hooks)
        except Exception as exc:
            outcome = self._failed(name, runner, exc, started)
        else:
            kind = Outcome.SUCCEEDED if result.steps else Outcome.UNCHANGED
            reason = None
            if result.stopped:
                kind = Outcome.INTERRUPTED
                reason = f"interrupted after {len(result.steps)} step(s); the rest is pending"
            outcome = DatabaseOutcome(
                name, kind, result.before, result.after, result.steps, _ms(started), reason=reason
            )
        finally:
            runner.dispose()
        log.info(Event.DB_FINISHED, outcome=outcome.outcome.value, duration_ms=outcome.duration_ms)
        self._finish(outcome)

    def _failed(
        self, name: str, runner: DatabaseRunner, exc: Exception, started: float
    ) -> DatabaseOutcome:
        if not self.keep_going:
            self.stop.set()
        try:
            after = runner.current()
        except Exception:
            after = ()
        kind = Outcome.SKIPPED if isinstance(exc, DependencyFailed) else Outcome.FAILED
        reason = str(exc) if kind is Outcome.SKIPPED else None
        return DatabaseOutcome(
            name,
            kind,
            after=after,
            duration_ms=_ms(started),
            error=exc if kind is Outcome.FAILED else None,
            reason=reason,
        )

    def _finish(self, outcome: DatabaseOutcome) -> None:
        with self.condition:
            self.finished[outcome.database] = outcome
            self.condition.notify_all()
        self.progress.finished(outcome.database, outcome.outcome.value)

    def _blocked_by(self, config: DatabaseConfig) -> str | None:
        """Wait for the databases this one must follow; return why not to start, if any."""
        with self.condition:
            for before in self.waits[config.name]:
                if self.stop.is_set():
                    break
                self.condition.wait_for(lambda b=before: b in self.finished)  # type: ignore[misc]
                if self.finished[before].outcome in _NOT_THERE:
                    if self.interrupt.is_set():
                        return "not started: the run was interrupted"
                    return f"not started: database {before}, which it must follow, did not finish"
            return self._stop_reason()

    def _stop_reason(self) -> str | None:
        """Return why nothing new may start, if the run has stopped (another thread, or another
        worker process, may stop it)."""
        if self.interrupt.is_set():
            return "not started: the run was interrupted"
        return "not started: the run stopped after a failure" if self.stop.is_set() else None

    def _wait_for(self, config: DatabaseConfig, step: Step) -> None:
        """Before a step, wait until every other database it depends on has applied its revision."""
        if step.direction != "up":
            return
        view = self.orchestrator.project.view(config)
        for requirement in view.external_requirements:
            if requirement.required_by != step.revision:
                continue
            for provider in self.orchestrator._providers(requirement.service, set(self.applied)):
                self._wait_until_applied(provider, requirement.revision, config.name)

    def _wait_until_applied(self, provider: str, revision: str, waiter: str) -> None:
        with self.condition:
            self.condition.wait_for(
                lambda: revision in self.applied[provider] or provider in self.finished
            )
            if revision in self.applied[provider]:
                return
            outcome = self.finished[provider]
        if outcome.outcome in _NOT_THERE:
            raise DependencyFailed(
                f"stopped: database {provider} did not reach {revision}, which {waiter} needs"
            )

    def _applied(self, name: str, step: Step) -> None:
        with self.condition:
            self.applied[name].add(step.revision)
            self.condition.notify_all()
        self.progress.step(name, step.revision, step.direction)


# Ctrl-C at a terminal; what a deployment sends to end a job (Kubernetes, systemd, CI).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals(stop: StopFlag, interrupt: StopFlag, log: Any) -> Iterator[list[str]]:
    """While the block runs, a first SIGINT or SIGTERM stops the run gently: each running
    database after its step under way, none new, said at once; a second one quits.

    Yields the list that receives the name of the signal that stopped the run. A signal
    handler, not a caught KeyboardInterrupt: the exception would surface wherever the main
    thread happens to be, in the middle of relaying a worker's message, say."""
    received: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield received  # only the main thread may handle signals; a caller's keeps Python's
        return

    def on_signal(number: int, _frame: object) -> None:
        if interrupt.is_set():
            raise KeyboardInterrupt
        received.append(signal.Signals(number).name)
        interrupt.set()
        stop.set()
        log.warning(
            Event.RUN_INTERRUPTED,
            signal=received[0],
            action="each running database stops after its step under way; none starts "
            "(the same signal again quits at once)",
        )

    previous = {number: signal.signal(number, on_signal) for number in STOP_SIGNALS}
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
