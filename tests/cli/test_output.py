"""What a person at a terminal sees: an aligned table, a status line that cleans up after itself."""

from __future__ import annotations

import io
import sys

import pytest

from orch_cli import output
from orch_cli.progress_display import StatusLine, Terminal, live_progress, terminal
from orch_core.fleet.outcomes import Outcome


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


class FakeTty(io.StringIO):
    """A terminal's stderr, as far as orch can tell."""

    def isatty(self) -> bool:
        return True


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


CLEAR = "\r\x1b[2K"


def test_status_line_shows_done_failures_rate_and_eta_and_is_erased_at_the_end() -> None:
    stream, clock = FakeTty(), Clock()
    status = StatusLine(10, Terminal(stream), clock)
    status.started("users")
    assert stream.getvalue().rsplit(CLEAR, 1)[1] == "[0/10]  0 steps  users: started"
    status.step("users", "ae10", "up")
    clock.now += 2
    status.finished("users", "succeeded")
    status.finished("billing", "failed")
    last = stream.getvalue().rsplit(CLEAR, 1)[1]
    # 2 databases in 2 s: 1 a second, 8 to go.
    assert last == "[2/10]  1 failed  1.0 db/s  ETA 8s  1 steps  billing: failed"
    clock.now += 400
    status.finished("shop", "succeeded")
    # 3 in 402 s: under one a second reads per minute; 7 to go at that rate.
    assert "  0.4 db/min  ETA 15m38s  " in stream.getvalue().rsplit(CLEAR, 1)[1]
    status.clear()
    assert stream.getvalue().endswith(CLEAR)


def test_status_line_is_redrawn_at_most_ten_times_a_second() -> None:
    stream, clock = FakeTty(), Clock()
    status = StatusLine(1, Terminal(stream), clock)
    status.started("users")
    for revision in ("a1", "a2", "a3"):
        status.step("users", revision, "up")
    assert stream.getvalue().count(CLEAR) == 1
    clock.now += 0.2
    status.step("users", "a4", "up")
    assert stream.getvalue().rsplit(CLEAR, 1)[1] == "[0/1]  4 steps  users: up a4"


def test_a_log_line_is_written_above_the_status_line_never_over_it() -> None:
    stream = FakeTty()
    shown = Terminal(stream)
    StatusLine(3, shown).started("users")
    shown.write("run.interrupted signal=SIGINT\n")
    # The line is erased, the message written whole on its own line, the status drawn under it.
    assert stream.getvalue().endswith(
        CLEAR + "run.interrupted signal=SIGINT\n" + "[0/3]  0 steps  users: started"
    )


def test_progress_is_quiet_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert terminal() is None
    with live_progress(3, terminal()) as progress:
        progress.started("users")
        progress.finished("users", Outcome.FAILED)
    assert isinstance(sys.stderr, io.StringIO) and sys.stderr.getvalue() == ""
    monkeypatch.setattr(sys, "stderr", FakeTty())
    assert isinstance(terminal(), Terminal)
