"""The statements the recorder runs, compiled once per kind of database and shared.

A run over fifty SQLite databases would otherwise compile the same dozen statements fifty times,
once for each database's dialect: a third of the time orch spends on a database besides its
steps. What a statement compiles to depends on the dialect's kind and the server's version,
and on the tables' names and the version table's key; those make the key.

A fleet's schema-tenants each keep their tables in their own schema: their statements are
compiled once, in PLACEHOLDER, and each tenant's are those with its schema's name put in the
placeholder's place (`in_schema`, as SQLAlchemy's schema_translate_map does; Recorder._compile).
"""

from __future__ import annotations

import copy

import sqlalchemy as sa
from sqlalchemy.engine import Dialect as SADialect

from orch_core.runtime.driver_statements import DriverStatement

# The schema statements for a tenant's schema are compiled in: a plain name, never quoted, and
# followed by a dot wherever SQLAlchemy names a table in it.
PLACEHOLDER = "orch_tenant_schema_placeholder"


class RecorderStatements:
    """The version and history tables' statements, compiled for one kind of database."""

    def __init__(self, version: sa.Table, history: sa.Table | None, dialect: SADialect) -> None:
        column = version.c.version_num
        old_head = column == sa.bindparam("old_head")
        self.create_version = DriverStatement(sa.schema.CreateTable(version), dialect)
        self.heads = DriverStatement(sa.select(column), dialect)
        self.update = DriverStatement(
            sa.update(version).where(old_head).values(version_num=sa.bindparam("new_head")),
            dialect,
        )
        self.delete = DriverStatement(sa.delete(version).where(old_head), dialect)
        self.insert = DriverStatement(sa.insert(version), dialect, ["version_num"])
        self.create_history: DriverStatement | None = None
        self.record: DriverStatement | None = None
        self.last: DriverStatement | None = None
        self.last_without_progress: DriverStatement | None = None
        self.started_row: DriverStatement | None = None
        self.progress: DriverStatement | None = None
        self.read_progress: DriverStatement | None = None
        if history is not None:
            self._history(history, dialect)

    def _history(self, history: sa.Table, dialect: SADialect) -> None:
        h = history.c
        self.create_history = DriverStatement(sa.schema.CreateTable(history), dialect)
        # inline(): no RETURNING of the new row's id, which nothing reads.
        keys = [c.key for c in history.columns if c.key != "id"]
        self.record = DriverStatement(sa.insert(history).inline(), dialect, keys)
        described = (h.revision, h.outcome, h.statement, h.error, h.direction, h.script_sha256)
        newest = sa.select(*described, h.statements_done, h.statements_sha256)
        self.last = DriverStatement(newest.order_by(h.id.desc()).limit(1), dialect)
        older = sa.select(*described).order_by(h.id.desc()).limit(1)  # an older orch's table
        self.last_without_progress = DriverStatement(older, dialect)
        mine = sa.select(sa.func.max(h.id)).where(
            h.run_id == sa.bindparam("run_id"),
            h.revision == sa.bindparam("revision"),
            h.direction == sa.bindparam("direction"),
            h.outcome == "started",
        )
        self.started_row = DriverStatement(mine, dialect)
        row = h.id == sa.bindparam("row")
        counted = (
            sa.update(history)
            .where(row)
            .values(statements_done=sa.bindparam("done"), statements_sha256=sa.bindparam("digest"))
        )
        self.progress = DriverStatement(counted, dialect)
        kept = sa.select(h.statements_done, h.statements_sha256).where(row)
        self.read_progress = DriverStatement(kept, dialect)

    def in_schema(self, quoted: str) -> RecorderStatements:
        """Return these statements (compiled in PLACEHOLDER) for the schema quoted names."""
        moved = copy.copy(self)
        for name, statement in vars(self).items():
            if isinstance(statement, DriverStatement):
                setattr(moved, name, statement.renamed(f"{PLACEHOLDER}.", f"{quoted}."))
        return moved


_compiled: dict[tuple[object, ...], RecorderStatements] = {}


def recorder_statements(
    version: sa.Table, history: sa.Table | None, dialect: SADialect
) -> RecorderStatements:
    """Return the statements for these tables on this dialect, compiled on first use."""
    key = (
        type(dialect),
        dialect.paramstyle,
        dialect.server_version_info,
        getattr(dialect, "is_mariadb", False),
        version.fullname,
        version.primary_key.name,  # None without a key (version_table_pk = false)
        None if history is None else history.fullname,
    )
    statements = _compiled.get(key)
    if statements is None:
        statements = _compiled[key] = RecorderStatements(version, history, dialect)
    return statements
