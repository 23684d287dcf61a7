"""Fresh, empty databases for tests: a SQLite file, or a uniquely named server database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

KINDS = ("sqlite", "postgresql", "mariadb")

# Administrative URLs: a connection to the server, not to a test database.
SERVER_URLS = {
    "postgresql": os.environ.get(
        "ORCH_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    ),
    "mariadb": os.environ.get("ORCH_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/"),
}


@dataclass(frozen=True)
class TestDatabase:
    """One empty database that a single test owns."""

    __test__ = False  # not a pytest test class

    kind: str
    name: str
    url: str

    def engine(self, **kwargs: object) -> sa.Engine:
        """Return a new engine on this database; the caller disposes of it."""
        return sa.create_engine(self.url, **kwargs)


class ServerUnavailable(Exception):
    """A database server could not be reached."""


def unique_name() -> str:
    """Return a database name no other test uses."""
    return f"orch_test_{uuid.uuid4().hex[:12]}"


def check_server(kind: str) -> None:
    """Raise ServerUnavailable unless the server for this kind answers."""
    if kind == "sqlite":
        return
    engine = sa.create_engine(SERVER_URLS[kind])
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        raise ServerUnavailable(f"{kind} server not reachable: {exc.orig}") from exc
    finally:
        engine.dispose()


@contextmanager
def fresh_database(kind: str, tmp_dir: Path) -> Iterator[TestDatabase]:
    """Create an empty database of this kind, yield it, and drop it afterwards."""
    name = unique_name()
    if kind == "sqlite":
        yield TestDatabase(kind, name, f"sqlite:///{tmp_dir / (name + '.db')}")
        return
    server = sa.make_url(SERVER_URLS[kind])
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
        yield TestDatabase(kind, name, server.set(database=name).render_as_string(False))
    finally:
        with admin.connect() as conn:
            drop = f"DROP DATABASE IF EXISTS {name}"
            conn.execute(sa.text(drop + (" WITH (FORCE)" if kind == "postgresql" else "")))
        admin.dispose()
