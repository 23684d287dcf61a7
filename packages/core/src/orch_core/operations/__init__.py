"""The op API: operations as data (`ops`), rendered per dialect, run through a context."""

from __future__ import annotations

from orch_core.operations import ops
from orch_core.operations.base import Operations

__all__ = ["Operations", "ops"]
