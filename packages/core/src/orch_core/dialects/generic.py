"""The fallback for SQLAlchemy dialects orch has no module for: standard SQL ALTERs."""

from __future__ import annotations

from orch_core.dialects.base import Dialect


def generic_dialect(name: str) -> Dialect:
    """Return standard-SQL capabilities under this dialect name."""
    return Dialect(name=name, transactional_ddl=False, comments="none")
