"""One migrator per database: a lock that a killed process never leaves behind.

PostgreSQL: a session-level advisory lock on a connection of its own (never transaction-scoped,
so it is safe around CREATE INDEX CONCURRENTLY). MariaDB/MySQL: GET_LOCK on a connection of its
own. SQLite: an OS file lock on a sidecar file. Each is released by the server or the kernel
when the process dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
import structlog

from orch_core.audit.events import Event
from orch_core.config import DatabaseConfig
from orch_core.errors import LockTimeout

_POLL_SECONDS = 0.05


def lock_name(config: DatabaseConfig, database: str) -> str:
    """Return the lock's name: scoped to the server database and the version table."""
    table = f"{config.version_table_schema or ''}.{config.version_table}"
    return f"orch:{database}:{table}"


@contextmanager
def migration_lock(
    engine: sa.Engine,
    config: DatabaseConfig,
    log: structlog.typing.FilteringBoundLogger | None = None,
) -> Iterator[None]:
    """Hold the database's migration lock for the block, waiting up to its lock_timeout."""
    log = log or structlog.get_logger("orch").bind(database=config.name)
    name = engine.dialect.name
    if name == "sqlite":
        lock = _sqlite_lock(engine, config, log)
    elif name == "postgresql":
        lock = _postgresql_lock(engine, config, log)
    elif name in {"mysql", "mariadb"}:
        lock = _mysql_lock(engine, config, log)
    else:
        lock = _no_lock()
    with lock:
        yield


@contextmanager
def _no_lock() -> Iterator[None]:
    yield


def _wait(
    try_once: Callable[[], bool],
    config: DatabaseConfig,
    log: structlog.typing.FilteringBoundLogger,
    holder: Callable[[], str | None],
) -> None:
    """Poll try_once() until it succeeds or the timeout passes."""
    deadline = time.monotonic() + config.lock_timeout
    announced = False
    while not try_once():
        if time.monotonic() >= deadline:
            raise LockTimeout(config.name, config.lock_timeout, holder())
        if not announced:
            log.info(Event.LOCK_WAITING, holder=holder(), timeout=config.lock_timeout)
            announced = True
        time.sleep(_POLL_SECONDS)
    log.debug(Event.LOCK_ACQUIRED)


@contextmanager
def _sqlite_lock(
    engine: sa.Engine, config: DatabaseConfig, log: structlog.typing.FilteringBoundLogger
) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # an in-memory database lives in this process alone
        return
    path = Path(f"{database}.orch-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:

        def try_once() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()}".encode())
            return True

        def holder() -> str | None:
            text = path.read_text(encoding="utf-8", errors="replace").strip()
            return text or None

        _wait(try_once, config, log, holder)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            log.debug(Event.LOCK_RELEASED)
    finally:
        os.close(fd)


def _advisory_key(name: str) -> int:
    """Return a non-negative 63-bit key for pg_advisory_lock derived from the lock name."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


@contextmanager
def _postgresql_lock(
    engine: sa.Engine, config: DatabaseConfig, log: structlog.typing.FilteringBoundLogger
) -> Iterator[None]:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
        key = _advisory_key(lock_name(config, database))

        def try_once() -> bool:
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

        _wait(try_once, config, log, holder)
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            log.debug(Event.LOCK_RELEASED)


@contextmanager
def _mysql_lock(
    engine: sa.Engine, config: DatabaseConfig, log: structlog.typing.FilteringBoundLogger
) -> Iterator[None]:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        database = conn.execute(sa.text("SELECT DATABASE()")).scalar_one()
        # GET_LOCK names are at most 64 characters: keep a readable prefix and a hash.
        full = lock_name(config, database)
        name = (
            full if len(full) <= 64 else full[:47] + hashlib.sha256(full.encode()).hexdigest()[:17]
        )

        def try_once() -> bool:
            got = conn.execute(sa.text("SELECT GET_LOCK(:n, 0)"), {"n": name}).scalar_one()
            return bool(got == 1)

        def holder() -> str | None:
            query = sa.text(
                "SELECT p.ID, p.USER, p.HOST FROM information_schema.PROCESSLIST p "
                "WHERE p.ID = IS_USED_LOCK(:n)"
            )
            row = conn.execute(query, {"n": name}).first()
            return None if row is None else f"connection {row[0]}, user {row[1]}@{row[2]}"

        _wait(try_once, config, log, holder)
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": name})
            log.debug(Event.LOCK_RELEASED)
