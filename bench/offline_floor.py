"""The floor under a whole `upgrade --sql`: the same scripts' DDL through SQLAlchemy, nothing more.

A process that imports SQLAlchemy, reads every script's compiled code from one marshal file (in
the order orch's plan applies them), runs each `upgrade()` against a minimal `op` whose
operations build the SQLAlchemy construct (`Table`, `Column`, `Index`) and compile its DDL for
the dialect, and writes the SQL with BEGIN / COMMIT and one version-table UPDATE per step (a
chain from the step before: no heads bookkeeping, no planning, no configuration, no checks). Any
tool that renders DDL from SQLAlchemy constructs, as the issues require of orch, does at least
this. bench/fleet_floor.py runs the same `op` against databases.

    python bench/offline_floor.py --prepare CODE_FILE SCRIPT...   # once, not timed
    python bench/offline_floor.py CODE_FILE > out.sql             # the timed process

bench/planner.py prepares it from orch's plan and times it next to orch and Alembic.
"""

from __future__ import annotations

import gc
import marshal
import os
import sys
import types
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateIndex, CreateTable, DropTable, ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler

_DIALECT = sqlite.dialect()
# The version row's change, as a template made once (as orch makes its own once per run).
_UPDATE = "UPDATE alembic_version SET version_num='{}' WHERE alembic_version.version_num = '{}';"


class AddColumn(ExecutableDDLElement):
    """ALTER TABLE ... ADD COLUMN: SQLAlchemy has no construct of its own for it (Alembic's)."""

    def __init__(self, column: sa.Column[Any]) -> None:
        self.column = column


@compiles(AddColumn)
def _add_column(element: AddColumn, compiler: DDLCompiler, **kw: Any) -> str:
    # As Alembic's visit_add_column: the table's name, then the dialect's column specification.
    table = compiler.preparer.format_table(element.column.table)
    return f"ALTER TABLE {table} ADD COLUMN {compiler.get_column_specification(element.column)}"


class MinimalOp:
    """The operations the generated scripts call, rendered as SQLAlchemy renders them.

    Each call builds its construct in a MetaData of its own, as Alembic's op does, and compiles
    it for the dialect; `_emit` writes the SQL (a subclass may execute it instead).
    """

    def __init__(self, dialect: Dialect = _DIALECT) -> None:
        self.dialect = dialect
        self.out: list[str] = []

    def sql(self, statement: ExecutableDDLElement) -> str:
        """Return the statement's SQL for this dialect."""
        return str(statement.compile(dialect=self.dialect)).strip()

    def _emit(self, statement: ExecutableDDLElement) -> None:
        self.out.append(f"{self.sql(statement)};\n\n")

    def create_table(self, name: str, *columns: sa.schema.SchemaItem, **kw: Any) -> None:
        """CREATE TABLE for a table built in a MetaData of its own."""
        self._emit(CreateTable(sa.Table(name, sa.MetaData(), *columns, **kw)))

    def drop_table(self, name: str, **kw: Any) -> None:
        """DROP TABLE."""
        self._emit(DropTable(sa.Table(name, sa.MetaData(), **kw)))

    def add_column(self, table: str, column: sa.Column[Any]) -> None:
        """ALTER TABLE ADD COLUMN, the column placed in a table of that name."""
        sa.Table(table, sa.MetaData(), column)
        self._emit(AddColumn(column))

    def create_index(self, name: str, table: str, columns: list[str], **kw: Any) -> None:
        """CREATE INDEX on named columns of a table built with just those (as Alembic's op)."""
        built = sa.Table(table, sa.MetaData(), *(sa.Column(c, sa.types.NULLTYPE) for c in columns))
        self._emit(CreateIndex(sa.Index(name, *(built.c[c] for c in columns), **kw)))


def prepare(code_file: str, scripts: list[str]) -> None:
    """Compile the scripts, in this order, into one marshal file."""
    codes = []
    for script in scripts:
        with open(script, "rb") as source:
            codes.append((script, compile(source.read(), script, "exec")))
    with open(code_file, "wb") as out:
        marshal.dump(codes, out)


def render(code_file: str) -> str:
    """Return the SQL of every script's upgrade(), with a version UPDATE per step."""
    with open(code_file, "rb") as blob:
        codes: list[tuple[str, types.CodeType]] = marshal.load(blob)
    op = MinimalOp()
    alembic = types.ModuleType("alembic")
    alembic.op = op  # type: ignore[attr-defined]
    sys.modules["alembic"] = alembic  # `from alembic import op` in every script
    previous = ""
    for filename, code in codes:
        namespace: dict[str, object] = {"__name__": "revision", "__file__": filename}
        exec(code, namespace)
        revision = str(namespace["revision"])
        op.out.append(f"\n-- Running {revision}\nBEGIN;\n")
        namespace["upgrade"]()  # type: ignore[operator]
        op.out.append(_UPDATE.format(revision, previous) + "\n\nCOMMIT;\n")
        previous = revision
    return "".join(op.out)


def main() -> None:
    """Prepare the code file, or render it to stdout and leave without interpreter teardown."""
    if sys.argv[1] == "--prepare":
        prepare(sys.argv[2], sys.argv[3:])
        return
    gc.freeze()  # as orch's CLI does once its modules are loaded
    sys.stdout.write(render(sys.argv[1]))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
