"""A marker password, in the url's user:password part and in `?password=`, shows nowhere.

Every command and output mode is swept: text, --json, --log-format json, -v events, the audit
file, the history table, --sql; a script's error quoting the url (summary note, history row,
MariaDB's refusal of the half-done step on the next run) included."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.cli.conftest import Invoke
from tests.support.databases import TestDatabase
from tests.support.inspection import mariadb_user
from tests.support.projects import Database, Script, write_project

# Characters a URL cannot hold as they are, and that a query value can.
MARKER = "Mk7@r/k:er9"
FAILING = """op.create_table("t_a2", sa.Column("id", sa.Integer, primary_key=True))
url = op.get_bind().engine.url
raise RuntimeError(f"boom at {url.render_as_string(hide_password=False)} password={url.password}")
"""
SCRIPTS = [Script("a1", labels=("app",)), Script("a2", "a1", upgrade=FAILING)]
SWEEP = [
    ("-v", "upgrade", "heads"),
    ("--log-format", "json", "-v", "upgrade", "heads", "--json"),
    ("-v", "upgrade", "heads"),  # MariaDB: the refusal that replays the half-done step's error
    ("status",),
    ("status", "--json"),
    ("current",),
    ("current", "--json"),
    ("--log-format", "json", "-v", "current"),
    ("upgrade", "base:a1", "--sql"),
    ("upgrade", "heads", "--sql"),
    ("upgrade", "heads", "--dry-run", "--json"),
    ("verify",),
    ("stamp", "--db", "main", "a2", "--json"),
    ("-v", "downgrade", "a1", "--json"),
    ("--log-format", "json", "-v", "stamp", "a1"),
]


@contextmanager
def postgresql_user(database: TestDatabase, password: str) -> Iterator[str]:
    """Create a PostgreSQL role with this password that owns the database; drop it after."""
    user = f"orch_{uuid.uuid4().hex[:8]}"
    literal = password.replace("'", "''")  # utility statements take no bound parameters
    admin = database.engine(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {user} LOGIN PASSWORD '{literal}'"))
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{database.name}" OWNER TO {user}'))
        yield user
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"REASSIGN OWNED BY {user} TO CURRENT_USER"))
            conn.execute(sa.text(f"DROP OWNED BY {user}"))
            conn.execute(sa.text(f"DROP ROLE {user}"))
        admin.dispose()


@contextmanager
def marked_url(database: TestDatabase) -> Iterator[str]:
    """Yield the database's url with MARKER as its password, taken from ${ORCH_PW}."""
    url = sa.make_url(database.url)
    if database.kind == "sqlite":
        yield f"{database.url}?password={MARKER}"
        return
    user_of = postgresql_user if database.kind == "postgresql" else mariadb_user
    with user_of(database, MARKER) as user:
        where = f"{url.host}:{url.port}/{url.database}"
        yield f"{url.drivername}://{user}:${{ORCH_PW}}@{where}?password={MARKER}"


def history_rows(database: TestDatabase) -> str:
    engine = database.engine()
    try:
        with engine.connect() as conn:
            return repr(conn.execute(sa.text("SELECT * FROM orch_history")).all())
    finally:
        engine.dispose()


# SQLite takes no password: pysqlite warns that it ignores the parameter (naming only its key).
@pytest.mark.filterwarnings("ignore:Query string argument")
def test_the_password_shows_nowhere(database: TestDatabase, tmp_path: Path, orch: Invoke) -> None:
    with marked_url(database) as url:
        config = write_project(tmp_path, {"app": SCRIPTS}, {"main": Database(url, ["app"])})
        seen = []
        for command in SWEEP:
            result = orch("--config", str(config), *command, env={"ORCH_PW": MARKER})
            assert "Traceback" not in result.output
            seen.append(f"$ orch {' '.join(command)} -> {result.exit_code}\n{result.output}")
        seen.append(history_rows(database))
        seen.append((tmp_path / ".orch" / "audit.jsonl").read_text())
    everything = "\n".join(seen)
    assert seen[0].startswith("$ orch -v upgrade heads -> 1\n")  # it connected: a1, then a2 failed
    assert "boom at" in everything  # the script's error was there to leak
    assert "-- orch: database main (" in everything  # the --sql header too
    for form in (MARKER, quote(MARKER, safe=""), "r/k:er9"):
        assert form not in everything, everything
