"""`upgrade --resume`: a step outside one transaction that failed at its k-th statement runs
the rest once the cause is fixed, each object made once; and the refusals where it cannot."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from orch_core.errors import MigrationFailed, PartialMigrationPending, ResumeRefused
from orch_core.runtime.runner import DatabaseRunner
from tests.core.operations.helpers import inspect, rows, runner_for
from tests.support.databases import TestDatabase
from tests.support.projects import Script

BASE = Script("a1", upgrade='op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))')

# The step's own statements, in order; a gate that fails until the test creates its table is
# put before the k-th of them (the gate is then statement k).
STATEMENTS = (
    'op.create_table("r", sa.Column("id", sa.Integer, primary_key=True))',
    'op.add_column("r", sa.Column("b", sa.Integer))',
    'op.create_index("ix_r_b", "r", ["b"])',
    'op.execute("INSERT INTO r (id, b) VALUES (1, 2)")',
)
GATE = "op.execute(\"INSERT INTO gate (note) VALUES ('passed')\")"


def step_body(k: int, *, autocommit_block: bool = False) -> str:
    """Return a2's upgrade(): STATEMENTS with the gate as statement k."""
    lines = [*STATEMENTS[: k - 1], GATE, *STATEMENTS[k - 1 :]]
    if autocommit_block:
        return "with op.get_context().autocommit_block():\n" + "\n".join(
            "    " + line for line in lines
        )
    return "\n".join(lines)


def kept_count(kind: str, k: int) -> int:
    """Return how many statements the database keeps done when the step stops before the k-th.

    On MariaDB, an ordinary script's INSERT (statement 4) is in a transaction until the step
    ends: stopped after it, it rolls back, and its count with it."""
    return 3 if kind == "mariadb" and k == 5 else k - 1


def runner_with_step(
    tmp_path: Path, database: TestDatabase, body: str, *, transactional: bool = False
) -> DatabaseRunner:
    """Return a runner for a1 and a2 (running `body`, outside a transaction unless asked)."""
    script = Script("a2", "a1", upgrade=body)
    runner = runner_for(tmp_path, database, [BASE, script])
    if not transactional:
        text = script.text().replace("def upgrade", "transactional = False\n\n\ndef upgrade")
        (tmp_path / "services" / "app" / "a2_rev.py").write_text(text)
    return runner


def fix_the_cause(database: TestDatabase) -> None:
    """Create the table the gate writes to: what an operator would fix."""
    engine = database.engine()
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE gate (note VARCHAR(20))"))
    finally:
        engine.dispose()


def history(database: TestDatabase) -> list[tuple[str, str, int | None]]:
    """Return (revision, outcome, statements_done) of each history row, oldest first."""
    found = rows(
        database, "SELECT revision, outcome, statements_done FROM orch_history ORDER BY id"
    )
    return [(r[0], r[1], r[2]) for r in found]


def assert_done_once(database: TestDatabase, runner: DatabaseRunner) -> None:
    """Assert a2's objects and rows are there exactly once and the database is at a2."""
    assert runner.current() == ("a2",)
    assert rows(database, "SELECT id, b FROM r") == [(1, 2)]
    assert rows(database, "SELECT note FROM gate") == [("passed",)]
    columns = inspect(database, lambda i: [c["name"] for c in i.get_columns("r")])
    assert columns == ["id", "b"]
    indexes = inspect(database, lambda i: [x["name"] for x in i.get_indexes("r")])
    assert indexes == ["ix_r_b"]


def fail_then_resume(
    tmp_path: Path, database: TestDatabase, k: int, *, autocommit_block: bool = False
) -> DatabaseRunner:
    """Run a2 until its gate (statement k) fails, check the refusal, fix, resume."""
    body = step_body(k, autocommit_block=autocommit_block)
    # On MariaDB an ordinary script: its DDL commits as it goes, transactional or not.
    transactional = autocommit_block or database.kind == "mariadb"
    runner = runner_with_step(tmp_path, database, body, transactional=transactional)
    kept = kept_count(database.kind, k)
    with pytest.raises(MigrationFailed) as failed:
        runner.migrate("up", "heads")
    assert failed.value.partial
    assert failed.value.statements_done == kept
    with pytest.raises(PartialMigrationPending) as pending:
        runner.migrate("up", "heads")
    assert pending.value.statements_done == kept
    assert f"{kept} of its statements completed, `--resume` runs the rest" in str(pending.value)
    fix_the_cause(database)
    runner.resume = True
    result = runner.migrate("up", "heads")
    assert [s.statements_skipped for s in result.steps] == [kept]
    assert result.note is None
    return runner


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_a_step_failed_at_each_statement_resumes_on_mariadb(
    mariadb_database: TestDatabase, tmp_path: Path, k: int
) -> None:
    runner = fail_then_resume(tmp_path, mariadb_database, k)
    try:
        assert_done_once(mariadb_database, runner)
        kept = kept_count("mariadb", k)
        assert history(mariadb_database)[-4:] == [
            ("a2", "started", kept),
            ("a2", "failed-partial", kept),
            ("a2", "started", 5),  # the resumed run's, counted on from k - 1
            ("a2", "applied", 5),
        ]
    finally:
        runner.dispose()


@pytest.mark.parametrize("k", [1, 3, 5])
def test_a_step_without_a_transaction_failed_at_a_statement_resumes_on_postgresql(
    postgresql_database: TestDatabase, tmp_path: Path, k: int
) -> None:
    runner = fail_then_resume(tmp_path, postgresql_database, k)
    try:
        assert_done_once(postgresql_database, runner)
        assert [row[1:] for row in history(postgresql_database)[-3:]] == [
            ("failed-partial", k - 1),
            ("started", 5),
            ("applied", 5),
        ]
    finally:
        runner.dispose()


@pytest.mark.parametrize("k", [2, 4])
def test_an_autocommit_block_failed_at_a_statement_resumes_on_postgresql(
    postgresql_database: TestDatabase, tmp_path: Path, k: int
) -> None:
    runner = fail_then_resume(tmp_path, postgresql_database, k, autocommit_block=True)
    try:
        assert_done_once(postgresql_database, runner)
        assert history(postgresql_database)[-1] == ("a2", "applied", 5)
    finally:
        runner.dispose()


def test_a_step_without_a_transaction_resumes_on_sqlite(
    sqlite_database: TestDatabase, tmp_path: Path
) -> None:
    runner = fail_then_resume(tmp_path, sqlite_database, 3)
    try:
        assert_done_once(sqlite_database, runner)
    finally:
        runner.dispose()


def test_with_nothing_half_done_resume_says_so_and_runs_as_usual(
    sqlite_database: TestDatabase, tmp_path: Path
) -> None:
    # A transactional step rolled back as a whole: nothing to resume, the whole step runs.
    runner = runner_with_step(tmp_path, sqlite_database, step_body(3), transactional=True)
    try:
        with pytest.raises(MigrationFailed) as failed:
            runner.migrate("up", "heads")
        assert not failed.value.partial
        assert failed.value.statements_done is None
        fix_the_cause(sqlite_database)
        runner.resume = True
        result = runner.migrate("up", "heads")
        assert result.note is not None
        assert result.note.startswith("nothing to resume")
        assert [s.statements_skipped for s in result.steps] == [None]
        assert_done_once(sqlite_database, runner)
    finally:
        runner.dispose()


def _failed_at(tmp_path: Path, database: TestDatabase, body: str) -> DatabaseRunner:
    runner = runner_with_step(tmp_path, database, body)
    with pytest.raises(MigrationFailed):
        runner.migrate("up", "heads")
    fix_the_cause(database)
    runner.resume = True
    return runner


def test_resume_is_refused_when_the_script_changed_since(
    mariadb_database: TestDatabase, tmp_path: Path
) -> None:
    runner = _failed_at(tmp_path, mariadb_database, step_body(3))
    try:
        script = tmp_path / "services" / "app" / "a2_rev.py"
        script.write_text(script.read_text() + "\n# edited after the failure\n")
        with pytest.raises(ResumeRefused) as refused:
            runner.migrate("up", "heads")
        assert str(refused.value).startswith("main: cannot resume revision a2: its script changed")
        assert runner.current() == ("a1",)
    finally:
        runner.dispose()


def test_resume_is_refused_when_the_plan_does_not_run_the_half_done_step(
    mariadb_database: TestDatabase, tmp_path: Path
) -> None:
    runner = _failed_at(tmp_path, mariadb_database, step_body(2))
    try:
        with pytest.raises(ResumeRefused, match="not in this run's plan"):
            runner.migrate("up", "a1")
    finally:
        runner.dispose()


# Its first statement's text depends on what the database holds: a resumed run may differ.
DEPENDS_ON_DATA = (
    'n = op.get_bind().execute(sa.text("SELECT count(*) FROM t")).scalar()\n'
    'op.execute(f"CREATE TABLE r{n} (id INTEGER)")\n' + GATE
)


def test_a_resumed_step_whose_statements_differ_fails_before_running_any(
    postgresql_database: TestDatabase, tmp_path: Path
) -> None:
    runner = _failed_at(tmp_path, postgresql_database, DEPENDS_ON_DATA)
    try:
        engine = postgresql_database.engine()
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO t (id) VALUES (1)"))
        engine.dispose()
        with pytest.raises(MigrationFailed) as failed:
            runner.migrate("up", "heads")
        assert "its first 1 statement(s) differ" in failed.value.reason
        assert rows(postgresql_database, "SELECT count(*) FROM gate") == [(0,)]  # not run
        assert history(postgresql_database)[-1] == ("a2", "failed-partial", 1)  # still resumable
    finally:
        runner.dispose()


def old_history_table() -> sa.Table:
    """Return the history table as orch made it before it counted statements."""
    return sa.Table(
        "orch_history",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("revision", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("statement", sa.Text),
        sa.Column("script_sha256", sa.String(64)),
        sa.Column("os_user", sa.String(128), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("orch_version", sa.String(32), nullable=False),
    )


def test_a_history_table_of_an_older_orch_gets_the_count_and_is_never_resumed_unknown(
    database: TestDatabase, tmp_path: Path
) -> None:
    engine = database.engine()
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(sa.text("INSERT INTO alembic_version VALUES ('a1')"))
    runner = runner_with_step(tmp_path, database, step_body(1))
    try:
        with engine.begin() as conn:  # as an orch without the count left a killed step
            table = old_history_table()
            table.create(conn)
            when = datetime.datetime(2026, 1, 1)
            killed = {"run_id": "old", "revision": "a2", "direction": "up", "outcome": "started"}
            conn.execute(
                table.insert(),
                {
                    **killed,
                    **{"started_at": when, "finished_at": when, "duration_ms": 0},
                    **{"os_user": "me", "host": "here", "orch_version": "0.9"},
                },
            )
        state = runner.state()[1]  # read-only: creates nothing, says nothing of a count
        assert isinstance(state, PartialMigrationPending)
        assert state.statements_done is None
        assert "--resume" not in str(state)
        runner.resume = True
        with pytest.raises(ResumeRefused, match="written by an orch older than --resume"):
            runner.migrate("up", "heads")
        found = inspect(database, lambda i: [c["name"] for c in i.get_columns("orch_history")])
        assert found[-2:] == ["statements_done", "statements_sha256"]
        runner.stamp("a1")  # someone checked: a2 left nothing
        fix_the_cause(database)
        runner.resume = False
        assert runner.migrate("up", "heads").after == ("a2",)
    finally:
        engine.dispose()
        runner.dispose()


def test_a_half_done_downgrade_resumes_with_downgrade_only(
    mariadb_database: TestDatabase, tmp_path: Path
) -> None:
    down = f'op.drop_index("ix_r_b", "r")\n{GATE}\nop.drop_table("r")'
    script = Script("a2", "a1", upgrade=step_body(5).replace(GATE, ""), downgrade=down)
    runner = runner_for(tmp_path, mariadb_database, [BASE, script])
    try:
        runner.migrate("up", "heads")
        with pytest.raises(MigrationFailed) as failed:
            runner.migrate("down", "a1")
        assert failed.value.statements_done == 1
        fix_the_cause(mariadb_database)
        runner.resume = True
        with pytest.raises(ResumeRefused, match="its downgrade, is not in this run's plan"):
            runner.migrate("up", "heads")
        result = runner.migrate("down", "a1")
        assert [(s.direction, s.statements_skipped) for s in result.steps] == [("down", 1)]
        assert runner.current() == ("a1",)
        assert not inspect(mariadb_database, lambda i: i.has_table("r"))
        assert rows(mariadb_database, "SELECT note FROM gate") == [("passed",)]
    finally:
        runner.dispose()
