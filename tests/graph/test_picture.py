"""Pictures of the graph: the DOT text laid out by the real Graphviz, the Mermaid text's shape."""

from __future__ import annotations

import re

from orch_graph.graph import RevisionGraph
from orch_graph.picture import (
    DatabaseEntry,
    order_picture,
    revision_picture,
    to_dot,
    to_mermaid,
)
from orch_graph.revision import Revision
from tests.support.graphviz import lay_out


def rev(revision: str, *down: str, service: str, **fields: object) -> Revision:
    return Revision(
        revision=revision,
        down_revisions=down,
        service=service,
        message=str(fields.get("message", f"make {revision}")),
        branch_labels=tuple(fields.get("labels", ())),  # type: ignore[arg-type]
        depends_on=tuple(fields.get("depends", ())),  # type: ignore[arg-type]
    )


def monorepo() -> RevisionGraph:
    """Users branch at u2 and merge again at u5; billing's b2 depends on users' u2."""
    return RevisionGraph(
        [
            rev("u1", service="users", labels=("users",)),
            rev("u2", "u1", service="users"),
            rev("u3", "u2", service="users"),
            rev("u4", "u2", service="users"),
            rev("u5", "u3", "u4", service="users"),
            rev("b1", service="billing", labels=("billing",)),
            rev("b2", "b1", service="billing", depends=("u2",)),
            rev("c1", service="catalog"),
        ]
    )


DATABASES = [
    DatabaseEntry("users", ("users",)),
    DatabaseEntry("billing", ("billing",)),
    DatabaseEntry("catalog", ("catalog",), after=("users",)),
]


def test_dot_draws_a_lane_per_service_with_every_revision() -> None:
    drawn = lay_out(to_dot(revision_picture(monorepo())))
    assert drawn.clusters == {
        "users": {"u1", "u2", "u3", "u4", "u5"},
        "billing": {"b1", "b2"},
        "catalog": {"c1"},
    }
    assert drawn.nodes["u1"]["text"] == "u1 (users)\nmake u1"


def test_dot_marks_heads_branch_points_and_merges() -> None:
    drawn = lay_out(to_dot(revision_picture(monorepo())))
    heads = {name for name, attrs in drawn.nodes.items() if attrs.get("peripheries") == "2"}
    assert heads == {"u5", "b2", "c1"}
    assert drawn.nodes["u2"]["text"].startswith("u2 branch point\n")
    assert drawn.nodes["u5"]["text"].startswith("u5 head merge point\n")


def test_dot_edges_are_down_revisions_solid_and_depends_on_dashed() -> None:
    drawn = lay_out(to_dot(revision_picture(monorepo())))
    solid = {(s, t) for s, t, attrs in drawn.edges if "style" not in attrs}
    assert solid == {
        ("u1", "u2"),
        ("u2", "u3"),
        ("u2", "u4"),
        ("u3", "u5"),
        ("u4", "u5"),
        ("b1", "b2"),
    }
    assert drawn.edge("u2", "b2")["style"] == "dashed"


def test_dot_marks_where_each_database_is() -> None:
    picture = revision_picture(monorepo(), {"users": ("u3", "u4"), "billing": ()})
    drawn = lay_out(to_dot(picture))
    assert drawn.nodes["database:users"]["shape"] == "cylinder"
    assert drawn.edge("database:users", "u3")["style"] == "dotted"
    assert drawn.edge("database:users", "u4")["style"] == "dotted"
    # A database at no revision yet has no edge and says so.
    assert drawn.nodes["database:billing"]["text"] == "billing\n<base>"
    assert not [edge for edge in drawn.edges if edge[0] == "database:billing"]


def test_dot_names_a_version_row_no_script_has() -> None:
    picture = revision_picture(monorepo(), {"users": ("u3", "gone1")})
    drawn = lay_out(to_dot(picture))
    assert drawn.nodes["database:users"]["text"] == "users\nat gone1, not in the scripts"
    assert [target for source, target, _ in drawn.edges if source == "database:users"] == ["u3"]


def test_dot_keeps_quotes_backslashes_and_newlines_in_labels() -> None:
    message = 'say "hi" \\ to <everyone>'
    graph = RevisionGraph([rev("x1", service="odd", message=message)])
    drawn = lay_out(to_dot(revision_picture(graph)))
    assert drawn.nodes["x1"]["text"] == f"x1 head\n{message}"


def test_order_draws_after_bold_and_cross_database_depends_on_dashed() -> None:
    drawn = lay_out(to_dot(order_picture(monorepo(), DATABASES)))
    assert set(drawn.nodes) == {"users", "billing", "catalog"}
    assert drawn.nodes["billing"]["text"] == "billing\nservices: billing"
    assert drawn.edge("users", "catalog") == {"style": "bold", "text": "after"}
    assert drawn.edge("users", "billing") == {"style": "dashed", "text": "depends_on u2"}
    assert len(drawn.edges) == 2


def test_order_leaves_out_databases_not_drawn_and_draws_a_cycle() -> None:
    graph = RevisionGraph(
        [
            rev("a1", service="a", depends=("b1",)),
            rev("b1", service="b"),
            rev("b2", "b1", service="b", depends=("a1",)),
        ]
    )
    both = [DatabaseEntry("a", ("a",)), DatabaseEntry("b", ("b",))]
    drawn = lay_out(to_dot(order_picture(graph, both)))
    assert drawn.edge("b", "a")["text"] == "depends_on b1"
    assert drawn.edge("a", "b")["text"] == "depends_on a1"
    alone = lay_out(to_dot(order_picture(graph, [DatabaseEntry("a", ("a",), after=("b",))])))
    assert set(alone.nodes) == {"a"}
    assert alone.edges == []


NODE = re.compile(r'^ *(n\d+)(\(|\[\()"([^"]*)"(\)|\)\])$')
EDGE = re.compile(r"^  (n\d+) (-->|-\.->|==>|-\.-)(?:\|([^|]*)\|)? (n\d+)$")


def mermaid_parts(text: str) -> tuple[dict[str, str], dict[str, list[str]], list[tuple[str, ...]]]:
    """Return the labels by id, the ids in each subgraph, and the edges, refusing any other line."""
    lines = text.splitlines()
    assert lines[0] == "flowchart TB"
    labels: dict[str, str] = {}
    lanes: dict[str, list[str]] = {}
    edges: list[tuple[str, ...]] = []
    lane: str | None = None
    for line in lines[1:]:
        if opened := re.fullmatch(r'  subgraph lane\d+\["([^"]*)"\]', line):
            lane = opened.group(1)
            lanes[lane] = []
        elif line == "  end":
            lane = None
        elif node := NODE.match(line):
            labels[node.group(1)] = node.group(3)
            if lane is not None:
                lanes[lane].append(node.group(1))
        elif edge := EDGE.match(line):
            edges.append((edge.group(1), edge.group(2), edge.group(3) or "", edge.group(4)))
        else:
            assert re.fullmatch(r"  classDef head .*|  class [n\d,]+ head", line), line
    return labels, lanes, edges


def test_mermaid_has_a_subgraph_per_service_and_every_edge() -> None:
    text = to_mermaid(revision_picture(monorepo(), {"users": ("u5",)}))
    labels, lanes, edges = mermaid_parts(text)
    by_label = {label.split("<br/>")[0].split(" ")[0]: node for node, label in labels.items()}
    names = {node: name for name, node in by_label.items()}
    assert {lane: {names[n] for n in nodes} for lane, nodes in lanes.items()} == {
        "users": {"u1", "u2", "u3", "u4", "u5"},
        "billing": {"b1", "b2"},
        "catalog": {"c1"},
    }
    drawn = {(names[s], arrow, names[t]) for s, arrow, _, t in edges}
    assert ("u2", "-.->", "b2") in drawn
    assert ("u4", "-->", "u5") in drawn
    assert ("users", "-.-", "u5") in drawn
    assert len(edges) == 8
    heads = re.search(r"class ([n\d,]+) head", text)
    assert heads is not None
    assert {names[n] for n in heads.group(1).split(",")} == {"u5", "b2", "c1"}


def test_mermaid_escapes_what_would_end_a_label() -> None:
    graph = RevisionGraph([rev("x1", service="odd", message='say "hi" to <all> & more')])
    labels, _, _ = mermaid_parts(to_mermaid(revision_picture(graph)))
    assert list(labels.values()) == ["x1 head<br/>say #quot;hi#quot; to #lt;all#gt; #amp; more"]


def test_mermaid_order_labels_its_edges() -> None:
    labels, lanes, edges = mermaid_parts(to_mermaid(order_picture(monorepo(), DATABASES)))
    assert lanes == {}
    assert sorted(labels.values()) == [
        "billing<br/>services: billing",
        "catalog<br/>services: catalog",
        "users<br/>services: users",
    ]
    assert sorted((arrow, label) for _, arrow, label, _ in edges) == [
        ("-.->", "depends_on u2"),
        ("==>", "after"),
    ]
