"""SIGTERM or Ctrl-C during a statement that does not end: after the grace period the
statement is cancelled through the driver, the step is recorded, and orch exits 143 or 130."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli.test_workers import ORCH
from tests.support.databases import TestDatabase
from tests.support.projects import Database, Script, write_project

SLEEPS = {"postgresql": "SELECT pg_sleep(60)", "mariadb": "SELECT SLEEP(60)"}

SLOW_STEP = """from pathlib import Path
op.create_table("t_a2", sa.Column("id", sa.Integer, primary_key=True))
Path({marker!r}).write_text("in step a2")
op.execute("{sleep}")"""


def _project(tmp_path: Path, database: TestDatabase, marker: Path, grace: float = 1) -> Path:
    slow = Script(
        "a2", "a1", upgrade=SLOW_STEP.format(marker=str(marker), sleep=SLEEPS[database.kind])
    )
    scripts = {"app": [Script("a1"), slow, Script("a3", "a2")]}
    databases = {"main": Database(database.url, ["app"])}
    return write_project(tmp_path, scripts, databases, {"stop_grace_seconds": grace})


def _signalled_run(
    config: Path, marker: Path, number: signal.Signals, times: int = 1
) -> tuple[int, str, str, float]:
    """Run `orch upgrade heads`, send `number` once the slow step runs; return what it did."""
    command = [str(ORCH), "--config", str(config), "upgrade", "heads"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not marker.exists():
            process.kill()
            pytest.fail(f"the migrator never reached step a2: {process.communicate()[1]}")
        time.sleep(0.3)
        sent = time.monotonic()
        for _ in range(times):
            process.send_signal(number)
            time.sleep(0.5)
        stdout, stderr = process.communicate(timeout=40)
        return process.returncode, stdout, stderr, time.monotonic() - sent
    finally:
        process.kill()


def _heads(database: TestDatabase) -> list[str]:
    engine = database.engine()
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(sa.text("SELECT version_num FROM alembic_version"))]
    finally:
        engine.dispose()


def _tables(database: TestDatabase) -> set[str]:
    engine = database.engine()
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture(params=["postgresql", "mariadb"])
def server_database(request: pytest.FixtureRequest) -> TestDatabase:
    """An empty PostgreSQL or MariaDB database: the kinds whose statements can sleep."""
    database = request.getfixturevalue(f"{request.param}_database")
    assert isinstance(database, TestDatabase)
    return database


@pytest.mark.parametrize(("number", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_statement_that_does_not_end_is_cancelled_after_the_grace_period(
    server_database: TestDatabase, tmp_path: Path, number: signal.Signals, code: int
) -> None:
    database = server_database
    marker = tmp_path / "in-step"
    config = _project(tmp_path, database, marker)
    returncode, stdout, stderr, took = _signalled_run(config, marker, number)
    assert returncode == code, stderr
    assert "Traceback" not in stderr
    assert took < 20  # the 60-second statement did not run out
    assert "cancelled when the grace period ran out" in stdout + stderr
    assert _heads(database) == ["a1"]
    if database.kind == "postgresql":
        assert "t_a2" not in _tables(database)  # the step rolled back
    else:
        # MariaDB committed the CREATE TABLE: the step is half done, and the next run says so.
        assert "t_a2" in _tables(database)
        again = subprocess.run(
            [str(ORCH), "--config", str(config), "upgrade", "heads"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert again.returncode == 1
        assert "revision a2 failed part-way" in again.stderr


def test_a_second_signal_quits_at_once_with_its_own_exit_code(
    postgresql_database: TestDatabase, tmp_path: Path
) -> None:
    marker = tmp_path / "in-step"
    config = _project(tmp_path, postgresql_database, marker, grace=60)
    returncode, _, stderr, took = _signalled_run(config, marker, signal.SIGTERM, times=2)
    assert returncode == 143, stderr
    assert "Traceback" not in stderr
    assert took < 20
    assert _heads(postgresql_database) == ["a1"]
    assert "t_a2" not in _tables(postgresql_database)  # the connection closed: rolled back
