"""RevisionGraph: every revision of a monorepo, with Alembic's rules for heads, bases and labels.

Two kinds of edge are kept apart, as Alembic keeps them: a revision's `down_revision` (the
versioned history, which decides heads, branch points and labels) and its `depends_on` (which
orders work but does not make a revision a head's ancestor in the version table).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from types import ModuleType
from typing import TYPE_CHECKING

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
    import networkx as nx


def nx_module() -> ModuleType:
    """Return networkx, imported on first use: commands that do not walk never pay for it."""
    import networkx  # noqa: PLC0415

    return networkx


class RevisionGraph:
    """The revisions of one or more services and the relations between them.

    Heads, bases, children and labels are plain indexes built in one pass; walks (plans,
    history, lineage) follow them directly. The networkx graphs are built, and networkx
    imported, only to find and show a cycle, or when asked for (`as_networkx`): importing
    networkx alone costs 0.13 s, more than a whole `heads` of 10,000 revisions may take.
    """

    def __init__(self, revisions: Iterable[Revision]) -> None:
        self._by_id: dict[str, Revision] = {}
        for revision in revisions:
            if revision.revision in self._by_id:
                other = self._by_id[revision.revision]
                raise DuplicateRevision(revision.revision, (other.path, revision.path))
            self._by_id[revision.revision] = revision
        self.order = tuple(self._by_id)
        self._position = dict(zip(self.order, range(len(self.order)), strict=True))
        self._labels = self._label_owners()
        self._deps = {
            r.revision: self._resolve_deps(r) if r.depends_on else () for r in self._by_id.values()
        }
        self._children: dict[str, list[str]] = {rev: [] for rev in self.order}
        self._dependants: dict[str, list[str]] = {}  # only revisions something depends on
        self._networkx: tuple[nx.DiGraph[str], nx.DiGraph[str]] | None = None
        self._index_edges()
        # Both kinds of edge, for walks; a revision nothing depends on shares its children list.
        self._followers = {
            rev: kids + self._dependants[rev] if rev in self._dependants else kids
            for rev, kids in self._children.items()
        }
        self._all_sorted = self._sort_all()
        children = self._children
        self.heads = tuple(r for r, kids in children.items() if not kids)
        self.real_heads = tuple(h for h in self.heads if h not in self._dependants)
        self.bases = tuple(r.revision for r in self._by_id.values() if not r.down_revisions)
        self.branch_points = tuple(r for r, kids in children.items() if len(kids) > 1)
        self._normalized: dict[str, tuple[str, ...]] = {}
        self._ups: tuple[dict[str, list[str]], dict[str, list[str]]] | None = None
        self._rank: dict[str, int] | None = None
        self._depth: dict[str, int] | None = None
        self._member_labels: dict[str, set[str]] | None = None

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
        bases: dict[str, list[str]] = {}
        for revision in self._by_id.values():
            if not revision.down_revisions and revision.service:
                bases.setdefault(revision.service, []).append(revision.revision)
            for label in revision.branch_labels:
                if label in self._by_id:
                    raise LabelConflict(label, (revision.revision,), "is also a revision id")
                if label in owners:
                    raise LabelConflict(label, (owners[label], revision.revision), "is used twice")
                owners[label] = revision.revision
        for service, found in sorted(bases.items()):
            if service not in owners and service not in self._by_id and len(found) == 1:
                owners[service] = found[0]
        return owners

    def _resolve_deps(self, revision: Revision) -> tuple[str, ...]:
        resolved = []
        for dependency in revision.depends_on:
            target = self._labels.get(dependency, dependency)
            if target not in self._by_id:
                raise MissingRevision(dependency, revision.revision, revision.path)
            resolved.append(target)
        return tuple(dict.fromkeys(resolved))

    def _index_edges(self) -> None:
        """Fill children and dependants."""
        by_id, children, dependants, deps = (
            self._by_id,
            self._children,
            self._dependants,
            self._deps,
        )
        for revision in by_id.values():
            rev = revision.revision
            for down in revision.down_revisions:
                if down not in by_id:
                    raise MissingRevision(down, rev, revision.path)
                children[down].append(rev)
            if revision.depends_on:
                for dependency in deps[rev]:
                    dependants.setdefault(dependency, []).append(rev)

    def _sort_all(self) -> list[str]:
        """Return every revision in topological order; refuse a cycle, showing it.

        An order that misses revisions means they sit on a cycle of down_revision and
        depends_on edges; networkx, imported only then, finds it to show.
        """
        order = self._topological(self.order)
        if len(order) == len(self.order):
            return order
        cycle = nx_module().find_cycle(self._graphs()[1])
        raise CycleDetected([edge[0] for edge in cycle] + [cycle[0][0]])

    def _topological(self, revisions: Iterable[str]) -> list[str]:
        """Return revisions ordered after everything they build on among them (down_revision
        and depends_on), ties in reading order."""
        position, followers = self._position, self._followers
        waiting = dict.fromkeys(revisions, 0)
        for rev in waiting:
            for follower in followers[rev]:
                if follower in waiting:
                    waiting[follower] += 1
        ready = [position[rev] for rev, count in waiting.items() if not count]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            current = self.order[heapq.heappop(ready)]
            order.append(current)
            for follower in followers[current]:
                if follower in waiting:
                    waiting[follower] -= 1
                    if not waiting[follower]:
                        heapq.heappush(ready, position[follower])
        return order

    def as_networkx(self, *, versioned_only: bool = False) -> nx.DiGraph[str]:
        """Return the graph as a networkx DiGraph (edges point from a revision to what builds
        on it), for analysis beyond what orch needs; with versioned_only, down_revision edges
        only. The graph is orch's own: copy it before changing it."""
        return self._graphs()[0 if versioned_only else 1]

    def _graphs(self) -> tuple[nx.DiGraph[str], nx.DiGraph[str]]:
        """Return the versioned (down_revision) and full (plus depends_on) graphs."""
        if self._networkx is None:
            networkx = nx_module()
            versioned: nx.DiGraph[str] = networkx.DiGraph()
            versioned.add_nodes_from(self.order)
            versioned.add_edges_from(
                (rev, child) for rev, children in self._children.items() for child in children
            )
            full = versioned.copy()
            full.add_edges_from(
                (rev, user) for rev, users in self._dependants.items() for user in users
            )
            self._networkx = (versioned, full)
        return self._networkx

    def _normalize(self, revision: str) -> tuple[str, ...]:
        """Return down revisions plus the dependencies no versioned ancestor already declares."""
        downs = self._by_id[revision].down_revisions
        deps = self._deps[revision]
        if not deps:
            return downs
        return downs + tuple(
            d for d in deps if d not in downs and not self._declared_below(revision, d)
        )

    def _declared_below(self, revision: str, dependency: str) -> bool:
        """Return whether a versioned ancestor of revision also depends on dependency.

        Asked of the few revisions that declare the dependency, not of every ancestor: sets
        of inherited dependencies, one per merge, grow with the history and made this
        quadratic on merge-heavy graphs.
        """
        declarers = [d for d in self._dependants[dependency] if d != revision]
        if not declarers:
            return False
        # Bounded by the topological order kept since construction: depths would cost a pass
        # over the whole graph at the first dependency declared twice (history reads them all).
        downs, _ = self._up_edges()
        starts = self._by_id[revision].down_revisions
        return bool(_reach_bounded(starts, declarers, downs, self._ranks()))

    def _propagate_labels(self) -> dict[str, set[str]]:
        """Give each label to its revision, everything built on it, and the line below it.

        As in Alembic, the line below is labelled only while the label's branch is a single
        line (no branch point or merge above or at the labelled revision), and down to the
        first branch point or merge below it.
        """
        members: dict[str, set[str]] = {rev: set() for rev in self.order}
        for label, owner in self._labels.items():
            above = self.descendants([owner], versioned_only=True)
            for node in above:
                members[node].add(label)
            if any(self._forks(node) for node in above):
                continue
            parent: str | None = owner
            while parent is not None and not self._forks(parent):
                members[parent].add(label)
                downs = self._by_id[parent].down_revisions
                parent = downs[0] if downs else None
        return members

    def _forks(self, revision: str) -> bool:
        """Return whether a revision is a branch point (any edge) or a merge point."""
        followers = len(self._followers[revision])
        return followers > 1 or self._by_id[revision].is_merge_point

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

    def position(self, revision: str) -> int:
        """Return where the revision's script was read, among all of them."""
        return self._position[revision]

    def label_owner(self, label: str) -> str | None:
        """Return the revision a branch label (or unlabelled service name) sits on."""
        return self._labels.get(label)

    def labels_of(self, revision: str) -> frozenset[str]:
        """Return the branch labels that cover a revision."""
        if self._member_labels is None:
            self._member_labels = self._propagate_labels()
        return frozenset(self._member_labels[revision])

    def children(self, revision: str) -> list[str]:
        """Return the revisions whose down_revision names this one, in reading order."""
        return list(self._children[revision])

    def followers(self, revision: str) -> list[str]:
        """Return the revisions built on this one: its children, then its dependants."""
        return self._followers[revision]

    def normalized_down(self, revision: str) -> tuple[str, ...]:
        """Return the revisions a step of this one moves from (down revisions + own deps)."""
        found = self._normalized.get(revision)
        if found is None:
            found = self._normalized[revision] = self._normalize(revision)
        return found

    def dependencies(self, revision: str) -> tuple[str, ...]:
        """Return the revision ids this one's depends_on resolves to."""
        return self._deps[revision]

    def ancestors(self, revisions: Iterable[str], *, versioned_only: bool = False) -> set[str]:
        """Return the given revisions and everything they build on."""
        downs, ups = self._up_edges()
        return _reach(revisions, downs if versioned_only else ups)

    def reaching(
        self, revisions: Iterable[str], targets: Iterable[str], *, versioned_only: bool = False
    ) -> set[str]:
        """Return the targets that are among revisions or what they build on (depends_on too,
        unless versioned_only).

        The same answer as intersecting ancestors(revisions) with targets, without walking the
        whole history below: a revision no deeper than the shallowest target (by its longest
        path from a base) cannot have a target among what it builds on."""
        downs, ups = self._up_edges()
        return _reach_bounded(revisions, targets, downs if versioned_only else ups, self._depths())

    def _depths(self) -> dict[str, int]:
        """Return each revision's longest path from a base, along down revisions and depends_on."""
        if self._depth is None:
            _, ups = self._up_edges()
            depth: dict[str, int] = {}
            for revision in self._sorted():
                depth[revision] = 1 + max((depth[up] for up in ups[revision]), default=-1)
            self._depth = depth
        return self._depth

    def _ranks(self) -> dict[str, int]:
        """Return each revision's place in the topological order."""
        if self._rank is None:
            self._rank = dict(zip(self._all_sorted, range(len(self._all_sorted)), strict=True))
        return self._rank

    def descendants(self, revisions: Iterable[str], *, versioned_only: bool = False) -> set[str]:
        """Return the given revisions and everything built on them."""
        return _reach(revisions, self._children if versioned_only else self._followers)

    def shares_lineage(self, revision: str, anchor: str) -> bool:
        """Return whether revision is an ancestor or descendant of anchor (down_revision only)."""
        downs, _ = self._up_edges()
        return anchor in _reach([revision], downs) or revision in _reach([anchor], downs)

    def _up_edges(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Return, per revision, its known down revisions, and those plus its dependencies."""
        if self._ups is None:
            downs = {rev: list(r.down_revisions) for rev, r in self._by_id.items()}
            ups = {rev: downs[rev] + list(self._deps[rev]) for rev in self.order}
            self._ups = (downs, ups)
        return self._ups

    def in_order(self, revisions: Iterable[str]) -> list[str]:
        """Return revisions oldest first: each after what it builds on, ties in reading order."""
        selected = set(revisions)
        if len(selected) == len(self.order) and selected <= self._by_id.keys():
            return list(self._sorted())
        return self._topological(selected)

    def _sorted(self) -> list[str]:
        """Return every revision in topological order, ties in reading order."""
        return self._all_sorted

    def is_head(self, revision: str) -> bool:
        """Return whether no revision names this one as its down_revision."""
        return not self._children[revision]

    def is_branch_point(self, revision: str) -> bool:
        """Return whether several revisions name this one as their down_revision."""
        return len(self._children[revision]) > 1

    def service_heads(self, service: str) -> list[str]:
        """Return the heads among a service's revisions."""
        return [h for h in self.heads if self._by_id[h].service == service]


def _reach(starts: Iterable[str], edges: dict[str, list[str]]) -> set[str]:
    """Return the starts and every revision reachable from them along edges."""
    found: set[str] = set()
    stack = list(starts)
    while stack:
        revision = stack.pop()
        if revision not in found:
            found.add(revision)
            stack.extend(edges[revision])
    return found


def _reach_bounded(
    starts: Iterable[str],
    targets: Iterable[str],
    edges: dict[str, list[str]],
    level: dict[str, int],
) -> set[str]:
    """Return the targets reachable from starts along edges, skipping revisions whose level
    (a number every edge lowers) is below every target's: nothing under them can be one."""
    wanted = set(targets)
    if not wanted:
        return set()
    lowest = min(level[t] for t in wanted)
    found: set[str] = set()
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        revision = stack.pop()
        if revision in seen or level[revision] < lowest:
            continue
        seen.add(revision)
        if revision in wanted:
            found.add(revision)
            if len(found) == len(wanted):
                break
        stack.extend(edges[revision])
    return found
