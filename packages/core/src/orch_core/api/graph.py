"""What the revision graph alone answers: heads and history. Never imports SQLAlchemy."""

from __future__ import annotations

from orch_core.project import Project
from orch_graph.history import history as history_between
from orch_graph.revision import Revision
from orch_graph.target import parse_target


def heads(project: Project) -> list[Revision]:
    """Return the heads of the whole revision graph, every service's."""
    graph = project.graph
    return [graph.get(head) for head in graph.heads]


def history(project: Project, lower: str | None = None, upper: str | None = None) -> list[Revision]:
    """Return the revisions from lower (default: base) up to upper (default: heads), newest first.

    Raises orch_graph's errors (UnknownRevision, RangeNotAncestor, ...) for a bad bound."""
    return history_between(
        project.graph,
        parse_target(lower) if lower is not None else None,
        parse_target(upper) if upper is not None else None,
    )
