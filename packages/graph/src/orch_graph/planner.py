"""Upgrade, downgrade and stamp plans, chosen as Alembic chooses them.

Upgrade: everything the target builds on (depends_on included) that the current rows do not,
oldest first. Downgrade: everything applied that is built on the target (or on the bases, for
base), newest first, leaving unrelated branches alone. Each step carries the version-row
changes it makes, worked out on the rows as they stand before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from orch_graph.errors import OverlappingTargets, RangeNotAncestor, UnknownRevision
from orch_graph.plan import Plan, Step
from orch_graph.stamp import plan_stamp
from orch_graph.targets import RELATIVE, anchor, resolve, resolve_downgrade

if TYPE_CHECKING:
    from orch_graph.graph import RevisionGraph

__all__ = ["downgrade_set", "plan_downgrade", "plan_stamp", "plan_upgrade", "upgrade_set"]


def _check_current(graph: RevisionGraph, current: tuple[str, ...]) -> None:
    for revision in current:
        if revision not in graph:
            raise UnknownRevision(revision)


Ids = str | Sequence[str] | None


def _ids(graph: RevisionGraph, value: Ids, current: Sequence[str]) -> tuple[str, ...]:
    """Return the revisions a target (a string, several ids, or None for base) names."""
    if value is None:
        return ()
    if isinstance(value, str):
        return resolve(graph, value, current)
    return tuple(dict.fromkeys(r for item in value for r in resolve(graph, item, current)))


def upgrade_set(
    graph: RevisionGraph,
    upper: Ids,
    lower: Ids,
    *,
    inclusive: bool = False,
    implicit_base: bool = True,
) -> set[str]:
    """Return the revisions an upgrade from lower to upper applies (Alembic's iteration set)."""
    lower_ids = _lower_ids(graph, upper, lower)
    targets = _ids(graph, upper, lower_ids)
    if isinstance(lower, str) and "@" in lower:
        branch = _branch_name(graph, lower.partition("@")[0])
        targets = tuple(t for t in targets if branch in graph.labels_of(t))
    _refuse_overlaps(graph, targets)
    required = graph.ancestors(targets)
    if not implicit_base and any(rev not in required for rev in lower_ids):
        raise RangeNotAncestor(str(upper), lower_ids, "the current revisions are not below it")
    needed = required - graph.ancestors(lower_ids)
    if inclusive:
        needed.update(lower_ids)
    if lower_ids and not implicit_base:
        needed &= graph.descendants(lower_ids, versioned_only=True)
    return needed


def _refuse_overlaps(graph: RevisionGraph, targets: Sequence[str]) -> None:
    """Refuse several targets where one builds on another, as Alembic does."""
    if len(targets) < 2:
        return
    for target in targets:
        overlaps = graph.reaching([target], set(targets) - {target})
        if overlaps:
            raise OverlappingTargets(target, sorted(overlaps))


def _lower_ids(graph: RevisionGraph, upper: Ids, lower: Ids) -> tuple[str, ...]:
    if isinstance(lower, str) and RELATIVE.match(lower):
        around = _ids(graph, upper, ())
        _, revision = resolve_downgrade(graph, lower, around)
        return () if revision is None else (revision,)
    return _ids(graph, lower, ())


def _branch_name(graph: RevisionGraph, name: str) -> str:
    """Return the label a `x@` prefix means: a revision id stands for the one label it has."""
    if name in graph:
        labels = graph.labels_of(name)
        if len(labels) == 1:
            return next(iter(labels))
    return name


def downgrade_set(
    graph: RevisionGraph,
    upper: Ids,
    lower: str | None,
    *,
    inclusive: bool = False,
    implicit_base: bool = False,
) -> set[str]:
    """Return the applied revisions a downgrade from upper to lower removes."""
    current = _ids(graph, upper, ())
    label, destination = resolve_downgrade(graph, lower or "base", current)
    if destination is not None and inclusive:
        roots = [destination]
    else:
        roots = _downgrade_roots(graph, label, destination, str(lower), current)
    active = graph.ancestors(current)
    dropped = graph.descendants(roots) & active
    if implicit_base:
        dropped |= active - graph.ancestors(roots)
    if destination is not None and not dropped and destination not in current:
        raise RangeNotAncestor(str(lower), current, "nothing to drop: not below the current rows")
    return dropped


def plan_upgrade(graph: RevisionGraph, current: tuple[str, ...], target: str) -> Plan:
    """Return the upgrade from the current rows to target."""
    _check_current(graph, current)
    needed = upgrade_set(graph, target, current)
    rows = set(current)
    steps = []
    for revision in graph.in_order(needed):
        step = _upgrade_step(graph, revision, rows)
        steps.append(step)
        rows = _apply(rows, step)
    return Plan("up", current, _sorted(rows), tuple(steps))


def plan_downgrade(graph: RevisionGraph, current: tuple[str, ...], target: str) -> Plan:
    """Return the downgrade from the current rows to target."""
    _check_current(graph, current)
    dropped = downgrade_set(graph, current, target)
    rows = set(current)
    steps = []
    for revision in reversed(graph.in_order(dropped)):
        step = _downgrade_step(graph, revision, rows)
        steps.append(step)
        rows = _apply(rows, step)
    return Plan("down", current, _sorted(rows), tuple(steps))


def _downgrade_roots(
    graph: RevisionGraph,
    label: str | None,
    destination: str | None,
    target: str,
    current: tuple[str, ...],
) -> list[str]:
    """Return the revisions whose removal (with all built on them) the downgrade means."""
    roots = list(graph.bases) if destination is None else graph.children(destination)
    if label is not None and len(roots) > 1:
        on_branch = graph.ancestors([anchor(graph, label)], versioned_only=True)
        roots = [root for root in roots if root in on_branch]
        if not roots:
            raise RangeNotAncestor(target, current, "not a valid downgrade target")
    return roots


def _upgrade_step(graph: RevisionGraph, revision: str, rows: set[str]) -> Step:
    downs = graph.normalized_down(revision)
    present = [d for d in downs if d in rows]
    if not downs or not present:
        return Step(revision, "up", inserts=(revision,))
    if len(downs) > 1 and len(present) > 1:
        covered = graph.reaching(rows.difference(downs), present)
        merging = [d for d in present if d not in covered]
        return Step(revision, "up", deletes=tuple(merging[:-1]), updates=((merging[-1], revision),))
    return Step(revision, "up", updates=((present[0], revision),))


def _downgrade_step(graph: RevisionGraph, revision: str, rows: set[str]) -> Step:
    downs = graph.normalized_down(revision)
    if revision not in rows:
        raise RangeNotAncestor(revision, sorted(rows), "cannot step down a revision not at a head")
    restored = _unmerge_targets(graph, revision, downs, rows)
    if not downs or not restored:
        return Step(revision, "down", deletes=(revision,))
    return Step(revision, "down", inserts=tuple(restored[:-1]), updates=((revision, restored[-1]),))


def _unmerge_targets(
    graph: RevisionGraph, revision: str, downs: tuple[str, ...], rows: set[str]
) -> list[str]:
    """Return the down revisions that become rows again once revision is stepped down."""
    others = rows - {revision}
    if others:
        covered = graph.reaching(others, downs)
    else:
        covered = {a for d in downs for a in graph.ancestors([d]) if a != d}
    return [d for d in downs if d not in covered]


def _apply(rows: set[str], step: Step) -> set[str]:
    after = set(rows) - set(step.deletes)
    for old, new in step.updates:
        after.discard(old)
        after.add(new)
    return after | set(step.inserts)


def _sorted(rows: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(rows)))
