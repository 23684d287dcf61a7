"""The version and history tables as orch writes them straight through the driver."""

import datetime as dt

import pytest
import sqlalchemy as sa

from orch_core.config import DatabaseConfig
from orch_core.runtime.engines import create_engine
from orch_core.runtime.recorder import HistoryEntry, HistoryOutcome, Recorder
from tests.support.databases import TestDatabase


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
