"""`orch init --from-alembic` on a database Alembic migrated part way: right the first time."""

import json
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from tests.cli.conftest import Invoke
from tests.support.databases import TestDatabase
from tests.support.projects import Script

ENV_PY = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
target_metadata = None


def include_object(object, name, type_, reflected, compare_to):
    return True


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        version_table="app_version",{schema}
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {{}}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            version_table="app_version",{schema}
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""

INI = """
[alembic]
script_location = %(here)s/migrations
path_separator = os
file_template = %%(year)d_%%(rev)s_%%(slug)s
sqlalchemy.url = {url}

[post_write_hooks]
hooks = black
black.type = console_scripts
black.entrypoint = black
"""

# a1 -> a2 -> {b1, c1} -> m (a merge), then a3 on top.
SCRIPTS = [
    Script("a1", op_module="alembic"),
    Script("a2", "a1", op_module="alembic"),
    Script("b1", "a2", op_module="alembic"),
    Script("c1", "a2", op_module="alembic"),
    Script("m", ("b1", "c1"), upgrade="pass", downgrade="pass", op_module="alembic"),
    Script("a3", "m", op_module="alembic"),
]


def alembic_project(root: Path, url: str, schema: str | None) -> Path:
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    setting = f'\n        version_table_schema="{schema}",' if schema else ""
    (root / "migrations" / "env.py").write_text(ENV_PY.format(schema=setting))
    for script in SCRIPTS:
        (versions / f"{script.revision}_rev.py").write_text(script.text())
    ini = root / "alembic.ini"
    ini.write_text(textwrap.dedent(INI.format(url=url.replace("%", "%%"))))
    return ini


def version_rows(database: TestDatabase, table: str) -> list[str]:
    engine = database.engine()
    try:
        with engine.connect() as conn:
            return sorted(r[0] for r in conn.execute(sa.text(f"SELECT version_num FROM {table}")))
    finally:
        engine.dispose()


def schema_of(database: TestDatabase, schema: str | None) -> dict[str, list[str]]:
    engine = database.engine()
    try:
        inspector = sa.inspect(engine)
        return {
            name: [c["name"] for c in inspector.get_columns(name, schema=schema)]
            for name in sorted(inspector.get_table_names(schema=schema))
        }
    finally:
        engine.dispose()


def test_status_is_right_the_first_time_and_upgrade_matches_alembic(
    database: TestDatabase, tmp_path: Path, orch: Invoke
) -> None:
    schema = "meta" if database.kind == "postgresql" else None
    if schema:
        engine = database.engine()
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE SCHEMA meta"))
        engine.dispose()
    ini = alembic_project(tmp_path, database.url, schema)
    command.upgrade(Config(str(ini)), "b1")  # part way, one branch ahead of the other

    created = orch("init", "--from-alembic", str(ini))
    assert created.exit_code == 0, created.output
    assert f"created {tmp_path / 'orch.toml'}" in created.stdout
    assert 'carried over: env.py: version_table: version_table = "app_version"' in created.stdout
    assert "not carried over: env.py: include_object: include_object=include_object" in (
        created.stdout
    )
    assert "not carried over: alembic.ini: post_write_hooks: black" in created.stdout

    status = orch("status", "--json")
    assert status.exit_code == 0, status.output
    state = json.loads(status.stdout)["databases"]["app"]
    assert state["current"] == ["b1"]
    assert state["blocked"] is None
    assert sorted(state["pending"]) == ["a3", "c1", "m"]

    assert orch("upgrade", "heads").exit_code == 0
    table = f"{schema}.app_version" if schema else "app_version"
    assert version_rows(database, table) == ["a3"]
    orch_schema = schema_of(database, None)

    # Back to Alembic at any point: it reads orch's version rows and goes down and up again.
    config = Config(str(ini))
    command.downgrade(config, "a2")
    assert version_rows(database, table) == ["a2"]
    command.upgrade(config, "heads")
    assert version_rows(database, table) == ["a3"]
    alembic_schema = schema_of(database, None)
    orch_tables = {n: c for n, c in orch_schema.items() if n != "orch_history"}
    assert orch_tables == {n: c for n, c in alembic_schema.items() if n != "orch_history"}


def test_a_password_stays_out_of_the_file(tmp_path: Path, orch: Invoke) -> None:
    ini = alembic_project(tmp_path, "postgresql://app:s3cr%40t@db.example/app", None)
    result = orch("init", "--from-alembic", str(ini))
    assert result.exit_code == 0, result.output
    text = (tmp_path / "orch.toml").read_text()
    assert "s3cr" not in text
    assert 'url = "postgresql://app:${APP_DATABASE_PASSWORD}@db.example/app"' in text
    assert "set APP_DATABASE_PASSWORD before connecting" in result.stdout


def test_an_env_py_url_variable_is_used(tmp_path: Path, orch: Invoke) -> None:
    alembic_project(tmp_path, "driver://user:pass@localhost/dbname", None)
    env_py = tmp_path / "migrations" / "env.py"
    env_py.write_text(
        "import os\n"
        + env_py.read_text().replace(
            "config = context.config\n",
            'config = context.config\nconfig.set_main_option("sqlalchemy.url", '
            'os.environ["APP_DSN"])\n',
        )
    )
    result = orch("init", "--from-alembic", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert 'url = "${APP_DSN}"' in (tmp_path / "orch.toml").read_text()


@pytest.mark.parametrize(
    ("ini", "fragment"),
    [
        (None, "alembic.ini: does not exist"),
        ("[alembic]\nsqlalchemy.url = sqlite://\n", "alembic.ini: script_location: is required"),
        ("[other]\n", "alembic.ini: has no [alembic] section"),
    ],
)
def test_a_bad_alembic_ini_exits_2_naming_it(
    tmp_path: Path, orch: Invoke, ini: str | None, fragment: str
) -> None:
    if ini is not None:
        (tmp_path / "alembic.ini").write_text(ini)
    result = orch("init", "--from-alembic", "alembic.ini")
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert not (tmp_path / "orch.toml").exists()


def test_an_existing_orch_toml_is_kept(tmp_path: Path, orch: Invoke) -> None:
    ini = alembic_project(tmp_path, "sqlite:///app.db", None)
    (tmp_path / "orch.toml").write_text("# mine\n")
    result = orch("init", "--from-alembic", str(ini), "--service", "billing")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'orch.toml'} already exists")
    assert (tmp_path / "orch.toml").read_text() == "# mine\n"
    (tmp_path / "orch.toml").unlink()
    assert orch("init", "--from-alembic", str(ini), "--service", "billing").exit_code == 0
    text = (tmp_path / "orch.toml").read_text()
    assert "[databases.billing]" in text
    assert 'url = "${BILLING_DATABASE_URL:-sqlite:///app.db}"' in text
