"""Alembic's `context.configure` options as keys: honoured under their names, or refused by name."""

from pathlib import Path

import pytest

from orch_core.config import DatabaseConfig, TransactionMode
from orch_core.config.interpolation import interpolate_url
from orch_core.config.loader import load_config
from orch_core.errors import ConfigError

BASE = """
[orch]
{orch}

[services.app]
scripts = "app"

[databases.main]
url = "sqlite:///main.db"
services = ["app"]
{database}
"""


def load(tmp_path: Path, orch: str = "", database: str = "") -> DatabaseConfig:
    path = tmp_path / "orch.toml"
    path.write_text(BASE.format(orch=orch, database=database))
    return load_config(path, environ={}).databases["main"]


def test_version_table_keys_take_alembic_names_and_defaults(tmp_path: Path) -> None:
    main = load(tmp_path)
    assert (main.version_table, main.version_table_schema, main.version_table_pk) == (
        "alembic_version",
        None,
        True,
    )
    main = load(tmp_path, 'version_table = "app_version"\nversion_table_schema = "meta"')
    assert (main.version_table, main.version_table_schema) == ("app_version", "meta")
    assert load(tmp_path, "version_table_pk = false").version_table_pk is False


def test_an_empty_version_table_schema_is_the_default_schema(tmp_path: Path) -> None:
    main = load(tmp_path, 'version_table_schema = "meta"', 'version_table_schema = ""')
    assert main.version_table_schema is None


@pytest.mark.parametrize(
    ("setting", "mode"),
    [
        ("", TransactionMode.PER_MIGRATION),
        ("transaction_per_migration = true", TransactionMode.PER_MIGRATION),
        ("transaction_per_migration = false", TransactionMode.PER_RUN),
        ('transaction_mode = "per-run"', TransactionMode.PER_RUN),
    ],
)
def test_transaction_per_migration_chooses_the_mode(
    tmp_path: Path, setting: str, mode: TransactionMode
) -> None:
    assert load(tmp_path, database=setting).transaction_mode is mode


def test_contradicting_transaction_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, 'transaction_mode = "per-migration"', "transaction_per_migration = false")
    assert caught.value.key == "databases.main.transaction_mode"
    assert "contradicts transaction_per_migration = false" in str(caught.value)


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("target_metadata", "define the function `target_metadata` in the hooks module"),
        ("transactional_ddl", "transaction_mode"),
        ("output_encoding", "UTF-8"),
    ],
)
def test_alembic_options_that_are_no_keys_are_refused_by_name(
    tmp_path: Path, key: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, f'{key} = "x"')
    assert caught.value.key == f"orch.{key}"
    assert f"Alembic's `{key}` is not an orch key" in str(caught.value)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("postgresql://app:${PW}@db:5432/app", "postgresql://app:p%40ss%2Fw%3Ard%25@db:5432/app"),
        ("postgresql://${USER_}:${PW}@db/app", "postgresql://me:p%40ss%2Fw%3Ard%25@db/app"),
        ("${URL}", "postgresql://a:b@c/d"),
        ("postgresql://app@${HOST}/app", "postgresql://app@h/o/app"),
        ("${X:-sqlite:///x.db}", "sqlite:///x.db"),
    ],
)
def test_variables_in_a_urls_user_part_are_percent_encoded(template: str, expected: str) -> None:
    environ = {"PW": "p@ss/w:rd%", "USER_": "me", "URL": "postgresql://a:b@c/d", "HOST": "h/o"}
    assert interpolate_url(template, environ) == expected


def test_a_password_with_at_and_slash_reaches_the_driver_intact(tmp_path: Path) -> None:
    import sqlalchemy as sa

    path = tmp_path / "orch.toml"
    path.write_text(
        BASE.format(orch="", database="").replace(
            "sqlite:///main.db", "postgresql://app:${PW}@db.example:5432/app"
        )
    )
    url = sa.make_url(load_config(path, environ={"PW": "p@ss/word"}).databases["main"].url)
    assert (url.username, url.password, url.host, url.database) == (
        "app",
        "p@ss/word",
        "db.example",
        "app",
    )


def test_a_command_that_never_connects_needs_no_url_variable(tmp_path: Path) -> None:
    path = tmp_path / "orch.toml"
    path.write_text(BASE.format(orch="", database="").replace("sqlite:///main.db", "${NOT_SET}"))
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert "NOT_SET is not set" in str(caught.value)
    graph_only = load_config(path, environ={}, need_urls=False)
    assert graph_only.databases["main"].url == "${NOT_SET}"
