"""Shards at once over a fleet of SQLite tenants: every tenant migrated exactly once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.support.projects import write_fleet

ORCH = Path(sys.executable).parent / "orch"
TENANTS = [f"t{i:02d}" for i in range(24)]


def fleet(tmp_path: Path) -> Path:
    (tmp_path / "t").mkdir()
    return write_fleet(tmp_path, TENANTS, 'url = "sqlite:///t/{name}.db"\n')


def start(config: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    command = [str(ORCH), "--config", str(config), "--log-format", "json", "upgrade", *args]
    return subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a kill reaches its workers too
    )


def finish(process: subprocess.Popen[str]) -> None:
    _out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err


def versions(tmp_path: Path, tenant: str) -> list[str]:
    path = tmp_path / "t" / f"{tenant}.db"
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        try:
            return [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
        except sqlite3.OperationalError:  # the file is there, its version table not yet
            return []


def history(tmp_path: Path, tenant: str) -> Counter[tuple[str, str]]:
    with sqlite3.connect(tmp_path / "t" / f"{tenant}.db") as conn:
        rows = conn.execute("SELECT revision, outcome FROM orch_history")
        return Counter((revision, outcome) for revision, outcome in rows)


def assert_each_migrated_once(tmp_path: Path) -> None:
    once = Counter({("a1", "applied"): 1, ("a2", "applied"): 1, ("a3", "applied"): 1})
    for tenant in TENANTS:
        assert versions(tmp_path, tenant) == ["a3"], tenant
        assert history(tmp_path, tenant) == once, tenant


def test_shards_at_once_migrate_every_tenant_exactly_once(tmp_path: Path) -> None:
    config = fleet(tmp_path)
    planned = [
        start(config, "--db", "tenants", "--shard", f"{i}/3", "--dry-run", "--json")
        for i in range(3)
    ]
    slices = [set(json.loads(p.communicate(timeout=60)[0])["databases"]) for p in planned]
    assert [len(part) for part in slices] == [8, 8, 8]
    assert set.union(*slices) == {f"tenants:{t}" for t in TENANTS}
    processes = [start(config, "--db", "tenants", "--shard", f"{i}/3") for i in range(3)]
    # An Indexed Job's pod, and a repeat of shard 1 overlapping it: the locks keep both safe.
    indexed = {"JOB_COMPLETION_INDEX": "1", "ORCH_SHARDS": "3"}
    processes.append(start(config, "--db", "tenants", env=indexed))
    for process in processes:
        finish(process)
    assert_each_migrated_once(tmp_path)


def test_a_killed_shard_rerun_finishes_its_tenants_once(tmp_path: Path) -> None:
    config = fleet(tmp_path)
    killed = start(config, "--db", "tenants", "--shard", "0/2")
    # Killed as soon as its first tenant has a version row: mid-shard, whatever the machine's
    # speed (each tenant's a2 takes 0.2 s, so most of the shard is still to do).
    deadline = time.monotonic() + 60
    while not any(versions(tmp_path, tenant) for tenant in TENANTS):
        assert killed.poll() is None and time.monotonic() < deadline, "shard 0 never started"
        time.sleep(0.01)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.communicate(timeout=30)
    assert killed.returncode == -signal.SIGKILL
    finish(start(config, "--db", "tenants", "--shard", "1/2"))
    left = [t for t in TENANTS if versions(tmp_path, t) != ["a3"]]
    assert left  # the kill came before shard 0 was done
    finish(start(config, "--db", "tenants", "--shard", "0/2"))
    assert_each_migrated_once(tmp_path)
