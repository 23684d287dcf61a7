"""ALTER forms SQLAlchemy lacks, as DDL elements compiled by the target dialect.

Identifiers go through the dialect's quoting preparer, types through its type compiler and
defaults through its own default rendering; nothing here formats a value into SQL by hand.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler


class _TableDDL(ExecutableDDLElement):
    def __init__(self, table_name: str, schema: str | None) -> None:
        self.table_name = table_name
        self.schema = schema


class RenameTable(_TableDDL):
    def __init__(self, table_name: str, new_name: str, schema: str | None) -> None:
        super().__init__(table_name, schema)
        self.new_name = new_name


class AddColumn(_TableDDL):
    def __init__(
        self,
        column: sa.Column[Any],
        inline: tuple[sa.Constraint, ...] = (),
        *,
        if_not_exists: bool = False,
    ) -> None:
        """inline: the column's foreign keys and checks, written as column constraints
        (`REFERENCES t (c)`, `CHECK (...)`) where ALTER cannot add them separately."""
        table = column.table
        super().__init__(table.name, table.schema)
        self.column = column
        self.inline = inline
        self.if_not_exists = if_not_exists


class DropColumn(_TableDDL):
    def __init__(
        self, table_name: str, column_name: str, schema: str | None, if_exists: bool = False
    ) -> None:
        super().__init__(table_name, schema)
        self.column_name = column_name
        self.if_exists = if_exists


class _ColumnDDL(_TableDDL):
    def __init__(self, table_name: str, schema: str | None, column_name: str) -> None:
        super().__init__(table_name, schema)
        self.column_name = column_name


class RenameColumn(_ColumnDDL):
    def __init__(self, table_name: str, schema: str | None, column_name: str, new: str) -> None:
        super().__init__(table_name, schema, column_name)
        self.new_name = new


class AlterColumnType(_ColumnDDL):
    def __init__(
        self, table_name: str, schema: str | None, column_name: str, type_: Any, using: str | None
    ) -> None:
        super().__init__(table_name, schema, column_name)
        self.type_ = sa.types.to_instance(type_)
        self.using = using


class AlterColumnNullable(_ColumnDDL):
    def __init__(
        self, table_name: str, schema: str | None, column_name: str, nullable: bool
    ) -> None:
        super().__init__(table_name, schema, column_name)
        self.nullable = nullable


class AlterColumnDefault(_ColumnDDL):
    """Set the column's server default, or drop it when `column.server_default` is None."""

    def __init__(self, column: sa.Column[Any]) -> None:
        super().__init__(column.table.name, column.table.schema, column.name)
        self.column = column


class ModifyColumn(_ColumnDDL):
    """MySQL's whole-column restatement: MODIFY, or CHANGE (always when the name changes)."""

    def __init__(
        self,
        column_name: str,
        column: sa.Column[Any],
        *,
        autoincrement: bool = False,
        change: bool = False,
    ) -> None:
        super().__init__(column.table.name, column.table.schema, column_name)
        self.column = column
        self.autoincrement = autoincrement
        self.change = change or column.name != column_name


def _table(compiler: DDLCompiler, element: _TableDDL) -> str:
    prep = compiler.preparer
    name = prep.quote(element.table_name)
    return f"{prep.quote_schema(element.schema)}.{name}" if element.schema else name


def _alter_column(compiler: DDLCompiler, element: _ColumnDDL) -> str:
    column = compiler.preparer.quote(element.column_name)
    return f"ALTER TABLE {_table(compiler, element)} ALTER COLUMN {column}"


@compiles(RenameTable)
def _rename_table(element: RenameTable, compiler: DDLCompiler, **kw: Any) -> str:
    new = compiler.preparer.quote(element.new_name)
    return f"ALTER TABLE {_table(compiler, element)} RENAME TO {new}"


@compiles(AddColumn)
def _add_column(element: AddColumn, compiler: DDLCompiler, **kw: Any) -> str:
    spec = compiler.get_column_specification(element.column)
    inline = "".join(
        _references(compiler, c)
        if isinstance(c, sa.ForeignKeyConstraint)
        else f" {compiler.process(c)}"
        for c in element.inline
    )
    exists = "IF NOT EXISTS " if element.if_not_exists else ""
    return f"ALTER TABLE {_table(compiler, element)} ADD COLUMN {exists}{spec}{inline}"


def _references(compiler: DDLCompiler, constraint: sa.ForeignKeyConstraint) -> str:
    """Return a one-column foreign key as a column constraint: `CONSTRAINT n REFERENCES t (c)`."""
    (key,) = constraint.elements
    preparer = compiler.preparer
    name = preparer.format_constraint(constraint) if constraint.name is not None else None
    untyped: Any = compiler  # SQLAlchemy leaves this one helper unannotated
    remote = untyped.define_constraint_remote_table(constraint, key.column.table, preparer)
    return (
        (f" CONSTRAINT {name}" if name else "")
        + f" REFERENCES {remote} ({preparer.quote(key.column.name)})"
        + compiler.define_constraint_cascades(constraint)
        + compiler.define_constraint_deferrability(constraint)
    )


@compiles(DropColumn)
def _drop_column(element: DropColumn, compiler: DDLCompiler, **kw: Any) -> str:
    column = compiler.preparer.quote(element.column_name)
    exists = "IF EXISTS " if element.if_exists else ""
    return f"ALTER TABLE {_table(compiler, element)} DROP COLUMN {exists}{column}"


@compiles(RenameColumn)
def _rename_column(element: RenameColumn, compiler: DDLCompiler, **kw: Any) -> str:
    old, new = (compiler.preparer.quote(n) for n in (element.column_name, element.new_name))
    return f"ALTER TABLE {_table(compiler, element)} RENAME COLUMN {old} TO {new}"


@compiles(AlterColumnType)
def _alter_type(element: AlterColumnType, compiler: DDLCompiler, **kw: Any) -> str:
    type_sql = compiler.dialect.type_compiler_instance.process(element.type_)
    using = f" USING {element.using}" if element.using else ""
    return f"{_alter_column(compiler, element)} TYPE {type_sql}{using}"


@compiles(AlterColumnNullable)
def _alter_nullable(element: AlterColumnNullable, compiler: DDLCompiler, **kw: Any) -> str:
    action = "DROP NOT NULL" if element.nullable else "SET NOT NULL"
    return f"{_alter_column(compiler, element)} {action}"


@compiles(AlterColumnDefault)
def _alter_default(element: AlterColumnDefault, compiler: DDLCompiler, **kw: Any) -> str:
    default = compiler.get_column_default_string(element.column)
    action = "DROP DEFAULT" if default is None else f"SET DEFAULT {default}"
    return f"{_alter_column(compiler, element)} {action}"


@compiles(ModifyColumn)
def _modify_column(element: ModifyColumn, compiler: DDLCompiler, **kw: Any) -> str:
    column = element.column
    type_sql = compiler.dialect.type_compiler_instance.process(column.type)
    # Alembic's spelling: NULL stated, not implied (a TIMESTAMP's default NULLness varies).
    spec = f"{type_sql} {'NULL' if column.nullable else 'NOT NULL'}"
    if element.autoincrement:
        spec += " AUTO_INCREMENT"
    if isinstance(column.server_default, sa.DefaultClause):
        spec += f" DEFAULT {_default_sql(compiler, column.server_default.arg)}"
    if column.comment is not None:
        spec += f" COMMENT {_literal(compiler, column.comment)}"
    name = compiler.preparer.quote(column.name)
    if not element.change:
        return f"ALTER TABLE {_table(compiler, element)} MODIFY {name} {spec}"
    old = compiler.preparer.quote(element.column_name)
    return f"ALTER TABLE {_table(compiler, element)} CHANGE {old} {name} {spec}"


def _default_sql(compiler: DDLCompiler, default: Any) -> str:
    """Return a server default as written in a column restatement: text as given, a string
    as a quoted literal, an expression compiled with its values inline."""
    if isinstance(default, str):
        return _literal(compiler, default)
    if isinstance(default, sa.TextClause):
        return default.text
    return str(compiler.sql_compiler.process(default, literal_binds=True))


def _literal(compiler: DDLCompiler, value: str) -> str:
    return str(compiler.sql_compiler.render_literal_value(value, sa.String()))


@compiles(RenameTable, "mysql", "mariadb")
def _rename_table_mysql(element: RenameTable, compiler: DDLCompiler, **kw: Any) -> str:
    """RENAME TO a bare name moves a MySQL table into the session's database: keep its own."""
    new = compiler.preparer.quote(element.new_name)
    if element.schema:
        new = f"{compiler.preparer.quote_schema(element.schema)}.{new}"
    return f"ALTER TABLE {_table(compiler, element)} RENAME TO {new}"


@compiles(RenameColumn, "postgresql")
def _rename_column_postgresql(element: RenameColumn, compiler: DDLCompiler, **kw: Any) -> str:
    old, new = (compiler.preparer.quote(n) for n in (element.column_name, element.new_name))
    return f"ALTER TABLE {_table(compiler, element)} RENAME {old} TO {new}"
