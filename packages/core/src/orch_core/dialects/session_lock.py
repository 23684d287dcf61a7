"""What PostgreSQL's advisory lock and MySQL's GET_LOCK share: the migration's own session.

The lock is taken on the connection the migration runs on, not on one of its own: one session
per database instead of two. Both locks belong to the session, not to a transaction, so they
hold across the run's commits and autocommit blocks (CREATE INDEX CONCURRENTLY) and a rollback
leaves them held; the server drops them when the session ends, so a process that dies leaves
none behind. Their statements run in no transaction of the migration's: the run's own
`conn.begin()` must find none open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from orch_core.dialects.base import Lock

if TYPE_CHECKING:
    import sqlalchemy as sa

# Where a pooled connection keeps the name of the database its session is in: asked once per
# session, not once per lock (a fleet's schema-tenants share sessions).
_DATABASE_KEY = "orch.current_database"


def run_alone(
    connection: sa.Connection,
    statement: str,
    parameters: dict[str, Any] | None = None,
    *,
    driver_autocommit: bool,
) -> Any:
    """Run one of the lock's statements outside any transaction; return its first row.

    driver_autocommit: the driver runs the statement on its own (PostgreSQL's drivers, whose
    `autocommit` is an attribute: no BEGIN and COMMIT around it); otherwise it is committed
    after (MySQL's drivers, where switching autocommit costs a statement of its own)."""
    import sqlalchemy as sa  # noqa: PLC0415 - see orch_core.dialects.base

    driver = connection.connection.dbapi_connection
    assert driver is not None  # a connection checked out, not yet closed
    before = driver.autocommit if driver_autocommit else None
    if driver_autocommit:
        driver.autocommit = True
    try:
        row = connection.execute(sa.text(statement), parameters or {}).first()
        # Ends SQLAlchemy's transaction; under the driver's autocommit its COMMIT sends nothing.
        connection.commit()
    finally:
        if driver_autocommit:
            driver.autocommit = before
    return row


def database_of(connection: sa.Connection, query: str, *, driver_autocommit: bool) -> str:
    """Return the server's name of the database the connection's session is in (cached)."""
    info = connection.connection.info
    if _DATABASE_KEY not in info:
        row = run_alone(connection, query, driver_autocommit=driver_autocommit)
        info[_DATABASE_KEY] = str(row[0])
    return str(info[_DATABASE_KEY])


def session_lock(
    connection: sa.Connection,
    *,
    acquire: str,
    holder: str,
    release: str,
    parameters: dict[str, Any],
    acquired: Callable[[Any], bool],
    describe: Callable[[Any], str],
    driver_autocommit: bool,
) -> Lock:
    """Return the lock whose statements (acquire without waiting, find the holder's session,
    release) take these parameters; acquired() reads acquire's value, describe() holder's row.

    A connection whose lock may be held but could not be released (the release failed, or
    acquiring was interrupted) is closed instead of going back to the pool: the server drops
    the lock with its session, so no later user of the pool finds it held."""

    def run(statement: str) -> Any:
        return run_alone(connection, statement, parameters, driver_autocommit=driver_autocommit)

    def try_acquire() -> bool:
        return acquired(run(acquire)[0])

    def holder_of() -> str | None:
        row = run(holder)
        return None if row is None else describe(row)

    def release_it() -> None:
        if connection.invalidated or connection.closed:
            return  # the session is gone (killed, say), and its lock with it
        try:
            if connection.in_transaction():  # left by a failure: it would refuse the release
                connection.rollback()
            run(release)
        except BaseException:
            end_session(connection)
            raise

    return Lock(try_acquire, holder_of, release_it, lambda: end_session(connection))


def end_session(connection: sa.Connection) -> None:
    """Close the connection's session instead of returning it to the pool."""
    if not connection.invalidated and not connection.closed:
        connection.invalidate()
