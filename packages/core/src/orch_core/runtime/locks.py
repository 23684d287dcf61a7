"""One migrator per database: a lock that a killed process never leaves behind.

Each dialect opens its own kind of lock (PostgreSQL: an advisory lock; MariaDB/MySQL: GET_LOCK,
both on the migration's own session; SQLite: an OS file lock), released by the server or the
kernel when the process dies. Here is
what they share: the wait up to the database's lock_timeout, announced once, and the events.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
import structlog

from orch_core.audit.events import Event
from orch_core.config import DatabaseConfig
from orch_core.dialects import get_dialect
from orch_core.dialects.base import Lock
from orch_core.errors import LockTimeout

_POLL_SECONDS = 0.05


def lock_scope(config: DatabaseConfig) -> str:
    """Return what the lock's name is scoped to besides the server's database: the version table."""
    return f"{config.version_table_schema or ''}.{config.version_table}"


# Takes the lock again, without waiting, on the connection's new session after the server
# ended the one that held it; False: another migrator holds it now.
Regain = Callable[[], bool]


@contextmanager
def migration_lock(
    connection: sa.Connection,
    config: DatabaseConfig,
    log: structlog.typing.FilteringBoundLogger | None = None,
) -> Iterator[Regain]:
    """Hold the database's migration lock for the block, waiting up to its lock_timeout.

    connection: the one the block migrates on (no transaction open); a server's lock is held
    by its session. Yields how to take it again should that session end (Regain)."""
    log = log or structlog.get_logger("orch").bind(database=config.name)
    open_lock = get_dialect(connection.dialect.name).open_lock or _no_lock
    with open_lock(connection, lock_scope(config)) as lock:
        if lock is None:
            yield lambda: True
            return
        try:
            _wait(lock, config, log)
        except LockTimeout:
            raise  # its last attempt found the lock taken: nothing is held
        except BaseException:
            lock.abandon()  # interrupted: the lock may have been granted
            raise
        try:
            yield lock.try_acquire
        finally:
            lock.release()
            log.debug(Event.LOCK_RELEASED)


@contextmanager
def _no_lock(_connection: sa.Connection, _scope: str) -> Iterator[Lock | None]:
    yield None


def _wait(lock: Lock, config: DatabaseConfig, log: structlog.typing.FilteringBoundLogger) -> None:
    """Poll the lock until it is acquired or the timeout passes."""
    deadline = time.monotonic() + config.lock_timeout
    announced = False
    while not lock.try_acquire():
        if time.monotonic() >= deadline:
            raise LockTimeout(config.name, config.lock_timeout, lock.holder())
        if not announced:
            log.info(Event.LOCK_WAITING, holder=lock.holder(), timeout=config.lock_timeout)
            announced = True
        time.sleep(_POLL_SECONDS)
    log.debug(Event.LOCK_ACQUIRED)
