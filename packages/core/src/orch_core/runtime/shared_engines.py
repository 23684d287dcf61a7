"""One engine per PostgreSQL url and thread for the schema-tenants a process migrates in a run.

A fleet's schema-tenants (`[fleets.NAME]` with `schema = "tenant_{name}"`) all connect to one
server database. An engine each meant a new server session per tenant, and SQLAlchemy's
first-connect queries (server version, default schema, isolation level...) per tenant. Shared,
the session is opened once per thread and each tenant sets its search_path on it; the pool
resets the session before the thread's next tenant gets it (tenant_schema.py).

Per thread, not per process: a run adds and removes SQLAlchemy listeners on its engine's
dialect (the statement counter's), which SQLAlchemy does not allow while another thread runs
the same dialect's events ("deque mutated during iteration" on 200 tenants, 8 threads). A
thread's engine is used by that thread alone, as each tenant's engine was.

Only where that is sound: PostgreSQL through psycopg or psycopg2 (the drivers whose sessions
orch resets: several statements in one call, autocommit an attribute), and no connection hooks
in the project (connect_args, password and on_connect are per database: a shared session was
set up for another tenant). A session the server closed between two tenants is replaced when the
next one checks it out (the pool pings it first: one round trip per tenant).
A run shares engines while its threads run (RunState's scope), never across a fork; SQLite
tenants, each with an engine of its own, share a dialect per thread in the same scope
(reused_dialects.py).
"""

from __future__ import annotations

import threading
from functools import partial

import sqlalchemy as sa

from orch_core.config import DatabaseConfig
from orch_core.config.hooks import Hooks
from orch_core.runtime.engines import DATABASE_OPTION, name_connect_failures, unnamed_engine
from orch_core.runtime.reused_dialects import ReusedDialects
from orch_core.runtime.tenant_schema import (
    SCHEMA_OPTION,
    attach_tenant_views,
    reset_tenant_sessions,
)

_DRIVERS = frozenset({"psycopg", "psycopg2"})


def can_share(config: DatabaseConfig, hooks: Hooks) -> bool:
    """Return whether the database may use an engine shared with others of its url."""
    if config.schema is None:
        return False
    if hooks.connect_args is not None or hooks.password is not None or hooks.on_connect:
        return False
    url = sa.make_url(config.url)
    return url.get_backend_name() == "postgresql" and url.get_driver_name() in _DRIVERS


class SharedEngines:
    """The engines a process's schema-tenants share, one per url and thread, until disposed;
    and the dialects its SQLite tenants' engines are made over."""

    def __init__(self) -> None:
        self._engines: dict[tuple[str, int], sa.Engine] = {}
        self._lock = threading.Lock()  # a run's threads ask at once
        self.dialects = ReusedDialects()

    def engine_for(self, config: DatabaseConfig, hooks: Hooks) -> sa.Engine | None:
        """Return the database's view of the engine its url shares in the calling thread (the
        one that will migrate it), or None where it may not share (it then makes an engine of
        its own). Disposing the view closes nothing."""
        if not can_share(config, hooks):
            return None
        assert config.schema is not None  # can_share
        key = (config.url, threading.get_ident())
        with self._lock:
            shared = self._engines.get(key)
        if shared is None:
            # Each tenant's checkout pings its session first: one the server closed since the
            # last tenant (a restart, idle_session_timeout) is replaced, not failed on.
            # A bad url is refused naming each database.
            shared = unnamed_engine(config, partial(sa.create_engine, pool_pre_ping=True))
            name_connect_failures(shared)
            attach_tenant_views(shared)
            reset_tenant_sessions(shared)
            with self._lock:
                self._engines[key] = shared
        # The database's view: the same pool, its name and schema as options the listeners read.
        options = {DATABASE_OPTION: config.name, SCHEMA_OPTION: config.schema}
        return shared.execution_options(**options)

    def dispose(self) -> None:
        """Close every shared engine's connections."""
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.dispose()
        self.dialects.clear()
