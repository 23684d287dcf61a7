"""SQLite: renames and ADD/DROP COLUMN in place, everything else through batch copy-and-move.

Also SQLite's own ways: a file lock beside the database, transactional DDL that the sqlite3
module must be kept from breaking, foreign keys switched off around a table move, relative
file paths anchored at the config's folder, and a file that does not exist yet.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orch_core.dialects.base import ColumnChange, Dialect, Lock, MakeEngine
from orch_core.errors import OperationFailed, UnsupportedOperation

if TYPE_CHECKING:
    import sqlalchemy as sa

_SCHEMES = ("sqlite:///", "sqlite+pysqlite:///")


def anchor_url(url: str, root: Path) -> str:
    """Return url with a relative SQLite file path made relative to root (the config's folder)."""
    if not url.startswith(_SCHEMES):
        return url
    scheme, _, rest = url.partition(":///")
    path, query = rest.split("?", 1) if "?" in rest else (rest, None)
    if not path or path == ":memory:" or Path(path).is_absolute():
        return url
    anchored = f"{scheme}:///{root / path}"
    return f"{anchored}?{query}" if query else anchored


def _file(url: sa.URL) -> str | None:
    """Return the database file url names, or None (in memory, or a `uri=true` URL)."""
    database = url.database
    if not database or database == ":memory:" or url.query.get("uri"):
        return None
    return database


def is_missing(url: sa.URL) -> bool:
    """Return whether url names a file that does not exist (yet).

    Connecting would create it: a command that only reads (current, status, verify, --dry-run,
    --sql) must see such a database as empty instead, and leave nothing behind."""
    database = _file(url)
    return database is not None and not Path(database).exists()


def is_empty(connection: sa.Connection) -> bool:
    """Return whether the database holds no table, index, view or trigger, and never did.

    SQLite counts every change of a database's schema in its header: 0 in a file just made,
    where there is nothing to look for (one statement, not a catalog read per table)."""
    return connection.exec_driver_sql("PRAGMA schema_version").scalar() == 0


def create_engine(url: sa.URL, make: MakeEngine) -> sa.Engine:
    """Return an engine made by make with transactional DDL, the file's folder made first.

    Python's sqlite3 module commits implicitly before DDL, which would make a failed step's
    CREATE TABLE stay behind: SQLAlchemy, not the module, decides where transactions begin,
    and DDL rolls back like data.
    """
    import sqlalchemy as sa  # noqa: PLC0415 - see the package's docstring

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = make(url)

    @sa.event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        # The execution option, not get_isolation_level(): that asks SQLite with a PRAGMA,
        # one more statement for every step; BEGIN straight to the driver, as SQLAlchemy's
        # own BEGIN (do_begin) goes, without a statement's execution machinery.
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            connection.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]

    return engine


@contextmanager
def open_file_lock(connection: sa.Connection, _scope: str) -> Iterator[Lock | None]:
    """Open an OS file lock on a sidecar file; the kernel releases it if the process dies.

    The file is per database file, so the scope (the version table) does not enter its name.
    """
    database = connection.engine.url.database
    if not database or database == ":memory:":
        yield None  # an in-memory database lives in this process alone
        return
    path = Path(f"{database}.orch-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)

    def try_acquire() -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}".encode())
        return True

    def holder() -> str | None:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
        return text or None

    try:
        yield Lock(try_acquire, holder, lambda: fcntl.flock(fd, fcntl.LOCK_UN))
    finally:
        os.close(fd)


@contextmanager
def foreign_keys_off(
    connection: sa.Connection, table_name: str, revision: str | None
) -> Iterator[None]:
    """Keep SQLite from cascading or refusing while the referenced old table is dropped.

    PRAGMA foreign_keys cannot change inside a transaction. Under pysqlite, DDL runs outside
    one, so the pragma can be switched off around the move; if a transaction is already open
    and other tables reference this one, the move would fire their ON DELETE actions, so it
    is refused.
    """
    if not connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        yield
        return
    driver = connection.connection.driver_connection
    if getattr(driver, "in_transaction", False):
        if _referenced(connection, table_name):
            raise UnsupportedOperation(
                "batch_alter_table",
                table_name,
                revision,
                "other tables reference it and PRAGMA foreign_keys=ON cannot be turned off inside "
                "the open transaction; run this migration with foreign_keys off",
            )
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        yield
        violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if violations:
            raise OperationFailed(
                "batch_alter_table", table_name, revision, f"foreign key violations: {violations}"
            )
        # The copy opened a driver transaction of its own; closing it lets the pragma apply.
        if driver is not None and driver.in_transaction:
            driver.commit()
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def _referenced(connection: sa.Connection, table_name: str) -> bool:
    import sqlalchemy as sa  # noqa: PLC0415 - see the package's docstring

    inspector = sa.inspect(connection)
    for other in inspector.get_table_names():
        if other == table_name:
            continue
        if any(fk["referred_table"] == table_name for fk in inspector.get_foreign_keys(other)):
            return True
    return False


def add_missed_unique_constraints(connection: sa.Connection, table: sa.Table) -> None:
    """Add the UNIQUE constraints SQLite enforces but SQLAlchemy's reflection did not find.

    SQLAlchemy reads unique constraints by parsing the table's CREATE statement, and misses
    some (an inline `code VARCHAR(10) UNIQUE`, as of 2.1); a batch copy-and-move would then
    drop them without a word. SQLite's own catalog lists every one as an index of origin "u".
    """
    import sqlalchemy as sa  # noqa: PLC0415 - see the package's docstring

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
    native_column_changes=frozenset({ColumnChange.RENAME}),
    # ALTER TABLE DROP COLUMN exists since 3.35 but refuses indexed or constrained columns.
    native_drop_column=False,
    native_constraint_changes=False,
    after_reflect=add_missed_unique_constraints,
    open_lock=open_file_lock,
    create_engine=create_engine,
    is_missing=is_missing,
    is_empty=is_empty,
    guard_table_move=foreign_keys_off,
)
