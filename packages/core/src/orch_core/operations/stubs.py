"""Throwaway SQLAlchemy tables that give DDL constructs the names they need to compile."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

# A MetaData naming convention: keys such as "pk", "uq", "ix", values templates or callables.
NamingConvention = Mapping[str, Any]


def convention_metadata(naming_convention: NamingConvention | None) -> sa.MetaData:
    """Return a fresh MetaData with this naming convention (SQLAlchemy's default if None)."""
    if naming_convention is None:
        return sa.MetaData()
    return sa.MetaData(naming_convention=dict(naming_convention))


def stub_table(
    name: str,
    schema: str | None = None,
    columns: Iterable[str] = (),
    metadata: sa.MetaData | None = None,
) -> sa.Table:
    """Return a table in a fresh (or the given) MetaData holding untyped columns of these names."""
    md = metadata if metadata is not None else sa.MetaData()
    key = f"{schema}.{name}" if schema else name
    table = md.tables.get(key)
    if table is None:
        table = sa.Table(name, md, schema=schema)
    for column in columns:
        if column not in table.c:
            table.append_column(sa.Column(column, sa.types.NULLTYPE))
    return table


def add_referent_stubs(table: sa.Table) -> None:
    """Give every foreign key of `table` a referent table to resolve against."""
    for fk in table.foreign_keys:
        spec = fk.target_fullname
        table_key, _, column = spec.rpartition(".")
        schema, _, name = table_key.rpartition(".")
        if table_key == table.key or (not schema and name == table.name and not table.schema):
            # A reference to the table itself (a stub, when a column is added): the referenced
            # column may be one the stub does not hold.
            stub_table(table.name, table.schema, [column], table.metadata)
            continue
        stub_table(name, schema or None, [column], table.metadata)


def detach(item: sa.schema.SchemaItem) -> sa.schema.SchemaItem:
    """Return the item itself, or a copy when it already belongs to a table."""
    if isinstance(item, sa.Column) and item.table is not None:
        # SQLAlchemy's copy leaves out a foreign key once a table has made it a constraint.
        copied: sa.Column[Any] = item._copy()
        for key in item.foreign_keys:
            copied.append_foreign_key(key._copy())
        return copied
    if isinstance(item, sa.Constraint) and getattr(item, "parent", None) is not None:
        constraint: sa.schema.SchemaItem = item._copy()
        return constraint
    if isinstance(item, sa.Index) and item.table is not None:
        exprs: list[Any] = [e.name if isinstance(e, sa.Column) else e for e in item.expressions]
        return sa.Index(item.name, *exprs, unique=item.unique, **item.kwargs)
    return item
