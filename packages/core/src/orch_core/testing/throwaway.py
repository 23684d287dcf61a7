"""Throwaway databases: a SQLite file, or a uniquely named database on a server, dropped after."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa


def unique_name(prefix: str) -> str:
    """Return a database name that no other test uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@contextmanager
def throwaway_database(
    server_url: str | None, folder: Path, prefix: str = "orch_pytest"
) -> Iterator[str]:
    """Create an empty database, yield its URL, and drop it afterwards.

    Without a server URL (or with a SQLite one) the database is a new file in folder; with a
    PostgreSQL or MariaDB/MySQL server URL, a database of a unique name on that server.
    """
    name = unique_name(prefix)
    if server_url is None or sa.make_url(server_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{folder / (name + '.db')}"
        return
    server = sa.make_url(server_url)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    quoted = admin.dialect.identifier_preparer.quote(name)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        force = " WITH (FORCE)" if server.get_backend_name() == "postgresql" else ""
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted}{force}"))
        admin.dispose()
