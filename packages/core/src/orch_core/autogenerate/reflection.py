"""Read a database's tables in bulk: one query per kind of object for a whole schema.

SQLAlchemy 2's MetaData.reflect asks the Inspector's get_multi_* methods for every table at
once, where reflecting table by table (as Alembic does) costs a round of queries per table.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from orch_core.autogenerate.options import CompareOptions


def schemas_to_compare(inspector: sa.Inspector, options: CompareOptions) -> list[str | None]:
    """Return the schemas to compare: the default one (None), and every other when asked."""
    if not options.include_schemas:
        return [None]
    default = inspector.default_schema_name
    others = sorted(
        name
        for name in inspector.get_schema_names()
        if name not in {default, "information_schema"} and options.keeps_name(name, "schema", {})
    )
    return [None, *others]


def table_names(inspector: sa.Inspector, schema: str | None, options: CompareOptions) -> list[str]:
    """Return the schema's tables that take part: not orch's own, not excluded, not filtered."""
    parents = {"schema_name": schema}
    return [
        name
        for name in inspector.get_table_names(schema=schema)
        if (schema, name) not in options.own_tables
        and name not in options.exclude_tables
        and options.keeps_name(name, "table", parents)
    ]


def reflect_tables(
    connection: sa.Connection, schema: str | None, names: Iterable[str]
) -> sa.MetaData:
    """Return the named tables of one schema, reflected together."""
    reflected = sa.MetaData()
    only = list(names)
    if only:
        reflected.reflect(connection, schema=schema, only=only, resolve_fks=False)
    return reflected
