"""One database's part of the graph, and what it needs from other databases first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from orch_graph.errors import GraphError
from orch_graph.graph import RevisionGraph
from orch_graph.revision import Revision


@dataclass(frozen=True)
class ExternalRequirement:
    """A database carrying `service` must be at or past `revision` before `required_by` runs."""

    required_by: str
    revision: str
    service: str | None


class ForeignParent(GraphError):
    """A revision builds (by down_revision) on a revision of a service its database lacks."""

    def __init__(self, revision: str, parent: str, service: str | None) -> None:
        super().__init__(
            f"revision {revision} builds on {parent} of service {service}, which the same "
            "database does not carry; add that service to the database or use depends_on"
        )
        self.revision = revision
        self.parent = parent
        self.service = service


class DatabaseView(RevisionGraph):
    """The revisions of the services one database carries; outside depends_on set aside."""

    def __init__(
        self,
        revisions: Sequence[Revision],
        external_requirements: Sequence[ExternalRequirement],
    ) -> None:
        super().__init__(revisions)
        self.external_requirements = tuple(external_requirements)

    @classmethod
    def build(cls, graph: RevisionGraph, services: Sequence[str]) -> DatabaseView:
        """Return the view of graph for a database carrying services."""
        wanted = set(services)
        inside = [r for r in graph.revisions if r.service in wanted]
        ids = {r.revision for r in inside}
        external = []
        revisions = []
        for revision in inside:
            for parent in revision.down_revisions:
                if parent not in ids:
                    raise ForeignParent(revision.revision, parent, graph.get(parent).service)
            local = []
            for dependency in graph.dependencies(revision.revision):
                if dependency in ids:
                    local.append(dependency)
                else:
                    owner = graph.get(dependency).service
                    external.append(ExternalRequirement(revision.revision, dependency, owner))
            revisions.append(revision._replace(depends_on=tuple(local)))
        return cls(revisions, external)
