"""Fleets from the command line: a fleet of SQLite files, a fleet of PostgreSQL schemas."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from tests.cli.conftest import Invoke, args_for, no_traceback
from tests.support.databases import TestDatabase
from tests.support.inspection import table_names
from tests.support.projects import Database, Script, write_project

SCRIPTS = [Script("a1", labels=("app",)), Script("a2", "a1")]


def fleet_project(tmp_path: Path, fleet: str, url: str | None = None) -> Path:
    """Write service `app` (a1, a2), database `users` and the given [fleets.tenants] body."""
    users = Database(url or f"sqlite:///{tmp_path}/users.db", ["app"])
    config = write_project(tmp_path, {"app": SCRIPTS}, {"users": users})
    config.write_text(config.read_text() + '\n[fleets.tenants]\nservices = ["app"]\n' + fleet)
    return config


def versions(url: str, schema: str | None = None) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            table = sa.table("alembic_version", sa.column("version_num"), schema=schema)
            return [row[0] for row in conn.execute(sa.select(table.c.version_num))]
    finally:
        engine.dispose()


def test_upgrade_a_fleet_of_sqlite_files_by_glob_then_all(orch: Invoke, tmp_path: Path) -> None:
    config = fleet_project(
        tmp_path, 'url = "sqlite:///t/{name}.db"\ninstances = ["acme", "acme2", "globex"]\n'
    )
    (tmp_path / "t").mkdir()
    result = orch(*args_for(config, "upgrade", "--db", "tenants:acme*", "--json"))
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(result.stdout)["databases"]) == ["tenants:acme", "tenants:acme2"]
    assert versions(f"sqlite:///{tmp_path}/t/acme.db") == ["a2"]
    assert not (tmp_path / "t" / "globex.db").exists()
    result = orch(*args_for(config, "upgrade", "--all-dbs"))
    assert result.exit_code == 0, result.output
    for name in ("acme", "acme2", "globex"):
        assert versions(f"sqlite:///{tmp_path}/t/{name}.db") == ["a2"]
    assert versions(f"sqlite:///{tmp_path}/users.db") == ["a2"]
    status = orch(*args_for(config, "status", "--db", "tenants", "--json"))
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["databases"]["tenants:globex"]["current"] == ["a2"]


def test_a_glob_that_matches_nothing_is_bad_input(orch: Invoke, tmp_path: Path) -> None:
    config = fleet_project(tmp_path, 'url = "sqlite:///t/{name}.db"\ninstances = ["acme"]\n')
    result = orch(*args_for(config, "upgrade", "--db", "tenants:zz*"))
    assert result.exit_code == 2
    no_traceback(result)
    assert "no database matches 'tenants:zz*'" in result.stderr


def test_heads_never_connects_to_the_catalog(orch: Invoke, tmp_path: Path) -> None:
    config = fleet_project(
        tmp_path,
        'url = "sqlite:///t/{name}.db"\n'
        'catalog_url = "postgresql+psycopg://postgres:secret@127.0.0.1:1/catalog"\n'
        'instances_query = "SELECT slug FROM tenant"\n',
    )
    assert orch(*args_for(config, "heads")).exit_code == 0
    result = orch(*args_for(config, "upgrade", "--db", "tenants"))
    assert result.exit_code == 2
    no_traceback(result)
    assert "fleets.tenants.instances_query" in result.stderr
    assert "secret" not in result.output


def test_a_fleet_of_postgresql_schemas_in_one_database(
    orch: Invoke, tmp_path: Path, postgresql_database: TestDatabase
) -> None:
    url = postgresql_database.url
    config = fleet_project(
        tmp_path,
        f'url = "{url}"\nschema = "tenant_{{name}}"\ninstances = ["acme", "globex"]\n',
        url=url,
    )
    result = orch(*args_for(config, "upgrade", "--all-dbs"))
    assert result.exit_code == 0, result.output
    # users in the default schema; each tenant's tables, version table and history in its own.
    assert table_names(postgresql_database) >= {"t_a1", "t_a2", "alembic_version"}
    for tenant in ("tenant_acme", "tenant_globex"):
        tables = table_names(postgresql_database, schema=tenant)
        assert tables == {"t_a1", "t_a2", "alembic_version", "orch_history"}
        assert versions(url, tenant) == ["a2"]
    down = orch(*args_for(config, "downgrade", "--db", "tenants:globex", "a1"))
    assert down.exit_code == 0, down.output
    assert versions(url, "tenant_globex") == ["a1"]
    assert versions(url, "tenant_acme") == ["a2"]
    assert "t_a2" not in table_names(postgresql_database, schema="tenant_globex")
    status = orch(*args_for(config, "status", "--db", "tenants", "--json"))
    assert status.exit_code == 0, status.output
    found = json.loads(status.stdout)["databases"]
    assert (found["tenants:acme"]["current"], found["tenants:globex"]["current"]) == (
        ["a2"],
        ["a1"],
    )


def test_tenant_schemas_migrated_first_do_not_stop_a_database_beside_them(
    orch: Invoke, tmp_path: Path, postgresql_database: TestDatabase
) -> None:
    # The tenants' version tables sit in schemas of users' own database: the probe for a
    # version table kept elsewhere must not take them for users' (the order was a race).
    url = postgresql_database.url
    config = fleet_project(
        tmp_path, f'url = "{url}"\nschema = "tenant_{{name}}"\ninstances = ["acme"]\n', url=url
    )
    tenants = orch(*args_for(config, "upgrade", "--db", "tenants"))
    assert tenants.exit_code == 0, tenants.output
    users = orch(*args_for(config, "upgrade", "--db", "users"))
    assert users.exit_code == 0, users.output
    assert versions(url) == ["a2"]
    assert versions(url, "tenant_acme") == ["a2"]


def test_status_of_a_large_fleet_counts_by_revision_and_lists_on_request(
    orch: Invoke, tmp_path: Path
) -> None:
    names = [f"t{i:02d}" for i in range(25)]
    (tmp_path / "tenants.txt").write_text("\n".join(names) + "\n")
    config = fleet_project(
        tmp_path, 'url = "sqlite:///t/{name}.db"\ninstances_file = "tenants.txt"\n'
    )
    (tmp_path / "t").mkdir()
    up = orch(*args_for(config, "upgrade", "--db", "tenants"))
    assert up.exit_code == 0, up.output
    down = orch(*args_for(config, "downgrade", "--db", "tenants:t0[12]", "a1"))
    assert down.exit_code == 0, down.output
    (tmp_path / "t" / "t03.db").unlink()
    (tmp_path / "t" / "t03.db").mkdir()  # a directory: SQLite cannot open it
    for command in ("status", "current"):
        result = orch(*args_for(config, command, "--db", "tenants"))
        assert result.exit_code == 1, result.output
        lines = result.stdout.splitlines()
        assert lines[:3] == [
            f"orch {command}: 25 databases",
            "22 at a2 (head)",
            "2 at a1: 1 pending, to a2",
        ]
        assert lines[3] == "1 unreachable:"
        assert lines[4].startswith(f"  tenants:t03: unreachable (sqlite:///{tmp_path}/t/t03.db)")
        assert lines[5:] == ["-v or --json lists every database"]
    listed = orch(*args_for(config, "-v", "status", "--db", "tenants"))
    rows = listed.stdout.splitlines()[1:]
    assert len(rows) == 25
    assert rows[1].split("\t")[:4] == ["tenants:t01", "a1", "a2", "1"]
    document = json.loads(orch(*args_for(config, "status", "--db", "tenants", "--json")).stdout)
    assert len(document["databases"]) == 25
    assert document["counts"] == {"at_heads": 22, "pending": 2, "unreachable": 1}
    assert document["by_revision"] == [
        {"current": ["a2"], "heads": ["a2"], "pending": 0, "count": 22},
        {"current": ["a1"], "heads": ["a2"], "pending": 1, "count": 2},
    ]
