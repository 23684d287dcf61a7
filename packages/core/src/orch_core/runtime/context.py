"""Where operations go: a live connection (online) or SQL text (offline)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Dialect as SADialect

from orch_core.dialects import Dialect, get_dialect
from orch_core.errors import OperationError, OperationFailed, UnsupportedOperation
from orch_core.operations.ops import Op
from orch_core.operations.render import Renderer
from orch_core.runtime.cursor_replay import (
    CursorReplay,
    StatementEvents,
    nothing_else_sees_before_sending,
)
from orch_core.runtime.offline import render_statement, sa_dialect_for, writing_connection
from orch_core.runtime.step_progress import Statement, classify


class ConnectionWatch(StatementEvents, Protocol):
    """The events of a run's connection, listened to once per run (runtime.statement_counter's
    StatementWatch): `early_commit`, when set, is called before the next commit, then cleared;
    `sent`, when a list, gets each statement the driver completes, with its parameters."""

    early_commit: Callable[[], None] | None
    sent: list[tuple[str, Any]] | None


@dataclass(frozen=True)
class Sent:
    """A statement an operation sent, as the driver received it (parameters: none)."""

    op_name: str
    table: str | None
    statement: Statement  # classified once, when recorded


class MigrationContext:
    """Run operations for one revision on a connection, or write them out as SQL."""

    def __init__(
        self,
        dialect: Dialect,
        sa_dialect: SADialect,
        *,
        connection: sa.Connection | None = None,
        write: Callable[[str], None] | None = None,
        revision: str | None = None,
        target_metadata: sa.MetaData | None = None,
        watch: ConnectionWatch | None = None,
    ) -> None:
        """watch: the connection's events, needed to set before_early_commit or record."""
        self.dialect = dialect
        self.sa_dialect = sa_dialect
        self.connection = connection
        self.revision = revision
        # Alembic's option of that name: its naming convention names what the ops create.
        self.target_metadata = target_metadata
        self._write = write
        convention = target_metadata.naming_convention if target_metadata is not None else None
        self.renderer = Renderer(dialect, sa_dialect, revision, convention)
        # Whether some of the step's work was committed before the step ended (an autocommit
        # block, a script without a transaction, a commit by the script): a failure then
        # leaves it half done, never rolled back.
        self.committed_early = False
        # Called once, inside the transaction, just before the step's first early commit
        # (an autocommit block's, or the script's own): the runner records there that the
        # step has started, so that the commit keeps that row with the work before it.
        self.before_early_commit: Callable[[], None] | None = None
        self._watch = watch
        # While recording (see `recording`): the statements each operation sent, and whether
        # one sent other than exactly one statement.
        self._recorded: list[Sent] | None = None
        self._unmatched = False
        self._offline_in_transaction = False

    @classmethod
    def online(
        cls,
        connection: sa.Connection,
        *,
        revision: str | None = None,
        target_metadata: sa.MetaData | None = None,
        watch: ConnectionWatch | None = None,
    ) -> MigrationContext:
        """Return a context that executes operations on `connection` (whose events are
        `watch`, if the caller listens to them)."""
        sa_dialect = connection.dialect
        return cls(
            get_dialect(sa_dialect.name),
            sa_dialect,
            connection=connection,
            revision=revision,
            target_metadata=target_metadata,
            watch=watch,
        )

    @classmethod
    def offline(
        cls,
        dialect_name: str,
        write: Callable[[str], None],
        *,
        revision: str | None = None,
        target_metadata: sa.MetaData | None = None,
    ) -> MigrationContext:
        """Return a context that writes each operation's SQL to `write`."""
        return cls(
            get_dialect(dialect_name),
            sa_dialect_for(dialect_name),
            write=write,
            revision=revision,
            target_metadata=target_metadata,
        )

    @property
    def bind(self) -> sa.Connection:
        """Return the connection; offline, one that writes what it executes to the output."""
        if self.connection is not None:
            return self.connection
        return writing_connection(self.sa_dialect, self.emit)

    @property
    def as_sql(self) -> bool:
        """Return whether operations are rendered as SQL instead of executed."""
        return self.connection is None

    def for_revision(
        self, revision: str | None, target_metadata: sa.MetaData | None = None
    ) -> MigrationContext:
        """Return a context on the same connection or output for another revision (with its
        service's target metadata, if given; else this context's)."""
        return MigrationContext(
            self.dialect,
            self.sa_dialect,
            connection=self.connection,
            write=self._write,
            revision=revision,
            target_metadata=target_metadata or self.target_metadata,
        )

    def run(self, op: Op) -> None:
        """Execute or render one operation."""
        try:
            statements = self.renderer.render(op)
        except (sa.exc.CompileError, sa.exc.ArgumentError) as exc:
            raise UnsupportedOperation(op.op_name, op.table, self.revision, str(exc)) from exc
        self.run_statements(op, statements)

    def run_statements(self, op: Op, statements: list[sa.Executable]) -> None:
        """Execute or render the statements already rendered for `op`."""
        for statement in statements:
            self.emit(statement, op)

    def emit(self, statement: sa.Executable, op: Op | None = None) -> None:
        """Execute or write one statement, wrapping database errors with the operation."""
        name = op.op_name if op else "execute"
        table = op.table if op else None
        with self._failures(name, table):
            if self.connection is None:
                assert self._write is not None
                terminator = self.dialect.statement_terminator
                self._write(render_statement(statement, self.sa_dialect, terminator))
            elif self._recorded is None:
                self.connection.execute(statement)
            else:
                self._execute_recorded(statement, name, table)

    @contextmanager
    def _failures(self, name: str, table: str | None) -> Iterator[None]:
        """Turn a database's error (or a statement it cannot compile) into the operation's."""
        try:
            yield
        except (sa.exc.DBAPIError, sa.exc.CompileError) as exc:
            raise self._failure(name, table, exc) from exc

    def _failure(
        self, name: str, table: str | None, exc: sa.exc.DBAPIError | sa.exc.CompileError
    ) -> OperationError:
        if isinstance(exc, sa.exc.DBAPIError):
            return OperationFailed(name, table, self.revision, str(exc.orig))
        return UnsupportedOperation(name, table, self.revision, str(exc))

    def _execute_recorded(self, statement: sa.Executable, name: str, table: str | None) -> None:
        assert self.connection is not None and self._recorded is not None
        assert self._watch is not None and self._watch.sent is not None
        mark = len(self._watch.sent)
        self.connection.execute(statement)
        sent = self._watch.sent[mark:]
        if len(sent) == 1 and not sent[0][1]:
            self._recorded.append(Sent(name, table, classify(sent[0][0])))
        else:
            self._unmatched = True

    def recording(self, function: Callable[[], object]) -> tuple[Sent, ...] | None:
        """Run a step's function; return the statements its operations sent, if each sent
        exactly one (without parameters) and nothing else reached the driver meanwhile."""
        watch, connection = self._watch, self.connection
        if watch is None or connection is None:
            function()
            return None
        if connection.get_execution_options().get("schema_translate_map"):
            function()  # what the statements say then depends on the connection
            return None
        watch.sent, self._recorded, self._unmatched = [], [], False
        try:
            function()
            recorded = tuple(self._recorded)
            whole = not self._unmatched and len(watch.sent) == len(recorded)
        finally:
            watch.sent, self._recorded = None, None
        return recorded if whole else None

    def sends_as_rendered(self) -> bool:
        """Return whether what this connection's driver receives is what the operations
        render, to be recorded or replayed: no listener but orch's sees a statement before it
        is sent. One that rewrites statements (a SQL commenter adding a trace id, say) would
        make the recorded text carry its rewrite, and rewrite a replayed one again; one that
        only watches could not tell a step's run from a replay."""
        watch, connection = self._watch, self.connection
        return (
            watch is not None
            and connection is not None
            and nothing_else_sees_before_sending(connection, watch)
        )

    def replay(self, statements: tuple[Sent, ...]) -> None:
        """Send statements a step's operations sent on another database of this kind, each
        counted as the connection's events count it, its failure named by its operation:
        straight to the driver's cursor where only orch watches, else through the events."""
        connection = self.connection
        assert connection is not None
        direct = CursorReplay.on(connection, self._watch)
        sent: Sent | None = None
        try:  # one for all the statements, not a _failures block (a context manager) each
            for sent in statements:
                if direct is not None:
                    direct.send(sent.statement)
                else:
                    connection.exec_driver_sql(sent.statement.sql)
        except sa.exc.DBAPIError as exc:
            assert sent is not None
            raise self._failure(sent.op_name, sent.table, exc) from exc

    @contextmanager
    def transaction(self, transactional: bool = True, *, nested: bool = False) -> Iterator[None]:
        """Run one step's work in the migration's transaction, or (not transactional) in none.

        The transaction is begun without a context manager, as Alembic's is, so that the
        script may commit it (`op.get_bind().commit()`) or leave it for an autocommit block;
        what is open at the end is committed. `nested`: the run's transaction holds the step
        (a script's `transactional = False` included, as before).
        """
        connection = self.connection
        if connection is None:
            yield from self._offline_transaction(transactional)
            return
        if not transactional and not nested:
            self.committed_early = True
            yield from _autocommit(connection)
            return
        began = connection.get_transaction() if nested else connection.begin()
        try:
            with self._early_commits_watched():
                yield
        except BaseException:
            self.committed_early |= began is None or not began.is_active
            if not nested and connection.in_transaction():
                connection.rollback()
            raise
        if not nested and connection.in_transaction():
            connection.commit()

    @contextmanager
    def _early_commits_watched(self) -> Iterator[None]:
        """While the step's work runs, call `before_early_commit` before its first commit."""
        hook = self.before_early_commit
        if hook is None:
            yield
            return
        watch = self._watch
        if watch is None:
            raise TypeError("before_early_commit needs the connection's events (watch=)")
        watch.early_commit = hook
        try:
            yield
        finally:
            watch.early_commit = None

    def _offline_transaction(self, transactional: bool) -> Iterator[None]:
        terminator = self.dialect.statement_terminator
        self._offline_in_transaction = transactional and self.dialect.transactional_ddl
        if self._offline_in_transaction:
            self._write_raw("BEGIN" + terminator)
        yield
        if self._offline_in_transaction:
            self._write_raw("COMMIT" + terminator)
        self._offline_in_transaction = False

    def _write_raw(self, text: str) -> None:
        assert self._write is not None
        self._write(text)

    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        """Commit the migration's transaction, run the block in autocommit, then begin again.

        Offline, inside a BEGIN the block is written between COMMIT and BEGIN, as Alembic does.
        """
        connection = self.connection
        if connection is None:
            terminator = self.dialect.statement_terminator
            inside = self._offline_in_transaction
            if inside:
                self._write_raw("COMMIT" + terminator)
            yield
            if inside:
                self._write_raw("BEGIN" + terminator)
            return
        if connection.in_transaction():
            connection.commit()
        self.committed_early = True
        yield from _autocommit(connection)
        connection.begin()


def _autocommit(connection: sa.Connection) -> Iterator[None]:
    """Run the caller's block on `connection` in AUTOCOMMIT, then restore its isolation level."""
    # The level the connection was set to, not asked of the database: asking would open a
    # driver transaction that AUTOCOMMIT cannot then be switched on in.
    options = connection.get_execution_options()
    previous = options.get("isolation_level", connection.default_isolation_level)
    connection.execution_options(isolation_level="AUTOCOMMIT")
    try:
        yield
    finally:
        # End SQLAlchemy's autobegun (autocommit) transaction, after a failure too: the level
        # cannot be restored while it is open, and that error would hide the script's.
        if connection.in_transaction():
            connection.commit()
        connection.execution_options(isolation_level=previous)


@contextmanager
def run_transaction(connection: sa.Connection) -> Iterator[None]:
    """Hold a whole run in one transaction that steps may commit early (autocommit blocks)."""
    connection.begin()
    try:
        yield
    except BaseException:
        if connection.in_transaction():
            connection.rollback()
        raise
    if connection.in_transaction():
        connection.commit()
