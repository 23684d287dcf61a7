"""The version and history tables as orch writes them straight through the driver."""

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from orch_core.config import DatabaseConfig
from orch_core.runtime.engines import create_engine
from orch_core.runtime.recorder import HistoryEntry, HistoryOutcome, Made, Recorder
from orch_core.runtime.tenant_schema import attach_search_path
from tests.support.databases import TestDatabase
from tests.support.inspection import table_names


def entry(revision: str, outcome: HistoryOutcome, error: str | None = None) -> HistoryEntry:
    at = dt.datetime(2026, 12, 1, 13, 5, 9, 250000)
    return HistoryEntry(
        run_id="run-1",
        revision=revision,
        direction="up",
        started_at=at,
        finished_at=at + dt.timedelta(milliseconds=1500),
        outcome=outcome,
        script_sha256="ab" * 32,
        os_user="deploy",
        host="ci-7",
        orch_version="0.1.0",
        error=error,
        statement="UPDATE x SET a = '100%'" if error else None,
    )


def test_rows_read_back_as_written_and_a_refused_write_names_its_statement(
    database: TestDatabase,
) -> None:
    recorder = Recorder(DatabaseConfig(name="main", url=database.url, services=("app",)))
    engine = create_engine(database.url)
    try:
        with engine.connect() as conn, conn.begin():
            recorder.ensure_tables(conn)
            recorder.ensure_tables(conn)  # a second time finds both tables and creates nothing
            recorder.move_heads(conn, (), ("a1", "b1"), ())
            recorder.move_heads(conn, ("b1",), (), (("a1", "a2"),))
            recorder.record(conn, entry("a2", HistoryOutcome.APPLIED))
            recorder.record(conn, entry("b1", HistoryOutcome.FAILED, error="boom: 100% wrong"))
        with engine.connect() as conn:
            assert recorder.heads(conn) == ("a2",)
            last = recorder.last_entry(conn)
            assert last is not None
            assert (last.revision, last.outcome, last.error) == (
                "b1",
                HistoryOutcome.FAILED,
                "boom: 100% wrong",
            )
            assert last.statement == "UPDATE x SET a = '100%'"
            row = conn.execute(
                sa.text("SELECT started_at, finished_at, duration_ms FROM orch_history")
            ).first()
            assert row is not None
            started = (
                row[0] if isinstance(row[0], dt.datetime) else dt.datetime.fromisoformat(row[0])
            )
            # MariaDB's DATETIME keeps whole seconds.
            micro = 0 if database.kind == "mariadb" else 250000
            assert started == dt.datetime(2026, 12, 1, 13, 5, 9, micro)
            assert row[2] == 1500
        with engine.connect() as conn, pytest.raises(sa.exc.IntegrityError) as caught:
            recorder.move_heads(conn, (), ("a2",), ())  # already there: the primary key refuses
        assert "alembic_version" in str(caught.value.statement)
    finally:
        engine.dispose()


def found(recorder: Recorder, conn: sa.Connection) -> tuple[bool, bool]:
    return recorder.has_version_table(conn), recorder.has_history(conn)


def test_each_table_is_found_once_it_is_made(database: TestDatabase) -> None:
    recorder = Recorder(DatabaseConfig(name="main", url=database.url, services=("app",)))
    engine = create_engine(database.url)
    try:
        with engine.connect() as conn, conn.begin():
            assert found(recorder, conn) == (False, False)
            assert recorder.current_heads(conn) == ()
            assert recorder.ensure_tables(conn) == Made(version=True, history=True)
            assert found(recorder, conn) == (True, True)
            assert recorder.ensure_tables(conn) == Made(version=False, history=False)
    finally:
        engine.dispose()


def test_a_schema_tenant_does_not_count_the_tables_of_another_schema(
    postgresql_database: TestDatabase,
) -> None:
    url = postgresql_database.url
    public = Recorder(DatabaseConfig(name="main", url=url, services=("app",)))
    config = DatabaseConfig(name="tenants:a", url=url, services=("app",), schema="tenant_a")
    tenant = Recorder(config)
    engine, tenant_engine = create_engine(url), create_engine(url)
    attach_search_path(tenant_engine, "tenant_a")
    try:
        with engine.connect() as conn, conn.begin():
            public.ensure_tables(conn)
        with tenant_engine.connect() as conn, conn.begin():
            assert found(tenant, conn) == (False, False)
            assert tenant.ensure_tables(conn) == Made(version=True, history=True)
            assert found(tenant, conn) == (True, True)
    finally:
        engine.dispose()
        tenant_engine.dispose()
    tables = {"alembic_version", "orch_history"}
    assert table_names(postgresql_database, schema="tenant_a") == tables
    assert table_names(postgresql_database) == tables


def test_mariadb_counts_tables_in_another_database_only_where_configured(
    make_database: Callable[[str], TestDatabase],
) -> None:
    """A MariaDB "schema" is another database on the server, most likely another project's."""
    here, other = make_database("mariadb"), make_database("mariadb")
    own = Recorder(DatabaseConfig(name="main", url=here.url, services=("app",)))
    config = DatabaseConfig(
        name="main", url=here.url, services=("app",), version_table_schema=other.name
    )
    elsewhere = Recorder(config)
    engine = create_engine(here.url)
    try:
        with engine.connect() as conn, conn.begin():
            assert elsewhere.ensure_tables(conn) == Made(version=True, history=True)
            assert found(own, conn) == (False, False)
            assert found(elsewhere, conn) == (True, True)
    finally:
        engine.dispose()
    assert table_names(other) == {"alembic_version", "orch_history"}
    assert table_names(here) == set()
