"""Fleets in the config: instances from a list, a file or a catalog query; bad keys refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from orch_core.errors import ConfigError
from orch_core.project import Project
from tests.support.projects import Database, Script, write_project


def project(tmp_path: Path, fleet: str, databases: dict[str, Database] | None = None) -> Path:
    """Write a project with service `app` and the given [fleets.tenants] body."""
    config = write_project(tmp_path, {"app": [Script("a1", labels=("app",))]}, databases or {})
    config.write_text(config.read_text() + '\n[fleets.tenants]\nservices = ["app"]\n' + fleet)
    return config


def names(config: Path, *selected: str) -> list[str]:
    loaded = Project.load(config)
    return [d.name for d in loaded.select(list(selected), all_databases=not selected)]


def test_inline_instances_become_databases_named_fleet_colon_name(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        'url = "sqlite:///t/{name}.db"\ninstances = ["acme", "globex"]\nafter = ["users"]',
        {"users": Database("sqlite:///users.db", ["app"])},
    )
    loaded = Project.load(config)
    acme = loaded.database("tenants:acme")
    assert acme.url == f"sqlite:///{tmp_path}/t/acme.db"
    assert acme.services == ("app",)
    assert acme.after == ("users",)
    assert names(config) == ["users", "tenants:acme", "tenants:globex"]


def test_selection_by_fleet_instance_and_glob(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        'url = "sqlite:///t/{name}.db"\ninstances = ["acme", "acme2", "globex"]',
        {"users": Database("sqlite:///users.db", ["app"])},
    )
    assert names(config, "tenants") == ["tenants:acme", "tenants:acme2", "tenants:globex"]
    assert names(config, "tenants:acme*") == ["tenants:acme", "tenants:acme2"]
    assert names(config, "tenants:globex", "users") == ["tenants:globex", "users"]
    assert names(config, "*") == ["users", "tenants:acme", "tenants:acme2", "tenants:globex"]
    with pytest.raises(ConfigError, match="no database matches 'tenants:zz\\*'"):
        names(config, "tenants:zz*")
    with pytest.raises(ConfigError, match="unknown database 'tenants:zz'"):
        names(config, "tenants:zz")
    with pytest.raises(ConfigError, match="several databases are configured"):
        Project.load(config).select([], all_databases=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("acme\n# a comment\n\nglobex  # trailing\n", ["acme", "globex"]), ('["a", "b"]', ["a", "b"])],
)
def test_instances_file_holds_one_name_a_line_or_a_json_list(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    (tmp_path / "tenants.txt").write_text(text)
    config = project(tmp_path, 'url = "sqlite:///t/{name}.db"\ninstances_file = "tenants.txt"')
    assert names(config, "tenants") == [f"tenants:{n}" for n in expected]


def test_instances_from_a_catalog_query_are_read_only_when_selected(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.db"
    with sqlite3.connect(catalog) as conn:
        conn.execute("CREATE TABLE tenant (slug TEXT, active INTEGER)")
        conn.executemany("INSERT INTO tenant VALUES (?, ?)", [("b", 1), ("a", 1), ("c", 0)])
    config = project(
        tmp_path,
        'url = "sqlite:///t/{name}.db"\ncatalog_url = "sqlite:///catalog.db"\n'
        'instances_query = "SELECT slug FROM tenant WHERE active = 1 ORDER BY slug"',
    )
    loaded = Project.load(config)
    assert [d.name for d in loaded.select(["tenants"], False)] == ["tenants:a", "tenants:b"]


def test_loading_never_connects_to_the_catalog(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        'url = "sqlite:///t/{name}.db"\n'
        'catalog_url = "postgresql+psycopg://postgres:secret@127.0.0.1:1/catalog"\n'
        'instances_query = "SELECT slug FROM tenant"',
        {"users": Database("sqlite:///users.db", ["app"])},
    )
    loaded = Project.load(config)  # `heads` and the like stop here
    assert names(config, "users") == ["users"]
    with pytest.raises(ConfigError) as caught:
        loaded.select(["tenants:*"], False)
    assert caught.value.key == "fleets.tenants.instances_query"
    assert "secret" not in str(caught.value)
    assert "postgres:***@127.0.0.1:1/catalog" in str(caught.value)


def test_a_failing_catalog_query_names_the_file_and_key(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        'url = "sqlite:///t/{name}.db"\ncatalog_url = "sqlite:///catalog.db"\n'
        'instances_query = "SELECT slug FROM nowhere"',
    )
    with pytest.raises(ConfigError) as caught:
        Project.load(config).select(["tenants"], False)
    assert caught.value.path == config
    assert caught.value.key == "fleets.tenants.instances_query"
    assert "no such table: nowhere" in caught.value.reason


@pytest.mark.parametrize(
    ("fleet", "key", "reason"),
    [
        ('url = "sqlite:///t.db"\ninstances = ["a"]', "fleets.tenants.url", "must contain {name}"),
        ('url = "sqlite:///{name}.db"', "fleets.tenants", "needs exactly one of"),
        (
            'url = "sqlite:///{name}.db"\ninstances = ["a"]\ninstances_file = "x"',
            "fleets.tenants.instances_file",
            "needs exactly one of",
        ),
        (
            'url = "sqlite:///{name}.db"\ninstances_query = "SELECT 1"',
            "fleets.tenants.instances_query",
            "needs catalog_url",
        ),
        (
            'url = "sqlite:///{name}.db"\ninstances = ["a"]\ncatalog_url = "sqlite://"',
            "fleets.tenants.catalog_url",
            "goes with instances_query",
        ),
        ('url = "sqlite:///{name}.db"\ninstances = ["a/b"]', "fleets.tenants.instances", "'a/b'"),
        (
            'url = "sqlite:///{name}.db"\ninstances = ["a", "a"]',
            "fleets.tenants.instances",
            "twice",
        ),
        ('url = "sqlite:///{name}.db"\ninstances = "a"', "fleets.tenants.instances", "a list"),
        ('url = "sqlite:///{name}.db"\ninstance = ["a"]', "fleets.tenants.instance", "unknown key"),
        (
            'url = "sqlite:///x.db"\nschema = "t_{name}"\ninstances = ["a"]',
            "fleets.tenants.schema",
            "PostgreSQL",
        ),
        (
            'url = "postgresql://h/db"\nschema = "t_{name}"\nversion_table_schema = "v"\n'
            'instances = ["a"]',
            "fleets.tenants.version_table_schema",
            "contradicts `schema`",
        ),
        (
            'url = "sqlite:///{name}.db"\ninstances = ["a"]\nafter = ["nowhere"]',
            "fleets.tenants.after",
            "unknown database 'nowhere'",
        ),
    ],
)
def test_bad_fleet_keys_name_the_file_and_key(
    tmp_path: Path, fleet: str, key: str, reason: str
) -> None:
    config = project(tmp_path, fleet)
    with pytest.raises(ConfigError) as caught:
        Project.load(config)
    assert caught.value.path == config
    assert caught.value.key == key
    assert reason in caught.value.reason


def test_a_bad_name_in_an_instances_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "tenants.json").write_text('["ok", 3]')
    config = project(tmp_path, 'url = "sqlite:///{name}.db"\ninstances_file = "tenants.json"')
    with pytest.raises(ConfigError) as caught:
        Project.load(config).select(["tenants:*"], False)
    assert caught.value.path == tmp_path / "tenants.json"
    assert caught.value.key == "fleets.tenants.instances_file"
    assert "3 is no instance name" in caught.value.reason


def test_a_fleet_named_like_a_database_is_refused(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        'url = "sqlite:///{name}.db"\ninstances = ["a"]',
        {"tenants": Database("sqlite:///users.db", ["app"])},
    )
    with pytest.raises(ConfigError, match="a database is also named 'tenants'"):
        Project.load(config)


def test_a_schema_fleet_puts_each_version_table_in_its_schema(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        'url = "postgresql://h/db"\nschema = "tenant_{name}"\ninstances = ["acme"]',
    )
    acme = Project.load(config).database("tenants:acme")
    assert (acme.url, acme.schema, acme.version_table_schema) == (
        "postgresql://h/db",
        "tenant_acme",
        "tenant_acme",
    )
