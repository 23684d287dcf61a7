"""Stamp plans: the version rows after writing a target into the table, as Alembic stamps.

A stamp runs no script. Each part of the target selects the rows in its lineage (ancestors or
descendants, depends_on included; a `label@` prefix selects by the label's revision too); a
destination related to a selected row replaces all of them, an unrelated one is added as a new
branch, and `base` deletes them. Rows naming revisions the graph lacks are left alone.

Alembic's stamp refuses relative targets; orch reads them as upgrade and downgrade do
(`ae10+1` the revision above ae10, `-1` where `downgrade -1` would go), so the grammar is the
same in every command.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from orch_graph.plan import Plan
from orch_graph.target import Target
from orch_graph.targets import TargetLike, anchor, as_targets, resolve, resolve_downgrade

if TYPE_CHECKING:
    from orch_graph.graph import RevisionGraph


def plan_stamp(graph: RevisionGraph, current: Sequence[str], target: TargetLike) -> Plan:
    """Return the rows after stamping target over the current rows."""
    current = tuple(current)
    parts = as_targets(target)
    named = {part: _destinations(graph, current, part) for part in parts}
    selected = list(
        dict.fromkeys(row for part in parts for row in _selected(graph, current, part, named[part]))
    )
    destinations = [rev for part in parts for rev in named[part]]
    rows = list(current)
    for destination in dict.fromkeys(destinations) if destinations else [None]:
        rows = _stamp_one(graph, rows, selected, destination)
    return Plan("stamp", current, tuple(sorted(set(rows))), ())


def _destinations(graph: RevisionGraph, current: tuple[str, ...], part: Target) -> tuple[str, ...]:
    """Return the revisions one part of the target writes (none for base)."""
    if part.steps is not None and part.steps < 0:
        _, destination = resolve_downgrade(graph, part, current)
        return () if destination is None else (destination,)
    return resolve(graph, part, current)


def _selected(
    graph: RevisionGraph, current: tuple[str, ...], part: Target, named: tuple[str, ...]
) -> list[str]:
    """Return the current rows that share a lineage with what this part of the target names."""
    points = set(named)
    if part.label:
        points.add(anchor(graph, part.label))
    known = [row for row in current if row in graph]
    if not points:
        return known
    return [row for row in known if _related(graph, row) & points]


def _related(graph: RevisionGraph, revision: str) -> set[str]:
    return graph.ancestors([revision]) | graph.descendants([revision])


def _stamp_one(
    graph: RevisionGraph, rows: list[str], selected: list[str], destination: str | None
) -> list[str]:
    if destination is None:
        return [row for row in rows if row not in selected]
    if destination in selected:
        return rows
    if _related(graph, destination) & set(selected):
        return [*(row for row in rows if row not in selected), destination]
    return [*rows, destination]
