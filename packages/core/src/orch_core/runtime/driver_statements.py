"""Statements orch runs at every step: compiled once per dialect, run on the driver's cursor.

Each step moves the version row and appends a history row. Through `Connection.execute`, each
of those small statements spends several times longer in SQLAlchemy's execution machinery
(a cache lookup, an execution context, events, a result object) than in the database: on a
fleet of SQLite databases, about a seventh of a migration's CPU. These statements are built
from SQLAlchemy constructs and compiled by the dialect as before; only their execution goes
straight to the DBAPI cursor of the connection, inside the same transaction.

They are orch's bookkeeping only: SQLAlchemy's cursor events do not see them (its SQL log,
`orch -vv`, does: each is logged on the engine's logger as SQLAlchemy logs its own). A script's own
statements, DDL included, still go through Connection.execute, where such events fire; a
replayed step's go to the cursor the same way only where no one but orch listens to them
(runtime/cursor_replay.py).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect as SADialect

_NONE: Mapping[str, Any] = {}


class DriverStatement:
    """One statement compiled for one dialect, executed with the driver's own cursor."""

    def __init__(
        self, statement: sa.Executable, dialect: SADialect, keys: Sequence[str] | None = None
    ) -> None:
        """keys: for an INSERT, the columns it sets (each a parameter of the same name)."""
        assert isinstance(statement, sa.ClauseElement)
        options: dict[str, Any] = {"column_keys": list(keys)} if keys else {}
        compiled: Any = statement.compile(dialect=dialect, **options)
        if getattr(compiled, "literal_execute_params", ()) or getattr(
            compiled, "post_compile_params", ()
        ):
            raise ValueError(f"not a fixed statement: {compiled.string}")
        self.sql: str = compiled.string
        binds = getattr(compiled, "binds", {})
        self.names: tuple[str, ...] = tuple(getattr(compiled, "positiontup", None) or binds)
        # Values the statement carries itself (a LIMIT, say); the caller's come on top.
        self._defaults: dict[str, Any] = {
            name: bind.effective_value for name, bind in binds.items() if not bind.required
        }
        # Positional or named arguments as the dialect's driver takes them (SQLAlchemy passes
        # DDL an empty sequence or mapping the same way).
        self._positional: bool = dialect.positional
        self._processors = [
            (name, processor)
            for name in self.names
            if (processor := binds[name].type.dialect_impl(dialect).bind_processor(dialect))
        ]
        columns = getattr(statement, "selected_columns", ())
        self._results: list[tuple[int, Callable[[Any], Any]]] = [
            (index, processor)
            for index, column in enumerate(columns)
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None))
        ]

    def renamed(self, old: str, new: str) -> DriverStatement:
        """Return this statement with `old` in its SQL replaced by `new` (a schema's name)."""
        moved = copy.copy(self)
        moved.sql = self.sql.replace(old, new)
        return moved

    def execute(self, connection: sa.Connection, parameters: Mapping[str, Any] = _NONE) -> int:
        """Run the statement in the connection's current transaction; return the row count.

        A database error is raised as SQLAlchemy raises it (a DBAPIError carrying the
        statement), so callers see the same errors as through Connection.execute."""
        return int(self._run(connection, parameters, lambda cursor: cursor.rowcount))

    def rows(
        self, connection: sa.Connection, parameters: Mapping[str, Any] = _NONE
    ) -> list[tuple[Any, ...]]:
        """Run a query and return its rows, each value as its column type reads it."""
        rows = self._run(connection, parameters, lambda cursor: cursor.fetchall())
        if not self._results:
            return [tuple(row) for row in rows]
        out = []
        for row in rows:
            values = list(row)
            for index, processor in self._results:
                values[index] = processor(values[index])
            out.append(tuple(values))
        return out

    def _run(
        self,
        connection: sa.Connection,
        parameters: Mapping[str, Any],
        read: Callable[[Any], Any],
    ) -> Any:
        values = {**self._defaults, **parameters} if self._defaults else dict(parameters)
        values = {name: values[name] for name in self.names}
        for name, processor in self._processors:
            values[name] = processor(values[name])
        arguments: Any = [values[n] for n in self.names] if self._positional else values
        logger = connection.engine.logger
        if logger.isEnabledFor(logging.INFO):  # `orch -vv`: shown as SQLAlchemy shows its own
            logger.info(self.sql)
            logger.info("[orch's own statement] %r", arguments)
        return on_cursor(connection, self.sql, arguments, read)


def on_cursor(
    connection: sa.Connection, sql: str, arguments: Any, read: Callable[[Any], Any] | None = None
) -> Any:
    """Run sql on a cursor of the connection's driver connection, in its current transaction
    (begun if there is none, as Connection.execute begins one); return what `read` takes from
    the cursor.

    Arguments are passed even when there are none, as SQLAlchemy passes them: drivers with
    %-placeholders then read a doubled %% in the text as one %. A database error is raised as
    SQLAlchemy raises it (see `driver_error`), so callers see the same errors as through
    Connection.execute."""
    if not connection.in_transaction():
        connection.begin()
    dbapi_connection: Any = connection.connection.dbapi_connection
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(sql, arguments)
        found = read(cursor) if read is not None else None
    except connection.dialect.loaded_dbapi.Error as exc:
        with suppress(Exception):  # as SQLAlchemy closes it: the error to report is the first
            cursor.close()
        raise driver_error(connection, sql, arguments, exc) from exc
    cursor.close()
    return found


def driver_error(
    connection: sa.Connection, sql: str, arguments: Any, error: Any
) -> sa.exc.StatementError:
    """Return the DBAPIError SQLAlchemy raises for a driver's error running sql; a session the
    server closed is invalidated first, as SQLAlchemy does, so that it is not used again.

    error: what the driver raised (an instance of its module's Error)."""
    dialect = connection.dialect
    gone = dialect.is_disconnect(error, connection.connection, None)
    if gone:
        connection.invalidate(error)
    wrapped: sa.exc.StatementError = sa.exc.DBAPIError.instance(
        sql,
        arguments,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=connection.engine.hide_parameters,
        connection_invalidated=gone,
        dialect=dialect,
    )
    return wrapped
