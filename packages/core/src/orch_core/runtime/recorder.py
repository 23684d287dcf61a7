"""The version table and the history table: every write to either goes through here.

Having a row in the version table always means the database is at that head; a write that
changes a different number of rows than it should is refused loudly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, partial
from typing import Literal, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Dialect as SADialect

from orch_core.config import DatabaseConfig
from orch_core.errors import VersionTableMismatch
from orch_core.runtime.driver_statements import DriverStatement
from orch_core.runtime.offline import render_statement
from orch_core.runtime.recorder_statements import (
    PLACEHOLDER,
    RecorderStatements,
    recorder_statements,
)
from orch_core.urls import mask_passwords

# What a history row records: a step one way or the other, or a stamp (no script ran).
RunKind = Literal["up", "down", "stamp"]


class HistoryOutcome(StrEnum):
    """How the step a history row records ended."""

    APPLIED = "applied"
    FAILED = "failed"  # rolled back: nothing of the step remains
    FAILED_PARTIAL = "failed-partial"  # DDL committed implicitly before the failure (MariaDB)
    STAMPED = "stamped"
    STARTED = "started"  # written first where DDL is not transactional; an end row follows
    BASELINED = "baselined"  # applied by another tool; its hash recorded after a review


@dataclass(frozen=True)
class Made:
    """The tables ensure_tables created: they hold no rows to read yet."""

    version: bool
    history: bool


@dataclass(frozen=True)
class HistoryEntry:
    """One row of the history table: a step applied, reverted, failed or stamped."""

    run_id: str
    revision: str
    direction: RunKind
    started_at: dt.datetime
    finished_at: dt.datetime
    outcome: HistoryOutcome
    script_sha256: str | None
    os_user: str
    host: str
    orch_version: str
    error: str | None = None
    statement: str | None = None
    # Of a step outside one transaction: its statements that completed, and their SQL's digest.
    statements_done: int | None = None
    statements_sha256: str | None = None

    @property
    def duration_ms(self) -> int:
        """Return how long the step took, in whole milliseconds."""
        return int((self.finished_at - self.started_at).total_seconds() * 1000)


class LastEntry(NamedTuple):
    """What the newest history row says about the step it records."""

    revision: str
    outcome: HistoryOutcome
    statement: str | None
    error: str | None
    direction: str
    script_sha256: str | None
    statements_done: int | None  # None too where the table predates the count
    statements_sha256: str | None


# Columns added to the history table after its first layout: added where missing.
PROGRESS_COLUMNS = ("statements_done", "statements_sha256")


class Recorder:
    """Read and write one database's version table and history table."""

    def __init__(self, config: DatabaseConfig) -> None:
        self.schema = config.schema  # a tenant's schema, created with the tables
        # The tables' names and key, whatever schema they are in.
        self._layout = (config.version_table, config.history_table, config.version_table_pk)
        name, history, key = self._layout
        self.version, self.history = _tables(name, config.version_table_schema, history, key)
        self._progress_kept = False  # whether the history table has PROGRESS_COLUMNS
        # The statements for the last dialect asked (a database's runs use one).
        self._compiled: tuple[SADialect, RecorderStatements] | None = None

    @property
    def in_default_schema(self) -> bool:
        """Return whether both tables live in the connection's default schema."""
        tables = (self.version, self.history)
        return self.schema is None and all(t is None or t.schema is None for t in tables)

    def ensure_tables(
        self,
        connection: sa.Connection,
        *,
        version_exists: bool | None = None,
        history_exists: bool | None = None,
    ) -> Made:
        """Create the version and history tables where they are missing (and a tenant's
        schema, which holds them); return which it made. version_exists, history_exists:
        whether each table exists, if the caller knows."""
        if self.schema is not None:
            connection.execute(sa.schema.CreateSchema(self.schema, if_not_exists=True))
        statements = self._statements(connection)
        if version_exists is None:
            version_exists = self._exists(connection, self.version)
        if not version_exists:
            statements.create_version.execute(connection)
        create, history = statements.create_history, self.history
        if create is None or history is None:
            return Made(version=not version_exists, history=False)
        if history_exists is None:
            history_exists = self._exists(connection, history)
        if not history_exists:
            create.execute(connection)
        else:
            self._add_columns(connection, history, self._missing_progress_columns(connection))
        self._progress_kept = True
        return Made(version=not version_exists, history=not history_exists)

    def _missing_progress_columns(self, connection: sa.Connection) -> tuple[str, ...]:
        """Return the PROGRESS_COLUMNS the history table (made by an older orch) lacks."""
        if self._progress_kept or self.history is None:
            return ()
        history = self.history
        present = {
            c["name"] for c in sa.inspect(connection).get_columns(history.name, history.schema)
        }
        missing = tuple(name for name in PROGRESS_COLUMNS if name not in present)
        self._progress_kept = not missing
        return missing

    def _add_columns(
        self, connection: sa.Connection, history: sa.Table, names: tuple[str, ...]
    ) -> None:
        """Add to the history table the columns of its layout it lacks."""
        preparer = connection.dialect.identifier_preparer
        for name in names:
            column = sa.schema.CreateColumn(history.c[name]).compile(dialect=connection.dialect)
            table = preparer.format_table(history)
            connection.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {column}"))

    def current_heads(self, connection: sa.Connection) -> tuple[str, ...]:
        """Return the heads the database is at; none if the version table does not exist."""
        if not self._exists(connection, self.version):
            return ()
        return self.heads(connection)

    def heads(self, connection: sa.Connection) -> tuple[str, ...]:
        """Return the heads in the version table, which must exist (after ensure_tables)."""
        rows = self._statements(connection).heads.rows(connection)
        return tuple(sorted(row[0] for row in rows))

    def has_version_table(self, connection: sa.Connection) -> bool:
        """Return whether the version table exists in the database."""
        return self._exists(connection, self.version)

    def has_history(self, connection: sa.Connection) -> bool:
        """Return whether the history table is kept and exists in the database."""
        return self.history is not None and self._exists(connection, self.history)

    def _exists(self, connection: sa.Connection, table: sa.Table) -> bool:
        # The dialect's has_table, as an Inspector asks it, without making an Inspector (a
        # tenth of this check's cost on SQLite) for each question.
        return connection.dialect.has_table(connection, table.name, schema=table.schema)

    def version_sql(self, sa_dialect: SADialect, terminator: str) -> VersionSQL:
        """Return the writer of version-table changes as SQL text for a dialect (offline)."""
        return VersionSQL(self.version, sa_dialect, terminator)

    def move_heads(
        self,
        connection: sa.Connection,
        deletes: Sequence[str],
        inserts: Sequence[str],
        updates: Sequence[tuple[str, str]],
    ) -> None:
        """Change the version rows; each update and delete must touch exactly one row.

        An insert of a row that is already there fails on the primary key; drivers do not all
        report an insert's row count, so inserts are not counted.
        """
        writes = self._statements(connection)
        changes: list[tuple[DriverStatement, dict[str, str]]] = [
            (writes.update, {"old_head": old, "new_head": new}) for old, new in updates
        ]
        changes += [(writes.delete, {"old_head": gone}) for gone in deletes]
        for statement, parameters in changes:
            count = statement.execute(connection, parameters)
            if count != 1:
                shown = f"{statement.sql} with {parameters}"
                raise VersionTableMismatch(self.version.name, shown, count)
        for new in inserts:
            writes.insert.execute(connection, {"version_num": new})

    def replace_heads(self, connection: sa.Connection, heads: Sequence[str]) -> None:
        """Set the version rows to exactly these heads (stamp)."""
        connection.execute(sa.delete(self.version))
        if heads:
            connection.execute(sa.insert(self.version), [{"version_num": h} for h in heads])

    def record(self, connection: sa.Connection, entry: HistoryEntry) -> None:
        """Append one row to the history table (nothing if history is off)."""
        record = self._statements(connection).record
        if record is None:
            return
        # vars(), not dataclasses.asdict(): the values are flat, and asdict deep-copies each.
        values = {**vars(entry), "duration_ms": entry.duration_ms}
        for key in ("error", "statement"):  # a script's error may quote a URL with its password
            values[key] = values[key] and mask_passwords(values[key])
        record.execute(connection, values)

    def _statements(self, connection: sa.Connection) -> RecorderStatements:
        dialect = connection.dialect
        if self._compiled is None or self._compiled[0] is not dialect:
            self._compiled = (dialect, self._compile(dialect))
        return self._compiled[1]

    def _compile(self, dialect: SADialect) -> RecorderStatements:
        """Return the tables' statements for the dialect. Tables in a schema (a fleet's
        schema-tenant's) get those compiled once for tables in PLACEHOLDER, with the schema's
        name put in its place, not compiled per tenant (~5 ms of a PostgreSQL schema-tenant's
        profiled 75)."""
        schema = self.version.schema
        if schema is None:
            return recorder_statements(self.version, self.history, dialect)
        name, history, key = self._layout
        placed = recorder_statements(*_tables(name, PLACEHOLDER, history, key), dialect)
        return placed.in_schema(dialect.identifier_preparer.quote_schema(schema))

    def last_entry(self, connection: sa.Connection) -> LastEntry | None:
        """Return the newest history row, or None when there is none or history is off.

        The table must exist; made by an older orch, its row has no count of statements."""
        statements = self._statements(connection)
        last = statements.last
        if last is None or self.history is None:
            return None
        if self._missing_progress_columns(connection):
            last = statements.last_without_progress
        rows = last.rows(connection) if last is not None else []
        if not rows:
            return None
        revision, outcome, statement, error, direction, sha, *progress = rows[0]
        done, digest = progress or (None, None)
        return LastEntry(
            revision, HistoryOutcome(outcome), statement, error, direction, sha, done, digest
        )

    def started_row(self, connection: sa.Connection, entry: HistoryEntry) -> int:
        """Return the id of the `started` row just recorded for entry's step."""
        started = self._statements(connection).started_row
        assert started is not None  # only called after record() wrote a row
        keys = {"run_id": entry.run_id, "revision": entry.revision, "direction": entry.direction}
        return int(started.rows(connection, keys)[0][0])

    def record_progress(self, connection: sa.Connection, row: int, done: int, digest: str) -> None:
        """Write a step's count of completed statements into its `started` row."""
        progress = self._statements(connection).progress
        assert progress is not None
        progress.execute(connection, {"row": row, "done": done, "digest": digest})

    def progress_of(
        self, connection: sa.Connection, row: int
    ) -> tuple[int | None, str | None] | None:
        """Return the count and digest a `started` row holds now; None if it is not there (it
        was written in a transaction that rolled back)."""
        read = self._statements(connection).read_progress
        assert read is not None
        found = read.rows(connection, {"row": row})
        return (found[0][0], found[0][1]) if found else None

    def applied_scripts(self, connection: sa.Connection) -> dict[str, str | None]:
        """Return, per revision whose last step was an upgrade, the script hash it ran with
        (or that `verify --baseline` recorded for it)."""
        if self.history is None or not self._exists(connection, self.history):
            return {}
        h = self.history
        rows = connection.execute(
            sa.select(h.c.revision, h.c.direction, h.c.script_sha256)
            .where(h.c.outcome.in_((HistoryOutcome.APPLIED.value, HistoryOutcome.BASELINED.value)))
            .order_by(h.c.id)
        )
        applied: dict[str, str | None] = {}
        for revision, direction, sha in rows:
            if direction == "up":
                applied[revision] = sha
            else:
                applied.pop(revision, None)
        return applied


class VersionSQL:
    """Version-table changes as SQL text, for `--sql`.

    Each statement's shape is compiled once, with placeholder values, and each step fills in its
    own values, rendered by the column type's literal processor for the dialect: the text is the
    same as compiling every statement with literal values, which took most of an `upgrade --sql`
    of 3,000 revisions.
    """

    _OLD, _NEW = "orch:old-head", "orch:new-head"

    def __init__(self, version: sa.Table, sa_dialect: SADialect, terminator: str) -> None:
        column = version.c.version_num
        # The dialect's own statement compiler renders each value, as compiling with literal
        # values does (MySQL's, for one, also escapes backslashes beyond the type's processor).
        compiler = sa_dialect.statement_compiler(sa_dialect, None)
        render = partial(compiler.render_literal_value, type_=column.type)
        # Each revision is rendered twice (the head a step adds, then the one the next step
        # moves from): the dialect's compiler is asked once per value.
        self._literal: Callable[[str], str] = cache(render)
        self._update = self._shape(
            sa.update(version).where(column == self._OLD).values(version_num=self._NEW),
            sa_dialect,
            terminator,
        )
        where_old = sa.delete(version).where(column == self._OLD)
        self._delete = self._shape(where_old, sa_dialect, terminator)
        self._insert = self._shape(
            sa.insert(version).values(version_num=self._NEW), sa_dialect, terminator
        )
        self._old, self._new = self._literal(self._OLD), self._literal(self._NEW)

    @staticmethod
    def _shape(statement: sa.Executable, sa_dialect: SADialect, terminator: str) -> str:
        return render_statement(statement, sa_dialect, terminator)

    def statements(
        self, deletes: Sequence[str], inserts: Sequence[str], updates: Sequence[tuple[str, str]]
    ) -> list[str]:
        """Return the SQL that moves the version rows: updates, then deletes, then inserts."""
        old, new = self._old, self._new
        out = [
            self._update.replace(new, self._literal(after)).replace(old, self._literal(before))
            for before, after in updates
        ]
        out += [self._delete.replace(old, self._literal(gone)) for gone in deletes]
        return out + [self._insert.replace(new, self._literal(added)) for added in inserts]


@cache
def _tables(
    version_table: str, schema: str | None, history_table: str | None, primary_key: bool
) -> tuple[sa.Table, sa.Table | None]:
    """Return the version and history tables for these settings, built once and shared.

    A fleet's tenants all have the same settings: building two Tables per tenant was a third
    of `status` over 10,000 SQLite tenants. Nothing changes a Table once built."""
    metadata = sa.MetaData()
    # Alembic's layout, its primary key's name included: either tool reads the other's.
    version = sa.Table(
        version_table,
        metadata,
        sa.Column("version_num", sa.String(32), nullable=False),
        schema=schema,
    )
    if primary_key:
        version.append_constraint(
            sa.PrimaryKeyConstraint("version_num", name=f"{version_table}_pkc")
        )
    if not history_table:
        return version, None
    history = sa.Table(
        history_table,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("revision", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("statement", sa.Text),
        sa.Column("script_sha256", sa.String(64)),
        sa.Column("os_user", sa.String(128), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("orch_version", sa.String(32), nullable=False),
        sa.Column("statements_done", sa.Integer),
        sa.Column("statements_sha256", sa.String(64)),
        schema=schema,
    )
    return version, history
