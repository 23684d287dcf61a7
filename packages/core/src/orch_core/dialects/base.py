"""What orch needs to know about a database: capabilities as data, behaviour as a few hooks.

Each database's module (sqlite.py, postgresql.py, mysql.py) states all of its differences
here: its capabilities, its migration lock, how its engine is made, what it does around a
batch table move. runtime/ asks the dialect and keeps only what is common.

The modules import SQLAlchemy inside their hooks, not at the top: the config loader reads
SQLite URLs through sqlite.py, and `orch heads` must not pay for SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import Dialect as SADialect


class ColumnChange(StrEnum):
    """What an alter_column changes about a column."""

    RENAME = "rename"
    TYPE = "type"
    NULLABLE = "nullable"
    SERVER_DEFAULT = "server_default"
    COMMENT = "comment"


ALL_COLUMN_CHANGES = frozenset(ColumnChange)

# The operations whose support differs between databases (see Dialect.needs_recreate).
AlterKind = Literal["alter_column", "drop_column", "create_constraint", "drop_constraint"]
CommentStyle = Literal["inline", "separate", "none"]
AlterStyle = Literal["standard", "modify"]


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Lock:
    """A migration lock once its session (or file) is open: poll it, name its holder."""

    try_acquire: Callable[[], bool]
    holder: Callable[[], str | None]
    release: Callable[[], None]
    # Called when acquiring was interrupted (an error, a signal) and the lock may be held
    # anyway: drop whatever holds it (a server lock's session).
    abandon: Callable[[], None] = _nothing


# Statements a dialect needs before CREATE TABLE (PostgreSQL: CREATE TYPE for enums).
BeforeCreate = Callable[["sa.Table", "SADialect"], "list[Any]"]
# Completes a reflected table with what SQLAlchemy's reflection misses on this database.
AfterReflect = Callable[["sa.Connection", "sa.Table"], None]
# Opens the lock for (the migration's connection, name scope); yields None where no lock is
# needed. A server's lock is taken on that connection's session, a file lock beside its file.
OpenLock = Callable[["sa.Connection", str], AbstractContextManager[Lock | None]]
# Makes SQLAlchemy's engine for a url: sa.create_engine, or one over a reused dialect.
MakeEngine = Callable[["sa.URL"], "sa.Engine"]
# Makes the engine where plain sa.create_engine(url) does not suit the database, with make.
CreateEngine = Callable[["sa.URL", MakeEngine], "sa.Engine"]
# Whether connecting to url would create the database (a SQLite file not there yet).
IsMissing = Callable[["sa.URL"], bool]
# Whether the connection's default schema holds nothing at all (a SQLite file just made),
# where the database can tell in one cheap question.
IsEmpty = Callable[["sa.Connection"], bool]
# Wraps a batch move of a table (connection, table, revision): SQLite's foreign-key pragma.
GuardTableMove = Callable[["sa.Connection", str, "str | None"], AbstractContextManager[None]]


@dataclass(frozen=True)
class Dialect:
    """A database's capabilities and the few things orch does differently for it."""

    name: str
    transactional_ddl: bool
    statement_terminator: str = ";"
    # "inline": comments ride in CREATE TABLE; "separate": COMMENT ON statements; "none": ignored.
    comments: CommentStyle = "separate"
    # "modify": type/nullability changes restate the whole column (MySQL's MODIFY/CHANGE).
    alter_style: AlterStyle = "standard"
    native_column_changes: frozenset[ColumnChange] = ALL_COLUMN_CHANGES
    native_drop_column: bool = True
    # Whether ADD/DROP CONSTRAINT works in place; when False those need batch's copy-and-move.
    native_constraint_changes: bool = True
    # Index names are unique per schema, not per table (PostgreSQL): a batch move must drop
    # the old table's indexes before the new table's take their names.
    schema_wide_index_names: bool = False
    before_create_table: BeforeCreate | None = None
    after_reflect: AfterReflect | None = None
    # No lock where the database offers none orch knows (the generic fallback).
    open_lock: OpenLock | None = None
    create_engine: CreateEngine | None = None
    is_missing: IsMissing | None = None
    is_empty: IsEmpty | None = None
    guard_table_move: GuardTableMove | None = None
    # First words of statements the server commits on its own, before and after them (MySQL's
    # DDL): a resumable step's count of completed statements must be committed right after one.
    implicit_commits: frozenset[str] = frozenset()

    def needs_recreate(
        self, kind: AlterKind, changes: frozenset[ColumnChange] = frozenset()
    ) -> bool:
        """Return whether an operation of this kind must go through copy-and-move."""
        if kind == "alter_column":
            return not changes <= self.native_column_changes
        if kind == "drop_column":
            return not self.native_drop_column
        return not self.native_constraint_changes

    def moving_table(
        self, connection: sa.Connection | None, table: str, revision: str | None
    ) -> AbstractContextManager[None]:
        """Return what must wrap a batch move of table on connection (offline: nothing)."""
        if connection is None or self.guard_table_move is None:
            return nullcontext()
        return self.guard_table_move(connection, table, revision)


def lock_name(database: str, scope: str) -> str:
    """Return a lock's name: the server's database, then the scope (the version table)."""
    return f"orch:{database}:{scope}"
