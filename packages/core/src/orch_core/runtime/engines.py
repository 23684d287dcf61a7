"""SQLAlchemy engines as orch needs them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa


def is_missing_sqlite_file(url: str) -> bool:
    """Return whether url names a SQLite file that does not exist (yet).

    Connecting would create it: a command that only reads (current, status, verify, --dry-run,
    --sql) must see such a database as empty instead, and leave nothing behind."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.query.get("uri"):
        return False
    database = parsed.database
    if not database or database == ":memory:":
        return False
    return not Path(database).exists()


def create_engine(url: str) -> sa.Engine:
    """Return an engine for url; on SQLite, with transactional DDL and the file's folder made."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, pool_pre_ping=False)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed)
    _make_sqlite_transactional(engine)
    return engine


def _make_sqlite_transactional(engine: sa.Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.

    Python's sqlite3 module commits implicitly before DDL, which would make a failed step's
    CREATE TABLE stay behind; emitting BEGIN ourselves makes DDL roll back like data.
    """

    @sa.event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        # The execution option, not get_isolation_level(): that asks SQLite with a PRAGMA,
        # one more statement for every step; BEGIN straight to the driver, as SQLAlchemy's
        # own BEGIN (do_begin) goes, without a statement's execution machinery.
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            connection.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]
