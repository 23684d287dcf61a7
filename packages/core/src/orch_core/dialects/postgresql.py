"""PostgreSQL: transactional DDL, every column change in place, COMMENT ON statements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orch_core.dialects.base import Dialect

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import Dialect as SADialect


def create_enum_types(table: sa.Table, sa_dialect: SADialect) -> list[Any]:
    """Return CREATE TYPE for the named enums the table's columns introduce."""
    # Imported here: SQLAlchemy's PostgreSQL dialect (with its asyncpg module) costs 30 ms to
    # import, which a run on SQLite or MariaDB should not pay.
    from sqlalchemy.dialects.postgresql import ENUM  # noqa: PLC0415
    from sqlalchemy.dialects.postgresql.named_types import CreateEnumType  # noqa: PLC0415

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
