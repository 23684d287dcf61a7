"""Migrate many databases in one run: in dependency order, in parallel where that is safe.

Databases are ordered by `after` and by cross-database depends_on; a database that depends on a
revision of another waits, step by step, for exactly that revision (run_state.py). Groups of
databases that have nothing to do with each other run in worker processes (workers.py).
"""

from __future__ import annotations

import heapq
import uuid
from collections.abc import Sequence

import structlog

from orch_core.audit.events import Event
from orch_core.config import DatabaseConfig
from orch_core.config.hooks import load_database_hooks
from orch_core.errors import DatabaseCycle
from orch_core.fleet.outcomes import DatabaseOutcome, Outcome, RunSummary
from orch_core.fleet.progress import Progress
from orch_core.fleet.run_state import RunState, StopFlag, stop_on_signals
from orch_core.fleet.scope import scope_target
from orch_core.fleet.workers import run_flags, run_in_workers, share, worker_count
from orch_core.project import Project
from orch_core.runtime.runner import DatabaseRunner
from orch_core.runtime.scripts import ScriptLoader
from orch_graph.plan import Plan

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
    ) -> None:
        """processes=False keeps every database in this process (threads only)."""
        self.project = project
        self.processes = processes
        self.run_id = run_id or str(uuid.uuid4())
        self.concurrency = concurrency or project.config.concurrency
        cache = project.config.header_cache
        self.loader = ScriptLoader(cache.parent / "compiled-scripts" if cache is not None else None)
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

    def targets(
        self, databases: Sequence[DatabaseConfig], target: str, direction: str
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
        self, databases: Sequence[DatabaseConfig], direction: str, target: str
    ) -> dict[str, Plan]:
        """Return each database's plan, reading where it is; nothing is created or locked."""
        plans = {}
        for name, local in self.targets(databases, target, direction).items():
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
        targets = self.targets(databases, target, direction)
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
        self.log.info(Event.RUN_STARTED, direction=direction, target=target, databases=list(order))
        threads = max(1, min(self.concurrency, len(order)))

        def make_state(
            relay: Progress, stop: StopFlag | None = None, interrupt: StopFlag | None = None
        ) -> RunState:
            return RunState(
                self,
                targets=targets,
                order=order,
                waits=waits,
                keep_going=keep_going,
                progress=relay,
                stop=stop,
                interrupt=interrupt,
            )

        progress = progress or Progress()
        groups = _groups(dependencies)
        workers = worker_count(len(groups), self.concurrency) if self.processes else 1
        stop, interrupt = run_flags(processes=workers > 1)
        with stop_on_signals(stop, interrupt, self.log) as stopped_by:
            if workers > 1:
                shares = share(groups, workers)
                finished = run_in_workers(
                    shares,
                    order=order,
                    direction=direction,
                    threads=max(1, -(-threads // len(shares))),
                    make_state=make_state,
                    progress=progress,
                    flags=(stop, interrupt),
                )
            else:
                finished = make_state(progress, stop, interrupt).run(order, direction, threads)
        outcomes = {n: finished[n] for n in order}
        signal_name = stopped_by[0] if stopped_by else None
        summary = RunSummary(self.run_id, direction, target, outcomes, signal_name)
        self.log.info(
            Event.RUN_FINISHED,
            outcome="interrupted" if signal_name else "succeeded" if summary.ok else "failed",
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


def _groups(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the databases in groups that share no edge with each other, each sorted."""
    neighbours: dict[str, set[str]] = {name: set(followers) for name, followers in graph.items()}
    for name, followers in graph.items():
        for follower in followers:
            neighbours[follower].add(name)
    groups, seen = [], set()
    for name in sorted(graph):
        if name in seen:
            continue
        group = {name}
        stack = [name]
        while stack:
            for other in neighbours[stack.pop()] - group:
                group.add(other)
                stack.append(other)
        seen |= group
        groups.append(sorted(group))
    return groups


def _reversed(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Return graph with every edge turned around."""
    turned: dict[str, set[str]] = {name: set() for name in graph}
    for name, followers in graph.items():
        for follower in followers:
            turned[follower].add(name)
    return turned
