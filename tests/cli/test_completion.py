"""Shell completion as a shell asks for it: commands, and the config's database names."""

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
    write_project(tmp_path, {"app": [Script("aa01")]}, databases)
    assert complete(tmp_path, "orch up") == ["upgrade"]
    assert complete(tmp_path, "orch upgrade --db ") == ["billing", "catalog", "users"]
    assert complete(tmp_path, "orch status --db c") == ["catalog"]
    (tmp_path / "orch.toml").write_text("[orch\n")  # broken: completion offers nothing
    assert complete(tmp_path, "orch upgrade --db ") == []
