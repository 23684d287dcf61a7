"""PostgreSQL: transactional DDL, every column change in place, COMMENT ON statements."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ENUM
from sqlalchemy.dialects.postgresql.named_types import CreateEnumType
from sqlalchemy.engine import Dialect as SADialect

from orch_core.dialects.base import Dialect


def create_enum_types(table: sa.Table, sa_dialect: SADialect) -> list[Any]:
    """Return CREATE TYPE for the named enums the table's columns introduce."""
    out: list[Any] = []
    seen: set[str] = set()
    for column in table.columns:
        impl = column.type.dialect_impl(sa_dialect)
        if isinstance(impl, ENUM) and impl.create_type and impl.name and impl.name not in seen:
            seen.add(impl.name)
            out.append(CreateEnumType(impl))
    return out


POSTGRESQL = Dialect(
    name="postgresql",
    transactional_ddl=True,
    comments="separate",
    before_create_table=create_enum_types,
)
