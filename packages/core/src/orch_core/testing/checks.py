"""Ready-made tests of a project's migrations; import them into a test module to switch them on.

    from orch_core.testing.checks import *  # noqa: F403

Each failure names the revision (or service, or database) and shows what differs.
"""

from __future__ import annotations

from pathlib import Path

from orch_core.project import Project
from orch_core.testing.migrations import MigrationCheckFailed, TestedDatabase, walk_each_revision

__all__ = [
    "test_orch_downgrade_restores_schema",
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
