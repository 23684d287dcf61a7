"""Turn operations into SQLAlchemy statements for one dialect; both online and offline use this."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy import schema as ddl
from sqlalchemy.engine import Dialect as SADialect

from orch_core.dialects import Dialect
from orch_core.errors import UnsupportedOperation
from orch_core.operations import ddl as alter
from orch_core.operations import ops
from orch_core.operations.stubs import (
    NamingConvention,
    add_referent_stubs,
    convention_metadata,
    detach,
    stub_table,
)

Statements = list[sa.Executable]

_CONSTRAINT_TYPES: dict[str | None, Callable[[str], sa.Constraint]] = {
    "foreignkey": lambda n: sa.ForeignKeyConstraint([], [], name=n),
    "primary": lambda n: sa.PrimaryKeyConstraint(name=n),
    "unique": lambda n: sa.UniqueConstraint(name=n),
    "check": lambda n: sa.CheckConstraint(sa.true(), name=n),
    None: lambda n: sa.Constraint(name=n),
}


class Renderer:
    """Render operations for one orch dialect and the SQLAlchemy dialect behind it."""

    def __init__(
        self,
        dialect: Dialect,
        sa_dialect: SADialect,
        revision: str | None,
        naming_convention: NamingConvention | None = None,
    ) -> None:
        self.dialect = dialect
        self.sa_dialect = sa_dialect
        self.revision = revision
        self.naming_convention = naming_convention

    def render(self, op: ops.Op) -> Statements:
        """Return the statements that carry out `op` on this dialect."""
        return _RENDERERS[type(op)](self, op)

    def metadata(self) -> sa.MetaData:
        """Return a fresh MetaData with the target metadata's naming convention, as Alembic
        builds every table and constraint an operation names."""
        return convention_metadata(self.naming_convention)

    def _stub(self, name: str, schema: str | None, columns: Iterable[str] = ()) -> sa.Table:
        return stub_table(name, schema, columns, self.metadata())

    def unsupported(self, op: ops.Op, reason: str) -> UnsupportedOperation:
        """Return the error for an operation this dialect cannot do as asked."""
        return UnsupportedOperation(op.op_name, op.table, self.revision, reason)

    def build_table(self, op: ops.CreateTableOp) -> sa.Table:
        """Return the SQLAlchemy table a create_table operation describes."""
        items = [detach(item) for item in op.items]
        table = sa.Table(
            op.table_name, self.metadata(), *items, schema=op.schema, comment=op.comment, **op.kw
        )
        add_referent_stubs(table)
        return table

    def create_table(self, op: ops.CreateTableOp) -> Statements:
        return self.table_statements(self.build_table(op), if_not_exists=op.if_not_exists)

    def table_statements(self, table: sa.Table, *, if_not_exists: bool = False) -> Statements:
        """Return CREATE TABLE for a built table, with its comments and indexes."""
        out: Statements = []
        if self.dialect.before_create_table is not None:
            out.extend(self.dialect.before_create_table(table, self.sa_dialect))
        out.append(ddl.CreateTable(table, if_not_exists=if_not_exists))
        if self.dialect.comments == "separate":
            if table.comment is not None:
                out.append(ddl.SetTableComment(table))
            out.extend(ddl.SetColumnComment(c) for c in table.columns if c.comment is not None)
        out.extend(ddl.CreateIndex(ix) for ix in sorted(table.indexes, key=lambda i: i.name or ""))
        return out

    def drop_table(self, op: ops.DropTableOp) -> Statements:
        table = sa.Table(op.table_name, self.metadata(), schema=op.schema, **op.kw)
        return [ddl.DropTable(table, if_exists=op.if_exists)]

    def rename_table(self, op: ops.RenameTableOp) -> Statements:
        return [alter.RenameTable(op.table_name, op.new_name, op.schema)]

    def table_comment(self, op: ops.TableCommentOp) -> Statements:
        if self.dialect.comments == "none":
            return []
        table = self._stub(op.table_name, op.schema)
        table.comment = op.comment
        return [
            ddl.SetTableComment(table) if op.comment is not None else ddl.DropTableComment(table)
        ]

    def add_column(self, op: ops.AddColumnOp) -> Statements:
        """ADD COLUMN, then what the column brings to its table, as Alembic does: its
        constraints (unique=True, ForeignKey, a type's CHECK), its indexes (index=True) and
        its comment. Where constraints cannot be added by ALTER (SQLite), foreign keys and
        checks are written inline, and a UNIQUE is refused, pointing to batch_alter_table."""
        column, constraints = self.column_table(op)
        table = column.table
        inline: list[sa.Constraint] = []
        if not self.dialect.native_constraint_changes:
            inline = [c for c in constraints if not isinstance(c, sa.UniqueConstraint)]
            if len(inline) < len(constraints):
                raise self.unsupported(
                    op,
                    f"{self.dialect.name} cannot add a column with a UNIQUE constraint in "
                    "place; use batch_alter_table (or create_index with unique=True)",
                )
        out: Statements = [alter.AddColumn(column, tuple(inline), if_not_exists=op.if_not_exists)]
        out.extend(ddl.AddConstraint(c) for c in constraints if c not in inline)
        out.extend(ddl.CreateIndex(ix) for ix in sorted(table.indexes, key=lambda i: i.name or ""))
        if self.dialect.comments == "separate" and column.comment is not None:
            out.append(ddl.SetColumnComment(column))
        return out

    def column_table(self, op: ops.AddColumnOp) -> tuple[sa.Column[Any], list[sa.Constraint]]:
        """Return the new column on a stub of its table, and the constraints the column
        brings to the table that this dialect creates (the primary key aside)."""
        column = detach(op.column)
        assert isinstance(column, sa.Column)
        table = self._stub(op.table_name, op.schema)
        table.append_column(column)
        add_referent_stubs(table)
        # A type's own CHECK (Boolean, Enum with create_constraint) only where the dialect
        # lacks the native type: SQLAlchemy's rule for it, asked as at CREATE TABLE.
        asked = SimpleNamespace(dialect=self.sa_dialect)
        constraints = [
            c
            for c in table.constraints
            if not isinstance(c, sa.PrimaryKeyConstraint)
            and (c._create_rule is None or c._create_rule(asked))
        ]
        return column, sorted(constraints, key=_constraint_order)

    def drop_column(self, op: ops.DropColumnOp) -> Statements:
        """ALTER TABLE ... DROP COLUMN everywhere, as Alembic emits it: SQLite runs it since
        3.35 (a batch block still copies the table, which also works on older versions)."""
        return [alter.DropColumn(op.table_name, op.column_name, op.schema, op.if_exists)]

    def alter_column(self, op: ops.AlterColumnOp) -> Statements:
        if self.dialect.needs_recreate("alter_column", op.changes):
            raise self.unsupported(
                op,
                f"{self.dialect.name} cannot {sorted(op.changes)} in place; use batch_alter_table",
            )
        if self.dialect.alter_style == "modify":
            return self._alter_modify(op)
        return self._alter_standard(op)

    def _alter_standard(self, op: ops.AlterColumnOp) -> Statements:
        name, schema, changes = op.column_name, op.schema, op.changes
        out: Statements = []
        # The type first, as Alembic orders it on PostgreSQL: a new default must suit it.
        if "type" in changes:
            out.append(alter.AlterColumnType(op.table_name, schema, name, op.type_, op.using))
        if "nullable" in changes and op.nullable is not None:
            out.append(alter.AlterColumnNullable(op.table_name, schema, name, op.nullable))
        if "server_default" in changes:
            out.append(alter.AlterColumnDefault(self._column(op, server_default=op.server_default)))
        if "comment" in changes and self.dialect.comments != "none":
            column = self._column(op, comment=op.comment)
            out.append(
                ddl.SetColumnComment(column) if op.comment else ddl.DropColumnComment(column)
            )
        if "rename" in changes and op.new_name:
            out.append(alter.RenameColumn(op.table_name, schema, name, op.new_name))
        return out

    def _alter_modify(self, op: ops.AlterColumnOp) -> Statements:
        """MySQL: restate the column (MODIFY, or CHANGE as Alembic chooses it), or, for a
        rename or a default alone without the type known, RENAME COLUMN / ALTER .. DEFAULT."""
        changes = op.changes
        type_ = op.type_ if "type" in changes else op.existing_type
        change = _mysql_uses_change(op, type_)
        if not change and not changes & {"type", "nullable", "comment"} and not op.autoincrement:
            # RENAME COLUMN and ALTER COLUMN .. DEFAULT keep the rest of the column as it is.
            out: Statements = []
            if "server_default" in changes:
                column = self._column(op, server_default=op.server_default)
                out.append(alter.AlterColumnDefault(column))
            if "rename" in changes and op.new_name:
                rename = alter.RenameColumn(op.table_name, op.schema, op.column_name, op.new_name)
                out.append(rename)
            return out
        if type_ is None:
            raise self.unsupported(op, f"{self.dialect.name} needs existing_type to alter a column")
        column = sa.Column(
            op.new_name or op.column_name,
            type_,
            nullable=op.nullable if "nullable" in changes else op.existing_nullable is not False,
            server_default=self._default(op),
            comment=op.comment if "comment" in changes else op.existing_comment,
        )
        self._stub(op.table_name, op.schema).append_column(column)
        return [
            alter.ModifyColumn(
                op.column_name, column, autoincrement=bool(op.autoincrement), change=change
            )
        ]

    @staticmethod
    def _default(op: ops.AlterColumnOp) -> Any:
        if "server_default" in op.changes:
            return op.server_default
        return op.existing_server_default

    def _column(self, op: ops.AlterColumnOp, **kw: Any) -> sa.Column[Any]:
        type_ = op.type_ if op.type_ is not None else op.existing_type
        column: sa.Column[Any] = sa.Column(op.column_name, type_ or sa.types.NULLTYPE, **kw)
        self._stub(op.table_name, op.schema).append_column(column)
        return column

    def create_index(self, op: ops.CreateIndexOp) -> Statements:
        names = [c for c in op.columns if isinstance(c, str)]
        # Covering columns (postgresql_include) are named as strings the table must hold.
        included = [c for c in op.kw.get("postgresql_include", ()) if isinstance(c, str)]
        table = self._stub(op.table_name, op.schema, [*names, *included])
        exprs = [table.c[c] if isinstance(c, str) else c for c in op.columns]
        kw: dict[str, Any] = {
            k: sa.text(v) if k.endswith("_where") and isinstance(v, str) else v
            for k, v in op.kw.items()
        }
        index = sa.Index(op.index_name, *exprs, unique=op.unique, _table=table, **kw)
        return [ddl.CreateIndex(index, if_not_exists=op.if_not_exists)]

    def drop_index(self, op: ops.DropIndexOp) -> Statements:
        if op.table_name is None and self.dialect.alter_style == "modify":
            raise self.unsupported(op, f"{self.dialect.name} needs the table name to drop an index")
        table = self._stub(op.table_name or "_", op.schema, ["_"])
        index = sa.Index(op.index_name, table.c["_"], **op.kw)
        return [ddl.DropIndex(index, if_exists=op.if_exists)]

    def create_constraint(self, op: Any) -> Statements:
        if not self.dialect.native_constraint_changes:
            raise self.unsupported(
                op, f"{self.dialect.name} needs batch_alter_table to add a constraint"
            )
        return [ddl.AddConstraint(build_constraint(op, self.metadata()))]

    def drop_constraint(self, op: ops.DropConstraintOp) -> Statements:
        if not self.dialect.native_constraint_changes:
            raise self.unsupported(
                op, f"{self.dialect.name} needs batch_alter_table to drop a constraint"
            )
        if op.type_ not in _CONSTRAINT_TYPES:
            raise self.unsupported(op, f"unknown constraint type {op.type_!r}")
        constraint = _CONSTRAINT_TYPES[op.type_](op.constraint_name)
        self._stub(op.table_name, op.schema).append_constraint(constraint)
        return [ddl.DropConstraint(constraint, if_exists=op.if_exists)]

    def execute(self, op: ops.ExecuteOp) -> Statements:
        statement = op.statement
        if op.params and isinstance(statement, sa.TextClause):
            statement = statement.bindparams(**op.params)
        elif op.params and isinstance(statement, sa.ClauseElement):
            statement = statement.params(**op.params)
        return [statement]

    def bulk_insert(self, op: ops.BulkInsertOp) -> Statements:
        if not op.rows:
            return []
        insert = op.target.insert()
        keys = list(dict.fromkeys(k for row in op.rows for k in row))
        rows = [_typed_row(op.target, {k: row.get(k) for k in keys}) for row in op.rows]
        if op.multiinsert and self.sa_dialect.supports_multivalues_insert:
            return [insert.values(rows)]
        return [insert.values(row) for row in rows]


# Which method renders each kind of operation: one table for every renderer (a renderer is
# made per step, and a dict of bound methods per renderer was a reference cycle per step).
_RENDERERS: dict[type[ops.Op], Callable[[Renderer, Any], Statements]] = {
    ops.CreateTableOp: Renderer.create_table,
    ops.DropTableOp: Renderer.drop_table,
    ops.RenameTableOp: Renderer.rename_table,
    ops.TableCommentOp: Renderer.table_comment,
    ops.AddColumnOp: Renderer.add_column,
    ops.DropColumnOp: Renderer.drop_column,
    ops.AlterColumnOp: Renderer.alter_column,
    ops.CreateIndexOp: Renderer.create_index,
    ops.DropIndexOp: Renderer.drop_index,
    ops.CreatePrimaryKeyOp: Renderer.create_constraint,
    ops.CreateUniqueConstraintOp: Renderer.create_constraint,
    ops.CreateForeignKeyOp: Renderer.create_constraint,
    ops.CreateCheckConstraintOp: Renderer.create_constraint,
    ops.CreateExcludeConstraintOp: Renderer.create_constraint,
    ops.DropConstraintOp: Renderer.drop_constraint,
    ops.ExecuteOp: Renderer.execute,
    ops.BulkInsertOp: Renderer.bulk_insert,
}


def _mysql_uses_change(op: ops.AlterColumnOp, type_: Any) -> bool:
    """Return whether Alembic restates this column with CHANGE: a rename, or any change to a
    date/time column that keeps or sets a default. Only with the type and nullability known:
    Alembic would otherwise restate the column as NULL, orch renames or sets it in place."""
    if type_ is None or ("nullable" not in op.changes and op.existing_nullable is None):
        return False
    if "rename" in op.changes:
        return True
    dropping_default = "server_default" in op.changes and op.server_default is None
    return sa.types.to_instance(type_)._type_affinity is sa.DateTime and not dropping_default


def _typed_row(table: sa.TableClause, row: Any) -> dict[str, Any]:
    """Return the row with untyped columns' values typed from Python, so they can render."""
    columns = table.c
    return {
        key: sa.literal(value)
        if key in columns and columns[key].type._isnull and value is not None
        else value
        for key, value in row.items()
    }


def build_constraint(op: Any, metadata: sa.MetaData) -> sa.Constraint:
    """Return the SQLAlchemy constraint a create_* constraint operation describes, on a stub
    table in metadata (whose naming convention names it)."""
    if isinstance(op, ops.CreateForeignKeyOp):
        table = stub_table(op.table_name, op.source_schema, op.local_cols, metadata)
        prefix = f"{op.referent_schema}." if op.referent_schema else ""
        stub_table(op.referent_table, op.referent_schema, op.remote_cols, table.metadata)
        constraint: sa.Constraint = sa.ForeignKeyConstraint(
            list(op.local_cols),
            [f"{prefix}{op.referent_table}.{c}" for c in op.remote_cols],
            name=op.constraint_name,
            ondelete=op.ondelete,
            onupdate=op.onupdate,
            deferrable=op.deferrable,
            initially=op.initially,
            match=op.match,
            **op.kw,
        )
    elif isinstance(op, ops.CreatePrimaryKeyOp):
        table = stub_table(op.table_name, op.schema, op.columns, metadata)
        constraint = sa.PrimaryKeyConstraint(*op.columns, name=op.constraint_name)
    elif isinstance(op, ops.CreateUniqueConstraintOp):
        table = stub_table(op.table_name, op.schema, op.columns, metadata)
        constraint = sa.UniqueConstraint(*op.columns, name=op.constraint_name, **op.kw)
    elif isinstance(op, ops.CreateExcludeConstraintOp):
        names = [getattr(e, "name", e) for e, _ in op.elements]
        columns = [n for n in names if isinstance(n, str)]
        table = stub_table(op.table_name, op.schema, columns, metadata)
        # Imported here: SQLAlchemy's PostgreSQL dialect costs every other run ~0.05 s to import.
        from sqlalchemy.dialects.postgresql import ExcludeConstraint  # noqa: PLC0415

        constraint = ExcludeConstraint(*op.elements, name=op.constraint_name, **op.kw)
    else:
        table = stub_table(op.table_name, op.schema, metadata=metadata)
        condition = sa.text(op.condition) if isinstance(op.condition, str) else op.condition
        constraint = sa.CheckConstraint(condition, name=op.constraint_name, **op.kw)
    table.append_constraint(constraint)
    return constraint


def _constraint_order(constraint: sa.Constraint) -> tuple[str, str, tuple[str, ...]]:
    """Order a table's constraints (a set) the same way every time: offline SQL is stable."""
    columns = getattr(constraint, "columns", ())
    return (type(constraint).__name__, str(constraint.name or ""), tuple(c.name for c in columns))
