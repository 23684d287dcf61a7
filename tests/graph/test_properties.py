"""Properties every plan keeps, on random graphs of branches, merges and depends_on."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from orch_graph.errors import GraphError
from orch_graph.graph import RevisionGraph
from orch_graph.plan import Plan, Step
from orch_graph.planner import plan_downgrade, plan_upgrade
from orch_graph.revision import Revision
from tests.graph.test_alembic_differential import graphs


def rows_after(current: Sequence[str], steps: Sequence[Step]) -> set[str]:
    rows = set(current)
    for step in steps:
        for row in (*step.deletes, *(old for old, _ in step.updates)):
            assert row in rows, (step, rows)
            rows.discard(row)
        for row in (*step.inserts, *(new for _, new in step.updates)):
            assert row not in rows, (step, rows)
            rows.add(row)
    return rows


def assert_respects_edges(graph: RevisionGraph, plan: Plan) -> None:
    """Each step comes after what it builds on (upgrade) or before it (downgrade)."""
    position = {step.revision: index for index, step in enumerate(plan.steps)}
    assert len(position) == len(plan.steps), "a revision appears twice"
    for step in plan.steps:
        for parent in graph.ancestors([step.revision]) - {step.revision}:
            if parent in position:
                earlier = position[parent] < position[step.revision]
                assert earlier == (plan.direction == "up"), (parent, step.revision)


@settings(max_examples=150, deadline=None)
@given(revisions=graphs())
def test_base_to_heads_applies_every_revision_once_in_order(revisions: list[Revision]) -> None:
    graph = RevisionGraph(revisions)
    plan = plan_upgrade(graph, (), "heads")
    assert sorted(s.revision for s in plan.steps) == sorted(graph.order)
    assert all(s.direction == "up" for s in plan.steps)
    assert_respects_edges(graph, plan)
    assert rows_after((), plan.steps) == set(plan.heads_after) == set(graph.real_heads)


@settings(max_examples=150, deadline=None)
@given(revisions=graphs(), data=st.data())
def test_upgrade_then_downgrade_returns_to_the_start(
    revisions: list[Revision], data: st.DataObject
) -> None:
    graph = RevisionGraph(revisions)
    ids = list(graph.order)
    start = data.draw(st.sampled_from(ids))
    current = plan_upgrade(graph, (), start).heads_after
    target = data.draw(st.sampled_from(ids))
    try:
        up = plan_upgrade(graph, current, target)
    except GraphError:
        return
    assert_respects_edges(graph, up)
    assert rows_after(current, up.steps) == set(up.heads_after)
    added = {s.revision for s in up.steps}
    assert not added & graph.ancestors(current), "a revision applied twice"
    if not added or not added <= graph.descendants([start], versioned_only=True) - {start}:
        return
    # Everything the upgrade added builds on start: going back down to start undoes exactly it.
    down = plan_downgrade(graph, up.heads_after, start)
    assert_respects_edges(graph, down)
    assert {s.revision for s in down.steps} == added
    assert rows_after(up.heads_after, down.steps) == set(down.heads_after) == set(current)


@settings(max_examples=150, deadline=None)
@given(revisions=graphs(), data=st.data())
def test_full_cycle_from_base_and_back(revisions: list[Revision], data: st.DataObject) -> None:
    graph = RevisionGraph(revisions)
    target = data.draw(st.sampled_from(list(graph.order)))
    up = plan_upgrade(graph, (), target)
    down = plan_downgrade(graph, up.heads_after, "base")
    assert_respects_edges(graph, down)
    assert {s.revision for s in down.steps} == {s.revision for s in up.steps}
    assert rows_after(up.heads_after, down.steps) == set() == set(down.heads_after)


@settings(max_examples=150, deadline=None)
@given(revisions=graphs(), data=st.data())
def test_reaching_is_the_targets_among_the_ancestors(
    revisions: list[Revision], data: st.DataObject
) -> None:
    graph = RevisionGraph(revisions)
    ids = list(graph.order)
    starts = data.draw(st.lists(st.sampled_from(ids), max_size=4))
    targets = data.draw(st.lists(st.sampled_from(ids), max_size=4))
    assert graph.reaching(starts, targets) == graph.ancestors(starts) & set(targets)
