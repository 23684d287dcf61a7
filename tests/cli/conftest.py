"""Helpers for driving the real orch app."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from orch_cli.app import app

Result = Any

Invoke = Callable[..., Result]


@pytest.fixture
def orch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Invoke:
    """Run `orch ARGS` in tmp_path and return the result (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), env=env, catch_exceptions=False)

    return invoke


def no_traceback(result: Result) -> None:
    """Assert a user error is an `error:` line and a hint, with no traceback."""
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: "), result.output
    assert "\nhint: " in result.stderr


def args_for(config: Path, *rest: str) -> Sequence[str]:
    return ("--config", str(config), *rest)
