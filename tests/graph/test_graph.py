"""The graph: heads, bases, branch and merge points, labels, lookups and validation errors."""

import pytest

from orch_graph.errors import (
    AmbiguousRevision,
    CycleDetected,
    DuplicateRevision,
    LabelConflict,
    MissingRevision,
    UnknownRevision,
)
from orch_graph.graph import RevisionGraph
from orch_graph.history import history
from orch_graph.planner import plan_upgrade
from orch_graph.revision import Revision
from orch_graph.target import parse_target


def rev(
    revision: str,
    *down: str,
    labels: tuple[str, ...] = (),
    deps: tuple[str, ...] = (),
    service: str | None = None,
) -> Revision:
    return Revision(revision, down, labels, deps, service=service)


def branched() -> RevisionGraph:
    # a1 -> b1 -> c1 (head) ; b1 -> c2 -> m (merge of c2 and d1) ; d0 -> d1 (other base)
    return RevisionGraph(
        [
            rev("a1", labels=("main",)),
            rev("b1", "a1"),
            rev("c1", "b1"),
            rev("c2", "b1"),
            rev("d0", labels=("other",)),
            rev("d1", "d0"),
            rev("m", "c2", "d1"),
        ]
    )


def test_heads_bases_branch_and_merge_points() -> None:
    graph = branched()
    assert set(graph.heads) == {"c1", "m"}
    assert set(graph.bases) == {"a1", "d0"}
    assert graph.branch_points == ("b1",)
    assert [r.revision for r in graph.revisions if r.is_merge_point] == ["m"]
    assert graph.children("b1") == ["c1", "c2"]


def test_depends_on_edge_is_kept_apart_from_down_revision() -> None:
    graph = RevisionGraph([rev("a"), rev("b", "a"), rev("x"), rev("y", "x", deps=("b",))])
    assert set(graph.heads) == {"b", "y"}
    assert graph.children("b") == []
    assert graph.dependencies("y") == ("b",)
    assert graph.ancestors(["y"]) == {"x", "y", "a", "b"}
    assert graph.ancestors(["y"], versioned_only=True) == {"x", "y"}
    assert graph.descendants(["a"]) == {"a", "b", "y"}
    assert graph.descendants(["a"], versioned_only=True) == {"a", "b"}
    assert not graph.shares_lineage("y", "b")
    assert graph.shares_lineage("x", "y")


def test_as_networkx_keeps_both_kinds_of_edge() -> None:
    graph = RevisionGraph([rev("a"), rev("b", "a"), rev("x"), rev("y", "x", deps=("b",))])
    assert set(graph.as_networkx().edges) == {("a", "b"), ("x", "y"), ("b", "y")}
    assert set(graph.as_networkx(versioned_only=True).edges) == {("a", "b"), ("x", "y")}


def test_label_covers_its_revision_and_everything_built_on_it() -> None:
    graph = branched()
    assert "main" in graph.labels_of("c1")
    assert "main" in graph.labels_of("m")
    assert "other" in graph.labels_of("d1")
    assert "other" not in graph.labels_of("c1")


def test_label_on_a_chain_covers_the_revisions_below_it_up_to_a_fork() -> None:
    graph = RevisionGraph([rev("a"), rev("b", "a"), rev("c", "b", labels=("top",))])
    assert all("top" in graph.labels_of(r) for r in ("a", "b", "c"))


def test_partial_ids_and_labels() -> None:
    graph = RevisionGraph([rev("ab12"), rev("ab34", "ab12"), rev("cd56", "ab34", labels=("x",))])
    assert graph.get("ab1").revision == "ab12"
    assert graph.get("c").revision == "cd56"
    assert graph.get("x").revision == "cd56"
    with pytest.raises(AmbiguousRevision) as caught:
        graph.get("ab")
    assert caught.value.candidates == ("ab12", "ab34")
    with pytest.raises(UnknownRevision) as unknown:
        graph.get("zz")
    assert unknown.value.name == "zz"


def test_service_name_is_an_implicit_label() -> None:
    graph = RevisionGraph([rev("a", service="users"), rev("b", "a", service="users")])
    assert graph.get("users").revision == "a"
    assert plan_upgrade(graph, [], "users@head").heads_after == ("b",)
    assert graph.service_heads("users") == ["b"]


def test_duplicate_revision_names_both_files() -> None:
    from pathlib import Path

    first = Revision("a", filename="one.py")
    second = Revision("a", filename="two.py")
    with pytest.raises(DuplicateRevision) as caught:
        RevisionGraph([first, second])
    assert caught.value.revision == "a"
    assert caught.value.paths == (Path("one.py"), Path("two.py"))


def test_missing_down_revision_and_depends_on() -> None:
    with pytest.raises(MissingRevision) as caught:
        RevisionGraph([rev("a"), rev("b", "nope")])
    assert (caught.value.revision, caught.value.referenced_by) == ("nope", "b")
    with pytest.raises(MissingRevision) as dep:
        RevisionGraph([rev("a"), rev("b", "a", deps=("gone",))])
    assert (dep.value.revision, dep.value.referenced_by) == ("gone", "b")


def test_cycle_is_shown() -> None:
    with pytest.raises(CycleDetected) as caught:
        RevisionGraph([rev("r"), rev("a", "c"), rev("b", "a"), rev("c", "b")])
    cycle = caught.value.cycle
    assert cycle[0] == cycle[-1]
    assert set(cycle) == {"a", "b", "c"}


def test_cycle_through_depends_on() -> None:
    with pytest.raises(CycleDetected):
        RevisionGraph([rev("a", deps=("b",)), rev("b", "a")])


def test_label_used_twice_or_equal_to_an_id() -> None:
    with pytest.raises(LabelConflict) as twice:
        RevisionGraph([rev("a", labels=("x",)), rev("b", labels=("x",))])
    assert twice.value.label == "x"
    assert set(twice.value.revisions) == {"a", "b"}
    with pytest.raises(LabelConflict) as same:
        RevisionGraph([rev("a", labels=("b",)), rev("b", "a")])
    assert same.value.label == "b"


def test_history_newest_first_and_between_points() -> None:
    graph = RevisionGraph([rev("a"), rev("b", "a"), rev("c", "b"), rev("d", "c")])
    assert [r.revision for r in history(graph)] == ["d", "c", "b", "a"]
    assert [r.revision for r in history(graph, parse_target("b"), parse_target("c"))] == ["c", "b"]


def test_history_per_label() -> None:
    graph = RevisionGraph(
        [rev("a", labels=("one",)), rev("b", "a"), rev("x", labels=("two",)), rev("y", "x")]
    )
    assert [r.revision for r in history(graph, upper=parse_target("two@head"))] == ["y", "x"]
    assert [
        r.revision
        for r in history(graph, lower=parse_target("one@base"), upper=parse_target("one@head"))
    ] == ["b", "a"]
