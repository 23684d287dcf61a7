"""What tests look at in a database, and the users they connect as."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from tests.support.databases import TestDatabase


def table_names(database: TestDatabase, schema: str | None = None) -> set[str]:
    """Return the names of the tables in the database (or one of its schemas)."""
    engine = database.engine()
    try:
        return set(sa.inspect(engine).get_table_names(schema=schema))
    finally:
        engine.dispose()


@contextmanager
def mariadb_user(database: TestDatabase, password: str) -> Iterator[str]:
    """Create a MariaDB user with this password and every right on the database; drop it after."""
    user = f"orch_{uuid.uuid4().hex[:8]}"
    admin = database.engine()
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE USER '{user}'@'%' IDENTIFIED BY :pw"), {"pw": password})
            conn.execute(sa.text(f"GRANT ALL ON {database.name}.* TO '{user}'@'%'"))
        yield user
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP USER IF EXISTS '{user}'@'%'"))
        admin.dispose()
