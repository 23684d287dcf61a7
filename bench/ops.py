"""The ops-layer scenario: 1,000 operations through orch's op API or the same DDL via sqlite3.

Usage: python bench/ops.py render OUT.json | orch DB | driver OUT.json DB
Prints the seconds the timed section took (connect, run everything in one transaction, commit),
so the comparison is the layer's cost, not the interpreter's start-up or imports.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

TABLES = 250  # each: one create_table and three add_column -> 1,000 operations


def chain(op: Any, sa: Any) -> None:
    """Run the 1,000-operation chain against an orch Operations object."""
    for i in range(TABLES):
        op.create_table(
            f"t{i}",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(50), nullable=False),
        )
        for j in range(3):
            op.add_column(f"t{i}", sa.Column(f"c{j}", sa.Integer, server_default="0"))


def render(out_path: str) -> None:
    """Write the chain's SQL as orch renders it for SQLite."""
    import sqlalchemy as sa

    from orch_core.operations import Operations
    from orch_core.runtime.context import MigrationContext

    out: list[str] = []
    chain(Operations(MigrationContext.offline("sqlite", out.append)), sa)
    statements = [s.strip().rstrip(";") for s in out if s.strip()]
    with open(out_path, "w") as fh:
        json.dump(statements, fh)


def _driver_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def through_orch(db: str) -> float:
    """Run the chain through orch's op layer; return the seconds it took."""
    import sqlalchemy as sa
    import sqlalchemy.dialects.sqlite.pysqlite  # imported before the clock, as sqlite3 is

    from orch_core.operations import Operations
    from orch_core.runtime.context import MigrationContext

    start = time.perf_counter()
    engine = sa.create_engine(f"sqlite:///{db}")
    # pysqlite commits before each DDL statement unless it leaves transactions to us; this is
    # SQLAlchemy's documented recipe, so both sides run one real transaction.
    sa.event.listen(engine, "connect", _driver_transactions)
    sa.event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    with engine.begin() as connection:
        chain(Operations(MigrationContext.online(connection, revision="bench")), sa)
    engine.dispose()
    return time.perf_counter() - start


def through_driver(sql_path: str, db: str) -> float:
    """Run the rendered statements through sqlite3 in one transaction; return the seconds."""
    import sqlite3

    with open(sql_path) as fh:
        statements = json.load(fh)
    start = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    for stmt in statements:
        conn.execute(stmt)
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


def main(argv: list[str]) -> None:
    """Dispatch on the mode."""
    if argv[0] == "render":
        render(argv[1])
    elif argv[0] == "orch":
        print(f"{through_orch(argv[1]):.6f}")
    else:
        print(f"{through_driver(argv[1], argv[2]):.6f}")


if __name__ == "__main__":
    main(sys.argv[1:])
