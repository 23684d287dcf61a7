"""One process's part of a run: its databases on a pool of threads, waiting where they must.

Work is submitted in the schedule's order, so a waiting database only ever waits for one that
already holds a thread, and gives its place (admission.py) up while it waits: the run cannot
deadlock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Protocol

from structlog.typing import FilteringBoundLogger

from orch_core.audit.events import Event
from orch_core.config import DEFAULT_STOP_GRACE
from orch_core.errors import DependencyFailed, OrchError
from orch_core.fleet.admission import Admission
from orch_core.fleet.outcomes import DatabaseOutcome, Outcome
from orch_core.fleet.progress import Progress
from orch_core.fleet.schedule import Need, Schedule
from orch_core.fleet.signals import RunFlags, cancel_after_grace
from orch_core.runtime.recorder import HistoryOutcome
from orch_core.runtime.results import DatabaseResult, StepHooks, StepResult
from orch_graph.plan import Direction, Step


class Runner(Protocol):
    """What a run needs of one database's runner (orch_core.runtime.runner.DatabaseRunner)."""

    @property
    def url(self) -> str: ...
    def migrate(
        self, direction: Direction, target: str, hooks: StepHooks | None = None
    ) -> DatabaseResult: ...
    def current(self) -> tuple[str, ...]: ...
    def dispose(self) -> None: ...
    def cancel(self) -> None: ...


# Makes the runner of the database with this name.
RunnerFactory = Callable[[str], Runner]


class RunState:
    """The shared state of one run: who finished, who failed, what each has applied."""

    def __init__(
        self,
        schedule: Schedule,
        runners: RunnerFactory,
        log: FilteringBoundLogger,
        *,
        keep_going: bool = False,
        progress: Progress | None = None,
        flags: RunFlags | None = None,
        grace: float = DEFAULT_STOP_GRACE,
        scope: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> None:
        """keep_going: after a failure, still start what does not wait for the failed database;
        without it, a failure stops only its own group (databases tied to it by `after` or
        depends_on), and databases that share nothing with it still run.
        grace: seconds a step under way may take after a signal before its statement is
        cancelled. scope: entered around the run's threads (the engines the runners share
        while they run, closed after)."""
        self.schedule = schedule
        self.runners = runners
        self.log = log
        self.keep_going = keep_going
        self.progress = progress or Progress()
        self.flags = flags or RunFlags.make(processes=False)
        self.condition = threading.Condition()
        self.applied: dict[str, set[str]] = {name: set() for name in schedule.order}
        # The steps each database has applied so far, as they ran: a failure keeps them.
        self.results: dict[str, list[StepResult]] = {name: [] for name in schedule.order}
        self._step_clock: dict[str, float] = {}
        self._group = {name: i for i, group in enumerate(schedule.groups) for name in group}
        self.failed_groups: set[int] = set()
        self.finished: dict[str, DatabaseOutcome] = {}
        self.grace = grace
        self.scope = scope
        self.running: dict[str, Runner] = {}  # guarded by the condition
        self.admission = Admission(1)  # the places of the run's threads (run() sets it)

    def run(self, names: Sequence[str], threads: int) -> dict[str, DatabaseOutcome]:
        """Migrate the named databases (in run order) on up to threads threads, as many at
        once as keep the process busy (fleet/admission.py)."""
        self.admission = Admission(threads)
        with (
            self.scope(),
            cancel_after_grace(self.flags, self.grace, self.cancel_running),
            self.admission.adjusting(),
            ThreadPoolExecutor(max_workers=threads, thread_name_prefix="orch-db") as pool,
        ):
            for name in names:
                pool.submit(self.migrate, name)
        return {name: self.finished[name] for name in names}

    def migrate(self, name: str) -> None:
        """Run one database, in a place of the run's admission."""
        with self.admission.place():
            self._migrate(name)

    def _migrate(self, name: str) -> None:
        """Run one database: wait for what it needs, apply its plan, record the outcome."""
        log = self.log.bind(database=name)
        blocked = self._blocked_by(name)
        if blocked:
            self._finish(DatabaseOutcome(name, Outcome.SKIPPED, reason=blocked, started=False))
            log.warning(Event.DB_SKIPPED, reason=blocked)
            return
        runner = self.runners(name)
        started = time.perf_counter()
        target = self.schedule.targets[name]
        log.info(Event.DB_STARTED, url=runner.url, target=target)
        self.progress.started(name)
        hooks = StepHooks(
            before=lambda step: self._before(name, step),
            after=lambda step: self._applied(name, step),
            stop=self.flags.interrupt.is_set,
        )
        with self.condition:
            self.running[name] = runner
        try:
            result = runner.migrate(self.schedule.direction, target, hooks)
        except BaseException as exc:
            # Whatever ends a database's thread ends its part of the run, recorded: databases
            # waiting for it then stop waiting.
            outcome = self._failed(name, runner, exc, started)
        else:
            outcome = _outcome(result, started)
        finally:
            with self.condition:
                del self.running[name]
            runner.dispose()
        log.info(Event.DB_FINISHED, outcome=outcome.outcome.value, duration_ms=outcome.duration_ms)
        self._finish(outcome)

    def _failed(
        self, name: str, runner: Runner, exc: BaseException, started: float
    ) -> DatabaseOutcome:
        if not self.keep_going:
            with self.condition:
                self.failed_groups.add(self._group[name])
        after = self.heads_of(name, runner)
        steps = tuple(self.results[name])
        if not isinstance(exc, Exception):
            exc = OrchError(f"{name}: stopped by {type(exc).__name__}: {exc}")
        if isinstance(exc, DependencyFailed):
            return DatabaseOutcome(
                name, Outcome.SKIPPED, (), after, steps, _ms(started), reason=str(exc)
            )
        return DatabaseOutcome(name, Outcome.FAILED, (), after, steps, _ms(started), error=exc)

    def cancel_running(self) -> None:
        """Cancel the statements of every database still migrating."""
        with self.condition:
            running = list(self.running.items())
        for name, runner in running:
            self.log.warning(Event.STEP_CANCELLED, database=name, grace_seconds=self.grace)
            try:
                runner.cancel()
            except Exception as exc:  # the step may have just ended; say so, go on
                self.log.warning(Event.STEP_CANCELLED, database=name, error=str(exc))

    def heads_of(self, name: str, runner: Runner | None = None) -> tuple[str, ...] | None:
        """Return the heads the database's version table holds now; None if it cannot be read
        (where it is stays unknown, never guessed)."""
        mine = runner is None
        runner = runner or self.runners(name)
        try:
            return runner.current()
        except Exception:
            return None
        finally:
            if mine:
                runner.dispose()

    def _finish(self, outcome: DatabaseOutcome) -> None:
        with self.condition:
            self.finished[outcome.database] = outcome
            self.condition.notify_all()
        self.progress.finished(outcome.database, outcome.outcome)

    def _blocked_by(self, name: str) -> str | None:
        """Wait for the databases this one must follow; return why not to start, if any."""
        follows = self.schedule.follows[name]
        with self._waiting_for(lambda: all(before in self.finished for before in follows)):
            for before in follows:
                if self.flags.stop.is_set():
                    break
                self.condition.wait_for(lambda b=before: b in self.finished)  # type: ignore[misc]
                if not self.finished[before].outcome.complete:
                    if self.flags.interrupt.is_set():
                        return "not started: the run was interrupted"
                    return f"not started: database {before}, which it must follow, did not finish"
            return self._stop_reason(name)

    @contextmanager
    def _waiting_for(self, ready: Callable[[], bool]) -> Iterator[None]:
        """Hold the condition for the block, which waits on it until `ready`; if it is not
        ready yet, give the database's place up first (admission.py), taken again after."""
        with self.condition:
            waits = not ready()
        with self.admission.given_up() if waits else nullcontext(), self.condition:
            yield

    def _stop_reason(self, name: str) -> str | None:
        """Return why the database may not start, if the run, or its group, has stopped
        (another thread, or another worker process, may stop the run)."""
        if self.flags.interrupt.is_set():
            return "not started: the run was interrupted"
        if self.flags.stop.is_set():
            return "not started: the run stopped after a failure"
        if self._group[name] in self.failed_groups:
            return "not started: a database it is tied to failed (--keep-going starts it)"
        return None

    def _before(self, name: str, step: Step) -> None:
        """Before a step, wait until the other databases have applied the revisions it needs."""
        for need in self.schedule.needs_before(name, step.revision):
            self._wait_until_applied(name, need)
        self._step_clock[name] = time.perf_counter()

    def _wait_until_applied(self, name: str, need: Need) -> None:
        provider, revision = need.provider, need.revision

        def met() -> bool:
            return revision in self.applied[provider] or provider in self.finished

        with self._waiting_for(met):
            self.condition.wait_for(met)
            if revision in self.applied[provider]:
                return
            outcome = self.finished[provider]
        if not outcome.outcome.complete:
            raise DependencyFailed(name, provider, revision)

    def _applied(self, name: str, step: Step) -> None:
        result = StepResult(
            step.revision, step.direction, HistoryOutcome.APPLIED, _ms(self._step_clock[name])
        )
        with self.condition:
            self.applied[name].add(step.revision)
            self.results[name].append(result)
            self.condition.notify_all()
        self.progress.step(name, step.revision, step.direction)


def _outcome(result: DatabaseResult, started: float) -> DatabaseOutcome:
    """Return the outcome of a database whose plan ran, whole or until the run was stopped."""
    kind = Outcome.SUCCEEDED if result.steps else Outcome.UNCHANGED
    reason = result.note
    if result.stopped:
        kind = Outcome.INTERRUPTED
        reason = f"interrupted after {len(result.steps)} step(s); the rest is pending"
    return DatabaseOutcome(
        result.database,
        kind,
        result.before,
        result.after,
        result.steps,
        _ms(started),
        reason=reason,
    )


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
