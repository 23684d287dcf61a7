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
from orch_graph.history import history
from orch_graph.planner import plan_downgrade, plan_upgrade
from orch_graph.revision import Revision
from orch_graph.stamp import plan_stamp
from orch_graph.target import Range, Target, parse_range, parse_target
from orch_graph.targets import resolve_single


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
    assert plan_upgrade(g, [], "heads").heads_after == ("aa03", "bb02")
    with pytest.raises(MultipleHeads) as caught:
        plan_upgrade(g, [], "head")
    assert set(caught.value.heads) == {"aa03", "bb02"}


def test_label_at_head_and_base() -> None:
    g = graph()
    assert steps(plan_upgrade(g, [], "users@head")) == ["aa01", "aa02", "aa03"]
    assert steps(plan_upgrade(g, [], "billing@head")) == ["aa01", "aa02", "bb01", "bb02"]
    down = plan_downgrade(g, ["aa03", "bb02"], "billing@base")
    assert steps(down) == ["bb02", "bb01"]
    assert down.heads_after == ("aa03",)


def test_partial_ids_and_their_errors() -> None:
    g = graph()
    assert plan_upgrade(g, [], "aa02").heads_after == ("aa02",)
    assert plan_upgrade(g, [], "bb02").heads_after == ("bb02",)
    with pytest.raises(AmbiguousRevision) as caught:
        plan_upgrade(g, [], "aa0")
    assert caught.value.candidates == ("aa01", "aa02", "aa03")
    with pytest.raises(UnknownRevision):
        plan_upgrade(g, [], "zz99")


def test_revision_at_head() -> None:
    assert plan_upgrade(graph(), ["aa01"], "aa01@head").heads_after == ("aa03",)


def test_relative_steps() -> None:
    g = graph()
    assert steps(plan_upgrade(g, ["aa01"], "+1")) == ["aa02"]
    assert steps(plan_upgrade(g, ["aa01"], "+2")) == ["aa02", "aa03"]
    assert steps(plan_downgrade(g, ["aa03"], "-1")) == ["aa03"]
    assert steps(plan_downgrade(g, ["aa03"], "-2")) == ["aa03", "aa02"]
    with pytest.raises(BadTarget):
        plan_upgrade(g, ["aa03"], "+1")


def test_anchored_relative_steps() -> None:
    g = graph()
    assert steps(plan_upgrade(g, ["aa01"], "aa01+2")) == ["aa02", "aa03"]
    assert steps(plan_downgrade(g, ["aa03"], "aa03-1")) == ["aa03"]
    assert steps(plan_upgrade(g, [], "users@+1")) == ["aa01"]
    assert steps(plan_upgrade(g, ["aa03", "bb01"], "billing@+1")) == ["bb02"]
    assert steps(plan_downgrade(g, ["aa03", "bb02"], "users@-1")) == ["aa03"]


def test_several_targets_at_once() -> None:
    g = graph()
    assert plan_upgrade(g, [], "aa03 bb01").heads_after == ("aa03", "bb01")
    with pytest.raises(OverlappingTargets) as caught:
        plan_upgrade(g, [], "aa03 aa02")
    assert caught.value.target == "aa03"
    assert caught.value.overlaps == ("aa02",)


def test_downgrade_must_go_below_where_the_database_is() -> None:
    with pytest.raises(GraphError):
        plan_downgrade(graph(), ["aa01"], "aa03")


def test_ranges_for_history() -> None:
    g = graph()

    def between(text: str) -> list[str]:
        span = parse_range(text)
        lower = span.lower[0] if span.lower else None
        return [r.revision for r in history(g, lower, span.upper)]

    assert between("aa02:aa03") == ["aa03", "aa02"]
    assert between("users@base:users@head") == ["aa03", "aa02", "aa01"]
    assert between(":aa02") == ["aa02", "aa01"]


def test_parsing_gives_one_typed_value_per_form() -> None:
    assert parse_target("heads") == Target("heads", "heads")
    assert parse_target("users@head") == Target("users@head", "head", "users")
    assert parse_target("+2") == Target("+2", None, None, 2)
    assert parse_target("users@-1") == Target("users@-1", None, "users", -1)
    assert parse_target("3f2a+1") == Target("3f2a+1", "3f2a", None, 1)
    assert parse_target("users@ae10-2") == Target("users@ae10-2", "ae10", "users", -2)
    assert parse_range("a1,b2:heads") == Range(
        "a1,b2:heads", (Target("a1", "a1"), Target("b2", "b2")), Target("heads", "heads")
    )


@pytest.mark.parametrize("text", ["", "users@", "@head", "a:b", "a@b@c", "aa01+x"])
def test_forms_outside_the_grammar_are_refused(text: str) -> None:
    with pytest.raises(BadTarget):
        parse_target(text)


def test_rev_plus_n_works_in_every_command() -> None:
    g = graph()
    assert steps(plan_upgrade(g, [], "aa01+1")) == ["aa01", "aa02"]
    assert steps(plan_downgrade(g, ["aa03"], "aa03-2")) == ["aa03", "aa02"]
    assert plan_stamp(g, [], "aa01+2").heads_after == ("aa03",)
    assert plan_stamp(g, ["aa03", "bb01"], "aa03-1").heads_after == ("aa02", "bb01")
    assert plan_stamp(g, ["aa02"], "+1").heads_after == ("aa03",)
    assert plan_stamp(g, ["aa02"], "-1").heads_after == ("aa01",)
    assert resolve_single(g, "aa01+2") == "aa03"


def test_stamp_replaces_rows_in_the_lineage_only() -> None:
    g = graph()
    assert plan_stamp(g, ["aa01", "bb01"], "aa03").heads_after == ("aa03", "bb01")
    assert plan_stamp(g, ["aa03", "bb02"], "base").heads_after == ()
    assert plan_stamp(g, ["aa03", "bb01"], "billing@base").heads_after == ("aa03",)
    assert plan_stamp(g, ["aa03"], "heads").steps == ()
