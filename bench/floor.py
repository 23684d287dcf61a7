"""The raw floor: execute pre-rendered per-step SQL straight through the driver.

Usage: python bench/floor.py STEPS.json TARGET [TARGET ...]
A TARGET is a SQLite file path or a ``postgresql://`` conninfo. Each step of STEPS.json (a list
of lists of statements) runs in its own transaction, including its version-table update.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def _sqlite(target: str, steps: list[list[str]]) -> None:
    import sqlite3

    conn = sqlite3.connect(target, isolation_level=None)
    for step in steps:
        conn.execute("BEGIN")
        for stmt in step:
            conn.execute(stmt)
        conn.execute("COMMIT")
    conn.close()


def _postgres(target: str, steps: list[list[str]]) -> None:
    import psycopg

    conn: Any = psycopg.connect(target)
    for step in steps:
        with conn.transaction():
            for stmt in step:
                conn.execute(stmt)
    conn.close()


def main(argv: list[str]) -> None:
    """Run every step on every target, one after another."""
    with open(argv[0]) as fh:
        steps = json.load(fh)
    for target in argv[1:]:
        if target.startswith("postgresql"):
            _postgres(target, steps)
        else:
            _sqlite(target, steps)


if __name__ == "__main__":
    main(sys.argv[1:])
