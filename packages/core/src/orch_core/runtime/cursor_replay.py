"""A replayed step's statements sent straight to the driver's cursor, where only orch watches.

A declarative step replayed on a database (runtime/replay.py) sends again the text the driver
received on the first database of its kind, without parameters. Through exec_driver_sql each
statement walks SQLAlchemy's whole execute path (an execution context, the execute and cursor
events, a result object): in cProfile of 200 SQLite tenants, about 0.4 s of 2.7 s besides
SQLite's own execute. For such a statement, what that path does that anyone sees comes down to
what `CursorReplay` does: begin a transaction if there is none, run the text on a cursor of the
connection's driver connection, count it as orch's statement watch counts it (for `--resume`),
and raise a driver's error as SQLAlchemy raises it (so its operation names it alike). Cancelling
reaches it the same way: runtime/cancel.py interrupts the driver's connection, not SQLAlchemy.

Where anything else could see the statement on that path, or the path would do more with it,
it takes that path (`only_orch_watches`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

import sqlalchemy as sa

from orch_core.runtime.driver_statements import on_cursor
from orch_core.runtime.engines import DATABASE_OPTION, connect_failure
from orch_core.runtime.step_progress import Statement
from orch_core.runtime.tenant_schema import SCHEMA_OPTION

# The drivers on which SQLAlchemy runs a text without parameters by cursor.execute alone: their
# execution contexts add nothing before or after it. (psycopg2's logs the server's notices
# after each statement; mariadb's connector uses buffered cursors and reads the row count.)
_PLAIN_DRIVERS = frozenset({"pysqlite", "psycopg", "pymysql", "mysqldb"})
# The execution options orch sets, none of which changes how a text runs: an autocommit
# block's isolation level (applied to the connection when set), a shared engine's views. Any
# other (schema_translate_map, stream_results, no_parameters, a user's own) may.
_ORCH_OPTIONS = frozenset({"isolation_level", DATABASE_OPTION, SCHEMA_OPTION})


class StatementEvents(Protocol):
    """What orch's own listeners do with a connection's statements (runtime.statement_counter's
    StatementWatch), for a statement sent without them."""

    def sending(self, statement: Statement) -> bool:
        """Return True (skip it) for a statement a resumed step's earlier run completed."""
        ...

    def completed(self, statement: Statement, parameters: Any) -> None:
        """Count a statement the driver completed (or that was skipped)."""
        ...

    @property
    def listeners(self) -> frozenset[object]:
        """Return the functions these listen with."""
        ...


def only_orch_watches(connection: sa.Connection, watch: StatementEvents) -> bool:
    """Return whether a replayed statement may go straight to the driver's cursor: on
    SQLAlchemy's path (exec_driver_sql) nothing but orch's own listeners would see it, and
    nothing would run it otherwise. Else it takes that path, so that whoever watches sees every
    statement as before:

    - SQL logging (`orch -vv`, an engine's echo, the `sqlalchemy.engine` logger at INFO) writes
      each statement;
    - another listener to the events that path fires (an APM's, one a project's before_step
      adds to the connection) sees each statement or its error, or may change or skip it;
    - a driver whose execution context does more than run the text (see _PLAIN_DRIVERS);
    - an execution option orch does not set may change how a statement runs;
    - a transaction no longer active (after a failure inside it) makes SQLAlchemy refuse to
      run anything, with its own error.

    Asked once per replayed step (a listener may come and go between steps) and kept cheap:
    on a fleet of SQLite tenants a step sends one or two statements.
    """
    return (
        not connection.engine.logger.isEnabledFor(logging.INFO)
        and connection.dialect.driver in _PLAIN_DRIVERS
        and connection.get_execution_options().keys() <= _ORCH_OPTIONS
        and _no_inactive_transaction(connection)
        and _only_orchs_listeners(connection, watch)
    )


def _no_inactive_transaction(connection: sa.Connection) -> bool:
    """Return whether no transaction of the connection is one SQLAlchemy refuses to run in."""
    for transaction in (connection.get_transaction(), connection.get_nested_transaction()):
        if transaction is not None and not transaction.is_active:
            return False
    return True


def nothing_else_sees_before_sending(connection: sa.Connection, watch: StatementEvents) -> bool:
    """Return whether no listener but orch's sees a statement on the connection before it is
    sent (before_cursor_execute: the connection's, its engine's and the Engine class's), and
    so none may rewrite it."""
    return _orchs(connection.dispatch.before_cursor_execute, watch)


def _only_orchs_listeners(connection: sa.Connection, watch: StatementEvents) -> bool:
    """Return whether orch's are the only listeners to the events exec_driver_sql fires for a
    text without parameters: the connection's cursor events (with its engine's and the Engine
    class's) and its dialect's do_execute and handle_error. (It fires no before_execute or
    after_execute, and do_execute_no_params, do_executemany and do_setinputsizes only for
    options, parameters and drivers ruled out above.)"""
    events, dialect_events = connection.dispatch, connection.dialect.dispatch
    for listeners in (
        events.before_cursor_execute,
        events.after_cursor_execute,
        dialect_events.do_execute,
        dialect_events.handle_error,
    ):
        if not _orchs(listeners, watch):
            return False
    return True


def _orchs(listeners: Iterable[object], watch: StatementEvents) -> bool:
    """Return whether every one of the listeners is orch's: the watch's, or the one naming a
    database that cannot be reached (it lets a statement's errors pass)."""
    own = watch.listeners
    for listener in listeners:  # a loop, not all(): asked for every step of a fleet
        if listener not in own and listener is not connect_failure:
            return False
    return True


class CursorReplay:
    """Send replayed statements to the driver's cursor of a connection only orch watches."""

    def __init__(self, connection: sa.Connection, watch: StatementEvents) -> None:
        self._connection = connection
        self._watch = watch
        # No parameters, passed as exec_driver_sql passes none: an empty sequence or mapping,
        # as the driver takes them.
        dialect = connection.dialect
        self._arguments: Any = dialect.execute_sequence_format() if dialect.positional else {}

    @classmethod
    def on(cls, connection: sa.Connection, watch: StatementEvents | None) -> CursorReplay | None:
        """Return a replay on the connection, or None where its statements must go through
        SQLAlchemy's execute path (see `only_orch_watches`)."""
        if watch is None or not only_orch_watches(connection, watch):
            return None
        return cls(connection, watch)

    def send(self, statement: Statement) -> None:
        """Run one statement in the connection's transaction (begun if there is none) and
        count it, as the watch counts a statement it sees; a resumed step's done one is not
        run again, as on SQLAlchemy's path."""
        watch = self._watch
        if not watch.sending(statement):
            on_cursor(self._connection, statement.sql, self._arguments)
        watch.completed(statement, self._arguments)
