"""The floor under a fleet's `upgrade`: each tenant migrated by the scripts' own SQLAlchemy DDL.

bench/floor.py executes SQL rendered beforehand, but orch must render DDL from each script's
SQLAlchemy constructs at run time, as Alembic does; this is the least any tool doing that does.
The scripts' compiled code is read from one marshal file (bench/offline_floor.py's, in orch's
plan order) and each script's module code runs once, `from alembic import op` giving it
offline_floor's MinimalOp, here executing through a cursor. Then per tenant: one driver
connection (sqlite3, or psycopg shared by the schema-tenants of one database: `CREATE SCHEMA`,
`SET search_path`), the version table, and per step BEGIN, `upgrade()` (each op call builds its
construct, compiles it for the dialect and executes the SQL), the version row's INSERT or
UPDATE, COMMIT. No history, no locks, no checks, no planning, no configuration.

    python -m bench.fleet_floor --prepare CODE_FILE SCRIPT...          # once, not timed
    python -m bench.fleet_floor [--procs N] CODE_FILE TARGET [...]     # the timed process

A TARGET is a SQLite file path or `postgresql://...#SCHEMA`, as bench/floor.py takes them. With
--procs N (default: os.cpu_count()) the tenants are divided evenly over N forked processes, as a
tool may use every core; --procs 1 migrates them all in this process.
"""

from __future__ import annotations

import gc
import marshal
import os
import sqlite3
import sys
import traceback
import types
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable, ExecutableDDLElement

from bench.offline_floor import MinimalOp, prepare

# Alembic's version table, as its migration context builds it.
VERSION_TABLE = sa.Table(
    "alembic_version",
    sa.MetaData(),
    sa.Column("version_num", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)
_INSERT = "INSERT INTO alembic_version (version_num) VALUES ('{}')"
_UPDATE = "UPDATE alembic_version SET version_num='{}' WHERE alembic_version.version_num = '{}'"

Step = tuple[str, Callable[[], None]]


class ExecutingOp(MinimalOp):
    """MinimalOp whose statements go straight to the current tenant's cursor."""

    cursor: Any = None

    def _emit(self, statement: ExecutableDDLElement) -> None:
        self.cursor.execute(self.sql(statement))


def load(code_file: str, op: MinimalOp) -> list[Step]:
    """Run each script's module code once with ``op`` as `alembic.op`; return its upgrade()."""
    with open(code_file, "rb") as blob:
        codes: list[tuple[str, types.CodeType]] = marshal.load(blob)
    alembic = types.ModuleType("alembic")
    alembic.op = op  # type: ignore[attr-defined]
    sys.modules["alembic"] = alembic  # `from alembic import op` in every script
    steps: list[Step] = []
    for filename, code in codes:
        namespace: dict[str, Any] = {"__name__": "revision", "__file__": filename}
        exec(code, namespace)
        steps.append((str(namespace["revision"]), namespace["upgrade"]))
    return steps


def migrate(cursor: Any, op: ExecutingOp, steps: list[Step], version_table: str) -> None:
    """Create the version table, then run every step in a transaction of its own."""
    op.cursor = cursor
    cursor.execute(version_table)
    previous = ""
    for revision, upgrade in steps:
        cursor.execute("BEGIN")
        upgrade()
        version = _UPDATE.format(revision, previous) if previous else _INSERT.format(revision)
        cursor.execute(version)
        cursor.execute("COMMIT")
        previous = revision


def run_share(targets: list[str], op: ExecutingOp, steps: list[Step]) -> None:
    """Migrate these tenants one after another in this process."""
    version_table = op.sql(CreateTable(VERSION_TABLE))
    connections: dict[str, Any] = {}
    for target in targets:
        if not target.startswith("postgresql"):
            conn = sqlite3.connect(target, isolation_level=None)
            migrate(conn.cursor(), op, steps, version_table)
            conn.close()
            continue
        conninfo, _, schema = target.partition("#")
        shared = connections.get(conninfo)
        if shared is None:
            import psycopg  # imported once by main, before any fork

            shared = connections[conninfo] = psycopg.connect(conninfo, autocommit=True)
        cursor = shared.cursor()
        if schema:
            cursor.execute(f'CREATE SCHEMA "{schema}"')
            cursor.execute(f'SET search_path TO "{schema}"')
        migrate(cursor, op, steps, version_table)
    for shared in connections.values():
        shared.close()


def run(targets: list[str], procs: int, op: ExecutingOp, steps: list[Step]) -> int:
    """Migrate the tenants over ``procs`` forked processes (or this one); return the exit code."""
    if procs == 1:
        run_share(targets, op, steps)
        return 0
    children = []
    for k in range(procs):
        share = targets[k::procs]
        if not share:
            continue
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                run_share(share, op, steps)
            except BaseException:
                traceback.print_exc()
                code = 1
            sys.stderr.flush()
            os._exit(code)
        children.append(pid)
    failed = [pid for pid in children if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])]
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    """Prepare the code file, or migrate the targets."""
    if argv[0] == "--prepare":
        prepare(argv[1], argv[2:])
        return 0
    procs = os.cpu_count() or 1
    if argv[0] == "--procs":
        procs, argv = int(argv[1]), argv[2:]
    code_file, targets = argv[0], argv[1:]
    postgres = targets[0].startswith("postgresql")
    if postgres:
        import psycopg  # noqa: F401  (here, once, rather than in every forked process)
    op = ExecutingOp(postgresql.dialect() if postgres else sqlite.dialect())
    steps = load(code_file, op)
    gc.freeze()  # as orch's CLI does once its modules are loaded
    return run(targets, procs, op, steps)


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # no interpreter teardown, as bench/offline_floor.py
