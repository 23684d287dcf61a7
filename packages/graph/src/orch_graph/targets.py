"""Targets in Alembic's grammar: heads, head, base, ids, label@head, x@base, +N, -N, x+N."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from orch_graph.errors import BadTarget, MultipleHeads, UnknownRevision

if TYPE_CHECKING:
    from orch_graph.graph import RevisionGraph

RELATIVE = re.compile(r"^(?:(?P<label>.+?)@)?(?P<symbol>\w+?)?(?P<steps>[+-]\d+)$")
BASE = "base"


def _split(target: str) -> tuple[str | None, str]:
    label, _, symbol = target.partition("@") if "@" in target else ("", "", target)
    return (label or None), symbol


def anchor(graph: RevisionGraph, label: str) -> str:
    """Return the revision a branch label (or a revision id used as one) stands for."""
    return graph.get(label).revision


def in_lineage(graph: RevisionGraph, revisions: Sequence[str], label: str) -> list[str]:
    """Return the revisions that are an ancestor or descendant of the label's revision."""
    point = anchor(graph, label)
    return [rev for rev in revisions if graph.shares_lineage(rev, point)]


def current_head(graph: RevisionGraph, label: str | None, argument: str) -> tuple[str, ...]:
    """Return the one head (of the label's lineage, if given); several is an error."""
    heads = list(graph.heads) if label is None else in_lineage(graph, graph.heads, label)
    if len(heads) > 1:
        raise MultipleHeads(heads, argument)
    return tuple(heads)


def symbol_revisions(graph: RevisionGraph, target: str) -> tuple[str, ...]:
    """Return the revisions an absolute target names (base names none)."""
    label, symbol = _split(target)
    if symbol == "heads":
        return tuple(in_lineage(graph, graph.heads, label)) if label else graph.real_heads
    if symbol == "head":
        return current_head(graph, label, target)
    if symbol in {"base", ""}:
        return ()
    revision = graph.get(symbol).revision
    if label is not None and not graph.shares_lineage(revision, anchor(graph, label)):
        raise BadTarget(target, f"revision {revision} is not on branch {label}")
    return (revision,)


def resolve(graph: RevisionGraph, target: str, current: Sequence[str]) -> tuple[str, ...]:
    """Return the revisions an upgrade target names, relative ones measured from current."""
    targets: list[str] = []
    for part in target.split():
        targets.extend(_resolve_upgrade_part(graph, part, current))
    return tuple(dict.fromkeys(targets))


def check(graph: RevisionGraph, direction: str, target: str) -> None:
    """Raise now the error resolving target would raise for a database in any state.

    Absolute targets (heads, head, base, ids, label@head) name the same revisions wherever a
    database is, so an unknown id or an ambiguous `head` can be refused before any database
    of a run moves. A relative one (+1, users@-1) depends on where the database is: its plan
    checks it.
    """
    if direction == "down":
        if not RELATIVE.match(target):
            resolve_downgrade(graph, target, ())
        return
    for part in target.split():
        if not RELATIVE.match(part):
            symbol_revisions(graph, part)


def _resolve_upgrade_part(
    graph: RevisionGraph, target: str, current: Sequence[str]
) -> tuple[str, ...]:
    match = RELATIVE.match(target)
    if not match:
        return symbol_revisions(graph, target)
    label, symbol, steps = match["label"], match["symbol"], int(match["steps"])
    if symbol is not None:
        start = symbol_revisions(graph, f"{label}@{symbol}" if label and steps < 0 else symbol)
        found = walk(
            graph, target, start[0] if start else None, steps, label if steps > 0 else None
        )
        return () if found == BASE else (found,)
    if steps <= 0:
        raise BadTarget(target, f"relative revision {steps} did not produce {-steps} migrations")
    starts = list(current)
    if label is not None:
        starts = in_lineage(graph, starts, label) or _branch_tip(graph, current, label)
    if len(starts) > 1:
        raise BadTarget(target, "ambiguous upgrade from several current revisions")
    found = walk(graph, target, starts[0] if starts else None, steps, label)
    return () if found == BASE else (found,)


def _branch_tip(graph: RevisionGraph, current: Sequence[str], label: str) -> list[str]:
    """Return the newest applied revisions on a label's branch, when no head lies on it."""
    applied = in_lineage(graph, sorted(graph.ancestors(current)), label)
    below = {down for rev in applied for down in graph.normalized_down(rev)}
    return [rev for rev in applied if rev not in below]


def walk(
    graph: RevisionGraph, target: str, start: str | None, steps: int, label: str | None
) -> str:
    """Return the revision steps away from start (None: below the bases); BASE below them."""
    position: str | None = start
    for _ in range(abs(steps)):
        if steps > 0:
            position = _step_up(graph, target, position, label)
        elif position is None:
            raise BadTarget(target, "walked past base")
        else:
            position = _step_down(graph, target, position)
    return BASE if position is None else position


def _step_up(graph: RevisionGraph, target: str, position: str | None, label: str | None) -> str:
    candidates = list(graph.bases) if position is None else graph.children(position)
    if label is not None:
        candidates = in_lineage(graph, candidates, label)
    if not candidates:
        raise BadTarget(target, "relative revision walked past the head")
    if len(candidates) > 1:
        raise BadTarget(target, f"ambiguous walk: {', '.join(candidates)} all follow")
    return candidates[0]


def _step_down(graph: RevisionGraph, target: str, position: str) -> str | None:
    downs = graph.get(position).down_revisions
    if len(downs) > 1:
        raise BadTarget(target, f"ambiguous walk: {position} merges {', '.join(downs)}")
    return downs[0] if downs else None


def resolve_downgrade(
    graph: RevisionGraph, target: str, current: Sequence[str]
) -> tuple[str | None, str | None]:
    """Return the branch label (if any) and the revision a downgrade goes to (None: base)."""
    match = RELATIVE.match(target)
    if not match:
        label, symbol = _split(target)
        if symbol in {"base", ""}:
            return label, None
        revisions = symbol_revisions(graph, symbol)
        if len(revisions) > 1:
            # A downgrade goes to one point; Alembic refuses `heads` when there are several.
            raise MultipleHeads(revisions, target)
        return label, (revisions[0] if revisions else None)
    label, symbol, steps = match["label"], match["symbol"], int(match["steps"])
    if steps >= 0:
        if symbol is None:
            raise BadTarget(target, f"relative revision {steps} did not produce migrations")
        start = symbol_revisions(graph, symbol)
        found = walk(graph, target, start[0] if start else None, steps, label)
        return label, (None if found == BASE else found)
    if symbol is None:
        symbol, label = _downgrade_start(graph, target, current, label)
    start = symbol_revisions(graph, f"{label}@{symbol}" if label else symbol)
    if not start:
        raise BadTarget(target, f"relative revision {steps} did not produce migrations")
    found = walk(graph, target, start[0], steps, None)
    return label, (None if found == BASE else found)


def _downgrade_start(
    graph: RevisionGraph, target: str, current: Sequence[str], label: str | None
) -> tuple[str, str]:
    """Return where `-N` (or `label@-N`) counts from, and the label that scopes it."""
    if label is None:
        if not current:
            raise BadTarget(target, "the database is at base: nothing to go down from")
        return current[0], current[0]
    starts = in_lineage(graph, current, label) or _branch_tip(graph, current, label)
    if len(starts) != 1:
        raise BadTarget(target, f"no single current revision on branch {label}")
    return starts[0], label


def resolve_single(graph: RevisionGraph, name: str) -> str:
    """Return the one revision a name stands for; base or several is an error."""
    found = resolve(graph, name, ())
    if len(found) > 1:
        raise MultipleHeads(found, name)
    if not found:
        raise UnknownRevision(name)
    return found[0]
