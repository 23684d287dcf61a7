"""A run over many databases as data: who goes first, who waits for what, what runs apart.

Computed once per run, before any database is read, from `after` in the configuration and
from each database's depends_on on revisions that other databases carry. A database that
depends on a revision of another waits, step by step, for exactly that revision; one that
must come `after` another waits for all of it. Going down, everything turns around: a database
goes down only after every database built on it has.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orch_core.config import DatabaseConfig
from orch_core.errors import DatabaseCycle
from orch_graph.plan import Direction
from orch_graph.view import ExternalRequirement

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class Need:
    """Before its step `step` runs, a database needs `provider` to have applied `revision`."""

    step: str
    provider: str
    revision: str


@dataclass(frozen=True)
class Schedule:
    """The databases of one run, in the order they start, with what each waits for."""

    direction: Direction
    # The target each database's planner gets, scoped to the services it carries.
    targets: Mapping[str, str]
    # Every database after the ones it depends on (going down: before them), ties by name.
    order: tuple[str, ...]
    # The databases each one waits for as wholes before it starts.
    follows: Mapping[str, tuple[str, ...]]
    # Per database, per revision of its own: the other databases' revisions that step needs.
    needs: Mapping[str, Mapping[str, tuple[Need, ...]]]
    # Databases that neither wait for nor feed each other across groups, each sorted.
    groups: tuple[tuple[str, ...], ...]

    @classmethod
    def build(
        cls,
        direction: Direction,
        targets: Mapping[str, str],
        databases: Sequence[DatabaseConfig],
        requirements: Mapping[str, Sequence[ExternalRequirement]],
    ) -> Schedule:
        """Return the schedule of the databases targets names; a cycle among them is refused.

        requirements: per database, the revisions of other services its revisions depend on."""
        chosen = [d for d in databases if d.name in targets]
        needs = _needs(chosen, requirements)
        edges = _edges(chosen, needs)
        if direction == "down":
            edges = {(then, first) for first, then in edges}
        order, groups = _arrange([d.name for d in chosen], edges)
        return cls(
            direction=direction,
            targets={d.name: targets[d.name] for d in chosen},
            order=order,
            follows=_follows(chosen, edges) if direction == "down" else _after(chosen),
            needs=needs if direction == "up" else {},
            groups=groups,
        )

    def shares(self, workers: int) -> tuple[tuple[str, ...], ...]:
        """Deal the groups out to workers, largest first, each to the least loaded worker;
        return each worker's databases in run order."""
        dealt: list[set[str]] = [set() for _ in range(workers)]
        for group in sorted(self.groups, key=len, reverse=True):
            min(dealt, key=len).update(group)
        return tuple(tuple(n for n in self.order if n in share) for share in dealt if share)

    def only(self, names: Collection[str]) -> Schedule:
        """Return the schedule of the named databases alone, as if the others were done.

        For a run in stages (canaries first): what a database waits for in an earlier stage
        has finished whole by the time a later stage starts."""
        keep = set(names)
        needs = {
            name: {
                step: kept
                for step, found in steps.items()
                if (kept := tuple(need for need in found if need.provider in keep))
            }
            for name, steps in self.needs.items()
            if name in keep
        }
        groups = (tuple(name for name in group if name in keep) for group in self.groups)
        return Schedule(
            direction=self.direction,
            targets={name: t for name, t in self.targets.items() if name in keep},
            order=tuple(name for name in self.order if name in keep),
            follows={
                name: tuple(first for first in firsts if first in keep)
                for name, firsts in self.follows.items()
                if name in keep
            },
            needs={name: steps for name, steps in needs.items() if steps},
            groups=tuple(group for group in groups if group),
        )

    def providers(self, names: Collection[str]) -> set[str]:
        """Return every database of the schedule the named ones wait for, directly or not."""
        # Only `--with-deps` asks, after SQLAlchemy is imported.
        import networkx  # noqa: PLC0415

        graph: nx.DiGraph[str] = networkx.DiGraph()
        graph.add_nodes_from(self.order)
        graph.add_edges_from(
            (first, then) for then, firsts in self.follows.items() for first in firsts
        )
        graph.add_edges_from(
            (need.provider, name)
            for name, steps in self.needs.items()
            for found in steps.values()
            for need in found
        )
        found: set[str] = set()
        for name in names:
            found |= networkx.ancestors(graph, name)
        return found - set(names)

    def needs_before(self, database: str, step: str) -> tuple[Need, ...]:
        """Return what the other databases must have applied before database runs step."""
        return self.needs.get(database, {}).get(step, ())


def _needs(
    databases: Sequence[DatabaseConfig],
    requirements: Mapping[str, Sequence[ExternalRequirement]],
) -> dict[str, dict[str, tuple[Need, ...]]]:
    """Return, per database and step, the revisions that databases of this run must provide.

    Every database of the run that carries the required revision's service provides it; a
    service no database of the run carries is waited for by no one."""
    carriers: defaultdict[str, list[str]] = defaultdict(list)
    for database in sorted(databases, key=lambda d: d.name):
        for service in database.services:
            carriers[service].append(database.name)
    needs: dict[str, dict[str, tuple[Need, ...]]] = {}
    for database in databases:
        steps: defaultdict[str, list[Need]] = defaultdict(list)
        for requirement in requirements.get(database.name, ()):
            for provider in carriers.get(requirement.service or "", ()):
                steps[requirement.required_by].append(
                    Need(requirement.required_by, provider, requirement.revision)
                )
        if steps:
            needs[database.name] = {step: tuple(found) for step, found in steps.items()}
    return needs


def _edges(
    databases: Sequence[DatabaseConfig], needs: Mapping[str, Mapping[str, tuple[Need, ...]]]
) -> set[tuple[str, str]]:
    """Return the pairs (first, then) of databases where `then` depends on `first`."""
    names = {d.name for d in databases}
    edges: set[tuple[str, str]] = set()
    for database in databases:
        edges.update((first, database.name) for first in database.after if first in names)
        for step in needs.get(database.name, {}).values():
            edges.update((need.provider, database.name) for need in step)
    return edges


def _arrange(
    names: Sequence[str], edges: Collection[tuple[str, str]]
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Return the run order (generation by generation, ties by name) and the independent
    groups of the databases; refuse a cycle."""
    if not edges:
        # Nothing waits (a fleet of tenants, say): no graph algorithm is needed, and importing
        # networkx would cost 0.12 s, a tenth of migrating 50 SQLite databases (bench/).
        alone = sorted(names)
        return tuple(alone), tuple((name,) for name in alone)
    # Only commands that migrate get here, after SQLAlchemy is imported.
    import networkx  # noqa: PLC0415

    graph: nx.DiGraph[str] = networkx.DiGraph()
    graph.add_nodes_from(names)
    graph.add_edges_from(edges)
    _refuse_cycles(graph)
    generations = networkx.topological_generations(graph)
    components = networkx.weakly_connected_components(graph)
    return (
        tuple(name for generation in generations for name in sorted(generation)),
        tuple(sorted(tuple(sorted(component)) for component in components)),
    )


def _refuse_cycles(graph: nx.DiGraph[str]) -> None:
    """Raise DatabaseCycle naming the databases that wait for each other in a circle."""
    import networkx  # noqa: PLC0415

    if networkx.is_directed_acyclic_graph(graph):
        return
    circles = (c for c in networkx.strongly_connected_components(graph) if len(c) > 1)
    raise DatabaseCycle(sorted(name for circle in circles for name in circle))


def _after(databases: Sequence[DatabaseConfig]) -> dict[str, tuple[str, ...]]:
    """Return, per database, the databases of the run it is configured to come `after`."""
    names = {d.name for d in databases}
    return {d.name: tuple(first for first in d.after if first in names) for d in databases}


def _follows(
    databases: Sequence[DatabaseConfig], edges: Collection[tuple[str, str]]
) -> dict[str, tuple[str, ...]]:
    """Return, per database, every database that must be done before it starts, by name."""
    before: defaultdict[str, list[str]] = defaultdict(list)
    for first, then in sorted(edges):
        before[then].append(first)
    return {d.name: tuple(before[d.name]) for d in databases}
