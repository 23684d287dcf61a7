"""Operations as data: what a migration asks for, independent of how it is run or printed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import sqlalchemy as sa

from orch_core.dialects.base import ColumnChange

Params = Mapping[str, Any]


@dataclass(frozen=True)
class Op:
    """Base of all operations; `op_name` is the `op.` method that made it."""

    op_name: ClassVar[str] = "operation"

    @property
    def table(self) -> str | None:
        """Return the table this operation touches, if any."""
        return getattr(self, "table_name", None)

    def reverse(self) -> Op:
        """Return the operation that undoes this one."""
        raise NotImplementedError(f"{self.op_name} has no reverse")


@dataclass(frozen=True)
class CreateTableOp(Op):
    op_name: ClassVar[str] = "create_table"
    table_name: str
    items: tuple[sa.schema.SchemaItem, ...]
    schema: str | None = None
    comment: str | None = None
    kw: Params = field(default_factory=dict)
    if_not_exists: bool = False

    def reverse(self) -> DropTableOp:
        return DropTableOp(self.table_name, self.schema)


@dataclass(frozen=True)
class DropTableOp(Op):
    op_name: ClassVar[str] = "drop_table"
    table_name: str
    schema: str | None = None
    if_exists: bool = False
    kw: Params = field(default_factory=dict)


@dataclass(frozen=True)
class RenameTableOp(Op):
    op_name: ClassVar[str] = "rename_table"
    table_name: str
    new_name: str
    schema: str | None = None

    def reverse(self) -> RenameTableOp:
        return RenameTableOp(self.new_name, self.table_name, self.schema)


@dataclass(frozen=True)
class TableCommentOp(Op):
    """Set (comment is a string) or drop (None) a table's comment."""

    op_name: ClassVar[str] = "create_table_comment"
    table_name: str
    comment: str | None
    existing_comment: str | None = None
    schema: str | None = None

    def reverse(self) -> TableCommentOp:
        return TableCommentOp(self.table_name, self.existing_comment, self.comment, self.schema)


@dataclass(frozen=True)
class AddColumnOp(Op):
    op_name: ClassVar[str] = "add_column"
    table_name: str
    column: sa.Column[Any]
    schema: str | None = None
    insert_before: str | None = None
    insert_after: str | None = None
    if_not_exists: bool = False

    def reverse(self) -> DropColumnOp:
        return DropColumnOp(self.table_name, self.column.name, self.schema)


@dataclass(frozen=True)
class DropColumnOp(Op):
    op_name: ClassVar[str] = "drop_column"
    table_name: str
    column_name: str
    schema: str | None = None
    if_exists: bool = False


@dataclass(frozen=True)
class AlterColumnOp(Op):
    """Change one column; `changes` names what to change, `existing_*` what it is now."""

    op_name: ClassVar[str] = "alter_column"
    table_name: str
    column_name: str
    changes: frozenset[ColumnChange]
    schema: str | None = None
    new_name: str | None = None
    type_: Any = None
    nullable: bool | None = None
    server_default: Any = None
    comment: str | None = None
    using: str | None = None
    autoincrement: bool | None = None
    existing_type: Any = None
    existing_nullable: bool | None = None
    existing_server_default: Any = None
    existing_comment: str | None = None

    def reverse(self) -> AlterColumnOp:
        return AlterColumnOp(
            table_name=self.table_name,
            column_name=self.new_name or self.column_name,
            changes=self.changes,
            schema=self.schema,
            new_name=self.column_name if "rename" in self.changes else None,
            type_=self.existing_type,
            nullable=self.existing_nullable,
            server_default=self.existing_server_default,
            comment=self.existing_comment,
            existing_type=self.type_ if "type" in self.changes else self.existing_type,
            existing_nullable=self.nullable if "nullable" in self.changes else None,
            existing_server_default=self.server_default,
            existing_comment=self.comment,
        )


@dataclass(frozen=True)
class CreateIndexOp(Op):
    op_name: ClassVar[str] = "create_index"
    index_name: str | None
    table_name: str
    columns: tuple[str | sa.ColumnElement[Any] | sa.TextClause, ...]
    schema: str | None = None
    unique: bool = False
    if_not_exists: bool = False
    kw: Params = field(default_factory=dict)

    def reverse(self) -> DropIndexOp:
        return DropIndexOp(self.index_name or "", self.table_name, self.schema)


@dataclass(frozen=True)
class DropIndexOp(Op):
    op_name: ClassVar[str] = "drop_index"
    index_name: str
    table_name: str | None = None
    schema: str | None = None
    if_exists: bool = False
    kw: Params = field(default_factory=dict)


@dataclass(frozen=True)
class CreatePrimaryKeyOp(Op):
    op_name: ClassVar[str] = "create_primary_key"
    constraint_name: str | None
    table_name: str
    columns: tuple[str, ...]
    schema: str | None = None

    def reverse(self) -> DropConstraintOp:
        return DropConstraintOp(self.constraint_name or "", self.table_name, "primary", self.schema)


@dataclass(frozen=True)
class CreateUniqueConstraintOp(Op):
    op_name: ClassVar[str] = "create_unique_constraint"
    constraint_name: str | None
    table_name: str
    columns: tuple[str, ...]
    schema: str | None = None
    kw: Params = field(default_factory=dict)

    def reverse(self) -> DropConstraintOp:
        return DropConstraintOp(self.constraint_name or "", self.table_name, "unique", self.schema)


@dataclass(frozen=True)
class CreateForeignKeyOp(Op):
    op_name: ClassVar[str] = "create_foreign_key"
    constraint_name: str | None
    table_name: str
    referent_table: str
    local_cols: tuple[str, ...]
    remote_cols: tuple[str, ...]
    ondelete: str | None = None
    onupdate: str | None = None
    deferrable: bool | None = None
    initially: str | None = None
    match: str | None = None
    source_schema: str | None = None
    referent_schema: str | None = None
    kw: Params = field(default_factory=dict)

    def reverse(self) -> DropConstraintOp:
        name = self.constraint_name or ""
        return DropConstraintOp(name, self.table_name, "foreignkey", self.source_schema)


@dataclass(frozen=True)
class CreateCheckConstraintOp(Op):
    op_name: ClassVar[str] = "create_check_constraint"
    constraint_name: str | None
    table_name: str
    condition: str | sa.ColumnElement[Any] | sa.TextClause
    schema: str | None = None
    kw: Params = field(default_factory=dict)

    def reverse(self) -> DropConstraintOp:
        return DropConstraintOp(self.constraint_name or "", self.table_name, "check", self.schema)


@dataclass(frozen=True)
class CreateExcludeConstraintOp(Op):
    """PostgreSQL's EXCLUDE constraint: (column or expression, operator) pairs."""

    op_name: ClassVar[str] = "create_exclude_constraint"
    constraint_name: str | None
    table_name: str
    elements: tuple[tuple[Any, str], ...]
    schema: str | None = None
    kw: Params = field(default_factory=dict)

    def reverse(self) -> DropConstraintOp:
        return DropConstraintOp(self.constraint_name or "", self.table_name, None, self.schema)


@dataclass(frozen=True)
class DropConstraintOp(Op):
    op_name: ClassVar[str] = "drop_constraint"
    constraint_name: str
    table_name: str
    type_: str | None = None
    schema: str | None = None
    if_exists: bool = False


@dataclass(frozen=True)
class ExecuteOp(Op):
    op_name: ClassVar[str] = "execute"
    statement: sa.Executable
    params: Params | None = None


@dataclass(frozen=True)
class BulkInsertOp(Op):
    op_name: ClassVar[str] = "bulk_insert"
    target: sa.TableClause
    rows: tuple[Params, ...]
    multiinsert: bool = True

    @property
    def table(self) -> str | None:
        return self.target.name
