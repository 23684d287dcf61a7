"""A database migrated under another version table is never shown as `<base>` nor re-migrated."""

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.support.databases import TestDatabase
from tests.support.inspection import table_names
from tests.support.projects import Database, Script, write_project

SCRIPTS = [Script("a1", labels=("app",)), Script("a2", "a1")]


def project(tmp_path: Path, database: TestDatabase, **extra: object) -> Path:
    return write_project(
        tmp_path, {"app": SCRIPTS}, {"main": Database(database.url, ["app"], extra=extra)}
    )


MIGRATED_AS_APP_VERSION = (
    "CREATE TABLE app_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
    "INSERT INTO app_version (version_num) VALUES ('a1')",
    "CREATE TABLE t_a1 (id INTEGER PRIMARY KEY)",
)


def test_a_version_table_by_another_name_is_found_and_named(
    database: TestDatabase, tmp_path: Path, orch: Invoke
) -> None:
    database.execute(*MIGRATED_AS_APP_VERSION)
    config = project(tmp_path, database)
    status = orch("--config", str(config), "status", "--json")
    assert status.exit_code == 0, status.output
    blocked = json.loads(status.stdout)["databases"]["main"]["blocked"]
    assert "the version table alembic_version does not exist" in blocked
    assert 'app_version is one (at a1): set version_table = "app_version"' in blocked
    current = orch("--config", str(config), "current")
    assert current.stdout.splitlines()[1].startswith("  note: main: the version table")
    upgrade = orch("--config", str(config), "upgrade", "heads")
    assert upgrade.exit_code == 2
    assert 'set version_table = "app_version" in [databases.main]' in upgrade.stderr
    assert upgrade.stderr.count("error: ") == 1
    assert table_names(database) == {"app_version", "t_a1"}  # nothing created, nothing re-run

    configured = project(tmp_path, database, version_table="app_version")
    status = orch("--config", str(configured), "status", "--json")
    state = json.loads(status.stdout)["databases"]["main"]
    assert (state["current"], state["pending"], state["blocked"]) == (["a1"], ["a2"], None)


def test_tables_the_first_revision_creates_stop_the_upgrade(
    database: TestDatabase, tmp_path: Path, orch: Invoke
) -> None:
    database.execute("CREATE TABLE t_a1 (id INTEGER PRIMARY KEY)")
    config = project(tmp_path, database)
    status = orch("--config", str(config), "status")
    assert status.exit_code == 0
    assert "tables its first revision creates do (t_a1)" in status.stdout
    upgrade = orch("--config", str(config), "upgrade", "heads")
    assert upgrade.exit_code == 2
    assert "orch stamp --db main REVISION" in upgrade.stderr
    assert table_names(database) == {"t_a1"}
    assert orch("--config", str(config), "stamp", "a1").exit_code == 0
    assert orch("--config", str(config), "upgrade", "heads").exit_code == 0
    assert {"t_a1", "t_a2", "alembic_version"} <= table_names(database)


def test_a_version_table_in_another_schema_is_found(
    postgresql_database: TestDatabase, tmp_path: Path, orch: Invoke
) -> None:
    postgresql_database.execute(
        "CREATE SCHEMA meta",
        "CREATE TABLE meta.alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
        "INSERT INTO meta.alembic_version (version_num) VALUES ('a2')",
    )
    config = project(tmp_path, postgresql_database)
    status = orch("--config", str(config), "status", "--json")
    blocked = json.loads(status.stdout)["databases"]["main"]["blocked"]
    assert 'meta.alembic_version is one (at a2): set version_table_schema = "meta"' in blocked
    upgrade = orch("--config", str(config), "upgrade", "heads")
    assert upgrade.exit_code == 2
    assert 'set version_table_schema = "meta" in [databases.main]' in upgrade.stderr
    configured = project(tmp_path, postgresql_database, version_table_schema="meta")
    state = json.loads(orch("--config", str(configured), "status", "--json").stdout)
    assert state["databases"]["main"]["current"] == ["a2"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "mariadb"])
def test_a_new_database_is_still_just_new(
    make_database: object, tmp_path: Path, orch: Invoke, kind: str
) -> None:
    database: TestDatabase = make_database(kind)  # type: ignore[operator]
    config = project(tmp_path, database)
    status = json.loads(orch("--config", str(config), "status", "--json").stdout)
    assert status["databases"]["main"]["blocked"] is None
    assert orch("--config", str(config), "upgrade", "heads").exit_code == 0
