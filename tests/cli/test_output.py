"""What a person at a terminal sees: an aligned table, a status line that cleans up after itself."""

from __future__ import annotations

import io
import sys

import pytest

from orch_cli import output
from orch_cli.progress_display import StatusLine


def test_table_is_aligned_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    output.table("orch status", ("database", "current"), [("users", "ae10 (head)"), ("b", "")])
    assert capsys.readouterr().out.splitlines() == [
        "orch status",
        "database  current",
        "--------  -----------",
        "users     ae10 (head)",
        "b",
    ]


def test_table_is_tab_separated_for_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    output.table("orch status", ("database", "current"), [("users", "ae10")])
    assert capsys.readouterr().out == "database\tcurrent\nusers\tae10\n"


def test_status_line_counts_and_is_erased_at_the_end() -> None:
    stream = io.StringIO()
    status = StatusLine(2, stream)
    status.started("users")
    status.step("users", "ae10", "up")
    status.finished("users", "succeeded")
    assert stream.getvalue().rsplit("\r\x1b[2K", 1)[1] == "[1/2] 1 steps  users: succeeded"
    status.clear()
    assert stream.getvalue().endswith("\r\x1b[2K")
