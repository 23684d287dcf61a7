"""`orch stamp` with several revisions, as Alembic's takes them: each where it belongs."""

import json
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from tests.cli.conftest import Invoke, no_traceback
from tests.support.databases import TestDatabase
from tests.support.projects import Database, Script, write_project


def _versions(database: TestDatabase) -> list[str]:
    engine = database.engine()
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            return sorted(rows)
    finally:
        engine.dispose()


def test_stamp_two_branches_of_one_database(
    sqlite_database: TestDatabase, tmp_path: Path, orch: Invoke
) -> None:
    scripts = [
        Script("a1", labels=("left",)),
        Script("a2", "a1"),
        Script("b1", labels=("right",)),
        Script("b2", "b1"),
    ]
    config = write_project(
        tmp_path, {"users": scripts}, {"users": Database(sqlite_database.url, ["users"])}
    )
    stamped = orch("--config", str(config), "stamp", "--db", "users", "a1", "b2")
    assert stamped.exit_code == 0, stamped.output
    assert stamped.stdout == "users: stamped a1, b2\n"
    assert _versions(sqlite_database) == ["a1", "b2"]
    upgraded = orch("--config", str(config), "upgrade", "--db", "users", "heads")
    assert upgraded.exit_code == 0, upgraded.output
    assert _versions(sqlite_database) == ["a2", "b2"]


def test_each_revision_goes_to_the_database_that_carries_it(
    make_database: Callable[[str], TestDatabase], tmp_path: Path, orch: Invoke
) -> None:
    users, orders = make_database("sqlite"), make_database("sqlite")
    config = write_project(
        tmp_path,
        {"users": [Script("u1"), Script("u2", "u1")], "orders": [Script("o1")]},
        {"users": Database(users.url, ["users"]), "orders": Database(orders.url, ["orders"])},
    )
    stamped = orch("--config", str(config), "stamp", "--all-dbs", "u2", "o1", "--json")
    assert stamped.exit_code == 0, stamped.output
    assert json.loads(stamped.stdout) == {
        "databases": {
            "users": {"before": [], "after": ["u2"]},
            "orders": {"before": [], "after": ["o1"]},
        }
    }
    assert (_versions(users), _versions(orders)) == (["u2"], ["o1"])


def test_a_relative_stamp_is_a_target_not_an_option(
    sqlite_database: TestDatabase, tmp_path: Path, orch: Invoke
) -> None:
    config = write_project(
        tmp_path, {"users": [Script("a1")]}, {"users": Database(sqlite_database.url, ["users"])}
    )
    result = orch("--config", str(config), "stamp", "-1")
    assert result.exit_code == 2, result.output
    no_traceback(result)
    assert "target '-1': the database is at base" in result.stderr
