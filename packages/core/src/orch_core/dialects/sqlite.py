"""SQLite: renames and ADD/DROP COLUMN in place, everything else through batch copy-and-move."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orch_core.dialects.base import Dialect

if TYPE_CHECKING:
    import sqlalchemy as sa


def add_missed_unique_constraints(connection: sa.Connection, table: sa.Table) -> None:
    """Add the UNIQUE constraints SQLite enforces but SQLAlchemy's reflection did not find.

    SQLAlchemy reads unique constraints by parsing the table's CREATE statement, and misses
    some (an inline `code VARCHAR(10) UNIQUE`, as of 2.1); a batch copy-and-move would then
    drop them without a word. SQLite's own catalog lists every one as an index of origin "u".
    """
    import sqlalchemy as sa  # noqa: PLC0415 - this module is imported before any run

    quote = connection.dialect.identifier_preparer.quote
    prefix = f"{quote(table.schema)}." if table.schema else ""
    known = {
        tuple(c.name for c in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, sa.UniqueConstraint)
    }
    indexes = connection.exec_driver_sql(f"PRAGMA {prefix}index_list({quote(table.name)})")
    for _seq, name, _unique, origin, *_ in list(indexes):
        if origin != "u":
            continue
        info = connection.exec_driver_sql(f"PRAGMA {prefix}index_info({quote(name)})")
        columns = tuple(row[2] for row in sorted(info, key=lambda row: row[0]))
        if columns not in known and all(c in table.c for c in columns):
            table.append_constraint(sa.UniqueConstraint(*columns))
            known.add(columns)


SQLITE = Dialect(
    name="sqlite",
    transactional_ddl=True,
    comments="none",
    native_column_changes=frozenset({"rename"}),
    # ALTER TABLE DROP COLUMN exists since 3.35 but refuses indexed or constrained columns.
    native_drop_column=False,
    native_constraint_changes=False,
    batch_by_default=True,
    after_reflect=add_missed_unique_constraints,
)
