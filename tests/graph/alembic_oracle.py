"""Alembic's own revision map as a test oracle: plans and version rows as Alembic computes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from alembic.runtime.migration import HeadMaintainer, MigrationStep
from alembic.script.revision import Revision as AlembicRevision
from alembic.script.revision import RevisionMap

from orch_graph.revision import Revision


class ScriptStandIn(AlembicRevision):
    """A revision with the `module` a migration step reads its functions from."""

    module = SimpleNamespace(upgrade=None, downgrade=None)


class RowTracker(HeadMaintainer):
    """Alembic's head maintainer with the version table kept in memory."""

    def __init__(self, heads: Sequence[str]) -> None:
        self.heads = set(heads)
        self.changes: list[
            tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]]
        ] = []
        self._step: list[Any] = [[], [], []]

    def _insert_version(self, version: str) -> None:
        assert version not in self.heads
        self.heads.add(version)
        self._step[1].append(version)

    def _delete_version(self, version: str) -> None:
        self.heads.remove(version)
        self._step[0].append(version)

    def _update_version(self, from_: str, to_: str) -> None:
        assert to_ not in self.heads
        self.heads.remove(from_)
        self.heads.add(to_)
        self._step[2].append((from_, to_))

    def apply(self, step: Any) -> None:
        self._step = [[], [], []]
        self.update_to_step(step)
        self.changes.append((tuple(self._step[0]), tuple(self._step[1]), tuple(self._step[2])))


@dataclass(frozen=True)
class OraclePlan:
    steps: tuple[str, ...]
    heads_after: tuple[str, ...]
    changes: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]], ...]


def revision_map(revisions: Sequence[Revision]) -> RevisionMap:
    """Return Alembic's map of the same revisions, in the same order."""

    def load() -> list[AlembicRevision]:
        return [
            ScriptStandIn(
                r.revision,
                r.down_revisions[0] if len(r.down_revisions) == 1 else r.down_revisions or None,
                dependencies=r.depends_on or None,
                branch_labels=r.branch_labels or None,
            )
            for r in revisions
        ]

    return RevisionMap(load)


def plan(rmap: RevisionMap, current: Sequence[str], target: str, direction: str) -> OraclePlan:
    """Return Alembic's steps and rows for an upgrade or downgrade (raises where it refuses)."""
    current_arg = tuple(current)
    # orch takes several targets in one string; Alembic's API takes them as a tuple.
    target_arg: str | tuple[str, ...] = tuple(target.split()) if " " in target else target
    if direction == "up":
        revs = list(rmap.iterate_revisions(target_arg, current_arg, implicit_base=True))
        steps = [MigrationStep.upgrade_from_script(rmap, r) for r in reversed(revs)]  # type: ignore[arg-type]
    else:
        revs = list(rmap.iterate_revisions(current_arg, target_arg, select_for_downgrade=True))
        steps = [MigrationStep.downgrade_from_script(rmap, r) for r in revs]  # type: ignore[arg-type]
    tracker = RowTracker(current)
    for step in steps:
        tracker.apply(step)
    return OraclePlan(
        tuple(r.revision for r in (reversed(revs) if direction == "up" else revs)),
        tuple(sorted(tracker.heads)),
        tuple(tracker.changes),
    )


def stamp(rmap: RevisionMap, current: Sequence[str], target: str) -> tuple[str, ...]:
    """Return the version rows after Alembic stamps target over current."""
    from alembic.script.base import ScriptDirectory

    # _stamp_revs needs only the revision map of a script directory.
    directory = ScriptDirectory.__new__(ScriptDirectory)
    directory.revision_map = rmap
    target_arg: str | tuple[str, ...] = tuple(target.split()) if " " in target else target
    tracker = RowTracker(current)
    for step in directory._stamp_revs(target_arg, tuple(current)):
        tracker.apply(step)
    return tuple(sorted(tracker.heads))
