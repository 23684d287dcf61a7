"""Ctrl-C during a run: each database stops after a whole step, the summary says where."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_workers import ORCH, fleet, heads, run
from tests.support.projects import (
    CTRL_C,
    Database,
    Script,
    chain,
    write_ctrl_c_project,
    write_project,
)


def interrupted_run(config: Path, exit_code: int = 130) -> dict[str, list[str]]:
    """Run `upgrade --all-dbs heads` until a signal stops it; return the summary rows by name."""
    process = subprocess.Popen(
        [str(ORCH), "--config", str(config), "upgrade", "--all-dbs", "heads"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the Ctrl-C stays there
    )
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == exit_code, stderr
    assert "Traceback" not in stderr
    assert "error: interrupted: each database stopped after a whole step" in stderr
    return {line.split("\t")[0]: line.split("\t") for line in stdout.splitlines()[1:]}


def test_ctrl_c_in_one_process_stops_after_the_step_and_starts_nothing(tmp_path: Path) -> None:
    config = write_ctrl_c_project(tmp_path)
    rows = interrupted_run(config)
    assert rows["one"][1:4] == ["interrupted", "2", "aa02"]
    assert heads(tmp_path, "aa") == ["aa02"]
    assert rows["two"][1:4] == ["skipped", "0", "<base>"]
    assert rows["two"][5] == "not started: the run was interrupted"
    assert not (tmp_path / "bb.db").exists()
    again = run(config, "upgrade", "--all-dbs", "heads")
    assert again.returncode == 0, again.stderr
    assert heads(tmp_path, "aa") == ["aa03"]
    assert heads(tmp_path, "bb") == ["bb02"]


def test_sigterm_from_a_service_manager_stops_the_run_the_same_way(tmp_path: Path) -> None:
    # Kubernetes and systemd end a job with SIGTERM to the process: exit 143 (128 + 15).
    sigterm = "import os, signal, time\nos.kill(os.getpid(), signal.SIGTERM)\ntime.sleep(0.3)"
    aa = chain("aa", 3)
    aa[1] = Script("aa02", "aa01", upgrade=sigterm)
    config = write_project(
        tmp_path, {"aa": aa}, {"one": Database(f"sqlite:///{tmp_path}/aa.db", ["aa"])}
    )
    rows = interrupted_run(config, exit_code=143)
    assert rows["one"][1:4] == ["interrupted", "2", "aa02"]
    assert heads(tmp_path, "aa") == ["aa02"]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs for two workers")
def test_ctrl_c_stops_every_database_after_its_step_and_says_where_each_is(
    tmp_path: Path,
) -> None:
    # Two independent databases, two worker processes; bb02 is slow. The workers leave
    # Ctrl-C to the parent, which stops them through their shared flags.
    aa = chain("aa", 3)
    aa[1] = Script("aa02", "aa01", upgrade=CTRL_C)
    bb = chain("bb", 3)
    bb[1] = Script("bb02", "bb01", upgrade="import time\ntime.sleep(1.5)")
    config = fleet(tmp_path, {"aa": aa, "bb": bb})
    rows = interrupted_run(config)
    assert rows["aa"][1:4] == ["interrupted", "2", "aa02"]
    assert heads(tmp_path, "aa") == ["aa02"]
    if rows["bb"][1] == "skipped":  # interrupted before it began: nothing was created
        assert not (tmp_path / "bb.db").exists()
    else:
        assert rows["bb"][1] == "interrupted"
        now_at = rows["bb"][3]
        assert heads(tmp_path, "bb") == ([] if now_at == "<base>" else [now_at])
    again = run(config, "upgrade", "--all-dbs", "heads")
    assert again.returncode == 0, again.stderr
    assert heads(tmp_path, "aa") == ["aa03"]
    assert heads(tmp_path, "bb") == ["bb03"]
