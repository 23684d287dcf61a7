"""Render changes as the `upgrade()` and `downgrade()` bodies Alembic's autogenerate writes.

Each change becomes op calls both ways; downgrade runs the reverse calls in reverse order. The
modify_* changes of one column fold into one `alter_column`. With render_as_batch, the calls on
one table sit in a `with op.batch_alter_table(...) as batch_op:` block, as SQLite needs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from orch_core.autogenerate.changes import COLUMN_MODIFICATIONS, Change, ChangeKind
from orch_core.autogenerate.constraint_compare import constraint_name
from orch_core.autogenerate.render_values import (
    SourceWriter,
    constraint_name_source,
    foreign_key_actions,
)

_INDENT = "    "
_TABLE_AND_COLUMN_KINDS = frozenset(
    {ChangeKind.ADD_TABLE, ChangeKind.REMOVE_TABLE, ChangeKind.ADD_COLUMN, ChangeKind.REMOVE_COLUMN}
)


@dataclass(frozen=True)
class Call:
    """One op call, renderable on `op` or, for one table's changes, on a batch's `batch_op`."""

    method: str
    table: str
    schema: str | None
    name: object = None  # the index's or constraint's name, for ops that take it first
    takes_name: bool = False
    arguments: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    batchable: bool = True
    table_keyword: str | None = None  # drop_index takes its table as table_name=...
    schema_keyword: str = "schema"
    note: str | None = None  # a comment the reviewer must read, above the call
    multiline: bool = False  # one argument a line, as Alembic writes create_table

    def source(self, owner: str) -> str:
        """Return the call on `op` (the table named) or on `batch_op` (the table implied)."""
        parts = [constraint_name_source(self.name, owner)] if self.takes_name else []
        in_batch = owner == "batch_op"
        if not in_batch and self.table_keyword is None:
            parts.append(repr(self.table))
        parts += [*self.arguments, *self.keywords]
        if not in_batch:
            if self.table_keyword is not None:
                parts.append(f"{self.table_keyword}={self.table!r}")
            if self.schema is not None:
                parts.append(f"{self.schema_keyword}={self.schema!r}")
        if self.multiline:
            head, *rest = parts
            return f"{owner}.{self.method}({head},\n" + ",\n".join(rest) + "\n)"
        return f"{owner}.{self.method}({', '.join(parts)})"


@dataclass(frozen=True)
class RenderedOps:
    """The bodies of upgrade() and downgrade(), and the imports they need."""

    upgrade: tuple[str, ...]
    downgrade: tuple[str, ...]
    imports: frozenset[str]


def render_changes(changes: Sequence[Change], writer: SourceWriter, as_batch: bool) -> RenderedOps:
    """Return the op calls that apply the changes and those that undo them."""
    ops = _OpBuilder(writer)
    forward: list[Call] = []
    backward: list[list[Call]] = []
    for group in _groups(changes):
        up, down = ops.calls(group)
        forward += up
        backward.append(down)
    undo = [call for calls in reversed(backward) for call in calls]
    return RenderedOps(
        tuple(_body(forward, as_batch)), tuple(_body(undo, as_batch)), frozenset(writer.imports)
    )


def _groups(changes: Sequence[Change]) -> Iterator[list[Change]]:
    """Yield the changes one by one, a column's consecutive modify_* changes together."""
    group: list[Change] = []
    for change in changes:
        same_column = group and (change.schema, change.table, change.column) == (
            group[0].schema,
            group[0].table,
            group[0].column,
        )
        if change.kind in COLUMN_MODIFICATIONS and group and same_column:
            group.append(change)
            continue
        if group:
            yield group
        group = [change]
    if group:
        yield group


def _body(calls: Sequence[Call], as_batch: bool) -> Iterator[str]:
    """Yield the lines of a function body: each call, a table's run of calls in one batch."""
    index = 0
    while index < len(calls):
        call = calls[index]
        if not (as_batch and call.batchable):
            yield from _with_note(call, call.source("op"), _INDENT)
            index += 1
            continue
        end = index
        while end < len(calls) and calls[end].batchable and _same_table(calls[end], call):
            end += 1
        table = f"{call.table!r}, schema={call.schema!r}"
        yield f"{_INDENT}with op.batch_alter_table({table}) as batch_op:"
        for inner in calls[index:end]:
            yield from _with_note(inner, inner.source("batch_op"), _INDENT * 2)
        yield ""
        index = end


def _same_table(one: Call, other: Call) -> bool:
    return (one.schema, one.table) == (other.schema, other.table)


def _with_note(call: Call, source: str, indent: str) -> Iterator[str]:
    if call.note:
        yield f"{indent}# {call.note}"
    for line in source.splitlines():
        yield indent + line


class _OpBuilder:
    """Turn one change (or one column's modifications) into calls forward and back."""

    def __init__(self, writer: SourceWriter) -> None:
        self.writer = writer

    def calls(self, group: list[Change]) -> tuple[list[Call], list[Call]]:
        """Return the calls that make the change and those that undo it."""
        change = group[0]
        if change.kind in COLUMN_MODIFICATIONS:
            return [self.alter_column(group, forward=True)], [
                self.alter_column(group, forward=False)
            ]
        if change.kind in {ChangeKind.ADD_TABLE_COMMENT, ChangeKind.REMOVE_TABLE_COMMENT}:
            return [self.comment(change, forward=True)], [self.comment(change, forward=False)]
        if change.kind in _TABLE_AND_COLUMN_KINDS:
            return self.table_or_column_calls(change)
        return self.constraint_calls(change)

    def table_or_column_calls(self, change: Change) -> tuple[list[Call], list[Call]]:
        """Return the calls for a table or a column added or removed."""
        model, db = change.model_table, change.db_table
        if change.kind is ChangeKind.ADD_TABLE:
            assert model is not None
            # Its indexes follow as add_index changes of their own, as Alembic lists them.
            create = self.create_table(model, reflected=False)[:1]
            return create, [Call("drop_table", model.name, model.schema, batchable=False)]
        if change.kind is ChangeKind.REMOVE_TABLE:
            assert db is not None
            # Its indexes were dropped by remove_index changes before it, as Alembic lists them.
            drop = Call("drop_table", db.name, db.schema, batchable=False)
            return [drop], self.create_table(db, reflected=True)[:1]
        assert change.column is not None
        if change.kind is ChangeKind.ADD_COLUMN:
            assert model is not None
            column = model.columns[change.column]
            return [self.add_column(column, False)], [self.drop_column(column)]
        assert db is not None
        column = db.columns[change.column]
        return [self.drop_column(column)], [self.add_column(column, True)]

    def constraint_calls(self, change: Change) -> tuple[list[Call], list[Call]]:
        """Return the calls for an index, unique constraint or foreign key added or removed."""
        item = change.constraint
        assert item is not None
        unique = change.kind in {ChangeKind.ADD_UNIQUE, ChangeKind.REMOVE_UNIQUE}
        create, drop = self.create_constraint(item, unique), [self.drop_constraint(item, unique)]
        if isinstance(item, sa.ForeignKeyConstraint):
            drop += self._implicit_fk_index(item, reflected=change.kind is ChangeKind.REMOVE_FK)
        if change.kind in {ChangeKind.ADD_INDEX, ChangeKind.ADD_UNIQUE, ChangeKind.ADD_FK}:
            return [create], drop
        return drop, [create]

    def _implicit_fk_index(self, fk: sa.ForeignKeyConstraint, *, reflected: bool) -> list[Call]:
        """Return drop_index for the index MySQL made for a foreign key, which it leaves behind
        when the key is dropped (a second autogenerate would otherwise propose dropping it)."""
        name = constraint_name(fk)
        table = fk.table
        if self.writer.dialect.name != "mysql" or name is None:
            return []
        columns = [element.parent.name for element in fk.elements]
        if reflected:
            made = any(constraint_name(index) == name for index in table.indexes)
        else:  # MySQL makes one unless an index already starts with the key's columns
            covering = [
                [column.name for column in item.columns][: len(columns)]
                for item in (*table.indexes, *table.constraints)
                if isinstance(item, sa.Index | sa.UniqueConstraint | sa.PrimaryKeyConstraint)
            ]
            made = columns not in covering
        if not made:
            return []
        return [
            Call("drop_index", table.name, table.schema, name, True, table_keyword="table_name")
        ]

    def create_table(self, table: sa.Table, *, reflected: bool) -> list[Call]:
        """Return create_table with columns and constraints, then its indexes."""
        items = [self.writer.column(column, reflected=reflected) for column in table.columns]
        for constraint in sorted(table.constraints, key=_constraint_order):
            rendered = self.writer.table_constraint(constraint)
            if rendered is not None:
                items.append(rendered)
        keywords = (f"comment={table.comment!r}",) if table.comment else ()
        create = Call(
            "create_table",
            table.name,
            table.schema,
            arguments=tuple(items),
            keywords=keywords,
            batchable=False,
            multiline=True,
        )
        return [create, *(self.create_constraint(index) for index in _indexes(table))]

    def drop_table(self, table: sa.Table) -> list[Call]:
        """Return drop_index for the table's indexes, then drop_table."""
        drops = [self.drop_constraint(index) for index in _indexes(table)]
        return [*drops, Call("drop_table", table.name, table.schema, batchable=False)]

    def add_column(self, column: sa.Column[Any], reflected: bool) -> Call:
        """Return add_column for a column of the models (or, undoing a drop, the database)."""
        rendered = self.writer.column(column, reflected=reflected)
        return Call("add_column", column.table.name, column.table.schema, arguments=(rendered,))

    def drop_column(self, column: sa.Column[Any]) -> Call:
        """Return drop_column."""
        table = column.table
        return Call("drop_column", table.name, table.schema, arguments=(repr(column.name),))

    def alter_column(self, group: list[Change], *, forward: bool) -> Call:
        """Return one alter_column for all of a column's modifications, in one direction."""
        change = group[0]
        assert change.model_table is not None and change.db_table is not None
        assert change.column is not None
        model = change.model_table.columns[change.column]
        db = change.db_table.columns[change.column]
        old, new = (db, model) if forward else (model, db)
        kinds = {each.kind for each in group}
        return Call(
            "alter_column",
            change.table,
            change.schema,
            arguments=(repr(change.column),),
            keywords=tuple(self._alter_keywords(old, new, kinds)),
        )

    def _alter_keywords(
        self, old: sa.Column[Any], new: sa.Column[Any], kinds: set[ChangeKind]
    ) -> Iterator[str]:
        writer = self.writer
        yield f"existing_type={writer.type_(old.type)}"
        if ChangeKind.MODIFY_TYPE in kinds:
            yield f"type_={writer.type_(new.type)}"
        if ChangeKind.MODIFY_NULLABLE in kinds:
            yield f"nullable={new.nullable}"
        else:
            yield f"existing_nullable={old.nullable}"
        old_default = writer.server_default(old.server_default)
        if ChangeKind.MODIFY_DEFAULT in kinds:
            yield f"server_default={writer.server_default(new.server_default)}"
        if old_default is not None:
            yield f"existing_server_default={old_default}"
        if ChangeKind.MODIFY_COMMENT in kinds:
            yield f"comment={new.comment!r}"
        if old.comment is not None:
            yield f"existing_comment={old.comment!r}"

    def comment(self, change: Change, *, forward: bool) -> Call:
        """Return create_table_comment or drop_table_comment, one way or the other."""
        old, new = (change.before, change.after) if forward else (change.after, change.before)
        existing = f"existing_comment={old!r}"
        if new is None:
            return Call("drop_table_comment", change.table, change.schema, keywords=(existing,))
        return Call(
            "create_table_comment",
            change.table,
            change.schema,
            arguments=(repr(new),),
            keywords=(existing,),
            batchable=False,
        )

    def create_constraint(
        self, item: sa.Index | sa.UniqueConstraint | sa.ForeignKeyConstraint, unique: bool = False
    ) -> Call:
        """Return create_index, create_unique_constraint or create_foreign_key."""
        table = item.table
        assert isinstance(table, sa.Table)
        if isinstance(item, sa.Index) and not unique:
            elements = [self.writer.index_element(e) for e in item.expressions]
            keywords = (f"unique={bool(item.unique)}", *_index_keywords(item))
            arguments = (f"[{', '.join(elements)}]",)
            return Call(
                "create_index", table.name, table.schema, item.name, True, arguments, keywords
            )
        if isinstance(item, sa.UniqueConstraint | sa.Index):
            columns = (repr([column.name for column in item.columns]),)
            return Call(
                "create_unique_constraint", table.name, table.schema, item.name, True, columns
            )
        return self._create_foreign_key(item, table)

    def _create_foreign_key(self, item: sa.ForeignKeyConstraint, table: sa.Table) -> Call:
        parts = [element.target_fullname.split(".") for element in item.elements]
        referent, referent_schema = parts[0][-2], ".".join(parts[0][:-2]) or None
        local = [element.parent.name for element in item.elements]
        remote = [part[-1] for part in parts]
        keywords = list(foreign_key_actions(item))
        if referent_schema is not None:
            keywords.append(f"referent_schema={referent_schema!r}")
        return Call(
            "create_foreign_key",
            table.name,
            table.schema,
            item.name,
            True,
            (repr(referent), repr(local), repr(remote)),
            tuple(keywords),
            schema_keyword="source_schema",
        )

    def drop_constraint(
        self, item: sa.Index | sa.UniqueConstraint | sa.ForeignKeyConstraint, unique: bool = False
    ) -> Call:
        """Return drop_index or drop_constraint; an unnamed constraint gets a note."""
        table = item.table
        assert isinstance(table, sa.Table)
        if isinstance(item, sa.Index) and not unique:
            return Call(
                "drop_index", table.name, table.schema, item.name, True, table_keyword="table_name"
            )
        kind = "foreignkey" if isinstance(item, sa.ForeignKeyConstraint) else "unique"
        note = None
        if constraint_name(item) is None:
            note = (
                f"orch: this {kind} constraint has no name in the database; name it (a "
                "naming_convention in the models) or replace None before running this"
            )
        return Call(
            "drop_constraint",
            table.name,
            table.schema,
            item.name,
            True,
            keywords=(f"type_={kind!r}",),
            note=note,
        )


def _indexes(table: sa.Table) -> list[sa.Index]:
    return sorted(table.indexes, key=lambda index: str(index.name))


def _constraint_order(constraint: sa.Constraint) -> tuple[int, str]:
    """Order create_table's constraints as Alembic does: checks, foreign keys, key, uniques."""
    rank = {sa.CheckConstraint: 0, sa.ForeignKeyConstraint: 1, sa.PrimaryKeyConstraint: 2}
    return rank.get(type(constraint), 3), str(constraint.name or "")


def _index_keywords(index: sa.Index) -> Iterator[str]:
    """Yield an index's dialect keywords that are set to a literal (postgresql_using=...)."""
    for key, value in sorted(index.dialect_kwargs.items()):
        if value in (None, False, (), []) or not isinstance(value, str | bool | int | list | tuple):
            continue
        yield f"{key}={value!r}"
