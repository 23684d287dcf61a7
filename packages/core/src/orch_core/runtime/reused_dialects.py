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

Only where that is sound: a SQLite file through the standard sqlite3 module (pysqlite), no
connection hooks that give the driver arguments (connect_args, password: SQLAlchemy listens
for those on the dialect, which the thread's other tenants share), and no SQLAlchemy plugin
named in the url (a plugin changes how an engine is made); the rest takes sa.create_engine.
The rest of a url's query is the driver's arguments, which each engine reads from its url.
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
    if not database or database == ":memory:" or "plugin" in url.query:
        return False
    return not url.query.get("uri")


class ReusedDialects:
    """The dialects a process's SQLite tenants reuse, one per thread."""

    def __init__(self) -> None:
        self._dialects: dict[int, SADialect] = {}
        self._lock = threading.Lock()  # a run's threads ask at once

    def maker(self, hooks: Hooks) -> MakeEngine:
        """Return what makes a database's engine, over the calling thread's dialect (the
        thread that will migrate it) where the url and hooks allow, else sa.create_engine."""

        def make(url: sa.URL) -> sa.Engine:
            if not can_reuse(url, hooks):
                return sa.create_engine(url)
            return engine_over(self._dialect(), url)

        return make

    def _dialect(self) -> SADialect:
        thread = threading.get_ident()
        with self._lock:
            dialect = self._dialects.get(thread)
        if dialect is None:
            dialect = _initialized_dialect()
            with self._lock:
                self._dialects[thread] = dialect
        return dialect

    def clear(self) -> None:
        """Forget the dialects (they hold no connection)."""
        with self._lock:
            self._dialects = {}


def _initialized_dialect() -> SADialect:
    """Return a pysqlite dialect initialized on an in-memory database: the answers it keeps
    are the SQLite library's, the same for every file. (Not on a tenant's url: its query may
    hold an argument the driver refuses, which orch reports before connecting.)"""
    probe = sa.create_engine("sqlite://")
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
