"""Pictures of the revision graph and of the order between databases, as Mermaid or Graphviz DOT.

A picture is data first (nodes in lanes, edges of a few kinds), then text in one of two
languages; neither renderer knows what the nodes stand for. Only the public fields of
`Revision` and the graph's public methods are read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from orch_graph.graph import RevisionGraph
from orch_graph.revision import Revision
from orch_graph.view import DatabaseView

# Enough of an id to tell revisions apart in a picture, as `git log --oneline` shortens hashes.
SHORT_ID = 12
# A longer message is cut: a node wider than a lane makes the whole picture hard to read.
MESSAGE_WIDTH = 40


class NodeKind(StrEnum):
    """What a node stands for, which decides its shape."""

    REVISION = "revision"
    HEAD = "head"
    DATABASE = "database"


class EdgeKind(StrEnum):
    """What an edge means, which decides its line."""

    PARENT = "parent"  # down_revision: a solid arrow from the older revision
    DEPENDS_ON = "depends_on"  # dashed, from what is needed to what needs it
    AFTER = "after"  # a database ordered after another as a whole: a bold arrow
    LOCATION = "location"  # where a database is: dotted, from the database to its revision


@dataclass(frozen=True)
class Node:
    """One box of a picture; lane names the cluster it is drawn in, if any."""

    id: str
    lines: tuple[str, ...]
    kind: NodeKind
    lane: str | None = None


@dataclass(frozen=True)
class Edge:
    """One arrow of a picture."""

    source: str
    target: str
    kind: EdgeKind
    label: str = ""


@dataclass(frozen=True)
class Picture:
    """Nodes, grouped in lanes, and the edges between them."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def lanes(self) -> dict[str | None, list[Node]]:
        """Return the nodes by lane, lanes in order of their first node (None: no lane)."""
        lanes: dict[str | None, list[Node]] = {}
        for node in self.nodes:
            lanes.setdefault(node.lane, []).append(node)
        return lanes


@dataclass(frozen=True)
class DatabaseEntry:
    """What a picture of the order between databases needs to know of one database."""

    name: str
    services: tuple[str, ...]
    after: tuple[str, ...] = ()


def revision_picture(
    graph: RevisionGraph, locations: Mapping[str, Sequence[str]] | None = None
) -> Picture:
    """Return the revision graph: a lane per service, depends_on dashed, heads marked.

    locations maps a database name to the revisions it is at; each becomes a node pointing
    at them (a database at no revision says `<base>`).
    """
    order = graph.in_order(r.revision for r in graph.revisions)
    nodes = [_revision_node(graph, graph.get(rev)) for rev in order]
    edges = []
    for rev in order:
        revision = graph.get(rev)
        edges += [Edge(down, rev, EdgeKind.PARENT) for down in revision.down_revisions]
        edges += [Edge(dep, rev, EdgeKind.DEPENDS_ON) for dep in graph.dependencies(rev)]
    for name, revisions in (locations or {}).items():
        node_id = f"database:{name}"
        nodes.append(Node(node_id, _location_lines(graph, name, revisions), NodeKind.DATABASE))
        edges += [Edge(node_id, rev, EdgeKind.LOCATION) for rev in revisions if rev in graph]
    return Picture(tuple(nodes), tuple(edges))


def _location_lines(graph: RevisionGraph, name: str, revisions: Sequence[str]) -> tuple[str, ...]:
    """Return a database's box: its name, and what no edge can show (<base>, unknown rows)."""
    if not revisions:
        return (name, "<base>")
    unknown = [f"at {rev[:SHORT_ID]}, not in the scripts" for rev in revisions if rev not in graph]
    return (name, *unknown)


def _revision_node(graph: RevisionGraph, revision: Revision) -> Node:
    """Return a revision's box: its short id, labels and markers, then its message."""
    rev = revision.revision
    marks = [f"({', '.join(revision.branch_labels)})"] if revision.branch_labels else []
    marks += [
        mark
        for mark, applies in (
            ("head", graph.is_head(rev)),
            ("branch point", graph.is_branch_point(rev)),
            ("merge point", revision.is_merge_point),
        )
        if applies
    ]
    message = revision.message.strip().splitlines()[0] if revision.message.strip() else ""
    if len(message) > MESSAGE_WIDTH:
        message = message[: MESSAGE_WIDTH - 1] + "…"
    lines = (" ".join([rev[:SHORT_ID], *marks]), *((message,) if message else ()))
    kind = NodeKind.HEAD if graph.is_head(rev) else NodeKind.REVISION
    return Node(rev, lines, kind, revision.service)


def order_picture(graph: RevisionGraph, databases: Sequence[DatabaseEntry]) -> Picture:
    """Return the databases and what orders them: `after`, and depends_on across databases.

    A cycle is drawn as it is: the picture is how one finds why a run refuses to start.
    """
    names = {database.name for database in databases}
    carriers: dict[str, list[str]] = {}
    for database in databases:
        for service in database.services:
            carriers.setdefault(service, []).append(database.name)
    nodes = [_database_node(database) for database in databases]
    edges = []
    for database in databases:
        edges += [
            Edge(before, database.name, EdgeKind.AFTER, "after")
            for before in database.after
            if before in names
        ]
        needed: dict[str, list[str]] = {}
        view = DatabaseView.build(graph, database.services)
        for requirement in view.external_requirements:
            for provider in carriers.get(requirement.service or "", []):
                if provider != database.name:
                    needed.setdefault(provider, []).append(requirement.revision[:SHORT_ID])
        edges += [
            Edge(provider, database.name, EdgeKind.DEPENDS_ON, _needs(revs))
            for provider, revs in sorted(needed.items())
        ]
    return Picture(tuple(nodes), tuple(edges))


def _needs(revisions: Sequence[str]) -> str:
    """Return an edge's label: the revisions a database waits for."""
    return "depends_on " + ", ".join(sorted(set(revisions)))


def _database_node(database: DatabaseEntry) -> Node:
    services = ", ".join(database.services) or "no services"
    return Node(database.name, (database.name, f"services: {services}"), NodeKind.DATABASE)


# -- Mermaid ---------------------------------------------------------------------------------

_MERMAID_ARROWS = {
    EdgeKind.PARENT: "-->",
    EdgeKind.DEPENDS_ON: "-.->",
    EdgeKind.AFTER: "==>",
    EdgeKind.LOCATION: "-.-",
}
_MERMAID_SHAPES = {
    NodeKind.REVISION: ('("', '")'),
    NodeKind.HEAD: ('("', '")'),
    NodeKind.DATABASE: ('[("', '")]'),
}


def to_mermaid(picture: Picture) -> str:
    """Return the picture as a Mermaid flowchart, oldest at the top."""
    # Mermaid ids are plain words: number the nodes, keep the real names in the labels.
    ids = {node.id: f"n{index}" for index, node in enumerate(picture.nodes)}
    out = ["flowchart TB"]
    for number, (lane, nodes) in enumerate(picture.lanes().items()):
        indent = "  "
        if lane is not None:
            out.append(f'  subgraph lane{number}["{_mermaid_text((lane,))}"]')
            indent = "    "
        for node in nodes:
            start, end = _MERMAID_SHAPES[node.kind]
            out.append(f"{indent}{ids[node.id]}{start}{_mermaid_text(node.lines)}{end}")
        if lane is not None:
            out.append("  end")
    for edge in picture.edges:
        label = f"|{_mermaid_text((edge.label,))}|" if edge.label else ""
        arrow = _MERMAID_ARROWS[edge.kind]
        out.append(f"  {ids[edge.source]} {arrow}{label} {ids[edge.target]}")
    heads = [ids[node.id] for node in picture.nodes if node.kind is NodeKind.HEAD]
    if heads:
        out += ["  classDef head stroke-width:3px", f"  class {','.join(heads)} head"]
    return "\n".join(out) + "\n"


def _mermaid_text(lines: Sequence[str]) -> str:
    """Return lines as one Mermaid label: quotes as entities, lines joined by <br/>."""
    escaped = (
        line.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
        for line in lines
    )
    return "<br/>".join(escaped)


# -- Graphviz DOT ----------------------------------------------------------------------------

_DOT_DEFAULTS = ("graph", "node", "edge")
_DOT_EDGES = {
    EdgeKind.PARENT: "",
    EdgeKind.DEPENDS_ON: "style=dashed",
    EdgeKind.AFTER: "style=bold",
    EdgeKind.LOCATION: "style=dotted, arrowhead=none",
}
_DOT_NODES = {
    NodeKind.REVISION: 'shape=box, style="rounded"',
    NodeKind.HEAD: 'shape=box, style="rounded", peripheries=2',
    NodeKind.DATABASE: 'shape=cylinder, style=filled, fillcolor="#fff3c4"',
}


def to_dot(picture: Picture) -> str:
    """Return the picture as a Graphviz digraph, oldest at the top, a cluster per lane."""
    out = ["digraph orch {", *(f'  {kind} [fontname="Helvetica"];' for kind in _DOT_DEFAULTS)]
    for number, (lane, nodes) in enumerate(picture.lanes().items()):
        indent = "  "
        if lane is not None:
            out += [f"  subgraph cluster_{number} {{", f"    label={_dot_quote(lane)};"]
            indent = "    "
        for node in nodes:
            label = _dot_quote("\n".join(node.lines))
            out.append(f"{indent}{_dot_quote(node.id)} [label={label}, {_DOT_NODES[node.kind]}];")
        if lane is not None:
            out.append("  }")
    for edge in picture.edges:
        attributes = [_DOT_EDGES[edge.kind]] if _DOT_EDGES[edge.kind] else []
        if edge.label:
            attributes.append(f"label={_dot_quote(edge.label)}")
        tail = f" [{', '.join(attributes)}]" if attributes else ""
        out.append(f"  {_dot_quote(edge.source)} -> {_dot_quote(edge.target)}{tail};")
    out.append("}")
    return "\n".join(out) + "\n"


def _dot_quote(text: str) -> str:
    """Return text as a quoted DOT string; a newline becomes DOT's centred line break."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
