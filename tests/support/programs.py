"""Programs some tests drive (Graphviz, Chromium): found on PATH, or how to get them."""

from __future__ import annotations

import os
import shutil

import pytest


def require_program(names: tuple[str, ...], reason: str) -> str:
    """Return the first of names on PATH; else skip with reason, or fail under CI=true."""
    for name in names:
        found = shutil.which(name)
        if found is not None:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true: .ci/run installs it")
    pytest.skip(reason)
