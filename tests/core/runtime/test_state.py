"""status and current's data: where each database is and what `upgrade heads` would apply."""

from pathlib import Path

from orch_core.project import Project
from orch_core.runtime.runner import DatabaseRunner
from orch_core.runtime.state import DatabaseState, read_states
from tests.support.databases import TestDatabase
from tests.support.projects import Database, Script, write_project

LINE = [Script("a1", labels=("app",)), Script("a2", "a1"), Script("a3", "a2")]


def test_states_say_where_each_database_is_and_what_is_pending(
    database: TestDatabase, tmp_path: Path
) -> None:
    missing = f"sqlite:///{tmp_path}/later/never.db"
    config = write_project(
        tmp_path,
        {"app": LINE},
        {"main": Database(database.url, ["app"]), "later": Database(missing, ["app"])},
    )
    project = Project.load(config, environ={})
    main = project.config.databases["main"]
    runner = DatabaseRunner(main, project.view(main))
    try:
        runner.migrate("up", "a2")
    finally:
        runner.dispose()

    states = read_states(project, list(project.config.databases.values()))

    assert states[0] == DatabaseState("main", runner.url, ("a2",), ("a3",), ("a3",), None)
    assert not states[0].at_heads
    assert states[1] == DatabaseState("later", missing, (), ("a3",), ("a1", "a2", "a3"), None)
    assert not (tmp_path / "later").exists()  # reading a missing SQLite file creates nothing
