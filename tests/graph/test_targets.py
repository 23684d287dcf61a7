"""Targets in Alembic's grammar, resolved against a graph with two labelled branches."""

import pytest

from orch_graph.errors import (
    AmbiguousRevision,
    BadTarget,
    GraphError,
    MultipleHeads,
    OverlappingTargets,
    UnknownRevision,
)
from orch_graph.graph import RevisionGraph
from orch_graph.revision import Revision


def graph() -> RevisionGraph:
    # users: aa01 -> aa02 -> aa03 ; billing: bb01 -> bb02 (depends_on aa02)
    return RevisionGraph(
        [
            Revision("aa01", (), ("users",)),
            Revision("aa02", ("aa01",)),
            Revision("aa03", ("aa02",)),
            Revision("bb01", (), ("billing",)),
            Revision("bb02", ("bb01",), depends_on=("aa02",)),
        ]
    )


def steps(plan: object) -> list[str]:
    return [s.revision for s in plan.steps]  # type: ignore[attr-defined]


def test_heads_and_head() -> None:
    g = graph()
    assert g.plan_upgrade([], "heads").heads_after == ("aa03", "bb02")
    with pytest.raises(MultipleHeads) as caught:
        g.plan_upgrade([], "head")
    assert set(caught.value.heads) == {"aa03", "bb02"}


def test_label_at_head_and_base() -> None:
    g = graph()
    assert steps(g.plan_upgrade([], "users@head")) == ["aa01", "aa02", "aa03"]
    assert steps(g.plan_upgrade([], "billing@head")) == ["aa01", "aa02", "bb01", "bb02"]
    down = g.plan_downgrade(["aa03", "bb02"], "billing@base")
    assert steps(down) == ["bb02", "bb01"]
    assert down.heads_after == ("aa03",)


def test_partial_ids_and_their_errors() -> None:
    g = graph()
    assert g.plan_upgrade([], "aa02").heads_after == ("aa02",)
    assert g.plan_upgrade([], "bb02").heads_after == ("bb02",)
    with pytest.raises(AmbiguousRevision) as caught:
        g.plan_upgrade([], "aa0")
    assert caught.value.candidates == ("aa01", "aa02", "aa03")
    with pytest.raises(UnknownRevision):
        g.plan_upgrade([], "zz99")


def test_revision_at_head() -> None:
    assert graph().plan_upgrade(["aa01"], "aa01@head").heads_after == ("aa03",)


def test_relative_steps() -> None:
    g = graph()
    assert steps(g.plan_upgrade(["aa01"], "+1")) == ["aa02"]
    assert steps(g.plan_upgrade(["aa01"], "+2")) == ["aa02", "aa03"]
    assert steps(g.plan_downgrade(["aa03"], "-1")) == ["aa03"]
    assert steps(g.plan_downgrade(["aa03"], "-2")) == ["aa03", "aa02"]
    with pytest.raises(BadTarget):
        g.plan_upgrade(["aa03"], "+1")


def test_anchored_relative_steps() -> None:
    g = graph()
    assert steps(g.plan_upgrade(["aa01"], "aa01+2")) == ["aa02", "aa03"]
    assert steps(g.plan_downgrade(["aa03"], "aa03-1")) == ["aa03"]
    assert steps(g.plan_upgrade([], "users@+1")) == ["aa01"]
    assert steps(g.plan_upgrade(["aa03", "bb01"], "billing@+1")) == ["bb02"]
    assert steps(g.plan_downgrade(["aa03", "bb02"], "users@-1")) == ["aa03"]


def test_several_targets_at_once() -> None:
    g = graph()
    assert g.plan_upgrade([], "aa03 bb01").heads_after == ("aa03", "bb01")
    with pytest.raises(OverlappingTargets) as caught:
        g.plan_upgrade([], "aa03 aa02")
    assert caught.value.target == "aa03"
    assert caught.value.overlaps == ("aa02",)


def test_downgrade_must_go_below_where_the_database_is() -> None:
    with pytest.raises(GraphError):
        graph().plan_downgrade(["aa01"], "aa03")


def test_ranges_for_history() -> None:
    g = graph()
    assert [r.revision for r in g.history("aa02", "aa03")] == ["aa03", "aa02"]
    assert [r.revision for r in g.history("users@base", "users@head")] == ["aa03", "aa02", "aa01"]


def test_stamp_replaces_rows_in_the_lineage_only() -> None:
    g = graph()
    assert g.plan_stamp(["aa01", "bb01"], "aa03").heads_after == ("aa03", "bb01")
    assert g.plan_stamp(["aa03", "bb02"], "base").heads_after == ()
    assert g.plan_stamp(["aa03", "bb01"], "billing@base").heads_after == ("aa03",)
    assert g.plan_stamp(["aa03"], "heads").steps == ()
