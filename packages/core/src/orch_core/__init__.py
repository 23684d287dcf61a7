"""orch-core: operations, dialects, configuration, the runner and the orchestrator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"


class _OutsideMigration:
    """What `op` is when no migration runs: importable (by Alembic, IDEs), unusable.

    While orch runs a script, the script's own `from orch_core import op` gets that run's
    operations instead (see orch_core.runtime.scripts); nothing here is shared between runs.
    """

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"op.{name}() can only be called while orch runs a migration script")


if TYPE_CHECKING:
    from orch_core.operations import Operations

    op: Operations
else:
    op = _OutsideMigration()
