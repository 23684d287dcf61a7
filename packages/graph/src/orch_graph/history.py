"""History: the revisions between two targets, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orch_graph.revision import Revision
from orch_graph.target import Target
from orch_graph.targets import resolve

if TYPE_CHECKING:
    from orch_graph.graph import RevisionGraph


def history(
    graph: RevisionGraph, lower: Target | None = None, upper: Target | None = None
) -> list[Revision]:
    """Return revisions newest first, optionally only those between lower and upper."""
    selected: set[str] = set(graph.order)
    if upper is not None:
        selected &= graph.ancestors(resolve(graph, upper, ()))
    lowest = resolve(graph, lower, ()) if lower is not None else ()
    if lowest:  # `base` and `label@base` resolve to nothing: no lower bound
        selected &= graph.descendants(lowest)
    return [graph.get(rev) for rev in reversed(graph.in_order(selected))]
