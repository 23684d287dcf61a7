"""orch-graph against 132 behaviours recorded from Alembic's own revision-map tests.

Step sets and the validity of their order are compared, and the version rows afterwards exactly;
Alembic breaks ties between independent branches by file order, so orch may order them otherwise.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from orch_graph.graph import RevisionGraph
from orch_graph.planner import downgrade_set, plan_downgrade, plan_upgrade, upgrade_set
from orch_graph.revision import Revision

CASES = json.loads((Path(__file__).parent / "data" / "alembic_revision_cases.json").read_text())


def case_id(case: dict[str, Any]) -> str:
    test = case["test"].split("::", 1)[1].replace(" (call)", "")
    target = case.get("destination", case.get("upper"))
    return f"{case['kind']}-{test}-{target}"


def build(case: dict[str, Any]) -> RevisionGraph:
    return RevisionGraph(
        Revision(
            revision=node["id"],
            down_revisions=tuple(node["down"]),
            depends_on=tuple(node["depends_on"]),
            branch_labels=tuple(node["branch_labels"]),
        )
        for node in case["graph"]
    )


def target_text(value: Any) -> str:
    if value is None:
        return "base"
    return " ".join(value) if isinstance(value, list) else str(value)


def assert_valid_order(graph: RevisionGraph, steps: list[str], upgrade: bool) -> None:
    """Every step comes after (upgrade) or before (downgrade) what it builds on."""
    position = {rev: index for index, rev in enumerate(steps)}
    for rev in steps:
        for down in graph.normalized_down(rev):
            if down in position:
                assert (position[down] < position[rev]) == upgrade, (down, rev)


PLANS = [c for c in CASES if c["kind"] in {"upgrade", "downgrade"}]


@pytest.mark.parametrize("case", PLANS, ids=[case_id(c) for c in PLANS])
def test_plans_match_alembic(case: dict[str, Any]) -> None:
    graph = build(case)
    heads = case["current_heads"]
    current = (heads,) if isinstance(heads, str) else tuple(heads or ())
    target = target_text(case["destination"])
    if case["kind"] == "upgrade":
        plan = plan_upgrade(graph, current, target)
    else:
        plan = plan_downgrade(graph, current, target)
    direction = "up" if case["kind"] == "upgrade" else "down"
    assert {(s.revision, s.direction) for s in plan.steps} == {
        (rev, direction) for rev, _ in case["expected_steps"]
    }
    assert_valid_order(graph, [s.revision for s in plan.steps], case["kind"] == "upgrade")
    assert sorted(plan.heads_after) == sorted(case["expected_heads_after"])


ITERATIONS = [c for c in CASES if c["kind"] == "iterate"]


@pytest.mark.parametrize("case", ITERATIONS, ids=[case_id(c) for c in ITERATIONS])
def test_iteration_sets_match_alembic(case: dict[str, Any]) -> None:
    graph = build(case)
    flags = {"inclusive": case["inclusive"], "implicit_base": case["implicit_base"]}
    if case["select_for_downgrade"]:
        found = downgrade_set(graph, case["upper"], case["lower"], **flags)
    else:
        found = upgrade_set(graph, case["upper"], case["lower"], **flags)
    assert found == set(case["expected"])
