"""RevisionGraph: every revision of a monorepo, with Alembic's rules for heads, bases and labels.

Two kinds of edge are kept apart, as Alembic keeps them: a revision's `down_revision` (the
versioned history, which decides heads, branch points and labels) and its `depends_on` (which
orders work but does not make a revision a head's ancestor in the version table).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import networkx as nx

from orch_graph import planner, targets
from orch_graph.errors import (
    AmbiguousRevision,
    CycleDetected,
    DuplicateRevision,
    LabelConflict,
    MissingRevision,
    UnknownRevision,
)
from orch_graph.revision import Revision

if TYPE_CHECKING:
    from orch_graph.plan import Plan
    from orch_graph.view import DatabaseView


class RevisionGraph:
    """The revisions of one or more services and the relations between them."""

    def __init__(self, revisions: Iterable[Revision], *, check_missing: bool = True) -> None:
        self._by_id: dict[str, Revision] = {}
        for revision in revisions:
            if revision.revision in self._by_id:
                other = self._by_id[revision.revision]
                raise DuplicateRevision(revision.revision, (other.path, revision.path))
            self._by_id[revision.revision] = revision
        self.order = tuple(self._by_id)
        self._position = {rev: index for index, rev in enumerate(self.order)}
        self._labels = self._label_owners()
        self._deps = {r.revision: self._resolve_deps(r, check_missing) for r in self.revisions}
        self.versioned: nx.DiGraph[str] = nx.DiGraph()
        self.full: nx.DiGraph[str] = nx.DiGraph()
        self._build_edges(check_missing)
        self.heads = tuple(r for r in self.order if not self.versioned.out_degree(r))
        self.real_heads = tuple(r for r in self.order if not self.full.out_degree(r))
        self.bases = tuple(r.revision for r in self.revisions if not r.down_revisions)
        self.branch_points = tuple(r for r in self.order if self.versioned.out_degree(r) > 1)
        self._normalized = {rev: self._normalize(rev) for rev in self.order}
        self._member_labels = self._propagate_labels()
        self._views: dict[tuple[str, ...], DatabaseView] = {}

    @property
    def revisions(self) -> tuple[Revision, ...]:
        """Return every revision, in the order the scripts were read."""
        return tuple(self._by_id.values())

    @property
    def services(self) -> frozenset[str]:
        """Return the names of the services the revisions were read from."""
        return frozenset(r.service for r in self._by_id.values() if r.service)

    def __contains__(self, revision: object) -> bool:
        return revision in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)

    # -- construction ------------------------------------------------------------------------

    def _label_owners(self) -> dict[str, str]:
        """Map each branch label (and each unlabelled service's name) to its revision."""
        owners: dict[str, str] = {}
        for revision in self._by_id.values():
            for label in revision.branch_labels:
                if label in self._by_id:
                    raise LabelConflict(label, (revision.revision,), "is also a revision id")
                if label in owners:
                    raise LabelConflict(label, (owners[label], revision.revision), "is used twice")
                owners[label] = revision.revision
        for service in sorted(self.services):
            bases = [
                r.revision
                for r in self._by_id.values()
                if r.service == service and not r.down_revisions
            ]
            if service not in owners and service not in self._by_id and len(bases) == 1:
                owners[service] = bases[0]
        return owners

    def _resolve_deps(self, revision: Revision, check_missing: bool) -> tuple[str, ...]:
        resolved = []
        for dependency in revision.depends_on:
            target = self._labels.get(dependency, dependency)
            if target in self._by_id:
                resolved.append(target)
            elif check_missing:
                raise MissingRevision(dependency, revision.revision, revision.path)
        return tuple(dict.fromkeys(resolved))

    def _build_edges(self, check_missing: bool) -> None:
        for graph in (self.versioned, self.full):
            graph.add_nodes_from(self.order)
        for revision in self._by_id.values():
            for down in revision.down_revisions:
                if down not in self._by_id:
                    if check_missing:
                        raise MissingRevision(down, revision.revision, revision.path)
                    continue
                self.versioned.add_edge(down, revision.revision)
                self.full.add_edge(down, revision.revision)
            for dependency in self._deps[revision.revision]:
                self.full.add_edge(dependency, revision.revision)
        try:
            cycle = nx.find_cycle(self.full)
        except nx.NetworkXNoCycle:
            return
        raise CycleDetected([edge[0] for edge in cycle] + [cycle[0][0]])

    def _normalize(self, revision: str) -> tuple[str, ...]:
        """Return down revisions plus the dependencies no versioned ancestor already has."""
        deps = set(self._deps[revision])
        if deps:
            for ancestor in nx.ancestors(self.versioned, revision):
                deps.difference_update(self._deps[ancestor])
        downs = self._by_id[revision].down_revisions
        extra = [d for d in self._deps[revision] if d in deps and d not in downs]
        return tuple(d for d in downs if d in self._by_id) + tuple(extra)

    def _propagate_labels(self) -> dict[str, set[str]]:
        """Give each label to its revision, everything built on it, and the line below it.

        As in Alembic, the line below is labelled only while the label's branch is a single
        line (no branch point or merge above or at the labelled revision), and down to the
        first branch point or merge below it.
        """
        members: dict[str, set[str]] = {rev: set() for rev in self.order}
        for label, owner in self._labels.items():
            above = {owner, *nx.descendants(self.versioned, owner)}
            for node in above:
                members[node].add(label)
            if any(self._forks(node) for node in above):
                continue
            parent: str | None = owner
            while parent is not None and not self._forks(parent):
                members[parent].add(label)
                downs = [d for d in self._by_id[parent].down_revisions if d in self._by_id]
                parent = downs[0] if downs else None
        return members

    def _forks(self, revision: str) -> bool:
        """Return whether a revision is a branch point (any edge) or a merge point."""
        return self.full.out_degree(revision) > 1 or self._by_id[revision].is_merge_point

    # -- lookups -------------------------------------------------------------------------------

    def get(self, name: str) -> Revision:
        """Return the revision with this id, branch label, or unique id prefix."""
        found = self._by_id.get(name)
        if found is not None:
            return found
        if name in self._labels:
            return self._by_id[self._labels[name]]
        matches = [rev for rev in self.order if rev.startswith(name)] if name else []
        if len(matches) == 1:
            return self._by_id[matches[0]]
        if matches:
            raise AmbiguousRevision(name, matches)
        raise UnknownRevision(name)

    def label_owner(self, label: str) -> str | None:
        """Return the revision a branch label (or unlabelled service name) sits on."""
        return self._labels.get(label)

    def labels_of(self, revision: str) -> frozenset[str]:
        """Return the branch labels that cover a revision."""
        return frozenset(self._member_labels[revision])

    def children(self, revision: str) -> list[str]:
        """Return the revisions whose down_revision names this one."""
        return sorted(self.versioned.successors(revision), key=self._position.__getitem__)

    def normalized_down(self, revision: str) -> tuple[str, ...]:
        """Return the revisions a step of this one moves from (down revisions + own deps)."""
        return self._normalized[revision]

    def dependencies(self, revision: str) -> tuple[str, ...]:
        """Return the revision ids this one's depends_on resolves to."""
        return self._deps[revision]

    def ancestors(self, revisions: Iterable[str], *, versioned_only: bool = False) -> set[str]:
        """Return the given revisions and everything they build on."""
        graph = self.versioned if versioned_only else self.full
        found: set[str] = set()
        for revision in revisions:
            if revision not in found:
                found.add(revision)
                found.update(nx.ancestors(graph, revision))
        return found

    def descendants(self, revisions: Iterable[str], *, versioned_only: bool = False) -> set[str]:
        """Return the given revisions and everything built on them."""
        graph = self.versioned if versioned_only else self.full
        found: set[str] = set()
        for revision in revisions:
            if revision not in found:
                found.add(revision)
                found.update(nx.descendants(graph, revision))
        return found

    def shares_lineage(self, revision: str, anchor: str) -> bool:
        """Return whether revision is an ancestor or descendant of anchor (down_revision only)."""
        if revision == anchor:
            return True
        return nx.has_path(self.versioned, revision, anchor) or nx.has_path(
            self.versioned, anchor, revision
        )

    def in_order(self, revisions: Iterable[str]) -> list[str]:
        """Return revisions oldest first: each after what it builds on, ties in reading order."""
        subgraph = self.full.subgraph(revisions)
        return list(nx.lexicographical_topological_sort(subgraph, key=self._position.__getitem__))

    def service_heads(self, service: str) -> list[str]:
        """Return the heads among a service's revisions."""
        return [h for h in self.heads if self._by_id[h].service == service]

    def history(self, lower: str | None = None, upper: str | None = None) -> list[Revision]:
        """Return revisions newest first, optionally only those between lower and upper."""
        selected: set[str] = set(self.order)
        if upper is not None:
            selected &= self.ancestors(targets.resolve(self, upper, ()))
        if lower is not None:
            selected &= self.descendants(targets.resolve(self, lower, ()))
        return [self._by_id[rev] for rev in reversed(self.in_order(selected))]

    def resolve_one(self, name: str) -> str:
        """Return the single revision id a name (id, prefix, label, head, x@head) stands for."""
        return targets.resolve_single(self, name)

    # -- plans and views -------------------------------------------------------------------

    def plan_upgrade(self, current: Sequence[str], target: str) -> Plan:
        """Return the steps from the current version rows up to target."""
        return planner.plan_upgrade(self, tuple(current), target)

    def plan_downgrade(self, current: Sequence[str], target: str) -> Plan:
        """Return the steps from the current version rows down to target."""
        return planner.plan_downgrade(self, tuple(current), target)

    def plan_stamp(self, current: Sequence[str], target: str) -> Plan:
        """Return the version rows that stamping target over the current ones leaves."""
        return planner.plan_stamp(self, tuple(current), target)

    def for_services(self, services: Sequence[str]) -> DatabaseView:
        """Return the part of the graph one database migrates: these services' revisions."""
        # The view is a RevisionGraph itself: importing it at the top would be circular.
        from orch_graph.view import DatabaseView  # noqa: PLC0415

        key = tuple(sorted(services))
        view = self._views.get(key)
        if view is None:
            view = DatabaseView.build(self, key)
            self._views[key] = view
        return view
