"""autocommit_block in an ordinary (transactional) script, as Alembic runs it: online and --sql."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch_core.errors import MigrationFailed, PartialMigrationPending
from orch_core.runtime.plan_sql import render_plan_sql
from tests.core.operations.helpers import inspect, outcomes, runner_for
from tests.support.databases import TestDatabase
from tests.support.projects import Script

# How a failed step that committed nothing is recorded: MariaDB cannot tell (DDL commits).
_FAILED = {"sqlite": "failed", "postgresql": "failed", "mariadb": "failed-partial"}
BASE = Script("a1", upgrade='op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))')


def _index_script(kind: str, *, commit_first: bool = False, fail: bool = False) -> Script:
    """Return a2: a column, an index built in an autocommit block, then another column."""
    concurrently = ", postgresql_concurrently=True" if kind == "postgresql" else ""
    statement = 'op.execute("INSERT INTO no_such_table VALUES (1)")' if fail else ""
    body = [
        'op.add_column("t", sa.Column("a", sa.Integer))',
        "op.get_bind().commit()" if commit_first else "",
        "with op.get_context().autocommit_block():",
        f'    op.create_index("ix_t_a", "t", ["a"]{concurrently})',
        f"    {statement}" if statement else "",
        'op.add_column("t", sa.Column("b", sa.Integer))',
    ]
    return Script("a2", "a1", upgrade="\n".join(line for line in body if line))


def _index_names(database: TestDatabase) -> list[str]:
    return [ix["name"] for ix in inspect(database, lambda i: i.get_indexes("t"))]


def _column_names(database: TestDatabase) -> list[str]:
    return [c["name"] for c in inspect(database, lambda i: i.get_columns("t"))]


@pytest.mark.parametrize("commit_first", [False, True], ids=["plain", "after-commit"])
def test_autocommit_block_in_a_transactional_script(
    database: TestDatabase, tmp_path: Path, commit_first: bool
) -> None:
    scripts = [BASE, _index_script(database.kind, commit_first=commit_first)]
    runner = runner_for(tmp_path, database, scripts)
    try:
        result = runner.migrate("up", "heads")
        assert result.after == ("a2",)
        assert runner.current() == ("a2",)
    finally:
        runner.dispose()
    assert _index_names(database) == ["ix_t_a"]
    assert _column_names(database) == ["id", "a", "b"]
    assert outcomes(database) == [("a1", "applied"), ("a2", "applied")]


def test_autocommit_block_in_a_per_run_transaction(database: TestDatabase, tmp_path: Path) -> None:
    scripts = [BASE, _index_script(database.kind)]
    runner = runner_for(tmp_path, database, scripts, transaction_mode="per-run")
    try:
        assert runner.migrate("up", "heads").after == ("a2",)
    finally:
        runner.dispose()
    assert _index_names(database) == ["ix_t_a"]
    assert outcomes(database) == [("a1", "applied"), ("a2", "applied")]


def test_a_per_run_step_that_committed_early_stays_recorded_when_a_later_one_fails(
    database: TestDatabase, tmp_path: Path
) -> None:
    failing = Script("a3", "a2", upgrade='op.execute("INSERT INTO no_such_table VALUES (1)")')
    scripts = [BASE, _index_script(database.kind), failing]
    runner = runner_for(tmp_path, database, scripts, transaction_mode="per-run")
    try:
        with pytest.raises(MigrationFailed):
            runner.migrate("up", "heads")
        # a2's autocommit block committed its index and the column before it; the run's
        # rollback cannot take them back, so a2 ended committed, its version row with it.
        assert runner.current() == ("a2",)
        assert _index_names(database) == ["ix_t_a"]
        assert _column_names(database) == ["id", "a", "b"]
        assert outcomes(database)[-2:] == [("a2", "applied"), ("a3", _FAILED[database.kind])]
    finally:
        runner.dispose()


def test_a_failing_autocommit_block_never_claims_a_rollback(
    database: TestDatabase, tmp_path: Path
) -> None:
    runner = runner_for(tmp_path, database, [BASE, _index_script(database.kind, fail=True)])
    try:
        with pytest.raises(MigrationFailed) as caught:
            runner.migrate("up", "heads")
        # The column added before the block was committed with it: the step is half done,
        # the version row stays at a1, and the next upgrade refuses until someone looks.
        assert caught.value.partial
        assert runner.current() == ("a1",)
        assert outcomes(database)[-1] == ("a2", "failed-partial")
        assert _column_names(database) == ["id", "a"]
        with pytest.raises(PartialMigrationPending):
            runner.migrate("up", "heads")
    finally:
        runner.dispose()


def test_a_failing_transactional_step_still_rolls_back(
    postgresql_database: TestDatabase, tmp_path: Path
) -> None:
    failing = Script(
        "a2",
        "a1",
        upgrade='op.add_column("t", sa.Column("a", sa.Integer))\n'
        'op.execute("INSERT INTO no_such_table VALUES (1)")',
    )
    runner = runner_for(tmp_path, postgresql_database, [BASE, failing])
    try:
        with pytest.raises(MigrationFailed) as caught:
            runner.migrate("up", "heads")
    finally:
        runner.dispose()
    assert not caught.value.partial
    assert outcomes(postgresql_database)[-1] == ("a2", "failed")
    assert _column_names(postgresql_database) == ["id"]


def _sql(database: TestDatabase, tmp_path: Path, scripts: list[Script]) -> list[str]:
    runner = runner_for(tmp_path, database, scripts)
    lines: list[str] = []
    render_plan_sql(runner, runner.plan("up", "heads", ()), lines.append)
    return [" ".join(line.split()) for line in lines if line.strip()]


def test_sql_output_commits_around_an_autocommit_block(
    postgresql_database: TestDatabase, tmp_path: Path
) -> None:
    out = _sql(postgresql_database, tmp_path, [BASE, _index_script("postgresql")])
    step = out[out.index("-- Running a2") :]
    assert step[:4] == [
        "-- Running a2",
        "BEGIN;",
        "ALTER TABLE t ADD COLUMN a INTEGER;",
        "COMMIT;",
    ]
    assert step[4] == "CREATE INDEX CONCURRENTLY ix_t_a ON t (a);"
    assert step[5:7] == ["BEGIN;", "ALTER TABLE t ADD COLUMN b INTEGER;"]
    assert step[-2].startswith("UPDATE alembic_version SET version_num='a2'")
    assert step[-1] == "COMMIT;"


def test_sql_output_of_a_script_without_a_transaction_has_no_begin(
    postgresql_database: TestDatabase, tmp_path: Path
) -> None:
    outside = Script(
        "a2",
        "a1",
        upgrade='op.create_index("ix_t_id", "t", ["id"], postgresql_concurrently=True)',
    )
    text = outside.text().replace("def upgrade", "transactional = False\n\n\ndef upgrade")
    scripts = [BASE, outside]
    runner = runner_for(tmp_path, postgresql_database, scripts)
    (tmp_path / "services" / "app" / "a2_rev.py").write_text(text)
    lines: list[str] = []
    render_plan_sql(runner, runner.plan("up", "heads", ()), lines.append)
    out = [" ".join(line.split()) for line in lines if line.strip()]
    step = out[out.index("-- Running a2") :]
    assert "BEGIN;" not in step
    assert step[1] == "CREATE INDEX CONCURRENTLY ix_t_id ON t (id);"


def test_sql_output_without_transactional_ddl_has_no_commit(
    mariadb_database: TestDatabase, tmp_path: Path
) -> None:
    out = _sql(mariadb_database, tmp_path, [BASE, _index_script("mariadb")])
    assert "COMMIT;" not in out
    assert "BEGIN;" not in out
    assert "CREATE INDEX ix_t_a ON t (a);" in out


def test_a_script_without_a_transaction_in_a_per_run_transaction(
    database: TestDatabase, tmp_path: Path
) -> None:
    outside = Script("a2", "a1", upgrade='op.add_column("t", sa.Column("a", sa.Integer))')
    runner = runner_for(tmp_path, database, [BASE, outside], transaction_mode="per-run")
    script = tmp_path / "services" / "app" / "a2_rev.py"
    script.write_text(
        outside.text().replace("def upgrade", "transactional = False\n\n\ndef upgrade")
    )
    try:
        assert runner.migrate("up", "heads").after == ("a2",)
    finally:
        runner.dispose()
    assert _column_names(database) == ["id", "a"]
