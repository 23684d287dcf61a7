"""Which databases a target concerns, in a run over many of them."""

from __future__ import annotations

from collections.abc import Sequence

from orch_graph.graph import RevisionGraph
from orch_graph.target import BASE, HEAD, HEADS, Target, parse_targets

# Targets that mean the same for every database: each one's own heads, base, or a relative move.
_EVERYWHERE = frozenset({HEADS, HEAD, BASE, None})


def scope_target(graph: RevisionGraph, services: Sequence[str], target: str) -> str | None:
    """Return the target for a database carrying services, or None if it concerns others only.

    `heads`, `base` and moves from the database's rows (`+1`) concern every database;
    `users@head` only the databases carrying the branch `users`; a revision id (or `REV+N`)
    only the database carrying its service. Of several targets, a database gets its own.
    """
    parts = [part for part in parse_targets(target) if _concerns(graph, services, part)]
    return " ".join(part.text for part in parts) if parts else None


def _concerns(graph: RevisionGraph, services: Sequence[str], target: Target) -> bool:
    if target.label is None and target.symbol in _EVERYWHERE:
        return True
    name = target.label if target.label is not None else target.symbol
    assert name is not None
    return _service_of(graph, name) in services


def _service_of(graph: RevisionGraph, name: str) -> str | None:
    """Return the service a branch label, service name or (partial) revision id belongs to."""
    if name in graph.services:
        return name
    owner = graph.label_owner(name)
    return graph.get(owner if owner is not None else name).service
