"""A hooks module in a real run: steps between before/after hooks, connections set up by it."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli.conftest import Invoke
from tests.support.databases import TestDatabase
from tests.support.inspection import mariadb_user, table_names
from tests.support.projects import Database, Script, write_project

SCRIPTS = [Script("a1", labels=("app",)), Script("a2", "a1")]

STEP_HOOKS = """
from pathlib import Path

LOG = Path(__file__).with_name("calls.txt")


def _log(line):
    with LOG.open("a") as out:
        out.write(line + "\\n")


def before_step(connection, step):
    _log(f"before {step.revision} {step.direction}")


def on_version_apply(ctx, step, heads, run_args):
    _log(
        f"version {step.up_revision_id} upgrade={step.is_upgrade} stamp={step.is_stamp} "
        f"from={list(step.source_revision_ids)} to={list(step.destination_revision_ids)} "
        f"heads={sorted(heads)}"
    )


def after_step(connection, step):
    if step.revision == "{fail_after}":
        raise RuntimeError("after_step refused")
    _log(f"after {step.revision} {step.direction}")
"""


def project(tmp_path: Path, url: str, hooks: str, **orch: object) -> Path:
    (tmp_path / "hooks.py").write_text(hooks)
    return write_project(
        tmp_path, {"app": SCRIPTS}, {"main": Database(url, ["app"])}, {"hooks": "hooks.py", **orch}
    )


def test_each_step_runs_between_the_hooks_with_alembics_arguments(
    database: TestDatabase, tmp_path: Path, orch: Invoke
) -> None:
    config = project(tmp_path, database.url, STEP_HOOKS.replace("{fail_after}", "none"))
    assert orch("--config", str(config), "upgrade", "heads").exit_code == 0
    assert orch("--config", str(config), "downgrade", "a1").exit_code == 0
    assert orch("--config", str(config), "stamp", "a2").exit_code == 0
    assert (tmp_path / "calls.txt").read_text().splitlines() == [
        "before a1 up",
        "version a1 upgrade=True stamp=False from=[] to=['a1'] heads=['a1']",
        "after a1 up",
        "before a2 up",
        "version a2 upgrade=True stamp=False from=['a1'] to=['a2'] heads=['a2']",
        "after a2 up",
        "before a2 down",
        "version a2 upgrade=False stamp=False from=['a2'] to=['a1'] heads=['a1']",
        "after a2 down",
        "version a2 upgrade=True stamp=True from=['a1'] to=['a2'] heads=['a2']",
    ]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_failing_after_step_rolls_the_step_back(
    make_database: object, tmp_path: Path, orch: Invoke, kind: str
) -> None:
    database: TestDatabase = make_database(kind)  # type: ignore[operator]
    config = project(tmp_path, database.url, STEP_HOOKS.replace("{fail_after}", "a2"))
    result = orch("--config", str(config), "upgrade", "heads")
    assert result.exit_code == 1
    assert "after_step refused" in result.stderr
    assert "t_a1" in table_names(database)
    assert "t_a2" not in table_names(database)  # rolled back with its step


SEARCH_PATH = """
def on_connect(database, dbapi_connection):
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET search_path TO tenant_a")
    dbapi_connection.commit()
"""

CONNECT_ARGS = """
def connect_args(database):
    return {"options": "-c search_path=tenant_a"}
"""


@pytest.mark.parametrize("hooks", [SEARCH_PATH, CONNECT_ARGS], ids=["on_connect", "connect_args"])
def test_connection_hooks_put_a_tenant_in_its_schema(
    postgresql_database: TestDatabase, tmp_path: Path, orch: Invoke, hooks: str
) -> None:
    engine = postgresql_database.engine()
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA tenant_a"))
    engine.dispose()
    config = project(tmp_path, postgresql_database.url, hooks)
    result = orch("--config", str(config), "upgrade", "heads")
    assert result.exit_code == 0, result.output
    assert {"alembic_version", "t_a1", "t_a2"} <= table_names(postgresql_database, "tenant_a")
    assert "t_a1" not in table_names(postgresql_database, "public")


def test_the_password_is_fetched_when_connecting(
    mariadb_database: TestDatabase, tmp_path: Path, orch: Invoke
) -> None:
    password = "t0ken/@fetched"
    with mariadb_user(mariadb_database, password) as user:
        url = sa.make_url(mariadb_database.url).set(username=user)
        hooks = f"def password(database):\n    return {password!r}\n"
        config = project(tmp_path, url.render_as_string(hide_password=False), hooks)
        result = orch("--config", str(config), "status")
        assert result.exit_code == 0, result.output
        assert orch("--config", str(config), "upgrade", "heads").exit_code == 0
        assert {"t_a1", "t_a2"} <= table_names(mariadb_database)


def test_a_bad_hooks_path_exits_2_naming_key_and_file(tmp_path: Path, orch: Invoke) -> None:
    config = write_project(
        tmp_path,
        {"app": SCRIPTS},
        {"main": Database(f"sqlite:///{tmp_path}/main.db", ["app"])},
        {"hooks": "nowhere/hooks.py"},
    )
    result = orch("--config", str(config), "upgrade", "heads")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {config}: orch.hooks: hooks file ")
    assert "nowhere/hooks.py does not exist" in result.stderr
