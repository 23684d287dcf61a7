"""What a comparison finds: one Change per difference between the models and a database.

A Change is what `check` reports and what `revision --autogenerate` renders. It names the
table, column or constraint in plain fields (the report) and holds the SQLAlchemy objects the
rendering needs: the model's side for what is added, the database's side for what is removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

import sqlalchemy as sa


class ChangeKind(StrEnum):
    """The kinds of difference, named as Alembic's compare_metadata names them."""

    ADD_TABLE = "add_table"
    REMOVE_TABLE = "remove_table"
    ADD_COLUMN = "add_column"
    REMOVE_COLUMN = "remove_column"
    MODIFY_TYPE = "modify_type"
    MODIFY_NULLABLE = "modify_nullable"
    MODIFY_DEFAULT = "modify_default"
    MODIFY_COMMENT = "modify_comment"
    ADD_INDEX = "add_index"
    REMOVE_INDEX = "remove_index"
    ADD_UNIQUE = "add_constraint"
    REMOVE_UNIQUE = "remove_constraint"
    ADD_FK = "add_fk"
    REMOVE_FK = "remove_fk"
    ADD_TABLE_COMMENT = "add_table_comment"
    REMOVE_TABLE_COMMENT = "remove_table_comment"


# The kinds that alter one column in place; render folds a column's kinds into one alter_column.
COLUMN_MODIFICATIONS = frozenset(
    {
        ChangeKind.MODIFY_TYPE,
        ChangeKind.MODIFY_NULLABLE,
        ChangeKind.MODIFY_DEFAULT,
        ChangeKind.MODIFY_COMMENT,
    }
)

Constraint = sa.Index | sa.UniqueConstraint | sa.ForeignKeyConstraint


@dataclass(frozen=True)
class Change:
    """One difference: the database (before) must change to match the models (after)."""

    kind: ChangeKind
    table: str
    schema: str | None = None
    column: str | None = None
    name: str | None = None  # the index's or constraint's name
    before: str | None = None  # what the database has, for modify_* (as text)
    after: str | None = None  # what the models say
    # What the rendering needs; not part of the report.
    model_table: sa.Table | None = field(default=None, compare=False, repr=False)
    db_table: sa.Table | None = field(default=None, compare=False, repr=False)
    constraint: Constraint | None = field(default=None, compare=False, repr=False)

    def detached(self) -> Change:
        """Return the change without the SQLAlchemy objects (a report keeps no schema alive)."""
        return replace(self, model_table=None, db_table=None, constraint=None)

    def report(self) -> dict[str, str]:
        """Return the difference as `check --json` shows it (fields that apply only)."""
        fields = {
            "kind": self.kind.value,
            "schema": self.schema,
            "table": self.table,
            "column": self.column,
            "name": self.name,
            "before": self.before,
            "after": self.after,
        }
        return {key: value for key, value in fields.items() if value is not None}

    def describe(self) -> str:
        """Return one line for a person, e.g. `add_column users.email`."""
        table = f"{self.schema}.{self.table}" if self.schema else self.table
        subject = f"{table}.{self.column}" if self.column else table
        if self.name:
            subject += f" {self.name}"
        if self.before is not None or self.after is not None:
            subject += f": {self.before} -> {self.after}"
        return f"{self.kind.value} {subject}"
