"""The planner on random merge-heavy graphs, against Alembic's as the oracle.

Services are chains that fork into two or three branches and merge them again, with
depends_on into services read before; the database starts where Alembic's own upgrade to a
random revision (or several) leaves it. Both must give the same steps, the same rows after,
and, where the order is the same, the same row changes step by step.
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from orch_graph.graph import RevisionGraph
from orch_graph.revision import Revision
from tests.graph.test_alembic_differential import CRASH, alembic_plan, assert_same_plan


@st.composite
def merge_heavy(draw: st.DrawFn) -> list[Revision]:
    """Draw services of fork-and-merge blocks, each block maybe depending on an earlier service."""
    revisions: list[Revision] = []
    earlier: list[str] = []
    for service in range(draw(st.integers(1, 3))):
        head = f"s{service}r0"
        revisions.append(Revision(head, (), (f"s{service}",)))
        own = [head]
        for block in range(draw(st.integers(1, 3))):
            tips = []
            for branch in range(draw(st.sampled_from([1, 2, 2, 3]))):
                down = head
                for step in range(draw(st.integers(1, 2))):
                    name = f"s{service}b{block}x{branch}y{step}"
                    wants = earlier and step == 0 and draw(st.booleans())
                    deps = (draw(st.sampled_from(earlier)),) if wants else ()
                    revisions.append(Revision(name, (down,), (), deps))
                    own.append(name)
                    down = name
                tips.append(down)
            if len(tips) > 1:
                head = f"s{service}m{block}"
                revisions.append(Revision(head, tuple(tips)))
                own.append(head)
            else:
                head = tips[0]
        earlier += own
    return revisions


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_plans_on_merge_heavy_graphs_agree_with_alembic(data: st.DataObject) -> None:
    revisions = data.draw(merge_heavy())
    graph = RevisionGraph(revisions)
    ids = [r.revision for r in revisions]
    start = data.draw(
        st.sampled_from([None, "heads", *ids])
        | st.lists(st.sampled_from(ids), min_size=2, max_size=3).map(" ".join)
    )
    current: tuple[str, ...] = ()
    if start is not None:
        reached = alembic_plan(revisions, (), start, "up")
        assume(reached is not None and reached is not CRASH)
        current = reached.heads_after
    target = data.draw(st.sampled_from(["heads", "base", *ids]))
    way = data.draw(st.sampled_from(["up", "down"]))
    assert_same_plan(revisions, graph, current, target, way)
