"""Scripts that exit, interrupt or end their process: recorded as the step's failure, with the
truth in history, audit and summary, and nothing waiting forever on them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_workers import fleet, heads, run
from tests.support.projects import Database, chain, write_project


def _summary(stdout: str) -> dict[str, list[str]]:
    return {line.split("\t")[0]: line.split("\t") for line in stdout.splitlines()[1:]}


def _history(tmp_path: Path, name: str) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(tmp_path / f"{name}.db") as conn:
        found = conn.execute("SELECT revision, outcome, error FROM orch_history ORDER BY id")
        return [(row[0], row[1], row[2]) for row in found if row[1] != "started"]


def _audited_failures(tmp_path: Path) -> list[str]:
    lines = (tmp_path / ".orch" / "audit.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    return [str(e.get("error")) for e in events if e["event"] == "migration.failed"]


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("import sys\nsys.exit(3)", "the script called sys.exit(3)"),
        ("raise KeyboardInterrupt", "the script raised KeyboardInterrupt"),
    ],
    ids=["sys.exit", "KeyboardInterrupt"],
)
def test_a_script_that_exits_fails_its_step_and_the_waiting_database_is_skipped(
    tmp_path: Path, statement: str, reason: str
) -> None:
    databases = {
        "one": Database(f"sqlite:///{tmp_path}/aa.db", ["aa"]),
        "two": Database(f"sqlite:///{tmp_path}/bb.db", ["bb"], after=["one"]),
    }
    services = {"aa": chain("aa", 3, statement), "bb": chain("bb", 2)}
    config = write_project(tmp_path, services, databases)
    result = run(config, "upgrade", "--all-dbs", "heads")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "a bug in orch" not in result.stderr
    assert reason in result.stderr
    rows = _summary(result.stdout)
    assert (rows["one"][1], rows["one"][3]) == ("failed", "aa02")
    assert rows["two"][1] == "skipped"
    assert heads(tmp_path, "aa") == ["aa02"]
    assert _history(tmp_path, "aa")[-1] == ("aa03", "failed", reason)
    assert any(reason in error for error in _audited_failures(tmp_path))


def test_a_worker_that_calls_os_exit_is_reported_at_the_revision_it_reached(
    tmp_path: Path,
) -> None:
    dying = chain("bb", 3, "import os\nos._exit(7)")
    config = fleet(tmp_path, {"aa": chain("aa", 3), "bb": dying})
    result = run(config, "upgrade", "--all-dbs", "heads", "--keep-going")
    assert result.returncode == 1
    assert "worker process migrating bb ended (exit code 7)" in result.stderr
    rows = _summary(result.stdout)
    assert (rows["bb"][1], rows["bb"][3]) == ("failed", "bb02")  # read from its version table
    assert heads(tmp_path, "bb") == ["bb02"]
    assert heads(tmp_path, "aa") == ["aa03"]
