"""A password with `@` or `/` in a `${VAR}` of the url: the migration connects with it."""

from pathlib import Path

import sqlalchemy as sa

from tests.cli.conftest import Invoke
from tests.support.databases import TestDatabase
from tests.support.inspection import mariadb_user
from tests.support.projects import Database, Script, write_project

SCRIPTS = [Script("a1", labels=("app",)), Script("a2", "a1")]


def test_a_password_with_at_and_slash_in_a_variable_connects(
    mariadb_database: TestDatabase, tmp_path: Path, orch: Invoke
) -> None:
    password = "p@ss/w:rd%"
    with mariadb_user(mariadb_database, password) as user:
        url = sa.make_url(mariadb_database.url)
        template = f"mysql+pymysql://{user}:${{APP_PASSWORD}}@{url.host}:{url.port}/{url.database}"
        config = write_project(tmp_path, {"app": SCRIPTS}, {"main": Database(template, ["app"])})
        result = orch("--config", str(config), "upgrade", "heads", env={"APP_PASSWORD": password})
        assert result.exit_code == 0, result.output
        assert password not in result.output
    engine = mariadb_database.engine()
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert [row[0] for row in rows] == ["a2"]
