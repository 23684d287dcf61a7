"""One database's view: its services' revisions, with outside depends_on as requirements."""

import pytest

from orch_graph.errors import ForeignParent
from orch_graph.graph import RevisionGraph
from orch_graph.revision import Revision
from orch_graph.view import DatabaseView, ExternalRequirement


def monorepo() -> RevisionGraph:
    return RevisionGraph(
        [
            Revision("u1", (), ("users",), service="users"),
            Revision("u2", ("u1",), service="users"),
            Revision("b1", (), service="billing"),
            Revision("b2", ("b1",), depends_on=("u2",), service="billing"),
            Revision("a1", (), service="audit"),
            Revision("a2", ("a1",), depends_on=("b1",), service="audit"),
        ]
    )


def test_view_holds_only_its_services_and_lists_outside_requirements() -> None:
    view = DatabaseView.build(monorepo(), ["billing"])
    assert {r.revision for r in view.revisions} == {"b1", "b2"}
    assert view.external_requirements == (ExternalRequirement("b2", "u2", "users"),)
    plan = view.plan_upgrade([], "heads")
    assert [s.revision for s in plan.steps] == ["b1", "b2"]
    assert plan.heads_after == ("b2",)


def test_dependency_inside_the_database_stays_an_edge() -> None:
    view = DatabaseView.build(monorepo(), ["billing", "audit"])
    assert view.external_requirements == (ExternalRequirement("b2", "u2", "users"),)
    order = [s.revision for s in view.plan_upgrade([], "a2").steps]
    assert order.index("b1") < order.index("a2")
    assert "b2" not in order


def test_service_names_work_as_labels_in_a_view() -> None:
    view = DatabaseView.build(monorepo(), ["billing", "audit"])
    assert [s.revision for s in view.plan_upgrade([], "billing@head").steps] == ["b1", "b2"]
    assert view.plan_upgrade([], "heads").heads_after == ("a2", "b2")


def test_down_revision_into_a_missing_service_is_refused() -> None:
    graph = RevisionGraph(
        [Revision("u1", (), service="users"), Revision("b1", ("u1",), service="billing")]
    )
    with pytest.raises(ForeignParent) as caught:
        DatabaseView.build(graph, ["billing"])
    assert (caught.value.revision, caught.value.parent, caught.value.service) == (
        "b1",
        "u1",
        "users",
    )


def test_a_views_plans_are_its_own_for_each_state_and_target() -> None:
    """Plans are kept per version rows and target: asking again answers the same, and a
    different state, direction or target has a plan of its own."""
    view = DatabaseView.build(monorepo(), ["users"])
    new = view.plan_upgrade((), "heads")
    assert view.plan_upgrade((), "heads") == new
    assert [s.revision for s in new.steps] == ["u1", "u2"]
    assert [s.revision for s in view.plan_upgrade(("u1",), "heads").steps] == ["u2"]
    assert view.plan_upgrade(("u1",), "u1").steps == ()
    assert [s.revision for s in view.plan_downgrade(("u2",), "u1").steps] == ["u2"]
    assert [s.revision for s in view.plan_downgrade(("u2",), "base").steps] == ["u2", "u1"]
    assert view.plan_upgrade([], "heads") == new  # a list of rows: planned as before
