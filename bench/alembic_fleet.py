"""Alembic in one process: loop ``alembic.command.upgrade`` over many config files."""

from __future__ import annotations

import sys

from alembic import command
from alembic.config import Config


def main(inis: list[str]) -> None:
    """Upgrade each config's database to heads, one after another."""
    for ini in inis:
        command.upgrade(Config(ini), "heads")


if __name__ == "__main__":
    main(sys.argv[1:])
