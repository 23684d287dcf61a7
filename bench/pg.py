"""PostgreSQL helpers for the fleet scenario: unique database names, create, drop."""

from __future__ import annotations

import os
import time
from typing import Any

URL = "postgresql+psycopg://postgres@127.0.0.1:5432"
ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
created: list[str] = []


def conninfo(name: str) -> str:
    """Return a libpq URI for one database."""
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def available() -> bool:
    """Return whether PostgreSQL answers."""
    try:
        import psycopg

        psycopg.connect(ADMIN, connect_timeout=2).close()
    except Exception:
        return False
    return True


def unique_names(n: int) -> list[str]:
    """Return n database names no other run uses."""
    stem = f"orchbench_{os.getpid()}_{int(time.time())}"
    return [f"{stem}_db{k}" for k in range(n)]


def _admin() -> Any:
    import psycopg

    return psycopg.connect(ADMIN, autocommit=True)


def recreate(names: list[str]) -> None:
    """Drop and create each database empty."""
    with _admin() as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_all() -> None:
    """Drop every database this process created."""
    if not created:
        return
    with _admin() as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    created.clear()
