"""A script that fails while --sql writes its SQL: that step's failure, not a bug in orch."""

from pathlib import Path

from tests.cli.conftest import Invoke, no_traceback
from tests.support.databases import TestDatabase
from tests.support.projects import Database, Script, write_project


def test_a_script_needing_a_database_under_sql_is_named(
    sqlite_database: TestDatabase, tmp_path: Path, orch: Invoke
) -> None:
    reads_the_engine = "print(op.get_bind().engine.url)"
    scripts = [Script("a1"), Script("a2", "a1", upgrade=reads_the_engine)]
    config = write_project(
        tmp_path, {"app": scripts}, {"main": Database(sqlite_database.url, ["app"])}
    )
    result = orch("--config", str(config), "upgrade", "heads", "--sql")
    assert result.exit_code == 1, result.output
    no_traceback(result)
    assert "error: main: upgrade of a2 failed: while writing its SQL" in result.stderr
    assert "bug" not in result.output
