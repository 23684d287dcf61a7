"""History: the revisions between two targets, newest first, in the order Alembic walks them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from orch_graph.planner import upgrade_set
from orch_graph.revision import Revision
from orch_graph.target import HEADS, Target, parse_target
from orch_graph.targets import resolve

if TYPE_CHECKING:
    from orch_graph.graph import RevisionGraph


def history(
    graph: RevisionGraph, lower: Target | None = None, upper: Target | None = None
) -> list[Revision]:
    """Return the revisions from lower (base) up to upper (heads), newest first.

    The same revisions as Alembic's `history -r lower:upper` (lower included, refused when it
    is not below upper), in its order: branch by branch from the tops (`branch_order`).
    """
    top = upper or parse_target(HEADS)
    if lower is None and upper is None:
        selected = set(graph.order)  # the real heads build on every revision
    else:
        selected = upgrade_set(graph, top, lower, inclusive=True, implicit_base=False)
    return [graph.get(rev) for rev in branch_order(graph, selected, resolve(graph, top, ()))]


def branch_order(graph: RevisionGraph, selected: set[str], tops: Sequence[str]) -> list[str]:
    """Return selected newest first, walked as Alembic walks them: one branch at a time.

    Start from the first top in reading order and follow its down revisions, emitting each
    revision no other walk in progress still has above it; at one that another walk has, go
    on with the first such walk (in the order the walks began); when a walk ends, go back to
    the one before it. A merge's other parents begin new walks after the last.
    """
    heads = sorted((t for t in dict.fromkeys(tops) if t in selected), key=graph.position)
    pending = set(selected)
    above: dict[str, set[str]] = {}
    emitted: list[str] = []
    index = 0
    followers, normalized_down = graph.followers, graph.normalized_down
    while heads:
        candidate = heads[index]
        if not pending.isdisjoint(followers(candidate)):
            blocker = _first_walk_above(graph, candidate, heads, pending, above)
            if blocker is not None:
                index = blocker
                continue
        emitted.append(candidate)
        pending.discard(candidate)
        downs = [d for d in normalized_down(candidate) if d in pending and d not in heads]
        if downs:
            heads[index] = downs[0]
            heads.extend(downs[1:])
        else:
            del heads[index]
            index = max(index - 1, 0)
    return emitted


def _first_walk_above(
    graph: RevisionGraph,
    revision: str,
    heads: list[str],
    pending: set[str],
    above: dict[str, set[str]],
) -> int | None:
    """Return the first walk (by index) whose revision builds on revision, if any.

    The pending revisions built on a revision only shrink as the walks go down, so they are
    gathered once per revision (in `above`) and filtered by what is still pending after: a
    revision that many walks pass by (one every service depends on) is asked again at every
    merge, and walking everything above it each time made history quadratic.
    """
    found = above.get(revision)
    if found is None:
        found = above[revision] = _pending_above(graph, revision, pending)
    return next(
        (index for index, head in enumerate(heads) if head in found and head in pending), None
    )


def _pending_above(graph: RevisionGraph, revision: str, pending: set[str]) -> set[str]:
    """Return the pending revisions built on revision (walks included, through pending ones)."""
    stack = [f for f in graph.followers(revision) if f in pending]
    seen = set(stack)
    while stack:
        for follower in graph.followers(stack.pop()):
            if follower in pending and follower not in seen:
                seen.add(follower)
                stack.append(follower)
    return seen
