"""Fresh, empty databases for tests: a SQLite file, or a uniquely named server database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from orch_core.testing.throwaway import throwaway_database

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

    def execute(self, *statements: str) -> None:
        """Run statements on the database in one transaction, outside orch."""
        engine = self.engine()
        try:
            with engine.begin() as connection:
                for statement in statements:
                    connection.execute(sa.text(statement))
        finally:
            engine.dispose()


class ServerUnavailable(Exception):
    """A database server could not be reached."""


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
    with throwaway_database(SERVER_URLS.get(kind), tmp_dir, prefix="orch_test") as url:
        parsed = sa.make_url(url)
        name = Path(parsed.database or "").stem if kind == "sqlite" else str(parsed.database)
        yield TestDatabase(kind, name, url)
