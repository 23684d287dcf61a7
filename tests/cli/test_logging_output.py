"""-v, -q and --log-format reach every command that reads databases; SQL comes out as events do."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke
from tests.support.projects import Database, Script, write_project


def _project(tmp_path: Path) -> Path:
    return write_project(
        tmp_path,
        {"users": [Script("a1", labels=("users",))]},
        {"users": Database("sqlite:///users.db", ["users"])},
    )


def test_reading_commands_create_no_audit_file_without_an_event(
    orch: Invoke, tmp_path: Path
) -> None:
    _project(tmp_path)
    for command in ("current", "status", "verify", "check"):
        assert orch(command).exit_code in (0, 1)
    assert not (tmp_path / ".orch" / "audit.jsonl").exists()


def test_double_verbose_current_shows_sqlalchemy_in_the_events_format(
    orch: Invoke, tmp_path: Path
) -> None:
    _project(tmp_path)
    assert orch("upgrade").exit_code == 0
    shown = orch("--log-format", "json", "-vv", "current")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.strip() == "users: a1 (head)"
    events = [json.loads(line) for line in shown.stderr.splitlines()]
    sql = [e for e in events if e.get("logger", "").startswith("sqlalchemy.engine")]
    assert any("alembic_version" in e["event"] for e in sql)
    assert all({"timestamp", "level", "user", "host", "pid"} <= set(e) for e in events)
    quiet = orch("-q", "current")
    assert (quiet.exit_code, quiet.stderr) == (0, "")
