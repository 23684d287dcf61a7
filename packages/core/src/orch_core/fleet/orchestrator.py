"""Migrate many databases in one run: in dependency order, in parallel where that is safe.

A run is scheduled first (schedule.py: order, waits, independent groups), then carried out
by threads (run_state.py), in worker processes when the groups allow (workers.py); Ctrl-C and
SIGTERM stop it gently (signals.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import partial

import structlog

from orch_core.audit.events import Event
from orch_core.config import DatabaseConfig
from orch_core.config.hooks import load_database_hooks
from orch_core.config.models import load_service_metadata
from orch_core.errors import WorkerDied
from orch_core.fleet.budget import FailureBudget
from orch_core.fleet.outcomes import DatabaseOutcome, Outcome, RunSummary
from orch_core.fleet.progress import Progress
from orch_core.fleet.requirements import refuse_unmet
from orch_core.fleet.run_state import RunState
from orch_core.fleet.schedule import Schedule
from orch_core.fleet.scope import scope_target
from orch_core.fleet.signals import RunFlags, stop_on_signals
from orch_core.fleet.workers import run_in_workers, worker_count
from orch_core.project import Project
from orch_core.runtime.recorder import RunKind
from orch_core.runtime.replay import StepReplays
from orch_core.runtime.runner import DatabaseRunner
from orch_core.runtime.scripts import ScriptLoader
from orch_core.runtime.shared_engines import SharedEngines
from orch_graph.plan import Direction, Plan

__all__ = ["DatabaseOutcome", "Orchestrator", "Outcome", "RunSummary"]


class Orchestrator:
    """Plan and run one direction and target over several databases."""

    def __init__(
        self,
        project: Project,
        *,
        run_id: str | None = None,
        concurrency: int | None = None,
        x_arguments: Sequence[str] = (),
        processes: bool = True,
        resume: bool = False,
    ) -> None:
        """processes=False keeps every database in this process (threads only).
        resume: each database runs the rest of a step an earlier run left half done."""
        self.project = project
        self.processes = processes
        self.resume = resume
        self.run_id = run_id or str(uuid.uuid4())
        self.concurrency = concurrency or project.config.concurrency
        cache = project.config.header_cache
        self.loader = ScriptLoader(cache.parent / "compiled-scripts" if cache is not None else None)
        self.replays = StepReplays()
        self.x_arguments = tuple(x_arguments)
        self.log = structlog.get_logger("orch").bind(run_id=self.run_id)
        self._engines: SharedEngines | None = None  # while a run's threads migrate

    def runner(self, database: DatabaseConfig) -> DatabaseRunner:
        """Return a runner for one database sharing this run's compiled scripts."""
        return DatabaseRunner(
            database,
            self.project.view(database),
            loader=self.loader,
            run_id=self.run_id,
            x_arguments=self.x_arguments,
            models=partial(load_service_metadata, self.project.config),
            resume=self.resume,
            replays=self.replays,
            engines=self._engines,
        )

    @contextmanager
    def _sharing_engines(self) -> Iterator[None]:
        """While this process's threads migrate: the runners it makes share engines where
        their databases may (a fleet's schema-tenants), closed at the end."""
        engines = self._engines = SharedEngines()
        try:
            yield
        finally:
            self._engines = None
            engines.dispose()

    def targets(
        self, databases: Sequence[DatabaseConfig], target: str, direction: RunKind
    ) -> dict[str, str]:
        """Return, per database the target concerns, the target to give its planner.

        A target that no plan could reach (an unknown id, `head` among several heads) is
        refused here, for every database, before any of them is read or moved."""
        scoped = {}
        for database in databases:
            local = scope_target(self.project.graph, database.services, target)
            if local is not None:
                load_database_hooks(database.hooks)  # a bad hooks module stops every database
                if direction in {"up", "down"}:
                    self.project.view(database).check_target(direction, local)
                scoped[database.name] = local
        return scoped

    def plan(
        self, databases: Sequence[DatabaseConfig], direction: Direction, target: str
    ) -> dict[str, Plan]:
        """Return each database's plan, reading where it is; nothing is created or locked."""
        plans = {}
        for name, local in self.targets(databases, target, direction).items():
            runner = self.runner(self.project.database(name))
            try:
                plans[name] = runner.plan(direction, local)
            finally:
                runner.dispose()
        return plans

    def schedule(
        self, databases: Sequence[DatabaseConfig], direction: Direction, target: str
    ) -> Schedule:
        """Return the run's schedule over the databases the target concerns; reads no database.

        A target no plan could reach, or databases that wait for each other in a circle, are
        refused here, before any database is read or moved."""
        targets = self.targets(databases, target, direction)
        chosen = [d for d in databases if d.name in targets]
        requirements = {d.name: self.project.view(d).external_requirements for d in chosen}
        return Schedule.build(direction, targets, chosen, requirements)

    def run(
        self,
        databases: Sequence[DatabaseConfig],
        direction: Direction,
        target: str,
        *,
        keep_going: bool = False,
        progress: Progress | None = None,
        canary: int = 0,
        max_failures: int | None = None,
    ) -> RunSummary:
        """Migrate every database the target concerns and return what happened to each.

        canary: migrate the first N databases of the run order first, and start no other if
        one of them fails. max_failures: start no database after that many have failed."""
        schedule = self.schedule(databases, direction, target)
        refuse_unmet(self.project, schedule, self._runner_named)
        self.log.info(
            Event.RUN_STARTED, direction=direction, target=target, databases=list(schedule.order)
        )
        flags = RunFlags.make(processes=self._workers(schedule) > 1)
        budget = FailureBudget(progress or Progress(), flags.stop, max_failures)
        stages = _stages(schedule, canary)
        with stop_on_signals(flags, self.log) as stopped_by:
            outcomes = self._in_stages(stages, flags, keep_going, budget)
        outcomes = self._read_unread(outcomes)
        summary = RunSummary(self.run_id, direction, target, outcomes, next(iter(stopped_by), None))
        self.log.info(
            Event.RUN_FINISHED,
            outcome=summary.outcome.value,
            databases={n: o.outcome.value for n, o in summary.databases.items()},
        )
        return summary

    def _in_stages(
        self, stages: Sequence[Schedule], flags: RunFlags, keep_going: bool, progress: Progress
    ) -> dict[str, DatabaseOutcome]:
        """Carry out each stage in turn; once a stage has failed, start none of the next."""
        outcomes: dict[str, DatabaseOutcome] = {}
        for stage in stages:
            reason = _stage_stop_reason(outcomes, flags)
            if reason is None:
                outcomes.update(self._carry_out(stage, flags, keep_going, progress))
                continue
            for name in stage.order:
                outcomes[name] = DatabaseOutcome(
                    name, Outcome.SKIPPED, reason=reason, started=False
                )
                progress.finished(name, Outcome.SKIPPED)
        return outcomes

    def _read_unread(self, outcomes: dict[str, DatabaseOutcome]) -> dict[str, DatabaseOutcome]:
        """Read where each database the run never reached is (never started, or lost with a
        dead worker): the summary says where it is, never guesses."""
        read = dict(outcomes)
        for name, outcome in outcomes.items():
            if outcome.started and not isinstance(outcome.error, WorkerDied):
                continue
            runner = self._runner_named(name)
            try:
                heads: tuple[str, ...] | None = runner.current()
            except Exception:  # unreachable, say: unknown, and the reason says why it stopped
                heads = None
            finally:
                runner.dispose()
            read[name] = replace(outcome, before=heads or (), after=heads)
        return read

    def _workers(self, schedule: Schedule) -> int:
        """Return how many worker processes the run uses (1: all in this process)."""
        return worker_count(len(schedule.groups), self.concurrency) if self.processes else 1

    def _carry_out(
        self, schedule: Schedule, flags: RunFlags, keep_going: bool, progress: Progress
    ) -> dict[str, DatabaseOutcome]:
        """Migrate the schedule's databases: in this process, or shared out among workers."""

        def make_state(relay: Progress, shared: RunFlags) -> RunState:
            return RunState(
                schedule,
                self._runner_named,
                self.log,
                keep_going=keep_going,
                progress=relay,
                flags=shared,
                grace=self.project.config.stop_grace_seconds,
                scope=self._sharing_engines,
            )

        threads = max(1, min(self.concurrency, len(schedule.order)))
        workers = self._workers(schedule)
        if workers > 1:
            shares = schedule.shares(workers)
            per_worker = max(1, -(-threads // len(shares)))
            finished = run_in_workers(
                shares, threads=per_worker, make_state=make_state, progress=progress, flags=flags
            )
        else:
            finished = make_state(progress, flags).run(schedule.order, threads)
        return {name: finished[name] for name in schedule.order}

    def _runner_named(self, name: str) -> DatabaseRunner:
        """Return the runner of the configured database of this name."""
        return self.runner(self.project.database(name))


def _stages(schedule: Schedule, canary: int) -> tuple[Schedule, ...]:
    """Return the run's stages: the canaries (the first N in run order), then the rest.

    The run order puts every database after those it waits for, so the canaries wait for
    nothing outside their stage."""
    if canary <= 0 or canary >= len(schedule.order):
        return (schedule,)
    first = schedule.order[:canary]
    rest = schedule.order[canary:]
    return schedule.only(first), schedule.only(rest)


def _stage_stop_reason(outcomes: dict[str, DatabaseOutcome], flags: RunFlags) -> str | None:
    """Return why the next stage may not start, if an earlier one failed or the run stopped."""
    if flags.interrupt.is_set():
        return "not started: the run was interrupted"
    if not all(outcome.outcome.complete for outcome in outcomes.values()):
        return "not started: a canary database did not succeed"
    if flags.stop.is_set():
        return "not started: the run stopped after a failure"
    return None
