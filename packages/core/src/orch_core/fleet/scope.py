"""Which databases a target concerns, in a run over many of them."""

from __future__ import annotations

from collections.abc import Sequence

from orch_graph.graph import RevisionGraph

# Targets that mean the same for every database: each one's own heads, base, or a relative move.
_EVERYWHERE = frozenset({"heads", "head", "base"})


def scope_target(graph: RevisionGraph, services: Sequence[str], target: str) -> str | None:
    """Return the target for a database carrying services, or None if it concerns others only.

    `heads`, `base` and relative targets concern every database; `users@head` only the
    databases carrying the branch `users`; a revision id only the database carrying its service.
    """
    if target in _EVERYWHERE or target[:1] in {"+", "-"}:
        return target
    name = target.split("@", 1)[0] if "@" in target else target
    service = _service_of(graph, name)
    return target if service in services else None


def _service_of(graph: RevisionGraph, name: str) -> str | None:
    """Return the service a branch label, service name or (partial) revision id belongs to."""
    if name in graph.services:
        return name
    owner = graph.label_owner(name)
    return graph.get(owner if owner is not None else name).service
