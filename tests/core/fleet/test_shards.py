"""Shards: every database in exactly one, balanced, tied databases together."""

from __future__ import annotations

import pytest

from orch_core.config import DatabaseConfig
from orch_core.errors import BadShard
from orch_core.fleet.schedule import Schedule
from orch_core.fleet.shards import Shard, shard_slice


def database(name: str, after: tuple[str, ...] = ()) -> DatabaseConfig:
    return DatabaseConfig(name, f"sqlite:///{name}.db", ("app",), after=after)


def schedule(databases: list[DatabaseConfig]) -> Schedule:
    return Schedule.build("up", {d.name: "heads" for d in databases}, databases, {})


@pytest.mark.parametrize("total", [1, 2, 3, 4, 7, 16])
def test_every_database_is_in_exactly_one_shard_and_shards_are_balanced(total: int) -> None:
    tenants = [database(f"tenants:t{i:03d}") for i in range(100)]
    tied = [database("users"), database("billing", after=("users",))]
    databases = tenants + tied
    groups = schedule(databases).groups
    slices = [shard_slice(databases, groups, Shard(i, total)) for i in range(total)]
    names = [d.name for part in slices for d in part]
    assert sorted(names) == sorted(d.name for d in databases)  # each once, none left out
    sizes = [len(part) for part in slices]
    assert max(sizes) - min(sizes) <= 2  # the largest group holds two
    holding_users = [part for part in slices if any(d.name == "users" for d in part)]
    assert len(holding_users) == 1
    assert "billing" in {d.name for d in holding_users[0]}


def test_databases_tied_by_depends_on_share_a_shard() -> None:
    # The schedule's groups join databases a cross-database depends_on ties; shards keep them.
    groups = (("a", "b", "c"), ("d",), ("e",), ("f",))
    found = [Shard(i, 3).members(groups) for i in range(3)]
    assert frozenset({"a", "b", "c"}) in found
    assert sorted(n for part in found for n in part) == ["a", "b", "c", "d", "e", "f"]


def test_the_deal_is_the_same_whatever_order_the_groups_come_in() -> None:
    groups = [(f"t{i}",) for i in range(20)]
    assert Shard(1, 3).members(groups) == Shard(1, 3).members(list(reversed(groups)))


@pytest.mark.parametrize(
    ("given", "environ", "expected"),
    [
        (("2/4", None), {}, Shard(2, 4)),
        ((None, 4), {"JOB_COMPLETION_INDEX": "3"}, Shard(3, 4)),
        ((None, None), {"JOB_COMPLETION_INDEX": "1", "ORCH_SHARDS": "2"}, Shard(1, 2)),
        ((None, None), {"JOB_COMPLETION_INDEX": "1"}, None),  # no total: the whole selection
        (("0/2", None), {"JOB_COMPLETION_INDEX": "1", "ORCH_SHARDS": "2"}, Shard(0, 2)),
    ],
)
def test_the_shard_comes_from_the_option_or_the_indexed_job(
    given: tuple[str | None, int | None], environ: dict[str, str], expected: Shard | None
) -> None:
    assert Shard.requested(*given, environ=environ) == expected


@pytest.mark.parametrize(
    ("given", "environ", "reason"),
    [
        (("4/4", None), {}, "the index must be from 0 to 3"),
        (("1-4", None), {}, "expected I/N"),
        (("0/0", None), {}, "at least 1"),
        ((None, 4), {}, "JOB_COMPLETION_INDEX is not set"),
        ((None, 4), {"JOB_COMPLETION_INDEX": "x"}, "whole numbers"),
    ],
)
def test_a_bad_shard_is_refused(
    given: tuple[str | None, int | None], environ: dict[str, str], reason: str
) -> None:
    with pytest.raises(BadShard, match=reason):
        Shard.requested(*given, environ=environ)
