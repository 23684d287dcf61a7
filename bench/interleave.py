"""How much slower SQLite's own statements run when SQLAlchemy work runs between them.

Usage: python -m bench.interleave [STEPS.json]

Runs the same pre-rendered steps (default: the fleet project's floor, 50 databases x 30 steps)
twice straight through `sqlite3`, on a RAM disk where there is one: once back to back, once with
SQLAlchemy building and compiling a small CREATE TABLE before each statement, as a migration
tool does. Only the `sqlite3` calls are timed, so any difference is the driver's own statements
running slower after other work has taken the CPU's caches.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.schema import CreateTable

DEFAULT_STEPS = Path(__file__).resolve().parent / ".work" / "fleet50" / "floor.json"
DIALECT = sa.create_engine("sqlite://").dialect


def _sqlalchemy_work() -> None:
    table = sa.Table(
        "t",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        *[sa.Column(f"c{i}", sa.String(20)) for i in range(6)],
    )
    str(CreateTable(table).compile(dialect=DIALECT))


def run(steps: list[list[str]], folder: Path, interleave: bool) -> dict[str, float]:
    """Return the mean time per statement kind, in microseconds."""
    spent: dict[str, float] = {}
    count: Counter[str] = Counter()
    for database in range(50):
        conn = sqlite3.connect(folder / f"{interleave}-{database}.db", isolation_level=None)
        for step in steps:
            conn.execute("BEGIN")
            for statement in [*step, "COMMIT"]:
                if interleave:
                    _sqlalchemy_work()
                started = time.perf_counter()
                conn.execute(statement)
                kind = statement.split()[0]
                spent[kind] = spent.get(kind, 0.0) + time.perf_counter() - started
                count[kind] += 1
        conn.close()
    return {kind: spent[kind] / count[kind] * 1e6 for kind in spent}


def main(argv: list[str]) -> None:
    """Print each statement kind's mean time, alone and interleaved, and the ratio."""
    steps = json.loads(Path(argv[0] if argv else DEFAULT_STEPS).read_text())
    ram = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=ram if ram.is_dir() else None) as folder:
        alone = run(steps, Path(folder), interleave=False)
        interleaved = run(steps, Path(folder), interleave=True)
    print("| statement | alone (us) | after SQLAlchemy work (us) | ratio |")
    print("|---|---|---|---|")
    for kind, micros in alone.items():
        after = interleaved[kind]
        print(f"| {kind} | {micros:.1f} | {after:.1f} | {after / micros:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
