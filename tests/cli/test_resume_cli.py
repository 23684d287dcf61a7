"""`orch upgrade --resume` as a user meets it: the count in the refusal and in --json, the
refusals (exit 2, naming database and revision), and the no-op when nothing is half done."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.conftest import Invoke
from tests.core.runtime.test_resume import step_body
from tests.support.projects import Database, Script, write_project


def _project(tmp_path: Path) -> Path:
    """Write a project whose a2 runs outside a transaction and fails at its 3rd statement."""
    write_project(
        tmp_path,
        {"app": [Script("a1"), Script("a2", "a1", upgrade=step_body(3))]},
        {"main": Database("sqlite:///main.db", ["app"])},
    )
    script = tmp_path / "services" / "app" / "a2_rev.py"
    script.write_text(
        script.read_text().replace("def upgrade", "transactional = False\n\n\ndef upgrade")
    )
    return script


def test_resume_in_the_command_line(orch: Invoke, tmp_path: Path) -> None:
    script = _project(tmp_path)
    failed = orch("upgrade", "--json")
    assert failed.exit_code == 1
    error = json.loads(failed.stdout)["databases"]["main"]["error"]
    assert (error["code"], error["statements_done"]) == ("migration_failed", 2)

    refused = orch("upgrade")
    assert refused.exit_code == 1
    assert "main: revision a2 failed part-way" in refused.stderr
    assert "2 of its statements completed, `--resume` runs the rest" in refused.stderr
    assert "orch upgrade --resume" in refused.stderr  # the hint

    offline = orch("upgrade", "--resume", "--sql")
    assert offline.exit_code == 2
    assert "--resume" in offline.stderr

    original = script.read_text()
    script.write_text(original + "\n# edited\n")
    edited = orch("upgrade", "--resume")
    assert edited.exit_code == 2, edited.output
    assert "error: main: cannot resume revision a2: its script changed" in edited.stderr
    script.write_text(original)

    with sqlite3.connect(tmp_path / "main.db") as conn:  # the operator fixes the cause
        conn.execute("CREATE TABLE gate (note VARCHAR(20))")
    resumed = orch("upgrade", "--resume", "--json")
    assert resumed.exit_code == 0, resumed.output
    database = json.loads(resumed.stdout)["databases"]["main"]
    assert [(s["revision"], s["statements_skipped"]) for s in database["steps"]] == [("a2", 2)]
    assert database["after"] == ["a2"]

    again = orch("upgrade", "--resume")
    assert again.exit_code == 0, again.output
    assert "nothing to resume" in again.stdout
