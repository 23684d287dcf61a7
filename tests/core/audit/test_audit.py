"""The audit trail: JSON lines in the audit file, whatever the console shows; no passwords."""

import io
import json
import logging
from pathlib import Path

import pytest
import structlog

from orch_core.audit.events import Event
from orch_core.audit.identity import current_identity
from orch_core.audit.trail import configure_logging
from orch_core.urls import mask_passwords


def test_masking() -> None:
    assert mask_passwords("postgresql://orch:s3cret@db:5432/x") == "postgresql://orch:***@db:5432/x"
    assert mask_passwords("sqlite:///relative.db") == "sqlite:///relative.db"
    assert mask_passwords("mysql+pymysql://root@h/db") == "mysql+pymysql://root@h/db"
    both = "from mysql://a:one@h/x to postgresql://b:two@h/y"
    assert mask_passwords(both) == "from mysql://a:***@h/x to postgresql://b:***@h/y"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mysql://u:p@ss/w:rd@h:3306/db", "mysql://u:***@h:3306/db"),
        (
            "postgresql://h/db?user=u&PassWord=s3c&ssl=1",
            "postgresql://h/db?user=u&PassWord=***&ssl=1",
        ),
        ("postgresql://h/db?pwd=s3c", "postgresql://h/db?pwd=***"),
        ("mssql://h/db?PASSWD=s3c", "mssql://h/db?PASSWD=***"),
        ("host=h password=s3c dbname=d", "host=h password=*** dbname=d"),
        ("args {'password': 's3c', 'user': 'u'}", "args {'password': '***', 'user': 'u'}"),
        ('failed: "mysql://u:s3c@h/db" refused', 'failed: "mysql://u:***@h/db" refused'),
        ("passwordless=1 and pwdx=2", "passwordless=1 and pwdx=2"),
        ("dsn host=h password=a;b,c)d' port=1", "dsn host=h password=*** port=1"),
    ],
)
def test_masking_covers_query_parameters_free_text_and_unencoded_at(text: str, masked: str) -> None:
    assert mask_passwords(text) == masked
    assert mask_passwords(masked) == masked


def test_masking_a_long_text_finds_every_password_on_any_line() -> None:
    """As `--sql` output is masked: one pass over many lines, a few of them with a secret."""
    sql = "CREATE TABLE t (\n\tid INTEGER NOT NULL\n);\n\n" * 500
    text = (
        f"-- orch: database db0 (postgresql://u:s3c@h/db)\n{sql}"
        f"INSERT INTO t VALUES ('mysql://a:b@h/x');\n{sql}"
        "-- PassWord =\n  s3c\n{'pwd':\n'x'}\nINSERT INTO t VALUES ('pa\u017fsword=s3c');\n"
    )
    masked = mask_passwords(text)
    assert masked == (
        f"-- orch: database db0 (postgresql://u:***@h/db)\n{sql}"
        f"INSERT INTO t VALUES ('mysql://a:***@h/x');\n{sql}"
        "-- PassWord =\n  ***\n{'pwd':\n'***'}\nINSERT INTO t VALUES ('pa\u017fsword=***\n"
    )
    assert mask_passwords(sql) == sql


def test_every_event_reaches_the_audit_file_masked(tmp_path: Path) -> None:
    audit_path = tmp_path / "audit" / "audit.jsonl"
    console = io.StringIO()
    audit = configure_logging("console", verbosity=0, audit_log=audit_path, stream=console)
    try:
        log = structlog.get_logger("orch").bind(run_id="r1", database="users")
        log.info(Event.DB_STARTED, url="postgresql://orch:s3cret@db/users")
        log.debug(Event.LOCK_ACQUIRED)
        log.error(Event.MIGRATION_FAILED, revision="ab12", error="boom at postgresql://u:pw@h/d")
    finally:
        assert audit is not None
        audit.close()
        structlog.reset_defaults()
    lines = [json.loads(line) for line in audit_path.read_text().splitlines()]
    assert [line["event"] for line in lines] == ["db.started", "lock.acquired", "migration.failed"]
    assert lines[0]["url"] == "postgresql://orch:***@db/users"
    assert "pw" not in lines[2]["error"]
    assert {line["run_id"] for line in lines} == {"r1"}
    assert all({"timestamp", "level", "user", "host"} <= set(line) for line in lines)
    identity = current_identity()  # the same lookup the history table's rows use
    assert (lines[0]["user"], lines[0]["host"]) == (identity.user, identity.host)
    shown = console.getvalue()
    assert "migration.failed" in shown  # errors reach people
    assert "db.started" not in shown  # info only with -v
    assert "s3cret" not in shown


def test_an_error_object_and_lists_are_masked_in_every_format(tmp_path: Path) -> None:
    audit_path = tmp_path / "audit.jsonl"
    stream = io.StringIO()
    audit = configure_logging("json", verbosity=1, audit_log=audit_path, stream=stream)
    try:
        log = structlog.get_logger("orch")
        failure = RuntimeError("boom at mysql://u:s3cret@h/d?x=1")
        log.error(Event.MIGRATION_FAILED, error=failure, urls=["postgresql://h/d?PWD=s3cret"])
    finally:
        assert audit is not None
        audit.close()
        structlog.reset_defaults()
    written = stream.getvalue() + audit_path.read_text()
    assert "s3cret" not in written
    event = json.loads(audit_path.read_text())
    assert event["error"] == "boom at mysql://u:***@h/d?x=1"
    assert event["urls"] == ["postgresql://h/d?PWD=***"]


def test_json_format_prints_json_lines(tmp_path: Path) -> None:
    stream = io.StringIO()
    configure_logging("json", verbosity=0, audit_log=None, stream=stream)
    try:
        structlog.get_logger("orch").info(Event.RUN_STARTED, run_id="r2")
    finally:
        structlog.reset_defaults()
    event = json.loads(stream.getvalue().splitlines()[0])
    assert event["event"] == "run.started"
    assert event["run_id"] == "r2"


def test_sqlalchemy_records_come_out_in_the_same_format_masked(tmp_path: Path) -> None:
    stream = io.StringIO()
    audit_path = tmp_path / "audit.jsonl"
    audit = configure_logging("json", verbosity=2, audit_log=audit_path, stream=stream)
    try:
        logging.getLogger("sqlalchemy.engine.Engine").info("connect mysql://u:s3cret@h/d")
        structlog.get_logger("orch").info(Event.RUN_STARTED, run_id="r3")
    finally:
        assert audit is not None
        audit.close()
        structlog.reset_defaults()
    shown = [json.loads(line) for line in stream.getvalue().splitlines()]
    kept = [json.loads(line) for line in audit_path.read_text().splitlines()]
    for events in (shown, kept):
        sql, started = events
        assert sql["event"] == "connect mysql://u:***@h/d"
        assert sql["logger"] == "sqlalchemy.engine.Engine"
        assert sql["level"] == "info"
        assert {"timestamp", "user", "host", "pid"} <= set(sql) & set(started)
        assert started["event"] == "run.started"


def test_sqlalchemy_stays_quiet_below_double_verbose() -> None:
    stream = io.StringIO()
    configure_logging("console", verbosity=1, stream=stream)
    try:
        logging.getLogger("sqlalchemy.engine.Engine").info("SELECT 1")
        logging.getLogger("sqlalchemy.engine.Engine").warning("pool exhausted")
    finally:
        structlog.reset_defaults()
    shown = stream.getvalue()
    assert "SELECT 1" not in shown
    assert "pool exhausted" in shown
    assert "[sqlalchemy.engine.Engine]" in shown
