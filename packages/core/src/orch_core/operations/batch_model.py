"""The target shape of a table in a batch block, and the copy-and-move that produces it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import schema as ddl
from sqlalchemy.sql.schema import ColumnCollectionConstraint

from orch_core.operations import ddl as alter
from orch_core.operations import ops
from orch_core.operations.render import build_constraint
from orch_core.operations.stubs import (
    NamingConvention,
    add_referent_stubs,
    convention_metadata,
    detach,
    stub_table,
)


@dataclass
class _Index:
    name: str | None
    columns: list[Any]
    unique: bool
    kw: dict[str, Any] = field(default_factory=dict)


class TableModel:
    """A table's columns, constraints and indexes, edited by batch operations."""

    def __init__(
        self, name: str, schema: str | None, naming_convention: NamingConvention | None = None
    ) -> None:
        self.name = name
        self.schema = schema
        # The target metadata's convention names what the block adds, as outside a block.
        self.naming_convention = naming_convention
        self.columns: dict[str, sa.Column[Any]] = {}
        self.sources: dict[str, str | None] = {}
        self.constraints: list[sa.Constraint] = []
        self.pk: tuple[str | None, list[str]] = (None, [])
        self.indexes: list[_Index] = []
        self.reordering: tuple[tuple[str, ...], ...] = ()
        # The source table's named constraints, foreign keys first (see move_statements).
        self.source_constraint_names: list[str] = []
        self.comment: str | None = None

    @classmethod
    def from_table(
        cls,
        table: sa.Table,
        reordering: tuple[tuple[str, ...], ...] = (),
        naming_convention: NamingConvention | None = None,
    ) -> TableModel:
        """Return the model of an existing (reflected or given) table."""
        model = cls(table.name, table.schema, naming_convention)
        model.reordering = reordering
        model.comment = table.comment
        for col in table.columns:
            model.columns[col.name] = _fresh(col)
            model.sources[col.name] = col.name
        pk_name = table.primary_key.name
        model.pk = (
            pk_name if isinstance(pk_name, str) else None,
            list(table.primary_key.columns.keys()),
        )
        # A table's constraints are a set: taken in the order they were made, so that the
        # new table (and the --sql output) comes out the same every time.
        constraints = sorted(table.constraints, key=lambda c: c._creation_order)
        for constraint in constraints:
            if not isinstance(constraint, sa.PrimaryKeyConstraint):
                model.constraints.append(_copy_constraint(constraint))
        named = [c for c in constraints if isinstance(c.name, str)]
        named.sort(key=lambda c: (not isinstance(c, sa.ForeignKeyConstraint), str(c.name)))
        model.source_constraint_names = [str(c.name) for c in named]
        for index in table.indexes:
            cols = [e.name if isinstance(e, sa.Column) else e for e in index.expressions]
            model.indexes.append(_Index(index.name, cols, bool(index.unique), dict(index.kwargs)))
        return model

    def apply(self, op: ops.Op) -> None:
        """Change the model as `op` asks; KeyError names what is missing."""
        if isinstance(op, ops.AddColumnOp):
            self._add_column(op)
        elif isinstance(op, ops.DropColumnOp):
            self._drop_column(op.column_name)
        elif isinstance(op, ops.AlterColumnOp):
            self._alter_column(op)
        elif isinstance(op, ops.CreateIndexOp):
            self.indexes.append(_Index(op.index_name, list(op.columns), op.unique, dict(op.kw)))
        elif isinstance(op, ops.DropIndexOp):
            self.indexes.remove(self._find_index(op.index_name))
        elif isinstance(op, ops.CreatePrimaryKeyOp):
            self.pk = (op.constraint_name, list(op.columns))
        elif isinstance(op, ops.DropConstraintOp):
            self._drop_constraint(op.constraint_name)
        elif isinstance(op, ops.TableCommentOp):
            self.comment = op.comment
        else:
            self.constraints.append(_copy_constraint(build_constraint(op, self._metadata())))

    def _add_column(self, op: ops.AddColumnOp) -> None:
        column = detach(op.column)
        assert isinstance(column, sa.Column)
        names = list(self.columns)
        anchor = op.insert_before or op.insert_after
        position = (
            len(names) if anchor is None else names.index(anchor) + (op.insert_after is not None)
        )
        names.insert(position, column.name)
        self.columns[column.name] = column
        self.sources[column.name] = None
        self.columns = {n: self.columns[n] for n in names}
        if column.primary_key:
            self.pk = (self.pk[0], [*self.pk[1], column.name])
        # What the column brings to a table (unique=True, index=True, a ForeignKey) is kept
        # as the model's own, since the new table is built from bare columns. A type's CHECK
        # (Boolean, Enum) comes back with the type itself.
        holder = stub_table(self.name, self.schema, metadata=self._metadata())
        holder.append_column(column)
        for constraint in holder.constraints:
            if (
                not isinstance(constraint, sa.PrimaryKeyConstraint)
                and constraint._create_rule is None
            ):
                self.constraints.append(_copy_constraint(constraint))
        for index in holder.indexes:
            indexed = [c.name for c in index.columns]
            self.indexes.append(_Index(index.name, indexed, bool(index.unique), dict(index.kwargs)))

    def _metadata(self) -> sa.MetaData:
        return convention_metadata(self.naming_convention)

    def _drop_column(self, name: str) -> None:
        del self.columns[name]
        del self.sources[name]
        self.pk = (self.pk[0], [c for c in self.pk[1] if c != name])
        self.constraints = [c for c in self.constraints if name not in _constraint_columns(c)]
        self.indexes = [i for i in self.indexes if name not in i.columns]

    def _alter_column(self, op: ops.AlterColumnOp) -> None:
        old = self.columns[op.column_name]
        name = op.new_name if "rename" in op.changes and op.new_name else old.name
        column = sa.Column(
            name,
            op.type_ if "type" in op.changes else old.type,
            nullable=op.nullable if "nullable" in op.changes else old.nullable,
            server_default=op.server_default if "server_default" in op.changes else _default(old),
            comment=op.comment if "comment" in op.changes else old.comment,
        )
        self.columns = {
            (name if n == old.name else n): (column if n == old.name else c)
            for n, c in self.columns.items()
        }
        self.sources = {(name if n == old.name else n): s for n, s in self.sources.items()}
        if name != old.name:
            self._rename_references(old.name, name)

    def _rename_references(self, old: str, new: str) -> None:
        self.pk = (self.pk[0], [new if c == old else c for c in self.pk[1]])
        for index in self.indexes:
            index.columns = [new if c == old else c for c in index.columns]
        self.constraints = [_renamed(c, old, new) for c in self.constraints]

    def _find_index(self, name: str) -> _Index:
        for index in self.indexes:
            if index.name == name:
                return index
        raise KeyError(name)

    def _drop_constraint(self, name: str) -> None:
        if self.pk[0] == name:
            self.pk = (None, [])
            return
        kept = [c for c in self.constraints if c.name != name]
        if len(kept) == len(self.constraints):
            raise KeyError(name)
        self.constraints = kept

    def ordered_columns(self) -> list[str]:
        """Return the column names in their final order, partial_reordering applied."""
        names = list(self.columns)
        for group in self.reordering:
            present = [n for n in group if n in names]
            if not present:
                continue
            start = min(names.index(n) for n in present)
            rest = [n for n in names if n not in present]
            names = rest[:start] + present + rest[start:]
        return names

    def move_statements(
        self,
        table_args: tuple[Any, ...],
        table_kwargs: Mapping[str, Any],
        *,
        free_names_first: bool = False,
    ) -> list[sa.Executable]:
        """Return the statements that turn the old table into this model, rows kept.

        free_names_first: drop the old table's constraints whose names the new table takes
        before creating it, as Alembic does on PostgreSQL (a UNIQUE or primary key's index
        name is unique in the schema)."""
        temp_name = f"_orch_tmp_{self.name}"
        names = self.ordered_columns()
        md = sa.MetaData()
        columns = [_fresh(self.columns[n]) for n in names]
        constraints: list[Any] = [_copy_constraint(c) for c in self.constraints]
        if self.pk[1]:
            constraints.append(sa.PrimaryKeyConstraint(*self.pk[1], name=self.pk[0]))
        options = {"comment": self.comment, **table_kwargs}
        new = sa.Table(
            temp_name, md, *columns, *constraints, *table_args, schema=self.schema, **options
        )
        add_referent_stubs(new)
        copied = [n for n in names if self.sources[n] is not None]
        old = stub_table(self.name, self.schema, [s for n in copied if (s := self.sources[n])])
        select = sa.select(*[old.c[self.sources[n] or n] for n in copied])
        out: list[sa.Executable] = self._free_names(old) if free_names_first else []
        out += [
            ddl.CreateTable(new),
            new.insert().from_select(copied, select),
            ddl.DropTable(old),
            alter.RenameTable(temp_name, self.name, self.schema),
        ]
        out.extend(self._index_statements())
        return out

    def _free_names(self, old: sa.Table) -> list[sa.Executable]:
        kept = {c.name for c in self.constraints} | {self.pk[0]}
        out: list[sa.Executable] = []
        for name in self.source_constraint_names:
            if name in kept:
                constraint = sa.Constraint(name=name)
                old.append_constraint(constraint)
                out.append(ddl.DropConstraint(constraint))
        return out

    def _index_statements(self) -> list[sa.Executable]:
        table = stub_table(
            self.name,
            self.schema,
            [c for i in self.indexes for c in i.columns if isinstance(c, str)],
        )
        return [
            ddl.CreateIndex(
                sa.Index(
                    i.name,
                    *[table.c[c] if isinstance(c, str) else c for c in i.columns],
                    unique=i.unique,
                    **i.kw,
                )
            )
            for i in self.indexes
        ]


def _default(column: sa.Column[Any]) -> Any:
    """Return the server default's SQL (text or expression), or None."""
    return (
        column.server_default.arg if isinstance(column.server_default, sa.DefaultClause) else None
    )


def _fresh(column: sa.Column[Any]) -> sa.Column[Any]:
    return sa.Column(
        column.name,
        column.type,
        nullable=column.nullable,
        server_default=_default(column),
        comment=column.comment,
    )


def _constraint_columns(constraint: sa.Constraint) -> list[str]:
    if isinstance(constraint, sa.ForeignKeyConstraint):
        return list(constraint.column_keys)
    if isinstance(constraint, ColumnCollectionConstraint):
        if len(constraint.columns):
            return list(constraint.columns.keys())
        return [
            c if isinstance(c, str) else str(getattr(c, "name", c))
            for c in constraint._pending_colargs
        ]
    return []


def _copy_constraint(constraint: sa.Constraint) -> sa.Constraint:
    """Return an unattached copy that names its columns as strings."""
    if isinstance(constraint, sa.ForeignKeyConstraint):
        return sa.ForeignKeyConstraint(
            list(constraint.column_keys),
            [e.target_fullname for e in constraint.elements],
            name=constraint.name,
            ondelete=constraint.ondelete,
            onupdate=constraint.onupdate,
            deferrable=constraint.deferrable,
            initially=constraint.initially,
            match=constraint.match,
            **constraint.dialect_kwargs,
        )
    if isinstance(constraint, sa.CheckConstraint):
        return sa.CheckConstraint(
            sa.text(str(constraint.sqltext)), name=constraint.name, **constraint.dialect_kwargs
        )
    if isinstance(constraint, sa.UniqueConstraint):
        return sa.UniqueConstraint(
            *_constraint_columns(constraint), name=constraint.name, **constraint.dialect_kwargs
        )
    raise TypeError(type(constraint).__name__)


def _renamed(constraint: sa.Constraint, old: str, new: str) -> sa.Constraint:
    if isinstance(constraint, sa.ForeignKeyConstraint):
        return sa.ForeignKeyConstraint(
            [new if c == old else c for c in constraint.column_keys],
            [e.target_fullname for e in constraint.elements],
            name=constraint.name,
            ondelete=constraint.ondelete,
            onupdate=constraint.onupdate,
            deferrable=constraint.deferrable,
            initially=constraint.initially,
            match=constraint.match,
        )
    if isinstance(constraint, sa.UniqueConstraint):
        cols = [new if c == old else c for c in _constraint_columns(constraint)]
        return sa.UniqueConstraint(*cols, name=constraint.name)
    return constraint
