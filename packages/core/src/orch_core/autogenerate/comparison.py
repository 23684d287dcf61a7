"""Compare SQLAlchemy models with a database: tables, then each shared table's parts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

import sqlalchemy as sa

from orch_core.autogenerate.changes import Change, ChangeKind
from orch_core.autogenerate.column_compare import compare_column
from orch_core.autogenerate.constraint_compare import (
    compare_foreign_keys,
    compare_indexes_and_uniques,
    constraint_name,
    own_indexes,
)
from orch_core.autogenerate.options import CompareOptions
from orch_core.autogenerate.reflection import reflect_tables, schemas_to_compare, table_names

TableKey = tuple[str | None, str]  # (schema, name); None for the connection's default schema


def compare_metadata(
    connection: sa.Connection, metadata: Sequence[sa.MetaData], options: CompareOptions
) -> list[Change]:
    """Return what must change in the database for it to match the models."""
    inspector = sa.inspect(connection)
    default_schema = inspector.default_schema_name
    options = replace(
        options,
        own_tables=frozenset(
            (None if schema == default_schema else schema, name)
            for schema, name in options.own_tables
        ),
    )
    schemas = schemas_to_compare(inspector, options)
    wanted = _model_tables(metadata, schemas, default_schema, options)
    found: dict[TableKey, sa.Table] = {}
    for schema in schemas:
        reflected = reflect_tables(connection, schema, table_names(inspector, schema, options))
        found.update(((schema, table.name), table) for table in reflected.sorted_tables)
    comparer = _TableComparer(connection.dialect, default_schema, options)
    return list(comparer.changes(wanted, found))


def _model_tables(
    metadata: Sequence[sa.MetaData],
    schemas: Sequence[str | None],
    default_schema: str | None,
    options: CompareOptions,
) -> dict[TableKey, sa.Table]:
    """Return the models' tables in the compared schemas, in dependency order."""
    tables: dict[TableKey, sa.Table] = {}
    for each in metadata:
        for table in each.sorted_tables:
            schema = None if table.schema == default_schema else table.schema
            if schema in schemas and table.name not in options.exclude_tables:
                tables[(schema, table.name)] = table
    return tables


class _TableComparer:
    """Walk the models' and the database's tables and yield every difference."""

    def __init__(
        self, dialect: sa.Dialect, default_schema: str | None, options: CompareOptions
    ) -> None:
        self.dialect = dialect
        self.default_schema = default_schema
        self.options = options

    def changes(
        self, wanted: dict[TableKey, sa.Table], found: dict[TableKey, sa.Table]
    ) -> Iterator[Change]:
        """Yield added tables, removed tables (dependents first), then each shared table's."""
        keeps = self.options.keeps_object
        for key, table in wanted.items():
            if key not in found and keeps(table, table.name, "table", False, None):
                yield Change(ChangeKind.ADD_TABLE, table.name, key[0], model_table=table)
                for index in sorted(table.indexes, key=lambda index: str(index.name)):
                    name = constraint_name(index)
                    yield Change(
                        ChangeKind.ADD_INDEX, table.name, key[0], None, name, constraint=index
                    )
        for key, table in reversed(found.items()):
            if key not in wanted and keeps(table, table.name, "table", True, None):
                for index in own_indexes(table, self.dialect):
                    name = constraint_name(index)
                    yield Change(
                        ChangeKind.REMOVE_INDEX, table.name, key[0], None, name, constraint=index
                    )
                yield Change(ChangeKind.REMOVE_TABLE, table.name, key[0], db_table=table)
        for key, table in wanted.items():
            if key in found and keeps(table, table.name, "table", False, found[key]):
                yield from self.table_changes(table, found[key], key[0])

    def table_changes(self, model: sa.Table, db: sa.Table, schema: str | None) -> Iterator[Change]:
        """Yield the differences inside one table, each carrying both tables."""
        parts = (
            self._comment(model, db, schema),
            self._columns(model, db, schema),
            compare_indexes_and_uniques(model, db, self.dialect, self.options),
            compare_foreign_keys(model, db, self.dialect, self.default_schema, self.options),
        )
        for part in parts:
            for change in part:
                yield replace(change, schema=schema, model_table=model, db_table=db)

    def _comment(self, model: sa.Table, db: sa.Table, schema: str | None) -> Iterator[Change]:
        if not self.dialect.supports_comments or (model.comment or None) == (db.comment or None):
            return
        kind = ChangeKind.ADD_TABLE_COMMENT if model.comment else ChangeKind.REMOVE_TABLE_COMMENT
        yield Change(kind, model.name, schema, before=db.comment, after=model.comment)

    def _columns(self, model: sa.Table, db: sa.Table, schema: str | None) -> Iterator[Change]:
        keeps = self.options.keeps_object
        parents = {"table_name": db.name, "schema_name": schema}
        db_columns = {
            column.name: column
            for column in db.columns
            if self.options.keeps_name(column.name, "column", parents)
        }
        for column in model.columns:
            existing = db_columns.get(column.name)
            if not keeps(column, column.name, "column", False, existing):
                continue
            if existing is None:
                yield Change(ChangeKind.ADD_COLUMN, model.name, schema, column.name)
            else:
                yield from compare_column(existing, column, self.dialect, self.options)
        for name, column in db_columns.items():
            if name not in model.columns and keeps(column, name, "column", True, None):
                yield Change(ChangeKind.REMOVE_COLUMN, model.name, schema, name)
