"""Cancel the statement a migration's connection is running, from another thread.

Each driver has its own way: PostgreSQL a cancel request (psycopg's `cancel()`), MariaDB and
MySQL `KILL QUERY` sent on another connection, SQLite `interrupt()`. The statement then fails
as any failing statement does, and the step's failure is recorded the usual way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class StatementHandle:
    """What cancelling a connection's statement takes: its driver connection and, on MariaDB
    and MySQL, the server's id of the connection."""

    dialect: str
    driver_connection: Any  # the DBAPI connection: psycopg, pymysql, sqlite3 alike
    server_id: int | None


def statement_handle(connection: sa.Connection) -> StatementHandle:
    """Return the handle by which the statements `connection` runs can be cancelled."""
    name = connection.dialect.name
    server_id = None
    if name in ("mysql", "mariadb"):
        with connection.begin():
            server_id = int(connection.execute(sa.text("SELECT CONNECTION_ID()")).scalar_one())
    return StatementHandle(name, connection.connection.dbapi_connection, server_id)


def cancel_statement(handle: StatementHandle, engine: sa.Engine) -> None:
    """Cancel the statement under way on the handle's connection, if any (thread-safe)."""
    if handle.server_id is not None:
        with engine.connect() as other:
            other.execute(sa.text(f"KILL QUERY {handle.server_id:d}"))
    elif handle.dialect in ("postgresql", "sqlite"):
        stop = handle.driver_connection.cancel if handle.dialect == "postgresql" else None
        (stop or handle.driver_connection.interrupt)()
