"""docs/api.md's examples run, in order, against the project the page shows, and print what
the page says they print."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

PAGE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[str]:
    """Return the page's code blocks in one language, in order."""
    return [body for lang, body in BLOCK.findall(PAGE.read_text()) if lang == language]


def printed(block: str) -> list[str]:
    """Return what the block says it prints: the comment after each print, and the comment
    lines that follow a print at the block's left edge."""
    expected: list[str] = []
    after_print = False
    for line in block.splitlines():
        if after_print and line.startswith("# "):
            expected.append(line[2:])
            continue
        after_print = "print(" in line
        if after_print and "  # " in line:
            expected.append(line.split("  # ", 1)[1])
    return expected


@pytest.fixture
def project_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The page's orch.toml in an empty folder, the working directory; structlog as new."""
    [config] = blocks("toml")
    (tmp_path / "orch.toml").write_text(config)
    monkeypatch.chdir(tmp_path)
    structlog.reset_defaults()
    yield tmp_path
    structlog.reset_defaults()


def test_every_example_runs_and_prints_what_the_page_says(project_folder: Path) -> None:
    namespace: dict[str, object] = {}
    examples = blocks("python")
    assert len(examples) > 8
    for number, block in enumerate(examples, 1):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, f"docs/api.md example {number}", "exec"), namespace)
        assert out.getvalue().splitlines() == printed(block), f"example {number}:\n{block}"
    assert (project_folder / "users.db").is_file()
