"""One machine's slice of a run over many databases: `--shard I/N`, or a Kubernetes Indexed Job.

The schedule's independent groups (databases tied by `after` or a cross-database depends_on
stay together) are dealt out to N shards, the largest first, each to the shard holding the
fewest databases so far, ties to the lowest index. Every shard computes the same deal from the
same selection, so every database lands in exactly one shard. Overlapping or repeated shards
are safe all the same: each database is migrated under its lock and a done database is a no-op.
"""

from __future__ import annotations

import heapq
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from orch_core.config import DatabaseConfig
from orch_core.errors import BadShard

# Set by Kubernetes in each pod of an Indexed Job: the pod's index, from 0.
JOB_INDEX_VARIABLE = "JOB_COMPLETION_INDEX"
SHARDS_VARIABLE = "ORCH_SHARDS"
_SHARD = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True)
class Shard:
    """Shard `index` (from 0) of `total`."""

    index: int
    total: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """Return the shard `I/N` names (0 <= I < N)."""
        found = _SHARD.fullmatch(text.strip())
        if found is None:
            raise BadShard(text, "expected I/N, the shard's index from 0 and the number of shards")
        return cls.checked(text, int(found.group(1)), int(found.group(2)))

    @classmethod
    def checked(cls, given: str, index: int, total: int) -> Shard:
        """Return shard index of total, refusing an index outside 0..total-1."""
        if total < 1:
            raise BadShard(given, "the number of shards must be at least 1")
        if not 0 <= index < total:
            raise BadShard(given, f"the index must be from 0 to {total - 1}")
        return cls(index, total)

    @classmethod
    def requested(
        cls, shard: str | None, shards: int | None, environ: Mapping[str, str] | None = None
    ) -> Shard | None:
        """Return the shard a command asks for: `--shard I/N`, else JOB_COMPLETION_INDEX of
        `--shards N` (or ORCH_SHARDS); None when no total is given (the whole selection)."""
        if shard is not None:
            return cls.parse(shard)
        environ = os.environ if environ is None else environ
        total_text = str(shards) if shards is not None else environ.get(SHARDS_VARIABLE)
        if not total_text:
            return None
        index_text = environ.get(JOB_INDEX_VARIABLE)
        if index_text is None:
            reason = (
                f"{JOB_INDEX_VARIABLE} is not set (a Kubernetes Indexed Job sets it); "
                "elsewhere use --shard I/N"
            )
            raise BadShard(f"{total_text} shards", reason)
        given = f"{JOB_INDEX_VARIABLE}={index_text} of {total_text}"
        if not (index_text.isdigit() and total_text.isdigit()):
            raise BadShard(given, "the index and the number of shards must be whole numbers")
        return cls.checked(given, int(index_text), int(total_text))

    def members(self, groups: Sequence[Sequence[str]]) -> frozenset[str]:
        """Return the databases of this shard, out of every group of the run."""
        loads = [(0, index) for index in range(self.total)]  # (databases held, shard)
        mine: list[str] = []
        for group in sorted(groups, key=lambda g: (-len(g), sorted(g))):
            held, index = heapq.heappop(loads)
            if index == self.index:
                mine += group
            heapq.heappush(loads, (held + len(group), index))
        return frozenset(mine)


def shard_slice(
    databases: Sequence[DatabaseConfig], groups: Sequence[Sequence[str]], shard: Shard
) -> list[DatabaseConfig]:
    """Return the databases, in their order, that fall in shard (groups: the schedule's)."""
    members = shard.members(groups)
    return [database for database in databases if database.name in members]
