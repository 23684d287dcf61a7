"""Time 1,000 operations through orch's op layer against the same SQL through sqlite3.

Run: uv run python -m tests.core.operations.bench_ops
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from orch_core.context import MigrationContext
from orch_core.operations import Operations

TABLES = 250  # each: one create_table and three add_column -> 1,000 operations


def chain(op: Operations) -> None:
    """Run the 1,000-operation chain."""
    for i in range(TABLES):
        op.create_table(
            f"t{i}",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(50), nullable=False),
        )
        for j in range(3):
            op.add_column(f"t{i}", sa.Column(f"c{j}", sa.Integer, server_default="0"))


def through_orch(path: Path) -> float:
    start = time.perf_counter()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        chain(Operations(MigrationContext.online(connection, revision="bench")))
    engine.dispose()
    return time.perf_counter() - start


def through_driver(path: Path, statements: list[str]) -> float:
    start = time.perf_counter()
    connection = sqlite3.connect(path)
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()
    return time.perf_counter() - start


def main() -> None:
    out: list[str] = []
    chain(Operations(MigrationContext.offline("sqlite", out.append)))
    statements = [s.strip().rstrip(";") for s in out]
    orch, raw = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(5):
            raw.append(through_driver(Path(tmp) / f"raw{n}.db", statements))
            orch.append(through_orch(Path(tmp) / f"orch{n}.db"))
    best_orch, best_raw = min(orch), min(raw)
    print(
        f"{len(statements)} statements; orch {best_orch * 1000:.1f} ms, "
        f"sqlite3 {best_raw * 1000:.1f} ms, ratio {best_orch / best_raw:.2f}"
    )


if __name__ == "__main__":
    main()
