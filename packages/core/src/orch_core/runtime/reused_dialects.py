"""One initialized SQLAlchemy dialect per thread for a run's SQLite tenants, each of them an
engine of its own over it.

sa.create_engine parses the url, builds a dialect and, at the first connection, initializes it
(the SQLite library's version, the default schema, the isolation level...): about a tenth of
a 20-step SQLite tenant's Python calls (cProfile, 200 tenants), the same answers each time.
Over a dialect initialized once, a tenant's engine is still its own: its url (the file lock,
messages, a script's `op.get_bind().engine.url` read it), its pool, its listeners.

Per thread, not per process: a run adds and removes listeners on its connection's dialect
(the statement counter's), which SQLAlchemy does not allow while another thread runs the same
dialect's events (see shared_engines.py).

Only where that is sound: a SQLite file through the standard sqlite3 module (pysqlite), and no
connection hooks that give the driver arguments (connect_args, password: SQLAlchemy listens
for those on the dialect, which the thread's other tenants share). Each url query (the
driver's arguments) has a dialect of its own; the rest takes sa.create_engine.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect as SADialect

from orch_core.config.hooks import Hooks
from orch_core.dialects.base import MakeEngine

# The names of SQLite through the standard sqlite3 module.
_PYSQLITE = frozenset({"sqlite", "sqlite+pysqlite"})


def can_reuse(url: sa.URL, hooks: Hooks) -> bool:
    """Return whether a database at url may have its engine made over a reused dialect."""
    if hooks.connect_args is not None or hooks.password is not None:
        return False
    if url.drivername not in _PYSQLITE:  # named, not looked up: SQLAlchemy's lookup costs
        return False
    database = url.database
    return bool(database) and database != ":memory:" and not url.query.get("uri")


class ReusedDialects:
    """The dialects a process's SQLite tenants reuse, one per thread and url query."""

    def __init__(self) -> None:
        self._dialects: dict[tuple[int, tuple[tuple[str, Any], ...]], SADialect] = {}
        self._lock = threading.Lock()  # a run's threads ask at once

    def maker(self, hooks: Hooks) -> MakeEngine:
        """Return what makes a database's engine, over the calling thread's dialect (the
        thread that will migrate it) where the url and hooks allow, else sa.create_engine."""

        def make(url: sa.URL) -> sa.Engine:
            if not can_reuse(url, hooks):
                return sa.create_engine(url)
            return engine_over(self._dialect(url), url)

        return make

    def _dialect(self, url: sa.URL) -> SADialect:
        key = (threading.get_ident(), tuple(sorted(url.query.items())))
        with self._lock:
            dialect = self._dialects.get(key)
        if dialect is None:
            dialect = _initialized_dialect(url)
            with self._lock:
                self._dialects[key] = dialect
        return dialect

    def clear(self) -> None:
        """Forget the dialects (they hold no connection)."""
        with self._lock:
            self._dialects = {}


def _initialized_dialect(url: sa.URL) -> SADialect:
    """Return a dialect for url's driver and query, initialized on an in-memory database: the
    answers it keeps are the SQLite library's, the same for every file."""
    probe = sa.create_engine(url.set(database=":memory:"))
    with probe.connect():
        pass
    probe.dispose()
    return probe.dialect


def engine_over(dialect: SADialect, url: sa.URL) -> sa.Engine:
    """Return an engine for url over an initialized dialect, with a pool of its own: what
    sa.create_engine assembles, less the dialect's making and first-connect initialize."""
    arguments, keywords = dialect.create_connect_args(url)
    set_up = dialect.on_connect_url(url)  # pysqlite's: the REGEXP and FLOOR functions

    def connect() -> Any:
        # No do_connect listeners to call: those are the hooks that may not reuse (can_reuse).
        # The dialect's set-up first, as sa.create_engine's first "connect" listener does.
        connection = dialect.connect(*arguments, **keywords)
        if set_up is not None:
            set_up(connection)
        return connection

    pool = dialect.get_dialect_pool_class(url)(connect, dialect=dialect)
    engine = sa.Engine(pool, dialect, url)
    dialect.engine_created(engine)
    return engine
