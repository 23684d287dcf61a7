"""MySQL and MariaDB: non-transactional DDL, column changes restate the column (MODIFY).

Their migration lock is GET_LOCK on the migration's own connection; the server releases it
when the connection ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from orch_core.dialects.base import Dialect, Lock, lock_name
from orch_core.dialects.session_lock import database_of, session_lock

if TYPE_CHECKING:
    import sqlalchemy as sa

# GET_LOCK names are at most 64 characters.
_MAX_LOCK_NAME = 64


def short_lock_name(full: str) -> str:
    """Return the name as GET_LOCK takes it: a readable prefix and a hash when too long."""
    import hashlib  # noqa: PLC0415 - see orch_core.dialects.base

    if len(full) <= _MAX_LOCK_NAME:
        return full
    return full[:47] + hashlib.sha256(full.encode()).hexdigest()[:17]


@contextmanager
def open_named_lock(connection: sa.Connection, scope: str) -> Iterator[Lock]:
    """Open the GET_LOCK lock of this database and scope, on the migration's session."""
    database = database_of(connection, "SELECT DATABASE()", driver_autocommit=False)
    yield session_lock(
        connection,
        acquire="SELECT GET_LOCK(:n, 0)",
        holder=(
            "SELECT p.ID, p.USER, p.HOST FROM information_schema.PROCESSLIST p "
            "WHERE p.ID = IS_USED_LOCK(:n)"
        ),
        release="SELECT RELEASE_LOCK(:n)",
        parameters={"n": short_lock_name(lock_name(database, scope))},
        acquired=lambda got: bool(got == 1),
        describe=lambda row: f"connection {row[0]}, user {row[1]}@{row[2]}",
        driver_autocommit=False,
    )


MYSQL = Dialect(
    name="mysql",
    transactional_ddl=False,
    # The statements of MySQL's "statements that cause an implicit commit" a script may run.
    implicit_commits=frozenset(
        {"ALTER", "CREATE", "DROP", "RENAME", "TRUNCATE", "GRANT", "REVOKE", "LOCK", "UNLOCK"}
        | {"ANALYZE", "OPTIMIZE", "REPAIR", "INSTALL", "UNINSTALL", "FLUSH"}
    ),
    comments="inline",
    alter_style="modify",
    open_lock=open_named_lock,
)
MARIADB = replace(MYSQL, name="mariadb")
