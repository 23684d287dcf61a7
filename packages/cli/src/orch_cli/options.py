"""The global options every command sees."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

LogFormat = Literal["console", "json"]


@dataclass(frozen=True)
class GlobalOptions:
    """Options given before the command: where the config is and how to log."""

    config: Path | None = None
    env: str | None = None
    log_format: LogFormat = "console"
    verbosity: int = 0
