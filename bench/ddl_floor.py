"""The floor under `upgrade --sql` of N revisions that each create a table: SQLAlchemy alone.

Builds and compiles N `CREATE TABLE t_i (id INTEGER PRIMARY KEY)` statements for SQLite with
SQLAlchemy, the work any tool that renders DDL from SQLAlchemy constructs (orch and Alembic
both) does per step, and prints the least time of --reps runs. Compare it with a whole
`orch upgrade --sql` of the merge-heavy project (bench/planner.py) to see what is left.

    uv run python -m bench.ddl_floor --count 4500
"""

from __future__ import annotations

import argparse
import time

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite


def build_and_compile(count: int) -> float:
    """Return the seconds SQLAlchemy takes to build and compile count CREATE TABLEs."""
    dialect = sqlite.dialect()
    started = time.perf_counter()
    for index in range(count):
        table = sa.Table(f"t_{index}", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
        str(sa.schema.CreateTable(table).compile(dialect=dialect))
    return time.perf_counter() - started


def main() -> None:
    """Print the least time of several runs."""
    parser = argparse.ArgumentParser(prog="python -m bench.ddl_floor")
    parser.add_argument("--count", type=int, default=4500)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    best = min(build_and_compile(args.count) for _ in range(args.reps))
    print(f"{args.count} CREATE TABLE built and compiled by SQLAlchemy: {best:.3f} s")


if __name__ == "__main__":
    main()
