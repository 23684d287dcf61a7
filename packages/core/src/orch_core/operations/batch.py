"""batch_alter_table: apply a block of changes to one table, by copy-and-move where needed.

SQLite cannot alter types, nullability or constraints in place, so such a block builds a new
table with the target schema, copies the rows, drops the old table, renames the new one and
re-creates the indexes. Dialects that can ALTER in place run the block as plain operations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from orch_core.errors import OperationFailed, UnsupportedOperation
from orch_core.operations import ops
from orch_core.operations.arguments import (
    alter_column_op,
    execute_op,
    inline_literal,
    refuse_keywords,
)
from orch_core.operations.batch_model import TableModel
from orch_core.operations.extensions import Extensible

if TYPE_CHECKING:
    from orch_core.runtime.context import MigrationContext

_CONSTRAINT_OPS = (
    ops.CreatePrimaryKeyOp,
    ops.CreateUniqueConstraintOp,
    ops.CreateForeignKeyOp,
    ops.CreateCheckConstraintOp,
)


@dataclass(frozen=True)
class BatchSpec:
    """The arguments of one batch_alter_table block."""

    table_name: str
    schema: str | None = None
    recreate: Literal["auto", "always", "never"] = "auto"
    partial_reordering: tuple[tuple[str, ...], ...] = ()
    copy_from: sa.Table | None = None
    table_args: tuple[Any, ...] = ()
    table_kwargs: Mapping[str, Any] = field(default_factory=dict)
    reflect_args: tuple[Any, ...] = ()
    reflect_kwargs: Mapping[str, Any] = field(default_factory=dict)
    # Names for the reflected table's unnamed constraints (SQLite's, typically), so that the
    # block can drop or keep them by name; applied to reflection only, as Alembic does.
    naming_convention: Mapping[str, str] = field(default_factory=dict)


class BatchOperations(Extensible):
    """The `batch_op` of a batch_alter_table block: the op API with the table name bound."""

    _alembic_class_name = "BatchOperations"

    def __init__(self, context: MigrationContext, spec: BatchSpec) -> None:
        self.context = context
        self.spec = spec
        self.ops: list[ops.Op] = []

    @staticmethod
    def f(name: str) -> sa.sql.elements.conv:
        """Mark a name as final, so a naming convention leaves it as it is."""
        return sa.sql.elements.conv(name)

    def add_column(
        self,
        column: sa.Column[Any],
        *,
        insert_before: str | None = None,
        insert_after: str | None = None,
        if_not_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """Add a column, optionally placed before or after another (when recreating)."""
        refuse_keywords("add_column", self.spec.table_name, kw)
        self.ops.append(
            ops.AddColumnOp(
                self.spec.table_name,
                column,
                self.spec.schema,
                insert_before,
                insert_after,
                bool(if_not_exists),
            )
        )

    def drop_column(self, column_name: str, *, if_exists: bool | None = None, **kw: Any) -> None:
        """Drop a column (SQL Server's mssql_* keywords are refused by name)."""
        refuse_keywords("drop_column", self.spec.table_name, kw)
        self.ops.append(
            ops.DropColumnOp(self.spec.table_name, column_name, self.spec.schema, bool(if_exists))
        )

    def alter_column(self, column_name: str, **kw: Any) -> None:
        """Change a column, as Operations.alter_column does."""
        self.ops.append(
            alter_column_op(self.spec.table_name, column_name, schema=self.spec.schema, **kw)
        )

    def create_index(
        self, index_name: str | None, columns: Any, *, unique: bool = False, **kw: Any
    ) -> None:
        """Create an index on this table."""
        cols = (columns,) if isinstance(columns, str) else tuple(columns)
        self.ops.append(
            ops.CreateIndexOp(
                index_name, self.spec.table_name, cols, self.spec.schema, unique, False, kw
            )
        )

    def drop_index(self, index_name: str, **kw: Any) -> None:
        """Drop an index of this table."""
        self.ops.append(
            ops.DropIndexOp(index_name, self.spec.table_name, self.spec.schema, False, kw)
        )

    def create_primary_key(self, constraint_name: str | None, columns: Any) -> None:
        """Add a primary key."""
        self.ops.append(
            ops.CreatePrimaryKeyOp(
                constraint_name, self.spec.table_name, tuple(columns), self.spec.schema
            )
        )

    def create_unique_constraint(
        self, constraint_name: str | None, columns: Any, **kw: Any
    ) -> None:
        """Add a unique constraint."""
        self.ops.append(
            ops.CreateUniqueConstraintOp(
                constraint_name, self.spec.table_name, tuple(columns), self.spec.schema, kw
            )
        )

    def create_foreign_key(
        self,
        constraint_name: str | None,
        referent_table: str,
        local_cols: Any,
        remote_cols: Any,
        *,
        referent_schema: str | None = None,
        onupdate: str | None = None,
        ondelete: str | None = None,
        deferrable: bool | None = None,
        initially: str | None = None,
        match: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a foreign key from this table."""
        self.ops.append(
            ops.CreateForeignKeyOp(
                constraint_name,
                self.spec.table_name,
                referent_table,
                tuple(local_cols),
                tuple(remote_cols),
                ondelete,
                onupdate,
                deferrable,
                initially,
                match,
                self.spec.schema,
                referent_schema,
                kw,
            )
        )

    def create_check_constraint(
        self, constraint_name: str | None, condition: Any, **kw: Any
    ) -> None:
        """Add a check constraint."""
        self.ops.append(
            ops.CreateCheckConstraintOp(
                constraint_name, self.spec.table_name, condition, self.spec.schema, kw
            )
        )

    def drop_constraint(self, constraint_name: str, type_: str | None = None) -> None:
        """Drop a constraint by name."""
        self.ops.append(
            ops.DropConstraintOp(constraint_name, self.spec.table_name, type_, self.spec.schema)
        )

    def execute(
        self, sqltext: str | sa.Executable, *, execution_options: Mapping[str, Any] | None = None
    ) -> None:
        """Run a SQL string or executable now, before the block's changes, as Alembic does."""
        self.context.run(execute_op(sqltext, execution_options))

    def invoke(self, operation: object) -> Any:
        """Add one of orch's operation objects to the block, or run a plugin's."""
        if isinstance(operation, ops.Op):
            self.ops.append(operation)
            return None
        return self.invoke_registered(operation)

    def get_bind(self) -> sa.Connection:
        """Return the connection, as Operations.get_bind does."""
        return self.context.bind

    def get_context(self) -> MigrationContext:
        """Return the MigrationContext the block runs in."""
        return self.context

    def create_table_comment(
        self, comment: str | None, *, existing_comment: str | None = None
    ) -> None:
        """Set this table's comment."""
        self.ops.append(
            ops.TableCommentOp(self.spec.table_name, comment, existing_comment, self.spec.schema)
        )

    def drop_table_comment(self, *, existing_comment: str | None = None) -> None:
        """Remove this table's comment."""
        self.create_table_comment(None, existing_comment=existing_comment)

    inline_literal = staticmethod(inline_literal)

    def flush(self) -> None:
        """Apply the collected operations: in place, or by copy-and-move."""
        if not self._recreate():
            for op in self.ops:
                self.context.run(op)
            return
        model = TableModel.from_table(
            self._source(), self.spec.partial_reordering, self.context.renderer.naming_convention
        )
        for op in self.ops:
            self._apply(model, op)
        context = self.context
        with context.dialect.moving_table(
            context.connection, self.spec.table_name, context.revision
        ):
            statements = model.move_statements(
                self.spec.table_args,
                self.spec.table_kwargs,
                free_names_first=context.dialect.schema_wide_index_names,
            )
            for statement in statements:
                self.context.emit(statement, self.ops[0] if self.ops else None)

    def _recreate(self) -> bool:
        if self.spec.recreate != "auto":
            return self.spec.recreate == "always"
        dialect = self.context.dialect
        for op in self.ops:
            if isinstance(op, ops.AlterColumnOp) and dialect.needs_recreate(
                "alter_column", op.changes
            ):
                return True
            if isinstance(op, ops.DropColumnOp) and dialect.needs_recreate("drop_column"):
                return True
            if isinstance(op, ops.AddColumnOp) and dialect.needs_recreate("create_constraint"):
                # In place unless it brings a constraint (a foreign key, a UNIQUE): the table
                # is then rebuilt with it, as Alembic does, rather than have it written inline.
                _, constraints = self.context.renderer.column_table(op)
                if constraints:
                    return True
            if isinstance(op, (*_CONSTRAINT_OPS, ops.DropConstraintOp)) and dialect.needs_recreate(
                "create_constraint"
            ):
                return True
        return False

    def _source(self) -> sa.Table:
        if self.spec.copy_from is not None:
            return self.spec.copy_from
        connection = self.context.connection
        name = self.spec.table_name
        if connection is None:
            raise UnsupportedOperation(
                "batch_alter_table",
                name,
                self.context.revision,
                f"writing SQL without a database, the table cannot be read to copy it: pass "
                f"copy_from=sa.Table({name!r}, sa.MetaData(), ...) with its current columns "
                f"(or render for a database that alters in place)",
            )
        try:
            table = sa.Table(
                name,
                sa.MetaData(naming_convention=dict(self.spec.naming_convention) or None),
                *self.spec.reflect_args,
                schema=self.spec.schema,
                autoload_with=connection,
                **self.spec.reflect_kwargs,
            )
        except sa.exc.NoSuchTableError as exc:
            raise OperationFailed(
                "batch_alter_table", name, self.context.revision, f"no such table: {name}"
            ) from exc
        if self.context.dialect.after_reflect is not None:
            self.context.dialect.after_reflect(connection, table)
        return table

    def _apply(self, model: TableModel, op: ops.Op) -> None:
        try:
            model.apply(op)
        except KeyError as exc:
            raise OperationFailed(
                op.op_name,
                op.table,
                self.context.revision,
                f"no such column or constraint: {exc.args[0]}",
            ) from exc
