"""What a parsed target names in a graph: heads, head, base, ids, label@head, +N, -N, REV+N."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from orch_graph.errors import BadTarget, MultipleHeads, UnknownRevision
from orch_graph.target import BASE, HEAD, HEADS, Target, parse_targets

if TYPE_CHECKING:
    from orch_graph.graph import RevisionGraph

# A target as callers hold it: text (parsed here), one parsed target, or several.
TargetLike = str | Target | Sequence[Target]


def as_targets(value: TargetLike) -> tuple[Target, ...]:
    """Return the targets a value stands for, parsing text."""
    if isinstance(value, str):
        return parse_targets(value)
    if isinstance(value, Target):
        return (value,)
    return tuple(value)


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


def symbol_revisions(graph: RevisionGraph, target: Target) -> tuple[str, ...]:
    """Return the revisions an absolute target (or a relative one's anchor) names."""
    label, symbol = target.label, target.symbol
    if symbol == HEADS:
        return tuple(in_lineage(graph, graph.heads, label)) if label else graph.real_heads
    if symbol == HEAD:
        return current_head(graph, label, target.text)
    if symbol in {BASE, None}:
        return ()
    revision = graph.get(symbol).revision
    if label is not None and not graph.shares_lineage(revision, anchor(graph, label)):
        raise BadTarget(target.text, f"revision {revision} is not on branch {label}")
    return (revision,)


def resolve(graph: RevisionGraph, target: TargetLike, current: Sequence[str]) -> tuple[str, ...]:
    """Return the revisions an upgrade target names, relative ones measured from current."""
    found: list[str] = []
    for part in as_targets(target):
        found.extend(_resolve_upgrade_part(graph, part, current))
    return tuple(dict.fromkeys(found))


def check(graph: RevisionGraph, direction: str, target: TargetLike) -> None:
    """Raise now the error resolving target would raise for a database in any state.

    Absolute targets (heads, head, base, ids, label@head, REV+N) name the same revisions
    wherever a database is, so an unknown id or an ambiguous `head` can be refused before any
    database of a run moves. A move from the database's rows (+1, users@-1) depends on where
    the database is: its plan checks it.
    """
    parts = as_targets(target)
    if direction == "down":
        if len(parts) > 1:
            raise BadTarget(" ".join(p.text for p in parts), "a downgrade goes to one target")
        if parts[0].symbol is not None:
            resolve_downgrade(graph, parts[0], ())
        return
    for part in parts:
        if part.symbol is not None:
            _resolve_upgrade_part(graph, part, ())


def _resolve_upgrade_part(
    graph: RevisionGraph, target: Target, current: Sequence[str]
) -> tuple[str, ...]:
    if target.steps is None:
        return symbol_revisions(graph, target)
    label, symbol, steps = target.label, target.symbol, target.steps
    if symbol is not None:
        start = symbol_revisions(graph, target.absolute() if steps < 0 else _bare(target))
        found = walk(
            graph, target, start[0] if start else None, steps, label if steps > 0 else None
        )
        return () if found is None else (found,)
    if steps <= 0:
        raise BadTarget(
            target.text, f"relative revision {steps} did not produce {-steps} migrations"
        )
    starts = list(current)
    if label is not None:
        starts = in_lineage(graph, starts, label) or _branch_tip(graph, current, label)
    if len(starts) > 1:
        raise BadTarget(target.text, "ambiguous upgrade from several current revisions")
    found = walk(graph, target, starts[0] if starts else None, steps, label)
    return () if found is None else (found,)


def _bare(target: Target) -> Target:
    """Return a relative target's anchor without its label (`x@ae10+1` walks up from ae10)."""
    assert target.symbol is not None
    return Target(target.symbol, target.symbol)


def _branch_tip(graph: RevisionGraph, current: Sequence[str], label: str) -> list[str]:
    """Return the newest applied revisions on a label's branch, when no head lies on it."""
    applied = in_lineage(graph, sorted(graph.ancestors(current)), label)
    below = {down for rev in applied for down in graph.normalized_down(rev)}
    return [rev for rev in applied if rev not in below]


def walk(
    graph: RevisionGraph, target: Target, start: str | None, steps: int, label: str | None
) -> str | None:
    """Return the revision steps away from start (None: below the bases, and the result)."""
    position: str | None = start
    for _ in range(abs(steps)):
        if steps > 0:
            position = _step_up(graph, target, position, label)
        elif position is None:
            raise BadTarget(target.text, "walked past base")
        else:
            position = _step_down(graph, target, position)
    return position


def _step_up(graph: RevisionGraph, target: Target, position: str | None, label: str | None) -> str:
    candidates = list(graph.bases) if position is None else graph.children(position)
    if label is not None:
        candidates = in_lineage(graph, candidates, label)
    if not candidates:
        raise BadTarget(target.text, "relative revision walked past the head")
    if len(candidates) > 1:
        raise BadTarget(target.text, f"ambiguous walk: {', '.join(candidates)} all follow")
    return candidates[0]


def _step_down(graph: RevisionGraph, target: Target, position: str) -> str | None:
    downs = graph.get(position).down_revisions
    if len(downs) > 1:
        raise BadTarget(target.text, f"ambiguous walk: {position} merges {', '.join(downs)}")
    return downs[0] if downs else None


def resolve_downgrade(
    graph: RevisionGraph, target: Target, current: Sequence[str]
) -> tuple[str | None, str | None]:
    """Return the branch label (if any) and the revision a downgrade goes to (None: base)."""
    label, symbol, steps = target.label, target.symbol, target.steps
    if steps is None:
        if symbol == BASE:
            return label, None
        revisions = symbol_revisions(graph, _bare(target))
        if len(revisions) > 1:
            # A downgrade goes to one point; Alembic refuses `heads` when there are several.
            raise MultipleHeads(revisions, target.text)
        return label, (revisions[0] if revisions else None)
    if steps >= 0:
        if symbol is None:
            raise BadTarget(target.text, f"relative revision {steps} did not produce migrations")
        start = symbol_revisions(graph, _bare(target))
        return label, walk(graph, target, start[0] if start else None, steps, label)
    if symbol is None:
        symbol, label = _downgrade_start(graph, target, current)
    start = symbol_revisions(graph, Target(target.text, symbol, label))
    if not start:
        raise BadTarget(target.text, f"relative revision {steps} did not produce migrations")
    return label, walk(graph, target, start[0], steps, None)


def _downgrade_start(
    graph: RevisionGraph, target: Target, current: Sequence[str]
) -> tuple[str, str | None]:
    """Return where `-N` (or `label@-N`) counts from, and the label that scopes it."""
    label = target.label
    if label is None:
        if not current:
            raise BadTarget(target.text, "the database is at base: nothing to go down from")
        return current[0], current[0]
    starts = in_lineage(graph, current, label) or _branch_tip(graph, current, label)
    if len(starts) != 1:
        raise BadTarget(target.text, f"no single current revision on branch {label}")
    return starts[0], label


def resolve_single(graph: RevisionGraph, target: TargetLike) -> str:
    """Return the one revision a target stands for; base or several is an error."""
    found = resolve(graph, target, ())
    if len(found) > 1:
        raise MultipleHeads(found, _text(target))
    if not found:
        raise UnknownRevision(_text(target))
    return found[0]


def _text(target: TargetLike) -> str:
    return " ".join(part.text for part in as_targets(target))
