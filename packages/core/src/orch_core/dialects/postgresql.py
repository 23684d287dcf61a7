"""PostgreSQL: transactional DDL, every column change in place, COMMENT ON statements.

Its migration lock is a session-level advisory lock on a connection of its own (never
transaction-scoped, so it is safe around CREATE INDEX CONCURRENTLY); the server releases it
when the process dies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from orch_core.dialects.base import Dialect, Lock, lock_name

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


def advisory_key(name: str) -> int:
    """Return a non-negative 63-bit key for pg_advisory_lock derived from the lock name."""
    import hashlib  # noqa: PLC0415 - see orch_core.dialects.base

    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


@contextmanager
def open_advisory_lock(engine: sa.Engine, scope: str) -> Iterator[Lock]:
    """Open the advisory lock of this database and scope, on a connection of its own."""
    import sqlalchemy as sa  # noqa: PLC0415 - see orch_core.dialects.base

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
        key = advisory_key(lock_name(database, scope))

        def try_acquire() -> bool:
            query = sa.text("SELECT pg_try_advisory_lock(:key)")
            return bool(conn.execute(query, {"key": key}).scalar_one())

        def holder() -> str | None:
            query = sa.text(
                "SELECT a.pid, a.usename, a.client_addr, a.application_name "
                "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted "
                "AND ((l.classid::bigint << 32) | l.objid::bigint) = :key"
            )
            row = conn.execute(query, {"key": key}).first()
            if row is None:
                return None
            return f"pid {row.pid}, user {row.usename}, client {row.client_addr or 'local'}"

        def release() -> None:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})

        yield Lock(try_acquire, holder, release)


POSTGRESQL = Dialect(
    name="postgresql",
    transactional_ddl=True,
    comments="separate",
    schema_wide_index_names=True,
    before_create_table=create_enum_types,
    open_lock=open_advisory_lock,
)
