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
from orch_graph.target import Target, parse_target
from orch_graph.targets import TargetLike, anchor, as_targets, resolve, resolve_downgrade

if TYPE_CHECKING:
    from orch_graph.graph import RevisionGraph


def _check_current(graph: RevisionGraph, current: tuple[str, ...]) -> None:
    for revision in current:
        if revision not in graph:
            raise UnknownRevision(revision)


# Where an iteration starts or ends: a target, several (as text), or None for base.
Ids = TargetLike | Sequence[str] | None


def _targets(value: Ids) -> tuple[Target, ...]:
    """Return the parsed targets a bound names; None is base, which names nothing."""
    if value is None:
        return ()
    if isinstance(value, str | Target):
        return as_targets(value)
    return tuple(item if isinstance(item, Target) else parse_target(item) for item in value)


def _text(value: Ids) -> str:
    return " ".join(target.text for target in _targets(value)) or "base"


def _ids(graph: RevisionGraph, value: Ids, current: Sequence[str]) -> tuple[str, ...]:
    """Return the revisions a bound names, relative ones measured from current."""
    return resolve(graph, _targets(value), current)


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
    lower_label = next((t.label for t in _targets(lower) if t.label), None)
    if lower_label is not None:
        branch = _branch_name(graph, lower_label)
        targets = tuple(t for t in targets if branch in graph.labels_of(t))
    _refuse_overlaps(graph, targets)
    required = graph.ancestors(targets)
    if not implicit_base and any(rev not in required for rev in lower_ids):
        raise RangeNotAncestor(_text(upper), lower_ids, "the current revisions are not below it")
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
    lowers = _targets(lower)
    if len(lowers) == 1 and lowers[0].is_relative:
        around = _ids(graph, upper, ())
        _, revision = resolve_downgrade(graph, lowers[0], around)
        return () if revision is None else (revision,)
    return _ids(graph, lowers, ())


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
    lower: str | Target | None,
    *,
    inclusive: bool = False,
    implicit_base: bool = False,
) -> set[str]:
    """Return the applied revisions a downgrade from upper to lower removes."""
    current = _ids(graph, upper, ())
    target = _one_target(lower)
    label, destination = resolve_downgrade(graph, target, current)
    if destination is not None and inclusive:
        roots = [destination]
    else:
        roots = _downgrade_roots(graph, label, destination, target.text, current)
    active = graph.ancestors(current)
    dropped = graph.descendants(roots) & active
    if implicit_base:
        dropped |= active - graph.ancestors(roots)
    if destination is not None and not dropped and destination not in current:
        raise RangeNotAncestor(target.text, current, "nothing to drop: not below the current rows")
    return dropped


def _one_target(value: str | Target | None) -> Target:
    """Return the one target a downgrade goes to (None: base); several is a BadTarget."""
    if isinstance(value, Target):
        return value
    return parse_target(value.strip() if value else "base")


def plan_upgrade(graph: RevisionGraph, current: Sequence[str], target: TargetLike) -> Plan:
    """Return the upgrade from the current rows to target."""
    current = tuple(current)
    _check_current(graph, current)
    needed = upgrade_set(graph, target, current)
    rows = _Rows(graph, current)
    steps = tuple(rows.step_up(revision) for revision in graph.in_order(needed))
    return Plan("up", current, _sorted(rows.rows), steps)


def plan_downgrade(graph: RevisionGraph, current: Sequence[str], target: str | Target) -> Plan:
    """Return the downgrade from the current rows to target."""
    current = tuple(current)
    _check_current(graph, current)
    dropped = downgrade_set(graph, current, target)
    rows = _Rows(graph, current)
    steps = tuple(rows.step_down(revision) for revision in reversed(graph.in_order(dropped)))
    return Plan("down", current, _sorted(rows.rows), steps)


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


class _Rows:
    """The version rows as a plan proceeds, and everything they stand for as applied.

    Whether a down revision is already implied by other rows (so a merge leaves it out, and an
    unmerge does not restore it) is the question Alembic answers by walking the other rows'
    histories at every step. Kept up to date step by step, the applied set answers it from the
    revision's own followers: one applied means a row above it, and that row is one of the
    others unless the revision lies below another of the same step's down revisions, a rare
    shape that gets the full walk.
    """

    def __init__(self, graph: RevisionGraph, current: tuple[str, ...]) -> None:
        self.graph = graph
        self.rows = set(current)
        self.applied = graph.ancestors(current)

    def step_up(self, revision: str) -> Step:
        """Return the step that applies revision, and record it."""
        downs = self.graph.normalized_down(revision)
        present = [d for d in downs if d in self.rows]
        if not present:
            step = Step(revision, "up", inserts=(revision,))
        elif len(present) > 1:
            others, below = self.rows.difference(downs), self._below_siblings(downs)
            merging = [d for d in present if not self._implied(d, below, others, False)]
            step = Step(
                revision, "up", deletes=tuple(merging[:-1]), updates=((merging[-1], revision),)
            )
        else:
            step = Step(revision, "up", updates=((present[0], revision),))
        self.applied.add(revision)
        self._apply(step)
        return step

    def step_down(self, revision: str) -> Step:
        """Return the step that reverts revision, and record it."""
        if revision not in self.rows:
            rows = sorted(self.rows)
            raise RangeNotAncestor(revision, rows, "cannot step down a revision not at a head")
        downs = self.graph.normalized_down(revision)
        self.applied.discard(revision)
        others, below = self.rows - {revision}, self._below_siblings(downs)
        restored = [d for d in downs if not self._implied(d, below, others, True)]
        if not restored:
            step = Step(revision, "down", deletes=(revision,))
        else:
            updates = ((revision, restored[-1]),)
            step = Step(revision, "down", inserts=tuple(restored[:-1]), updates=updates)
        self._apply(step)
        return step

    def _below_siblings(self, downs: tuple[str, ...]) -> set[str]:
        """Return the down revisions of a step that lie below another of them (rare)."""
        if len(downs) < 2:
            return set()
        graph = self.graph
        return graph.reaching([up for down in downs for up in graph.normalized_down(down)], downs)

    def _implied(self, down: str, below: set[str], others: set[str], alone: bool) -> bool:
        """Return whether down is one of the other rows or below one of them.

        Stepping down (alone), a down revision below another one is implied by it: that one
        is restored, or is itself below another row. Merging, it is implied only when another
        row lies above it: Alembic's two rules.
        """
        if down in others:
            return True
        if down in below:
            # Below another down revision: merging, only a walk tells whether a row lies above.
            return alone or (bool(others) and bool(self.graph.reaching(others, [down])))
        applied = self.applied
        return any(follower in applied for follower in self.graph.followers(down))

    def _apply(self, step: Step) -> None:
        rows = self.rows
        rows.difference_update(step.deletes)
        for old, new in step.updates:
            rows.discard(old)
            rows.add(new)
        rows.update(step.inserts)


def _sorted(rows: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(rows)))
