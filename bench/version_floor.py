"""The floor of `status` over a fleet: sqlite3 reading each tenant's version table.

Usage: python bench/version_floor.py TENANT_FOLDER TENANTS_FILE
"""

from __future__ import annotations

import sqlite3
import sys


def main(folder: str, listing: str) -> None:
    """Print each tenant's version rows, opening and closing its file."""
    with open(listing) as names:
        for name in names.read().split():
            conn = sqlite3.connect(f"{folder}/{name}.db")
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
            conn.close()
            print(name, " ".join(row[0] for row in rows))


if __name__ == "__main__":
    main(*sys.argv[1:])
