"""Move one database of a project, pointed at a throwaway URL, and say which revision failed."""

from __future__ import annotations

from dataclasses import dataclass, replace

from orch_core.config import DatabaseConfig
from orch_core.errors import OrchError
from orch_core.fleet.orchestrator import Orchestrator
from orch_core.project import Project
from orch_core.testing.schema import schema_diff, schema_snapshot
from orch_graph.plan import Direction


class MigrationCheckFailed(AssertionError):
    """A ready-made migration check failed; the message names the revision and what differs."""


@dataclass(frozen=True)
class TestedDatabase:
    """One database of a project, redirected to a throwaway database for a test."""

    __test__ = False  # not a pytest test class

    project: Project
    config: DatabaseConfig

    @classmethod
    def of(cls, project: Project, name: str, url: str) -> TestedDatabase:
        """Return the project with database `name` pointed at url."""
        config = replace(project.database(name), url=url)
        databases = {**project.config.databases, name: config}
        return cls(replace(project, config=replace(project.config, databases=databases)), config)

    @property
    def ignored_tables(self) -> tuple[str, ...]:
        """Return orch's own tables in this database: a schema check leaves them out."""
        own = (self.config.version_table, self.config.history_table)
        return tuple(table for table in own if table)

    def move(self, direction: Direction, target: str, what: str) -> None:
        """Upgrade ("up") or downgrade ("down") to target; raise naming `what` if it fails."""
        orchestrator = Orchestrator(self.project, processes=False, concurrency=1)
        try:
            summary = orchestrator.run([self.config], direction, target)
        except OrchError as exc:
            raise MigrationCheckFailed(f"{what}: {exc}") from exc
        if not summary.ok:
            raise MigrationCheckFailed(f"{what}: {summary.first_error}")


def revisions_in_order(project: Project, config: DatabaseConfig) -> list[str]:
    """Return the revisions this database carries, each after everything it builds on."""
    services = set(config.services)
    ids = [r.revision for r in project.graph.revisions if r.service in services]
    return project.graph.in_order(ids)


def step_back_target(project: Project, revision: str) -> str:
    """Return the downgrade target that takes revision away: its first parent or its base."""
    found = project.graph.get(revision)
    if found.down_revisions:
        return found.down_revisions[0]
    return f"{found.service}@base"


def walk_each_revision(tested: TestedDatabase, *, compare_schema: bool) -> None:
    """Upgrade to each revision, downgrade it, upgrade again; optionally compare schemas.

    With compare_schema, the schema after the downgrade (and after upgrading back to where
    the database was, for whatever the downgrade took with it) must equal the one before.
    """
    heads: list[str] = []
    graph = tested.project.graph
    for revision in revisions_in_order(tested.project, tested.config):
        before = schema_snapshot(tested.config.url, tested.ignored_tables) if compare_schema else ()
        tested.move("up", revision, f"upgrade to {revision}")
        tested.move("down", step_back_target(tested.project, revision), f"downgrade {revision}")
        for head in heads:
            tested.move("up", head, f"upgrade back to {head} after downgrading {revision}")
        if compare_schema:
            after = schema_snapshot(tested.config.url, tested.ignored_tables)
            if after != before:
                raise MigrationCheckFailed(
                    f"downgrade of {revision} does not restore the schema:\n"
                    + schema_diff(before, after)
                )
        tested.move("up", revision, f"upgrade to {revision} after its downgrade")
        parents = set(graph.get(revision).down_revisions)
        heads = [h for h in heads if h not in parents] + [revision]
