"""Independent databases migrate in worker processes: results, failures, deaths as seen."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.projects import Database, Script, chain, write_project

ORCH = Path(sys.executable).parent / "orch"

# One worker per CPU: on a single CPU everything stays in one process.
pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs")


def fleet(tmp_path: Path, services: dict[str, list[Script]]) -> Path:
    """Write one SQLite database per service: no database waits for another."""
    databases = {name: Database(f"sqlite:///{tmp_path}/{name}.db", [name]) for name in services}
    return write_project(tmp_path, services, databases, {"concurrency": 4})


def run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(ORCH), "--config", str(config), "--log-format", "json", *args]
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)


def heads(tmp_path: Path, name: str) -> list[str]:
    with sqlite3.connect(tmp_path / f"{name}.db") as conn:
        return [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]


def audit_pids(tmp_path: Path, event: str) -> set[int]:
    lines = (tmp_path / ".orch" / "audit.jsonl").read_text().splitlines()
    return {e["pid"] for e in map(json.loads, lines) if e["event"] == event}


def test_independent_databases_migrate_in_several_processes(tmp_path: Path) -> None:
    config = fleet(tmp_path, {s: chain(s, 5) for s in ("aa", "bb", "cc", "dd")})
    result = run(config, "upgrade", "--all-dbs", "heads")
    assert result.returncode == 0, result.stderr
    for service in ("aa", "bb", "cc", "dd"):
        assert heads(tmp_path, service) == [f"{service}05"]
    # Every database was started by a worker, and more than one worker did the work.
    assert len(audit_pids(tmp_path, "db.finished")) > 1
    downgrade = run(config, "downgrade", "--all-dbs", "base")
    assert downgrade.returncode == 0, downgrade.stderr
    assert all(heads(tmp_path, s) == [] for s in ("aa", "bb", "cc", "dd"))


def test_a_failure_in_a_worker_reads_as_it_would_in_one_process(tmp_path: Path) -> None:
    failing = chain("bb", 3, 'raise RuntimeError("boom in bb03")')
    config = fleet(tmp_path, {"aa": chain("aa", 3), "bb": failing})
    result = run(config, "upgrade", "--all-dbs", "heads", "--keep-going")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "bb03" in result.stderr and "boom in bb03" in result.stderr
    assert heads(tmp_path, "aa") == ["aa03"]
    assert heads(tmp_path, "bb") == ["bb02"]  # the last good revision


def test_a_worker_that_dies_fails_its_databases_and_tells_where_they_are(tmp_path: Path) -> None:
    dying = chain("bb", 3, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    config = fleet(tmp_path, {"aa": chain("aa", 3), "bb": dying})
    result = run(config, "upgrade", "--all-dbs", "heads", "--keep-going")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "worker process migrating bb ended (exit code -9)" in result.stderr
    assert heads(tmp_path, "aa") == ["aa03"]
    assert heads(tmp_path, "bb") == ["bb02"]
    # The kernel released the dead worker's lock: once the script is fixed, the next run
    # continues from where the version table says bb is.
    fixed = Script("bb03", "bb02")
    (tmp_path / "services" / "bb" / "bb03_rev.py").write_text(fixed.text())
    again = run(config, "upgrade", "--db", "bb", "heads")
    assert again.returncode == 0, again.stderr
    assert heads(tmp_path, "bb") == ["bb03"]
