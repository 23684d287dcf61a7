"""`orch upgrade --resume` after SIGKILL at each statement of a step outside a transaction, on
PostgreSQL and MariaDB: the count the database kept is truthful, and the rest runs once."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from orch_core.errors import PartialMigrationPending
from tests.cli.conftest import Invoke
from tests.cli.test_workers import ORCH
from tests.core.operations.helpers import inspect, rows
from tests.core.runtime.test_resume import STATEMENTS, history, kept_count, runner_with_step
from tests.support.databases import TestDatabase
from tests.support.projects import Database, Script, write_project

# Statements that wait for the test's lock: reads, so they count for nothing and run again.
# MariaDB's named locks are the server's: each test's gate is named after its database.
WAIT = {
    "postgresql": "SELECT pg_advisory_lock(4242)",
    "mariadb": "SELECT GET_LOCK(DATABASE(), 60)",
}
# Whether a migrator waits for the test's lock: it is then inside the step, before statement k.
WAITING = {
    "postgresql": "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
    "AND objid = 4242 AND database = (SELECT oid FROM pg_database "
    "WHERE datname = current_database())",
    "mariadb": "SELECT count(*) FROM information_schema.processlist "
    "WHERE state = 'User lock' AND db = DATABASE()",
}


@contextmanager
def _gate_held(database: TestDatabase) -> Iterator[sa.Connection]:
    """Hold the lock the step waits for, on a connection of the test's own."""
    engine = database.engine()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(WAIT[database.kind]))
            yield conn
    finally:
        engine.dispose()


def _kill_at_the_gate(config: Path, gate: sa.Connection, kind: str) -> None:
    """Run `orch upgrade` until it waits at the gate, then SIGKILL it."""
    command = [str(ORCH), "--config", str(config), "upgrade", "heads"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while gate.execute(sa.text(WAITING[kind])).scalar() == 0:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the migrator never reached the gate"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        process.kill()
        process.communicate()


def _resume_after_kill(tmp_path: Path, database: TestDatabase, k: int) -> None:
    wait = f'op.execute("{WAIT[database.kind]}")'
    lines = [*STATEMENTS[: k - 1], wait, *STATEMENTS[k - 1 :]]
    # MariaDB: an ordinary script (its DDL commits anyway); PostgreSQL: transactional = False.
    mariadb = database.kind == "mariadb"
    runner = runner_with_step(tmp_path, database, "\n".join(lines), transactional=mariadb)
    config = tmp_path / "orch.toml"
    kept = kept_count(database.kind, k)
    try:
        with _gate_held(database) as gate:
            _kill_at_the_gate(config, gate, database.kind)
        assert history(database)[-1] == ("a2", "started", kept)
        with pytest.raises(PartialMigrationPending, match=f"{kept} of its statements completed"):
            runner.migrate("up", "heads")
        runner.resume = True
        result = runner.migrate("up", "heads")
        assert [(s.revision, s.statements_skipped) for s in result.steps] == [("a2", kept)]
        assert runner.current() == ("a2",)
        assert history(database)[-2:] == [("a2", "started", 4), ("a2", "applied", 4)]
        engine = database.engine()
        try:
            inspector = sa.inspect(engine)
            assert [c["name"] for c in inspector.get_columns("r")] == ["id", "b"]
            assert [i["name"] for i in inspector.get_indexes("r")] == ["ix_r_b"]
            with engine.connect() as conn:
                assert conn.execute(sa.text("SELECT id, b FROM r")).all() == [(1, 2)]
        finally:
            engine.dispose()
    finally:
        runner.dispose()


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_a_kill_at_each_statement_resumes_on_mariadb(
    mariadb_database: TestDatabase, tmp_path: Path, k: int
) -> None:
    _resume_after_kill(tmp_path, mariadb_database, k)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_a_kill_at_each_statement_outside_a_transaction_resumes_on_postgresql(
    postgresql_database: TestDatabase, tmp_path: Path, k: int
) -> None:
    _resume_after_kill(tmp_path, postgresql_database, k)


def _table(name: str) -> str:
    return f'op.create_table("{name}", sa.Column("id", sa.Integer, primary_key=True))'


def _killed_per_run(tmp_path: Path, database: TestDatabase, third: list[str]) -> None:
    """Run a per-run upgrade of a1, a2 (a table each) and a3 (`third`, which waits at the
    gate), SIGKILL it at the gate, and check a1 and a2 are applied and recorded."""
    scripts = [
        Script("a1", upgrade=_table("t1")),
        Script("a2", "a1", upgrade=_table("t2")),
        Script("a3", "a2", upgrade="\n".join(third)),
    ]
    entry = Database(database.url, ["app"], extra={"transaction_mode": "per-run"})
    config = write_project(tmp_path, {"app": scripts}, {"main": entry})
    with _gate_held(database) as gate:
        _kill_at_the_gate(config, gate, database.kind)
    # Their DDL committed as it ran: so did their version rows, at the end of each step.
    assert _version(database) == [("a2",)]
    applied = [h for h in history(database) if h[1] != "started"]
    assert applied == [("a1", "applied", 1), ("a2", "applied", 1)]


def _version(database: TestDatabase) -> list[tuple[object, ...]]:
    return rows(database, "SELECT version_num FROM alembic_version")


def test_a_per_run_step_killed_before_its_ddl_on_mariadb_runs_again(
    mariadb_database: TestDatabase, tmp_path: Path, orch: Invoke
) -> None:
    _killed_per_run(tmp_path, mariadb_database, [f'op.execute("{WAIT["mariadb"]}")', _table("t3")])
    # Nothing of a3 was committed, its `started` row included: the next run simply runs it.
    assert history(mariadb_database)[-1] == ("a2", "applied", 1)
    main, current, _, pending, _, note = orch("status").stdout.splitlines()[1].split("\t")
    assert (main, current, pending, note) == ("main", "a2", "1", "")
    upgraded = orch("upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert _version(mariadb_database) == [("a3",)]


def test_a_per_run_step_killed_after_its_ddl_on_mariadb_is_recorded_started(
    mariadb_database: TestDatabase, tmp_path: Path, orch: Invoke
) -> None:
    third = [_table("t3"), f'op.execute("{WAIT["mariadb"]}")', _table("t3b")]
    _killed_per_run(tmp_path, mariadb_database, third)
    assert history(mariadb_database)[-1] == ("a3", "started", 1)
    note = orch("status").stdout.splitlines()[1].split("\t")[-1]
    assert "revision a3" in note and "killed" in note, note
    refused = orch("upgrade")
    assert refused.exit_code == 1
    assert "main: revision a3" in refused.stderr
    assert "1 of its statements completed, `--resume` runs the rest" in refused.stderr
    resumed = orch("upgrade", "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert _version(mariadb_database) == [("a3",)]
    tables = inspect(mariadb_database, lambda i: sorted(i.get_table_names()))
    assert [t for t in tables if t.startswith("t")] == ["t1", "t2", "t3", "t3b"]
