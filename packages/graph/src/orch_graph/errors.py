"""The errors orch-graph raises; each carries the ids and files that explain it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class GraphError(Exception):
    """Base of every error about revisions, the graph or a target."""


class ScriptHeaderError(GraphError):
    """A script's header cannot be read; names the file and line."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        super().__init__(f"{path}{f':{line}' if line else ''}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class DuplicateRevision(GraphError):
    """Two scripts declare the same revision id."""

    def __init__(self, revision: str, paths: Sequence[Path | None]) -> None:
        where = " and ".join(str(p) for p in paths)
        super().__init__(f"revision {revision} is declared twice: {where}")
        self.revision = revision
        self.paths = tuple(paths)


class MissingRevision(GraphError):
    """A down_revision or depends_on names a revision that does not exist."""

    def __init__(self, revision: str, referenced_by: str, path: Path | None) -> None:
        super().__init__(
            f"revision {revision!r}, named by {referenced_by} ({path}), does not exist"
        )
        self.revision = revision
        self.referenced_by = referenced_by
        self.path = path


class CycleDetected(GraphError):
    """down_revision and depends_on make a cycle."""

    def __init__(self, cycle: Sequence[str]) -> None:
        super().__init__(f"the revisions make a cycle: {' -> '.join(cycle)}")
        self.cycle = tuple(cycle)


class LabelConflict(GraphError):
    """A branch label is used twice, or equals a revision id."""

    def __init__(self, label: str, revisions: Sequence[str], reason: str) -> None:
        super().__init__(f"branch label {label!r} {reason} ({', '.join(revisions)})")
        self.label = label
        self.revisions = tuple(revisions)


class UnknownRevision(GraphError):
    """A target names no revision or label."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no revision or branch label matches {name!r}")
        self.name = name


class AmbiguousRevision(GraphError):
    """A partial id matches several revisions."""

    def __init__(self, name: str, candidates: Sequence[str]) -> None:
        super().__init__(f"{name!r} matches several revisions: {', '.join(sorted(candidates))}")
        self.name = name
        self.candidates = tuple(sorted(candidates))


class MultipleHeads(GraphError):
    """`head` was asked for where there are several heads."""

    def __init__(self, heads: Sequence[str], argument: str) -> None:
        super().__init__(f"{argument!r} is ambiguous: there are several heads ({', '.join(heads)})")
        self.heads = tuple(heads)
        self.argument = argument


class RangeNotAncestor(GraphError):
    """The target is not reachable from where the database is, in that direction."""

    def __init__(self, target: str, current: Sequence[str], reason: str) -> None:
        at = ", ".join(current) or "base"
        super().__init__(f"{target!r} is not a valid target from {at}: {reason}")
        self.target = target
        self.current = tuple(current)
        self.reason = reason


class BadTarget(GraphError):
    """A target cannot be resolved (walked too far, ambiguous walk, bad syntax)."""

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"target {target!r}: {reason}")
        self.target = target
        self.reason = reason


class OverlappingTargets(GraphError):
    """Several targets were given where one builds on another."""

    def __init__(self, target: str, overlaps: Sequence[str]) -> None:
        super().__init__(
            f"requested revision {target} overlaps with other requested revisions "
            f"{', '.join(sorted(overlaps))}"
        )
        self.target = target
        self.overlaps = tuple(sorted(overlaps))


class ForeignParent(GraphError):
    """A revision builds (by down_revision) on a revision of a service its database lacks."""

    def __init__(self, revision: str, parent: str, service: str | None) -> None:
        super().__init__(
            f"revision {revision} builds on {parent} of service {service}, which the same "
            "database does not carry; add that service to the database or use depends_on"
        )
        self.revision = revision
        self.parent = parent
        self.service = service
