"""The raw floor: execute pre-rendered per-step SQL straight through the driver.

Usage: python bench/floor.py STEPS.json TARGET [TARGET ...]
A TARGET is a SQLite file path or a ``postgresql://`` conninfo; a conninfo ending in
``#SCHEMA`` is a tenant schema of that database (created, then the search_path for its steps;
the tenants of one database share one connection). Each step of STEPS.json (a list
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


def _postgres(target: str, steps: list[list[str]], connections: dict[str, Any]) -> None:
    import psycopg

    conninfo, _, schema = target.partition("#")
    conn = connections.get(conninfo)
    if conn is None:
        conn = connections[conninfo] = psycopg.connect(conninfo)
    if schema:
        with conn.transaction():
            conn.execute(f'CREATE SCHEMA "{schema}"')
            conn.execute(f'SET search_path TO "{schema}"')
    for step in steps:
        with conn.transaction():
            for stmt in step:
                conn.execute(stmt)


def main(argv: list[str]) -> None:
    """Run every step on every target, one after another."""
    with open(argv[0]) as fh:
        steps = json.load(fh)
    connections: dict[str, Any] = {}
    for target in argv[1:]:
        if target.startswith("postgresql"):
            _postgres(target, steps, connections)
        else:
            _sqlite(target, steps)
    for conn in connections.values():
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1:])
