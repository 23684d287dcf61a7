"""A run over many databases as data: who goes first, who waits for what, what runs apart.

Computed once per run, before any database is read, from `after` in the configuration and
from each database's depends_on on revisions that other databases carry. A database that
depends on a revision of another waits, step by step, for exactly that revision; one that
must come `after` another waits for all of it. Going down, everything turns around: a database
goes down only after every database built on it has.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
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
        # Importing networkx costs 0.1 s: only commands that migrate pay it, after SQLAlchemy's.
        import networkx  # noqa: PLC0415

        chosen = [d for d in databases if d.name in targets]
        needs = _needs(chosen, requirements)
        graph = _dependencies(chosen, needs)
        _refuse_cycles(graph)
        running = graph if direction == "up" else graph.reverse(copy=False)
        return cls(
            direction=direction,
            targets={d.name: targets[d.name] for d in chosen},
            order=tuple(
                name
                for generation in networkx.topological_generations(running)
                for name in sorted(generation)
            ),
            follows={
                d.name: _follows(d, graph) if direction == "up" else tuple(sorted(graph[d.name]))
                for d in chosen
            },
            needs=needs if direction == "up" else {},
            groups=tuple(
                sorted(
                    tuple(sorted(group)) for group in networkx.weakly_connected_components(graph)
                )
            ),
        )

    def shares(self, workers: int) -> tuple[tuple[str, ...], ...]:
        """Deal the groups out to workers, largest first, each to the least loaded worker;
        return each worker's databases in run order."""
        dealt: list[set[str]] = [set() for _ in range(workers)]
        for group in sorted(self.groups, key=len, reverse=True):
            min(dealt, key=len).update(group)
        return tuple(tuple(n for n in self.order if n in share) for share in dealt if share)

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


def _dependencies(
    databases: Sequence[DatabaseConfig], needs: Mapping[str, Mapping[str, tuple[Need, ...]]]
) -> nx.DiGraph[str]:
    """Return the graph of databases, an edge from each database to one that depends on it."""
    import networkx  # noqa: PLC0415

    graph: nx.DiGraph[str] = networkx.DiGraph()
    graph.add_nodes_from(d.name for d in databases)
    for database in databases:
        graph.add_edges_from(
            (before, database.name) for before in database.after if before in graph
        )
        for steps in needs.get(database.name, {}).values():
            graph.add_edges_from((need.provider, database.name) for need in steps)
    return graph


def _refuse_cycles(graph: nx.DiGraph[str]) -> None:
    """Raise DatabaseCycle naming the databases that wait for each other in a circle."""
    import networkx  # noqa: PLC0415

    if networkx.is_directed_acyclic_graph(graph):
        return
    circles = (c for c in networkx.strongly_connected_components(graph) if len(c) > 1)
    raise DatabaseCycle(sorted(name for circle in circles for name in circle))


def _follows(database: DatabaseConfig, graph: nx.DiGraph[str]) -> tuple[str, ...]:
    """Return the databases of the run this one is configured to come `after`."""
    return tuple(before for before in database.after if before in graph)
