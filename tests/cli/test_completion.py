"""Shell completion as a shell asks for it: commands, database names and targets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.projects import Database, Script, write_project

ORCH = Path(sys.executable).parent / "orch"


def complete(cwd: Path, words: str) -> list[str]:
    """Return what bash completion offers for the last of words (a trailing space: a new one)."""
    typed = words.split()
    current = len(typed) if words.endswith(" ") else len(typed) - 1
    env = {**os.environ, "_ORCH_COMPLETE": "complete_bash", "COMP_WORDS": words}
    env["COMP_CWORD"] = str(current)
    result = subprocess.run(
        [str(ORCH)], cwd=cwd, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.split()


def test_commands_and_database_names_complete(tmp_path: Path) -> None:
    databases = {
        name: Database(f"sqlite:///{tmp_path}/{name}.db", ["app"])
        for name in ("billing", "catalog", "users")
    }
    scripts = [Script("aa01", labels=("app",)), Script("ab02", "aa01")]
    write_project(tmp_path, {"app": scripts}, databases)
    assert complete(tmp_path, "orch up") == ["upgrade"]
    assert complete(tmp_path, "orch upgrade --db ") == ["billing", "catalog", "users"]
    assert complete(tmp_path, "orch status --db c") == ["catalog"]
    # Targets: the symbols, each label at head and base, every revision id.
    assert complete(tmp_path, "orch upgrade a") == ["app@head", "app@base", "aa01", "ab02"]
    assert complete(tmp_path, "orch downgrade --db users b") == ["base"]
    assert complete(tmp_path, "orch show ab") == ["ab02"]
    (tmp_path / "orch.toml").write_text("[orch\n")  # broken: completion offers nothing
    assert complete(tmp_path, "orch upgrade --db ") == []


def test_fleet_names_and_inline_instances_complete(tmp_path: Path) -> None:
    databases = {"users": Database(f"sqlite:///{tmp_path}/users.db", ["app"])}
    config = write_project(tmp_path, {"app": [Script("aa01", labels=("app",))]}, databases)
    fleet = '[fleets.tenants]\nurl = "sqlite:///{name}.db"\nservices = ["app"]\n'
    config.write_text(config.read_text() + fleet + 'instances = ["acme", "globex"]\n')
    assert complete(tmp_path, "orch upgrade --db ") == [
        "users",
        "tenants",
        "tenants:acme",
        "tenants:globex",
    ]
    assert complete(tmp_path, "orch upgrade --db te") == [
        "tenants",
        "tenants:acme",
        "tenants:globex",
    ]
