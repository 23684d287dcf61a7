"""A database's schema as sorted lines of text: two snapshots compare exactly, and a diff reads."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import sqlalchemy as sa


def schema_snapshot(url: str, ignore: Iterable[str] = ()) -> tuple[str, ...]:
    """Return every table of the database at url as sorted lines: columns, keys, indexes."""
    skipped = set(ignore)
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        lines: list[str] = []
        for table in sorted(set(inspector.get_table_names()) - skipped):
            lines += _table_lines(inspector, table)
        return tuple(lines)
    finally:
        engine.dispose()


def _table_lines(inspector: sa.Inspector, table: str) -> list[str]:
    lines = [f"table {table}"]
    for column in inspector.get_columns(table):
        default = column.get("default")
        lines.append(
            f"{table}.{column['name']} {column['type']!s}"
            f"{'' if column['nullable'] else ' NOT NULL'}"
            f"{f' DEFAULT {default}' if default is not None else ''}"
        )
    pk = inspector.get_pk_constraint(table)
    if pk.get("constrained_columns"):
        lines.append(f"{table} primary key {pk.get('name')} {pk['constrained_columns']}")
    for fk in inspector.get_foreign_keys(table):
        lines.append(
            f"{table} foreign key {fk.get('name')} {fk['constrained_columns']} -> "
            f"{fk['referred_table']}{fk['referred_columns']} "
            f"{sorted(fk.get('options', {}).items())}"
        )
    for index in inspector.get_indexes(table):
        unique = "unique " if index.get("unique") else ""
        lines.append(f"{table} {unique}index {index.get('name')} {index['column_names']}")
    for unique_constraint in inspector.get_unique_constraints(table):
        name, columns = unique_constraint.get("name"), unique_constraint["column_names"]
        lines.append(f"{table} unique {name} {columns}")
    for check in inspector.get_check_constraints(table):
        lines.append(f"{table} check {check.get('name')} {check['sqltext']}")
    return [lines[0], *sorted(lines[1:])]


def schema_diff(before: tuple[str, ...], after: tuple[str, ...]) -> str:
    """Return a unified diff of two snapshots, empty when they are the same."""
    return "\n".join(difflib.unified_diff(before, after, "before", "after", lineterm="", n=0))
