"""SQLite: renames and ADD/DROP COLUMN in place, everything else through batch copy-and-move."""

from __future__ import annotations

from orch_core.dialects.base import Dialect

SQLITE = Dialect(
    name="sqlite",
    transactional_ddl=True,
    comments="none",
    native_column_changes=frozenset({"rename"}),
    # ALTER TABLE DROP COLUMN exists since 3.35 but refuses indexed or constrained columns.
    native_drop_column=False,
    native_constraint_changes=False,
    batch_by_default=True,
)
