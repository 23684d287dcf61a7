"""PostgreSQL: transactional DDL, every column change in place, COMMENT ON statements.

Its migration lock is a session-level advisory lock on the migration's own connection (never
transaction-scoped, so it is safe around CREATE INDEX CONCURRENTLY); the server releases it
when the process dies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from orch_core.dialects.base import Dialect, Lock, lock_name
from orch_core.dialects.session_lock import database_of, session_lock

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


def _session(row: Any) -> str:
    return f"pid {row.pid}, user {row.usename}, client {row.client_addr or 'local'}"


@contextmanager
def open_advisory_lock(connection: sa.Connection, scope: str) -> Iterator[Lock]:
    """Open the advisory lock of this database and scope, on the migration's session."""
    database = database_of(connection, "SELECT current_database()", driver_autocommit=True)
    yield session_lock(
        connection,
        acquire="SELECT pg_try_advisory_lock(:key)",
        holder=(
            "SELECT a.pid, a.usename, a.client_addr, a.application_name "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted "
            "AND ((l.classid::bigint << 32) | l.objid::bigint) = :key"
        ),
        release="SELECT pg_advisory_unlock(:key)",
        parameters={"key": advisory_key(lock_name(database, scope))},
        acquired=bool,
        describe=_session,
        driver_autocommit=True,
    )


POSTGRESQL = Dialect(
    name="postgresql",
    transactional_ddl=True,
    comments="separate",
    schema_wide_index_names=True,
    before_create_table=create_enum_types,
    open_lock=open_advisory_lock,
)
