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


def test_double_verbose_upgrade_shows_the_version_and_history_writes(
    orch: Invoke, tmp_path: Path
) -> None:
    """orch's own statements go to the driver's cursor, not through SQLAlchemy's execute; -vv
    still shows them, with their values, among the scripts' SQL."""
    _project(tmp_path)
    shown = orch("--log-format", "json", "-vv", "upgrade")
    assert shown.exit_code == 0, shown.output
    events = [json.loads(line) for line in shown.stderr.splitlines()]
    sql = [e["event"] for e in events if e.get("logger", "").startswith("sqlalchemy.engine")]
    create = next(i for i, text in enumerate(sql) if "CREATE TABLE t_a1" in text)
    version = next(i for i, text in enumerate(sql) if "INSERT INTO alembic_version" in text)
    history = [i for i, text in enumerate(sql) if "INSERT INTO orch_history" in text]
    assert create < version < max(history)
    assert "'a1'" in sql[version + 1]  # the values, as SQLAlchemy logs its own
