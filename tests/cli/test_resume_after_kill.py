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
from tests.cli.test_workers import ORCH
from tests.core.runtime.test_resume import STATEMENTS, history, kept_count, runner_with_step
from tests.support.databases import TestDatabase

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
