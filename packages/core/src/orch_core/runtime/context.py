"""Where operations go: a live connection (online) or SQL text (offline)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Dialect as SADialect

from orch_core.dialects import Dialect, get_dialect
from orch_core.errors import OperationFailed, UnsupportedOperation
from orch_core.operations.ops import Op
from orch_core.operations.render import Renderer
from orch_core.runtime.offline import render_statement, sa_dialect_for


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
    ) -> None:
        self.dialect = dialect
        self.sa_dialect = sa_dialect
        self.connection = connection
        self.revision = revision
        self._write = write
        self.renderer = Renderer(dialect, sa_dialect, revision)

    @classmethod
    def online(cls, connection: sa.Connection, *, revision: str | None = None) -> MigrationContext:
        """Return a context that executes operations on `connection`."""
        sa_dialect = connection.dialect
        return cls(
            get_dialect(sa_dialect.name), sa_dialect, connection=connection, revision=revision
        )

    @classmethod
    def offline(
        cls, dialect_name: str, write: Callable[[str], None], *, revision: str | None = None
    ) -> MigrationContext:
        """Return a context that writes each operation's SQL to `write`."""
        return cls(
            get_dialect(dialect_name), sa_dialect_for(dialect_name), write=write, revision=revision
        )

    @property
    def as_sql(self) -> bool:
        """Return whether operations are rendered as SQL instead of executed."""
        return self.connection is None

    def for_revision(self, revision: str | None) -> MigrationContext:
        """Return a context on the same connection or output for another revision."""
        return MigrationContext(
            self.dialect,
            self.sa_dialect,
            connection=self.connection,
            write=self._write,
            revision=revision,
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
        try:
            if self.connection is None:
                assert self._write is not None
                terminator = self.dialect.statement_terminator
                self._write(render_statement(statement, self.sa_dialect, terminator))
            else:
                self.connection.execute(statement)
        except sa.exc.DBAPIError as exc:
            raise OperationFailed(name, table, self.revision, str(exc.orig)) from exc
        except sa.exc.CompileError as exc:
            raise UnsupportedOperation(name, table, self.revision, str(exc)) from exc

    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        """Commit the open transaction, run the block in autocommit, then begin again."""
        if self.connection is None:
            yield
            return
        connection = self.connection
        previous = connection.get_isolation_level()
        if connection.in_transaction():
            connection.commit()
        connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            yield
        finally:
            if connection.in_transaction():
                connection.commit()  # ends SQLAlchemy's autobegun (autocommit) transaction
            connection.execution_options(isolation_level=previous)
        connection.begin()
