"""Migrate many databases in one run: in dependency order, in parallel where that is safe.

Databases are ordered by `after` and by cross-database depends_on; a database that depends on a
revision of another waits, step by step, for exactly that revision. Work is submitted to a
bounded thread pool in topological order, so a waiting database only ever waits for one that
already holds a worker: the pool cannot deadlock.
"""

from __future__ import annotations

import heapq
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum

import structlog

from orch_core.config import DatabaseConfig
from orch_core.errors import DatabaseCycle, OrchError
from orch_core.events import Event
from orch_core.loader import ScriptLoader
from orch_core.progress import Progress
from orch_core.project import Project
from orch_core.runner import DatabaseRunner, StepHooks, StepResult
from orch_core.targets import scope_target
from orch_graph.plan import Plan, Step


class Outcome(StrEnum):
    """How a database ended a run."""

    SUCCEEDED = "succeeded"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class DatabaseOutcome:
    """One database's part of a run."""

    database: str
    outcome: Outcome
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    steps: tuple[StepResult, ...] = ()
    duration_ms: int = 0
    error: OrchError | Exception | None = None
    reason: str | None = None


@dataclass(frozen=True)
class RunSummary:
    """The outcome of every database a run addressed."""

    run_id: str
    direction: str
    target: str
    databases: dict[str, DatabaseOutcome] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Return whether no database failed or was skipped because of a failure."""
        return all(
            o.outcome in {Outcome.SUCCEEDED, Outcome.UNCHANGED} for o in self.databases.values()
        )

    @property
    def first_error(self) -> OrchError | Exception | None:
        """Return the first failure's error, if any."""
        return next((o.error for o in self.databases.values() if o.error is not None), None)


class _DependencyFailed(OrchError):
    """A database this one waits for did not get where it was needed."""


class Orchestrator:
    """Plan and run one direction and target over several databases."""

    def __init__(
        self,
        project: Project,
        *,
        run_id: str | None = None,
        concurrency: int | None = None,
        x_arguments: Sequence[str] = (),
    ) -> None:
        self.project = project
        self.run_id = run_id or str(uuid.uuid4())
        self.concurrency = concurrency or project.config.concurrency
        cache = project.config.header_cache
        self.loader = ScriptLoader(cache.parent / "code" if cache is not None else None)
        self.x_arguments = tuple(x_arguments)
        self.log = structlog.get_logger("orch").bind(run_id=self.run_id)

    def runner(self, database: DatabaseConfig) -> DatabaseRunner:
        """Return a runner for one database sharing this run's compiled scripts."""
        return DatabaseRunner(
            database,
            self.project.view(database),
            loader=self.loader,
            run_id=self.run_id,
            x_arguments=self.x_arguments,
        )

    def targets(self, databases: Sequence[DatabaseConfig], target: str) -> dict[str, str]:
        """Return, per database the target concerns, the target to give its planner."""
        scoped = {}
        for database in databases:
            local = scope_target(self.project.graph, database.services, target)
            if local is not None:
                scoped[database.name] = local
        return scoped

    def plan(
        self, databases: Sequence[DatabaseConfig], direction: str, target: str
    ) -> dict[str, Plan]:
        """Return each database's plan, reading where it is; nothing is created or locked."""
        plans = {}
        for name, local in self.targets(databases, target).items():
            runner = self.runner(self.project.config.databases[name])
            try:
                plans[name] = runner.plan(direction, local)
            finally:
                runner.dispose()
        return plans

    def run(
        self,
        databases: Sequence[DatabaseConfig],
        direction: str,
        target: str,
        *,
        keep_going: bool = False,
        progress: Progress | None = None,
    ) -> RunSummary:
        """Migrate every database the target concerns and return what happened to each."""
        targets = self.targets(databases, target)
        dependencies = self._dependencies([self.project.config.databases[n] for n in targets])
        if direction == "up":
            # Providers first; a dependant waits for `after` as a whole, and for each
            # cross-database depends_on step by step (see _RunState._wait_for).
            order = _ordered(dependencies)
            waits = {
                n: [p for p in self.project.config.databases[n].after if p in targets]
                for n in order
            }
        else:
            # Dependants first: a database goes down only after everything built on it has.
            order = _ordered(_reversed(dependencies))
            waits = {n: sorted(dependencies[n]) for n in order}
        state = _RunState(
            self,
            targets=targets,
            order=order,
            waits=waits,
            keep_going=keep_going,
            progress=progress or Progress(),
        )
        self.log.info(Event.RUN_STARTED, direction=direction, target=target, databases=list(order))
        workers = max(1, min(self.concurrency, len(order)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="orch-db") as pool:
            for name in order:
                pool.submit(state.migrate, name, direction)
        summary = RunSummary(self.run_id, direction, target, state.outcomes_in(order))
        self.log.info(
            Event.RUN_FINISHED,
            outcome="succeeded" if summary.ok else "failed",
            databases={n: o.outcome.value for n, o in summary.databases.items()},
        )
        return summary

    def _dependencies(self, databases: Sequence[DatabaseConfig]) -> dict[str, set[str]]:
        """Return the DAG of databases: each database and the databases that need it."""
        names = {d.name for d in databases}
        graph: dict[str, set[str]] = {name: set() for name in names}
        for database in databases:
            for before in database.after:
                if before in names:
                    graph[before].add(database.name)
            for requirement in self.project.view(database).external_requirements:
                for provider in self._providers(requirement.service, names):
                    if provider != database.name:
                        graph[provider].add(database.name)
        return graph

    def _providers(self, service: str | None, names: set[str]) -> list[str]:
        """Return the databases in this run that carry service."""
        if service is None:
            return []
        return sorted(n for n in names if service in self.project.config.databases[n].services)


def _ordered(graph: dict[str, set[str]]) -> list[str]:
    """Return the databases with each after those it follows in graph, ties by name.

    A cycle (databases whose revisions depend on each other's) has no order: refused.
    """
    waiting = dict.fromkeys(graph, 0)
    for followers in graph.values():
        for follower in followers:
            waiting[follower] += 1
    ready = [name for name, count in waiting.items() if not count]
    heapq.heapify(ready)
    order = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for follower in graph[name]:
            waiting[follower] -= 1
            if not waiting[follower]:
                heapq.heappush(ready, follower)
    if len(order) < len(graph):
        raise DatabaseCycle(sorted(set(graph) - set(order)))
    return order


def _reversed(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Return graph with every edge turned around."""
    turned: dict[str, set[str]] = {name: set() for name in graph}
    for name, followers in graph.items():
        for follower in followers:
            turned[follower].add(name)
    return turned


class _RunState:
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
    ) -> None:
        self.orchestrator = orchestrator
        self.targets = targets
        self.waits = waits
        self.keep_going = keep_going
        self.progress = progress
        self.condition = threading.Condition()
        self.applied: dict[str, set[str]] = {name: set() for name in order}
        self.finished: dict[str, DatabaseOutcome] = {}
        self.stopped = False

    def outcomes_in(self, order: list[str]) -> dict[str, DatabaseOutcome]:
        """Return the outcomes in run order."""
        return {name: self.finished[name] for name in order}

    def migrate(self, name: str, direction: str) -> None:
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
        )
        try:
            result = runner.migrate(direction, self.targets[name], hooks)
        except Exception as exc:
            outcome = self._failed(name, runner, exc, started)
        else:
            kind = Outcome.SUCCEEDED if result.steps else Outcome.UNCHANGED
            outcome = DatabaseOutcome(
                name, kind, result.before, result.after, result.steps, _ms(started)
            )
        finally:
            runner.dispose()
        log.info(Event.DB_FINISHED, outcome=outcome.outcome.value, duration_ms=outcome.duration_ms)
        self._finish(outcome)

    def _failed(
        self, name: str, runner: DatabaseRunner, exc: Exception, started: float
    ) -> DatabaseOutcome:
        with self.condition:
            if not self.keep_going:
                self.stopped = True
        try:
            after = runner.current()
        except Exception:
            after = ()
        kind = Outcome.SKIPPED if isinstance(exc, _DependencyFailed) else Outcome.FAILED
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
                if self.stopped:
                    break
                self.condition.wait_for(lambda b=before: b in self.finished)  # type: ignore[misc]
                if self.finished[before].outcome in {Outcome.FAILED, Outcome.SKIPPED}:
                    return f"not started: database {before}, which it must follow, did not finish"
            return self._stop_reason()

    def _stop_reason(self) -> str | None:
        """Return why nothing new may start, if the run has stopped (another thread may stop it)."""
        return "not started: the run stopped after a failure" if self.stopped else None

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
        if outcome.outcome in {Outcome.FAILED, Outcome.SKIPPED}:
            raise _DependencyFailed(
                f"stopped: database {provider} did not reach {revision}, which {waiter} needs"
            )

    def _applied(self, name: str, step: Step) -> None:
        with self.condition:
            self.applied[name].add(step.revision)
            self.condition.notify_all()
        self.progress.step(name, step.revision, step.direction)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
