"""Global options work before and after the command name, as people type them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke


def _project(orch: Invoke, tmp_path: Path) -> Path:
    assert orch("init", ".", "--service", "shop").exit_code == 0
    return tmp_path / "orch.toml"


def test_config_after_the_command_is_the_global_config(
    orch: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _project(orch, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    before = orch("--config", str(config), "heads", "--json")
    after = orch("heads", "--json", "--config", str(config))
    short = orch("heads", "-c", str(config), "--json")
    joined = orch("heads", f"--config={config}", "--json")
    assert before.exit_code == after.exit_code == short.exit_code == joined.exit_code == 0
    assert json.loads(after.stdout) == json.loads(before.stdout)
    assert json.loads(short.stdout) == json.loads(joined.stdout) == json.loads(before.stdout)


def test_quiet_and_log_format_after_the_command(orch: Invoke, tmp_path: Path) -> None:
    _project(orch, tmp_path)
    run = orch("upgrade", "--all-dbs", "heads", "-q", "--log-format", "json")
    assert run.exit_code == 0, run.output
    assert "-q" not in run.output
    assert "no revision" not in run.output.lower()
    status = json.loads(orch("status", "--json", "-q").stdout)
    assert all(entry["pending"] == [] for entry in status["databases"].values())


def test_an_option_the_command_declares_stays_the_commands(orch: Invoke, tmp_path: Path) -> None:
    _project(orch, tmp_path)
    full = orch("history", "-v")
    assert full.exit_code == 0
    assert full.stdout.startswith("Rev: ")
    assert "Path: " in full.stdout


def test_a_global_option_after_the_command_still_needs_its_value(
    orch: Invoke, tmp_path: Path
) -> None:
    _project(orch, tmp_path)
    missing = orch("heads", "--env")
    assert missing.exit_code == 2
    assert "--env" in missing.output


def test_help_after_the_command_is_the_command_help(orch: Invoke) -> None:
    result = orch("upgrade", "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: orch upgrade [OPTIONS]")
