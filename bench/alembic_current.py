"""Alembic in one process: `alembic current` for each tenant of a fleet, one after another.

Usage: python bench/alembic_current.py ALEMBIC_INI TENANT_FOLDER TENANTS_FILE
"""

from __future__ import annotations

import sys

from alembic import command
from alembic.config import Config


def main(ini: str, folder: str, listing: str) -> None:
    """Print each tenant's current revision, the database url set per tenant."""
    with open(listing) as names:
        for name in names.read().split():
            config = Config(ini)
            config.set_main_option("sqlalchemy.url", f"sqlite:///{folder}/{name}.db")
            command.current(config)


if __name__ == "__main__":
    main(*sys.argv[1:])
