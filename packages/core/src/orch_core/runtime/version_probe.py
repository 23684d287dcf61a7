"""Look for signs that a database without the configured version table was migrated already.

An Alembic project adopted with the wrong `version_table` or `version_table_schema` would
otherwise show `<base>` and have its first upgrade recreate the schema. When the configured
table is missing, orch looks for a version table by another name or in another schema, and
for tables the project's first revisions create; any of them stops `upgrade` and shows in
`status`, naming the key to set.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

import sqlalchemy as sa

from orch_core.errors import VersionTableElsewhere
from orch_core.runtime.parsing import parse_source

# Schemas that hold the server's own tables, never a project's.
_SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog", "pg_toast"})


def probe_missing_version_table(
    connection: sa.Connection,
    database: str,
    version: sa.Table,
    base_scripts: Iterable[Path],
    *,
    own_schema_only: bool = False,
    neighbour_schemas: Sequence[str] = (),
) -> VersionTableElsewhere | None:
    """Return what shows the database was migrated without the configured version table.

    own_schema_only: look in the version table's schema alone (a tenant's schema, whose
    neighbours hold the version tables of other tenants). neighbour_schemas: patterns of
    schemas the project's other databases and fleets keep their version tables in."""
    inspector = sa.inspect(connection)
    configured = (version.schema, version.name)
    schemas = [version.schema] if own_schema_only else _schemas(inspector, connection.dialect.name)
    schemas = [s for s in schemas if not _is_neighbour(s, neighbour_schemas)]
    for schema in schemas:
        for table in inspector.get_table_names(schema=schema):
            if _is_version_table(inspector, schema, table, version):
                heads = _heads(connection, schema, table)
                # The default schema is no schema to set: the key then stays unset.
                shown = None if schema == inspector.default_schema_name else schema
                return VersionTableElsewhere(
                    database, configured, found=(shown, table), heads=heads
                )
    existing = set(inspector.get_table_names(schema=version.schema))
    if not existing:  # a new database (or tenant): no script has run, none need be read
        return None
    for path in base_scripts:
        found = sorted(existing & set(tables_created_by(path)))
        if found:
            return VersionTableElsewhere(database, configured, tables=tuple(found))
    return None


def _is_neighbour(schema: str | None, patterns: Sequence[str]) -> bool:
    return schema is not None and any(fnmatchcase(schema, p) for p in patterns)


def _schemas(inspector: sa.Inspector, dialect: str) -> Sequence[str | None]:
    """Return the schemas to search: PostgreSQL's all; elsewhere the database's own.

    A MySQL or MariaDB "schema" is another database on the server, most likely another
    project's: its version table says nothing about this one."""
    if dialect != "postgresql":
        return [None]
    names = inspector.get_schema_names()
    return [n for n in names if n not in _SYSTEM_SCHEMAS and not n.startswith("pg_")]


def _is_version_table(
    inspector: sa.Inspector, schema: str | None, table: str, version: sa.Table
) -> bool:
    default = inspector.default_schema_name
    same_place = table == version.name and (schema or default) == (version.schema or default)
    if same_place:
        return False
    if table != version.name and not table.endswith("version"):
        return False
    columns = [c["name"] for c in inspector.get_columns(table, schema=schema)]
    return "version_num" in columns


def _heads(connection: sa.Connection, schema: str | None, table: str) -> tuple[str, ...]:
    found = sa.table(table, sa.column("version_num"), schema=schema)
    rows = connection.execute(sa.select(found.c.version_num))
    return tuple(sorted(str(row[0]) for row in rows))


def tables_created_by(path: Path) -> tuple[str, ...]:
    """Return the tables a script's upgrade() creates with a literal `op.create_table(name)`.

    Read from the source, not run: the script may import the application."""
    try:
        source = path.read_bytes()
        tree = parse_source(source, str(path))
    except (OSError, SyntaxError, ValueError):
        return ()
    upgrade = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None
    )
    if upgrade is None:
        return ()
    names = []
    for node in ast.walk(upgrade):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "create_table"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append(node.args[0].value)
    return tuple(names)
