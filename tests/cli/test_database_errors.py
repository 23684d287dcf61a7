"""A url that cannot work, and a database that cannot be reached: named, exit 2, never a bug."""

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from orch_cli.errors import describe
from tests.cli.conftest import Invoke, no_traceback
from tests.support.databases import TestDatabase
from tests.support.projects import Database, Script, write_project

SCRIPTS = [Script("a1", labels=("app",)), Script("a2", "a1")]
COMMANDS = [("upgrade", "heads"), ("upgrade", "heads", "--sql"), ("status",), ("current",)]


def _project(tmp_path: Path, url: str) -> Path:
    return write_project(tmp_path, {"app": SCRIPTS}, {"main": Database(url, ["app"])})


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("not a url", "not a database URL"),
        ("nosuchdialect://h/db", "SQLAlchemy has no dialect 'nosuchdialect'"),
        ("mysql://u:pw@127.0.0.1/db", "install the package mysqlclient"),
        ("postgresql+psycopg://u:pw@127.0.0.1:abc/db", "the port is not a number"),
        ("mysql+pymysql://u:p@ss@127.0.0.1/db", "an `@` that is not percent-encoded"),
        ("mysql+pymysql://u@127.0.0.1:1/db?nosuch=1", "unexpected keyword argument 'nosuch'"),
    ],
)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_bad_url_names_the_database_and_key(
    url: str, says: str, command: tuple[str, ...], tmp_path: Path, orch: Invoke
) -> None:
    result = orch("--config", str(_project(tmp_path, url)), *command)
    assert result.exit_code == 2, result.output
    no_traceback(result)
    assert "error: databases.main.url: " in result.stderr
    assert says in result.stderr
    assert "bug" not in result.output
    assert "ss@" not in result.output  # nothing of a password cut at its first `@`


def test_an_unreachable_server_names_the_database_and_goes_to_the_audit(
    tmp_path: Path, orch: Invoke
) -> None:
    config = _project(tmp_path, "postgresql+psycopg://orch:s3cret@127.0.0.1:1/db?password=s3cret")
    result = orch("--config", str(config), "upgrade", "heads")
    assert result.exit_code == 2, result.output
    no_traceback(result)
    assert "error: cannot connect to database main: " in result.stderr
    assert "s3cret" not in result.output
    audit = (tmp_path / ".orch" / "audit.jsonl").read_text()
    assert "s3cret" not in audit
    events = [json.loads(line) for line in audit.splitlines()]
    unreachable = [e for e in events if e["event"] == "db.unreachable"]
    assert unreachable and unreachable[0]["database"] == "main"
    assert "Connection refused" in unreachable[0]["error"]


def test_an_error_that_is_not_about_connecting_is_told_as_it_is(
    sqlite_database: TestDatabase,
) -> None:
    engine = sqlite_database.engine()
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE orch_history (id INTEGER)"))
            conn.execute(sa.text("CREATE TABLE orch_history (id INTEGER)"))
    except sa.exc.OperationalError as exc:
        error = describe(exc)
    finally:
        engine.dispose()
    assert error.message == "the database answered: table orch_history already exists"
    assert "cannot connect" not in error.message
    assert "bug" not in error.hint
    assert error.exit_code == 1
