"""The `op` API that revision scripts call, with Alembic's names and arguments."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from orch_core.operations import ops
from orch_core.operations.arguments import (
    alter_column_op,
    execute_op,
    inline_literal,
    refuse_keywords,
)
from orch_core.operations.batch import BatchOperations, BatchSpec
from orch_core.operations.extensions import Extensible

if TYPE_CHECKING:
    from orch_core.runtime.context import MigrationContext


class Operations(Extensible):
    """The operations a migration script runs through `op`, bound to one MigrationContext.

    Plugins add operations with Alembic's `register_operation` / `implementation_for`."""

    def __init__(self, context: MigrationContext) -> None:
        self.migration_context = context
        self._run = context.run

    def invoke(self, operation: object) -> Any:
        """Run one operation object: orch's own, or one a plugin registered."""
        if isinstance(operation, ops.Op):
            self._run(operation)
            return None
        return self.invoke_registered(operation)

    @staticmethod
    def f(name: str) -> sa.sql.elements.conv:
        """Mark a name as final, so a naming convention leaves it as it is."""
        return sa.sql.elements.conv(name)

    def get_context(self) -> MigrationContext:
        """Return the MigrationContext these operations run in."""
        return self.migration_context

    def get_bind(self) -> sa.Connection:
        """Return the connection, inside the migration's transaction; offline, one that
        writes what it executes to the SQL output, as Alembic's does."""
        return self.migration_context.bind

    def create_table(
        self,
        table_name: str,
        *columns: sa.schema.SchemaItem,
        if_not_exists: bool | None = None,
        **kw: Any,
    ) -> sa.Table:
        """Create a table and return a SQLAlchemy Table for it (usable with bulk_insert)."""
        schema = kw.pop("schema", None)
        comment = kw.pop("comment", None)
        op = ops.CreateTableOp(table_name, tuple(columns), schema, comment, kw, bool(if_not_exists))
        renderer = self.migration_context.renderer
        table = renderer.build_table(op)  # built once: executed, then handed to the script
        statements = renderer.table_statements(table, if_not_exists=op.if_not_exists)
        self.migration_context.run_statements(op, statements)
        return table

    def drop_table(
        self,
        table_name: str,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """Drop a table; dialect keywords go to the Table as Alembic's do."""
        self._run(ops.DropTableOp(table_name, schema, bool(if_exists), kw))

    def rename_table(
        self, old_table_name: str, new_table_name: str, *, schema: str | None = None
    ) -> None:
        """Rename a table."""
        self._run(ops.RenameTableOp(old_table_name, new_table_name, schema))

    def create_table_comment(
        self,
        table_name: str,
        comment: str,
        *,
        existing_comment: str | None = None,
        schema: str | None = None,
    ) -> None:
        """Set a table's comment."""
        self._run(ops.TableCommentOp(table_name, comment, existing_comment, schema))

    def drop_table_comment(
        self, table_name: str, *, existing_comment: str | None = None, schema: str | None = None
    ) -> None:
        """Remove a table's comment."""
        self._run(ops.TableCommentOp(table_name, None, existing_comment, schema))

    def add_column(
        self,
        table_name: str,
        column: sa.Column[Any],
        *,
        schema: str | None = None,
        if_not_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """Add a column to a table."""
        refuse_keywords("add_column", table_name, kw)
        self._run(ops.AddColumnOp(table_name, column, schema, if_not_exists=bool(if_not_exists)))

    def drop_column(
        self,
        table_name: str,
        column_name: str,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """Drop a column from a table (SQL Server's mssql_* keywords are refused by name)."""
        refuse_keywords("drop_column", table_name, kw)
        self._run(ops.DropColumnOp(table_name, column_name, schema, bool(if_exists)))

    def alter_column(self, table_name: str, column_name: str, **kw: Any) -> None:
        """Change a column: new_column_name, type_, nullable, server_default, comment."""
        self._run(alter_column_op(table_name, column_name, **kw))

    def create_index(
        self,
        index_name: str | None,
        table_name: str,
        columns: Sequence[str | sa.ColumnElement[Any] | sa.TextClause],
        *,
        schema: str | None = None,
        unique: bool = False,
        if_not_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """Create an index (unique, partial with *_where, on expressions)."""
        cols = (columns,) if isinstance(columns, str) else tuple(columns)
        self._run(
            ops.CreateIndexOp(index_name, table_name, cols, schema, unique, bool(if_not_exists), kw)
        )

    def drop_index(
        self,
        index_name: str,
        table_name: str | None = None,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """Drop an index."""
        self._run(ops.DropIndexOp(index_name, table_name, schema, bool(if_exists), kw))

    def create_primary_key(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        *,
        schema: str | None = None,
    ) -> None:
        """Add a primary key constraint."""
        self._run(ops.CreatePrimaryKeyOp(constraint_name, table_name, tuple(columns), schema))

    def create_unique_constraint(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a unique constraint."""
        self._run(
            ops.CreateUniqueConstraintOp(constraint_name, table_name, tuple(columns), schema, kw)
        )

    def create_foreign_key(
        self,
        constraint_name: str | None,
        source_table: str,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        *,
        onupdate: str | None = None,
        ondelete: str | None = None,
        deferrable: bool | None = None,
        initially: str | None = None,
        match: str | None = None,
        source_schema: str | None = None,
        referent_schema: str | None = None,
        **dialect_kw: Any,
    ) -> None:
        """Add a foreign key constraint; dialect keywords (postgresql_not_valid) reach the DDL."""
        self._run(
            ops.CreateForeignKeyOp(
                constraint_name,
                source_table,
                referent_table,
                tuple(local_cols),
                tuple(remote_cols),
                ondelete,
                onupdate,
                deferrable,
                initially,
                match,
                source_schema,
                referent_schema,
                dialect_kw,
            )
        )

    def create_check_constraint(
        self,
        constraint_name: str | None,
        table_name: str,
        condition: str | sa.ColumnElement[Any] | sa.TextClause,
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a check constraint; keywords (deferrable, postgresql_not_valid) reach the DDL."""
        self._run(ops.CreateCheckConstraintOp(constraint_name, table_name, condition, schema, kw))

    def create_exclude_constraint(
        self, constraint_name: str | None, table_name: str, *elements: Any, **kw: Any
    ) -> None:
        """Add a PostgreSQL EXCLUDE constraint; elements are (column, operator) pairs and
        the keywords (where, using, schema, deferrable, ...) Alembic's."""
        schema = kw.pop("schema", None)
        self._run(
            ops.CreateExcludeConstraintOp(constraint_name, table_name, tuple(elements), schema, kw)
        )

    def drop_constraint(
        self,
        constraint_name: str,
        table_name: str,
        type_: str | None = None,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
    ) -> None:
        """Drop a constraint; type_ is foreignkey, primary, unique or check."""
        self._run(ops.DropConstraintOp(constraint_name, table_name, type_, schema, bool(if_exists)))

    def execute(
        self, sqltext: str | sa.Executable, *, execution_options: Mapping[str, Any] | None = None
    ) -> None:
        """Run a SQL string or any SQLAlchemy executable."""
        self._run(execute_op(sqltext, execution_options))

    def bulk_insert(
        self, table: sa.TableClause, rows: Sequence[Mapping[str, Any]], *, multiinsert: bool = True
    ) -> None:
        """Insert rows into a table, in one multi-row INSERT where the dialect allows."""
        self._run(ops.BulkInsertOp(table, tuple(rows), multiinsert))

    inline_literal = staticmethod(inline_literal)

    @contextmanager
    def batch_alter_table(  # noqa: PLR0917 (Alembic's positional signature)
        self,
        table_name: str,
        schema: str | None = None,
        recreate: Literal["auto", "always", "never"] = "auto",
        partial_reordering: Sequence[tuple[str, ...]] | None = None,
        copy_from: sa.Table | None = None,
        table_args: tuple[Any, ...] = (),
        table_kwargs: Mapping[str, Any] | None = None,
        reflect_args: tuple[Any, ...] = (),
        reflect_kwargs: Mapping[str, Any] | None = None,
        naming_convention: Mapping[str, str] | None = None,
    ) -> Iterator[BatchOperations]:
        """Collect changes to one table and apply them together (copy-and-move where needed)."""

        spec = BatchSpec(
            table_name,
            schema,
            recreate,
            tuple(tuple(p) for p in partial_reordering or ()),
            copy_from,
            tuple(table_args),
            dict(table_kwargs or {}),
            tuple(reflect_args),
            dict(reflect_kwargs or {}),
            dict(naming_convention or {}),
        )
        batch = BatchOperations(self.migration_context, spec)
        yield batch
        batch.flush()
