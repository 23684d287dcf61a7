"""The project's import path: the folders `python_path` names, for its models and hooks."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


def add_python_path(folders: Sequence[Path]) -> None:
    """Put the configured folders first on sys.path, once each (imports are process-wide)."""
    for folder in reversed(folders):
        entry = str(folder)
        if entry not in sys.path:
            sys.path.insert(0, entry)
