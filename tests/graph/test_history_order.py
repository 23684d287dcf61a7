"""history against Alembic's own walk on random branched graphs: the same revisions, in order."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from orch_graph.errors import GraphError
from orch_graph.graph import RevisionGraph
from orch_graph.history import history
from orch_graph.revision import Revision
from orch_graph.target import parse_target
from tests.graph.test_alembic_differential import graphs
from tests.graph.test_merge_heavy import merge_heavy

oracle = pytest.importorskip("tests.graph.alembic_oracle")
RevisionError = pytest.importorskip("alembic.script.revision").RevisionError


def alembic_history(revisions: Sequence[Revision], lower: str, upper: str) -> list[str] | None:
    """Return Alembic's `history -r lower:upper` order, None where it refuses (or crashes)."""
    rmap = oracle.revision_map(revisions)
    try:
        walked = rmap.iterate_revisions(upper, lower, inclusive=True, assert_relative_length=False)
        return [r.revision for r in walked]
    except (RevisionError, AssertionError, KeyError, ValueError, TypeError, IndexError):
        return None


def orch_history(graph: RevisionGraph, lower: str, upper: str) -> list[str] | None:
    try:
        found = history(graph, parse_target(lower), parse_target(upper))
    except GraphError:
        return None
    return [r.revision for r in found]


def bounds(revisions: Sequence[Revision]) -> st.SearchStrategy[str]:
    labels = [f"{label}@head" for r in revisions for label in r.branch_labels]
    return st.sampled_from(["base", "heads", *[r.revision for r in revisions], *labels])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_whole_history_is_in_alembics_order(data: st.DataObject) -> None:
    revisions = data.draw(st.one_of(graphs(), merge_heavy()))
    expected = alembic_history(revisions, "base", "heads")
    assume(expected is not None)
    assert orch_history(RevisionGraph(revisions), "base", "heads") == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_history_ranges_are_alembics(data: st.DataObject) -> None:
    revisions = data.draw(st.one_of(graphs(), merge_heavy()))
    lower, upper = data.draw(bounds(revisions)), data.draw(bounds(revisions))
    expected = alembic_history(revisions, lower, upper)
    assume(expected is not None)
    assert orch_history(RevisionGraph(revisions), lower, upper) == expected, (lower, upper)
