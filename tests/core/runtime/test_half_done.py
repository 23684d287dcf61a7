"""Steps that do not run inside one transaction: the real error, a `started` row first, and a
refusal that names what to check until someone stamps the truth."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from orch_core.errors import MigrationFailed, PartialMigrationPending
from orch_core.runtime.runner import DatabaseRunner
from tests.cli.test_workers import ORCH
from tests.core.operations.helpers import outcomes, rows, runner_for
from tests.support.databases import TestDatabase
from tests.support.projects import Script

BASE = Script(
    "a1",
    upgrade='op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), '
    'sa.Column("a", sa.Integer))\n'
    'op.execute("INSERT INTO t (id, a) VALUES (1, 7), (2, 7)")',
)


def _runner(tmp_path: Path, database: TestDatabase, body: str) -> DatabaseRunner:
    """Return a runner for a1 and a2, a2 running `body` outside a transaction."""
    script = Script("a2", "a1", upgrade=body)
    runner = runner_for(tmp_path, database, [BASE, script])
    text = script.text().replace("def upgrade", "transactional = False\n\n\ndef upgrade")
    (tmp_path / "services" / "app" / "a2_rev.py").write_text(text)
    return runner


def test_a_failure_outside_a_transaction_reports_the_real_error(
    postgresql_database: TestDatabase, tmp_path: Path
) -> None:
    runner = _runner(tmp_path, postgresql_database, 'op.execute("SELECT 1/0")')
    try:
        with pytest.raises(MigrationFailed) as caught:
            runner.migrate("up", "heads")
        assert "division by zero" in caught.value.reason
        assert runner.current() == ("a1",)
    finally:
        runner.dispose()
    error = rows(postgresql_database, "SELECT error FROM orch_history WHERE outcome <> 'started'")
    assert "division by zero" in str(error[-1][0])


UNIQUE_CONCURRENTLY = 'op.create_index("ix_t_a", "t", ["a"], unique=True{extra})'


def test_a_failed_concurrent_index_build_is_refused_with_the_invalid_index_named(
    postgresql_database: TestDatabase, tmp_path: Path
) -> None:
    body = UNIQUE_CONCURRENTLY.format(extra=", postgresql_concurrently=True")
    runner = _runner(tmp_path, postgresql_database, body)
    try:
        with pytest.raises(MigrationFailed) as caught:
            runner.migrate("up", "heads")
        assert caught.value.partial
        assert outcomes(postgresql_database)[-1] == ("a2", "failed-partial")
        with pytest.raises(PartialMigrationPending) as pending:
            runner.migrate("up", "heads")
        assert pending.value.revision == "a2"
        assert "ix_t_a" in str(pending.value)  # the INVALID index the build left
        assert "INVALID" in str(pending.value)
        runner.stamp("a1")  # someone looked, and recorded the truth: a2 is not applied
        assert runner.state() == (("a1",), None)  # no longer refused
    finally:
        runner.dispose()


def test_a_failed_step_on_mariadb_is_refused_until_stamped(
    mariadb_database: TestDatabase, tmp_path: Path
) -> None:
    body = 'op.add_column("t", sa.Column("b", sa.Integer))\n' + UNIQUE_CONCURRENTLY.format(extra="")
    runner = _runner(tmp_path, mariadb_database, body)
    try:
        with pytest.raises(MigrationFailed) as caught:
            runner.migrate("up", "heads")
        assert caught.value.partial
        assert "Duplicate entry" in caught.value.reason
        with pytest.raises(PartialMigrationPending) as pending:
            runner.migrate("up", "heads")
        assert pending.value.database == "main"
        assert pending.value.revision == "a2"
        runner.stamp("a1")
        assert runner.current() == ("a1",)
    finally:
        runner.dispose()


def _upgrade(config: Path) -> subprocess.Popen[str]:
    command = [str(ORCH), "--config", str(config), "upgrade", "heads"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_in_step(config: Path, marker: Path) -> None:
    """Run `orch upgrade` until the step writes `marker`, then SIGKILL it."""
    process = _upgrade(config)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the migrator never reached step a2"
        time.sleep(0.3)  # into the statement that sleeps
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        process.kill()
        process.communicate()


def _refused(config: Path) -> str:
    process = _upgrade(config)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stderr
    return stderr


SLEEPING = """from pathlib import Path
op.add_column("t", sa.Column("b", sa.Integer))
Path({marker!r}).write_text("in step a2")
op.execute("{sleep}")"""


def test_a_kill_inside_a_step_without_a_transaction_is_refused_on_the_next_run(
    postgresql_database: TestDatabase, tmp_path: Path
) -> None:
    marker = tmp_path / "in-step"
    body = SLEEPING.format(marker=str(marker), sleep="SELECT pg_sleep(30)")
    runner = _runner(tmp_path, postgresql_database, body)
    config = tmp_path / "orch.toml"
    try:
        _kill_in_step(config, marker)
        assert runner.current() == ("a1",)
        assert "b" in [c[0] for c in rows(postgresql_database, _COLUMNS)]  # committed
        stderr = _refused(config)
        assert "main: revision a2 failed part-way" in stderr
        assert "killed?" in stderr
        runner.stamp("a2")  # someone checked: the column is there, a2 is done
        assert runner.current() == ("a2",)
    finally:
        runner.dispose()


_COLUMNS = "SELECT column_name FROM information_schema.columns WHERE table_name = 't'"


def test_a_kill_after_an_autocommit_block_is_refused_on_the_next_run(
    sqlite_database: TestDatabase, tmp_path: Path
) -> None:
    # A transactional step whose autocommit block committed its first part: killed after it,
    # the step is half done, and its `started` row was committed with that part.
    marker = tmp_path / "in-step"
    body = (
        'op.add_column("t", sa.Column("b", sa.Integer))\n'
        "with op.get_context().autocommit_block():\n"
        '    op.create_index("ix_t_b", "t", ["b"])\n'
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).write_text('in step a2')\n"
        "import time\ntime.sleep(30)"
    )
    runner = runner_for(tmp_path, sqlite_database, [BASE, Script("a2", "a1", upgrade=body)])
    config = tmp_path / "orch.toml"
    try:
        _kill_in_step(config, marker)
        assert runner.current() == ("a1",)
        assert "killed?" in _refused(config)
    finally:
        runner.dispose()
