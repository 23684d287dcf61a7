"""A run at a real terminal (a pseudo-terminal): the status line, and Ctrl-C's message above it."""

from __future__ import annotations

import os
import pty
import select
import subprocess
from pathlib import Path

from tests.cli.test_workers import ORCH
from tests.support.projects import write_ctrl_c_project

CLEAR = "\r\x1b[2K"


def run_at_a_terminal(config: Path, *args: str) -> tuple[int, str, str]:
    """Run orch with stderr on a pseudo-terminal; return its exit code, stdout and stderr."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(ORCH), "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=terminal,
        start_new_session=True,  # its own process group: the Ctrl-C stays there
    )
    os.close(terminal)
    seen = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal's other end is closed: the process is gone
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    assert process.stdout is not None
    stdout = process.stdout.read().decode()
    return process.wait(timeout=60), stdout, seen.decode()


def test_ctrl_c_message_is_written_above_the_status_line(tmp_path: Path) -> None:
    config = write_ctrl_c_project(tmp_path)
    code, stdout, stderr = run_at_a_terminal(config, "upgrade", "--all-dbs", "heads")
    assert code == 130, stderr
    assert "one\tinterrupted\t2\taa02" in stdout
    # The status line was there, counting databases.
    assert f"{CLEAR}[0/2]  0 steps  one: started" in stderr
    # The message begins a line of its own (the status line erased first), ends it, and the
    # status line is drawn again under it.
    before, message = stderr.split("run.interrupted", 1)
    written_over = before.rsplit("\n", 1)[-1]  # a terminal line, rewritten in place
    assert written_over.startswith(CLEAR)
    assert "steps" not in written_over.rsplit(CLEAR, 1)[1]  # the message's own line
    line, after = message.split("\n", 1)
    assert "each running database stops after its step under way" in line
    assert after.lstrip("\r").startswith("[")
    # At the end, the status line is erased and the error follows on a clean line.
    assert f"{CLEAR}error: interrupted" in stderr.replace("\r\n", "\n")
