"""`transaction_mode = "per-run"` when a step fails: the version table and the history say what
the database kept. PostgreSQL and SQLite roll the whole run back; on MariaDB each step's DDL
commits on its own, so the steps before the failure stay, recorded, and the failed one is
recorded half done with the count of its statements the database kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orch_core.errors import MigrationFailed, PartialMigrationPending
from orch_core.runtime.runner import DatabaseRunner
from tests.core.operations.helpers import inspect, outcomes, runner_for
from tests.core.runtime.test_resume import GATE, fix_the_cause, history
from tests.support.databases import TestDatabase
from tests.support.projects import Script


def _table(name: str) -> str:
    return f'op.create_table("{name}", sa.Column("id", sa.Integer, primary_key=True))'


# a3 fails (at the gate) at its first statement, before any DDL of its own, or after creating t3.
THIRD = {"first": f"{GATE}\n{_table('t3')}", "after-ddl": f"{_table('t3')}\n{GATE}"}


def _runner(tmp_path: Path, database: TestDatabase, third: str) -> DatabaseRunner:
    scripts = [
        Script("a1", upgrade=_table("t1")),
        Script("a2", "a1", upgrade=_table("t2")),
        Script("a3", "a2", upgrade=third),
        Script("a4", "a3", upgrade=_table("t4")),
    ]
    return runner_for(tmp_path, database, scripts, transaction_mode="per-run")


def _tables(database: TestDatabase) -> list[str]:
    found = inspect(database, lambda i: i.get_table_names())
    return sorted(t for t in found if t.startswith("t"))


@pytest.mark.parametrize("where", list(THIRD))
def test_a_failed_step_leaves_the_steps_before_it_recorded_on_mariadb(
    mariadb_database: TestDatabase, tmp_path: Path, where: str
) -> None:
    runner = _runner(tmp_path, mariadb_database, THIRD[where])
    kept = 0 if where == "first" else 1
    try:
        with pytest.raises(MigrationFailed) as failed:
            runner.migrate("up", "heads")
        assert failed.value.partial
        assert failed.value.statements_done == kept
        # a1 and a2's tables were committed by their DDL: so were their version rows.
        assert runner.current() == ("a2",)
        assert _tables(mariadb_database) == (["t1", "t2"] if kept == 0 else ["t1", "t2", "t3"])
        assert outcomes(mariadb_database) == [
            ("a1", "applied"),
            ("a2", "applied"),
            ("a3", "failed-partial"),
        ]
        assert history(mariadb_database)[-1] == ("a3", "failed-partial", kept)
        with pytest.raises(PartialMigrationPending, match=f"{kept} of its statements completed"):
            runner.migrate("up", "heads")
        fix_the_cause(mariadb_database)
        runner.resume = True
        result = runner.migrate("up", "heads")
        assert [(s.revision, s.statements_skipped) for s in result.steps] == [
            ("a3", kept),
            ("a4", None),
        ]
        assert runner.current() == ("a4",)
    finally:
        runner.dispose()
    assert _tables(mariadb_database) == ["t1", "t2", "t3", "t4"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_failed_step_rolls_the_whole_run_back(
    make_database: Callable[[str], TestDatabase], tmp_path: Path, kind: str
) -> None:
    database = make_database(kind)
    runner = _runner(tmp_path, database, THIRD["after-ddl"])
    try:
        with pytest.raises(MigrationFailed) as failed:
            runner.migrate("up", "heads")
        assert not failed.value.partial
        assert runner.current() == ()
        assert _tables(database) == []
        assert outcomes(database) == [("a3", "failed")]
        fix_the_cause(database)
        assert runner.migrate("up", "heads").after == ("a4",)
    finally:
        runner.dispose()
    assert _tables(database) == ["t1", "t2", "t3", "t4"]


@pytest.mark.parametrize("mode", ["per-run", "per-migration"])
def test_without_a_history_table_the_version_table_still_tells_the_truth(
    mariadb_database: TestDatabase, tmp_path: Path, mode: str
) -> None:
    # No history rows to count in (history_table = false): the steps run all the same.
    scripts = [
        Script("a1", upgrade=_table("t1")),
        Script("a2", "a1", upgrade=_table("t2")),
        Script("a3", "a2", upgrade=THIRD["after-ddl"]),
    ]
    runner = runner_for(
        tmp_path, mariadb_database, scripts, transaction_mode=mode, history_table=False
    )
    try:
        with pytest.raises(MigrationFailed) as failed:
            runner.migrate("up", "heads")
        assert failed.value.partial
        assert runner.current() == ("a2",)
    finally:
        runner.dispose()
    assert _tables(mariadb_database) == ["t1", "t2", "t3"]
    assert "orch_history" not in inspect(mariadb_database, lambda i: i.get_table_names())
