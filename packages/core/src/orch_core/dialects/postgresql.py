"""PostgreSQL: transactional DDL, every column change in place, COMMENT ON statements."""

from __future__ import annotations

from orch_core.dialects.base import Dialect

POSTGRESQL = Dialect(name="postgresql", transactional_ddl=True, comments="separate")
