"""`--shard I/N` and `--shards N`: the slice of the selected databases this machine migrates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from orch_core.config import DatabaseConfig
    from orch_core.project import Project
    from orch_graph.plan import Direction

SHARD = typer.Option(
    None,
    "--shard",
    help="Migrate shard I of N (I from 0) of the selected databases; tied databases stay together.",
)
SHARDS = typer.Option(
    None,
    "--shards",
    help="The number of shards, this one's index from JOB_COMPLETION_INDEX (a Kubernetes "
    "Indexed Job); or set ORCH_SHARDS.",
)


def sharded(
    project: Project,
    databases: list[DatabaseConfig],
    direction: Direction,
    target: str,
    given: tuple[str | None, int | None],
) -> list[DatabaseConfig]:
    """Return this shard's databases of the selection (all of them when no shard is asked)."""
    from orch_core.fleet.orchestrator import Orchestrator
    from orch_core.fleet.shards import Shard, shard_slice

    shard = Shard.requested(*given)
    if shard is None:
        return databases
    groups = Orchestrator(project).schedule(databases, direction, target).groups
    return shard_slice(databases, groups, shard)
