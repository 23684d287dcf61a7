"""Ready-made tests of a project's migrations; import them into a test module to switch them on.

    from orch_core.testing.checks import *  # noqa: F403

Each failure names the revision (or service, or database) and shows what differs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orch_core.autogenerate.drift import check_databases
from orch_core.errors import DatabaseCycle
from orch_core.fleet.orchestrator import Orchestrator
from orch_core.project import Project
from orch_core.testing.migrations import MigrationCheckFailed, TestedDatabase, walk_each_revision

__all__ = [
    "test_orch_database_order_has_no_cycle",
    "test_orch_downgrade_restores_schema",
    "test_orch_models_match_schema",
    "test_orch_one_head_per_service",
    "test_orch_scripts_compile",
    "test_orch_stairway",
]


def test_orch_one_head_per_service(orch_project: Project) -> None:
    """Every service has exactly one head (a second one needs a merge)."""
    graph = orch_project.graph
    several = {
        service: heads
        for service in sorted(orch_project.config.services)
        if len(heads := graph.service_heads(service)) > 1
    }
    if several:
        lines = [
            f"service {s} has {len(h)} heads: {', '.join(sorted(h))}" for s, h in several.items()
        ]
        raise MigrationCheckFailed("\n".join([*lines, "merge them with `orch merge`"]))


def test_orch_scripts_compile(orch_project: Project) -> None:
    """Every revision script's header was read, and its body compiles."""
    failures = []
    for revision in orch_project.graph.revisions:
        if revision.filename is None:
            continue
        try:
            compile(Path(revision.filename).read_bytes(), revision.filename, "exec")
        except SyntaxError as exc:
            failures.append(f"{revision.filename}:{exc.lineno}: {exc.msg} ({revision.revision})")
    if failures:
        raise MigrationCheckFailed("\n".join(failures))


def test_orch_stairway(orch_tested_database: TestedDatabase) -> None:
    """Each revision upgrades, downgrades and upgrades again, in order, on an empty database."""
    walk_each_revision(orch_tested_database, compare_schema=False)


def test_orch_downgrade_restores_schema(orch_tested_database: TestedDatabase) -> None:
    """Each revision's downgrade leaves the schema exactly as it was before its upgrade."""
    walk_each_revision(orch_tested_database, compare_schema=True)


def test_orch_database_order_has_no_cycle(orch_project: Project) -> None:
    """Databases ordered by `after` and cross-database depends_on can all go in some order."""
    try:
        Orchestrator(orch_project).schedule(orch_project.select([], True), "up", "heads")
    except DatabaseCycle as exc:
        raise MigrationCheckFailed(str(exc)) from exc


def test_orch_models_match_schema(orch_tested_database: TestedDatabase) -> None:
    """After upgrading an empty database to heads, its schema is what the models say."""

    tested = orch_tested_database
    tested.move("up", "heads", "upgrade to heads")
    (found,) = check_databases(tested.project, [tested.config])
    if found.error is not None:
        raise MigrationCheckFailed(f"{tested.config.name}: {found.error}")
    if not found.compared:
        pytest.skip(f"{tested.config.name}: its services name no models (`metadata`)")
    if found.drift:
        lines = [f"{tested.config.name}: the models differ from the schema at heads:"]
        lines += [f"  {change.describe()}" for change in found.drift]
        raise MigrationCheckFailed("\n".join([*lines, "autogenerate a revision for them"]))
