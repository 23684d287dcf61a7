"""MySQL and MariaDB: non-transactional DDL, column changes restate the column (MODIFY).

Their migration lock is GET_LOCK on a connection of its own; the server releases it when the
connection ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from orch_core.dialects.base import Dialect, Lock, lock_name

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
def open_named_lock(engine: sa.Engine, scope: str) -> Iterator[Lock]:
    """Open the GET_LOCK lock of this database and scope, on a connection of its own."""
    import sqlalchemy as sa  # noqa: PLC0415 - see orch_core.dialects.base

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        database = conn.execute(sa.text("SELECT DATABASE()")).scalar_one()
        name = short_lock_name(lock_name(database, scope))

        def try_acquire() -> bool:
            got = conn.execute(sa.text("SELECT GET_LOCK(:n, 0)"), {"n": name}).scalar_one()
            return bool(got == 1)

        def holder() -> str | None:
            query = sa.text(
                "SELECT p.ID, p.USER, p.HOST FROM information_schema.PROCESSLIST p "
                "WHERE p.ID = IS_USED_LOCK(:n)"
            )
            row = conn.execute(query, {"n": name}).first()
            return None if row is None else f"connection {row[0]}, user {row[1]}@{row[2]}"

        def release() -> None:
            conn.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": name})

        yield Lock(try_acquire, holder, release)


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
