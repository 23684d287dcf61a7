"""Replayed statements sent straight to the driver's cursor keep what the events path gives:
each counted for `--resume`, cancellable, and, where someone else watches (a listener, SQL
logging), seen by them as each script's statements are."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from orch_core.errors import MigrationFailed
from orch_core.runtime.replay import StepReplays
from orch_core.runtime.results import StepHooks
from orch_core.runtime.runner import DatabaseRunner
from tests.core.operations.helpers import inspect, rows
from tests.core.runtime.test_replay import DECLARATIVE, runners, sharing
from tests.support.databases import KINDS, TestDatabase
from tests.support.projects import Script

# A step whose third statement fails where the table `gate` is missing (the gate is created on
# the database whose run is recorded, and later on the others: what an operator would fix).
GATED = Script(
    "a1",
    upgrade='op.create_table("r", sa.Column("id", sa.Integer, primary_key=True))\n'
    'op.add_column("r", sa.Column("b", sa.Integer))\n'
    "op.execute(\"INSERT INTO gate (note) VALUES ('passed')\")\n"
    'op.create_index("ix_r_b", "r", ["b"])',
)
HISTORY = (
    "SELECT revision, outcome, statements_done, statements_sha256, statement "
    "FROM orch_history ORDER BY id"
)


def outside_a_transaction(tmp_path: Path, kind: str) -> None:
    """Make a1 a step outside one transaction (`transactional = False`); on MariaDB, whose DDL
    commits as it runs, leave it an ordinary script."""
    if kind != "mariadb":
        path = tmp_path / "services" / "app" / "a1_rev.py"
        text = path.read_text().replace("def upgrade", "transactional = False\n\n\ndef upgrade")
        path.write_text(text)


@pytest.mark.parametrize("kind", KINDS)
def test_a_replayed_step_outside_a_transaction_is_counted_and_resumes(
    kind: str, tmp_path: Path, make_database: Callable[[str], TestDatabase]
) -> None:
    databases = [make_database(kind) for _ in range(3)]
    databases[0].execute("CREATE TABLE gate (note VARCHAR(20))")
    recorded, replayed, alone = runners(tmp_path, databases, [GATED])
    outside_a_transaction(tmp_path, kind)
    replays = StepReplays()
    sharing(replays, recorded).migrate("up", "heads")
    failures = []
    for runner in (sharing(replays, replayed), alone):
        with pytest.raises(MigrationFailed) as failed:
            runner.migrate("up", "heads")
        failures.append(failed.value)
    assert [(f.partial, f.statements_done) for f in failures] == [(True, 2)] * 2
    # The replayed step's `started` and failed rows: its count and digest, as the script's.
    history = rows(databases[1], HISTORY)
    assert [row[:3] for row in history] == [("a1", "started", 2), ("a1", "failed-partial", 2)]
    assert history == rows(databases[2], HISTORY)
    databases[1].execute("CREATE TABLE gate (note VARCHAR(20))")
    replayed.resume = True
    result = replayed.migrate("up", "heads")
    assert [step.statements_skipped for step in result.steps] == [2]
    assert rows(databases[1], "SELECT note FROM gate") == [("passed",)]
    assert inspect(databases[1], lambda i: [x["name"] for x in i.get_indexes("r")]) == ["ix_r_b"]
    assert rows(databases[1], HISTORY)[-1][:3] == ("a1", "applied", 4)
    for runner in (recorded, replayed, alone):
        runner.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_replayed_step_that_fails_rolls_back_as_a_whole(
    kind: str, tmp_path: Path, make_database: Callable[[str], TestDatabase]
) -> None:
    databases = [make_database(kind) for _ in range(3)]
    databases[0].execute("CREATE TABLE gate (note VARCHAR(20))")
    recorded, replayed, alone = runners(tmp_path, databases, [GATED])
    replays = StepReplays()
    sharing(replays, recorded).migrate("up", "heads")
    for runner in (sharing(replays, replayed), alone):
        with pytest.raises(MigrationFailed) as failed:
            runner.migrate("up", "heads")
        assert not failed.value.partial
        runner.dispose()
    recorded.dispose()
    # Its first two statements ran in the step's transaction, and rolled back with it.
    assert inspect(databases[1], lambda i: i.get_table_names()) == inspect(
        databases[2], lambda i: i.get_table_names()
    )
    assert "r" not in inspect(databases[1], lambda i: i.get_table_names())
    assert rows(databases[1], HISTORY) == rows(databases[2], HISTORY)
    assert [row[:3] for row in rows(databases[1], HISTORY)] == [("a1", "failed", None)]


def test_a_replayed_statement_is_cancelled(
    tmp_path: Path, make_database: Callable[[str], TestDatabase]
) -> None:
    # a2 reads the cube of `seed`: one row where it is recorded, minutes of work where it is
    # replayed, unless cancelling reaches the driver's cursor.
    seeds = [1, 2000]
    databases = [make_database("sqlite") for _ in seeds]
    for database, count in zip(databases, seeds, strict=True):
        values = ", ".join(f"({i})" for i in range(count))
        database.execute("CREATE TABLE seed (n INTEGER)", f"INSERT INTO seed (n) VALUES {values}")
    scripts = [
        Script("a1", upgrade='op.create_table("sink", sa.Column("n", sa.Integer))'),
        Script(
            "a2",
            "a1",
            upgrade='op.execute("INSERT INTO sink SELECT count(*) FROM seed a, seed b, seed c")',
        ),
    ]
    recorded, replayed = runners(tmp_path, databases, scripts)
    replays = StepReplays()
    sharing(replays, recorded).migrate("up", "heads")
    reached = threading.Event()
    hooks = StepHooks(before=lambda step: reached.set() if step.revision == "a2" else None)
    with cancelling(replayed, reached), pytest.raises(MigrationFailed) as failed:
        sharing(replays, replayed).migrate("up", "heads", hooks)
    assert failed.value.revision == "a2"
    assert failed.value.reason.startswith("stopped: its statement was cancelled")
    assert "interrupted" in failed.value.reason
    assert replays.replayed == 1  # a1 (a2 failed as it was replayed)
    assert rows(databases[1], "SELECT version_num FROM alembic_version") == [("a1",)]
    for runner in (recorded, replayed):
        runner.dispose()


@contextmanager
def cancelling(runner: DatabaseRunner, reached: threading.Event) -> Iterator[None]:
    """While the block runs, once `reached` is set, cancel the runner's statement every 0.2 s
    (as orch does when a signal's grace period runs out)."""
    done = threading.Event()

    def cancel() -> None:
        reached.wait()
        while not done.wait(0.2):
            runner.cancel()

    thread = threading.Thread(target=cancel)
    thread.start()
    try:
        yield
    finally:
        reached.set()
        done.set()
        thread.join()


# A project's before_step that listens to its connection's statements, as an APM would, and
# writes each to seen.jsonl.
LISTENING_HOOKS = """
import json
from pathlib import Path

from sqlalchemy import event

SEEN = Path(__file__).with_name("seen.jsonl")


def _seen(connection, cursor, statement, parameters, context, executemany):
    with SEEN.open("a") as out:
        out.write(json.dumps(statement) + "\\n")


def before_step(connection, step):
    if not event.contains(connection, "before_cursor_execute", _seen):
        event.listen(connection, "before_cursor_execute", _seen)
"""


def test_a_listener_sees_every_replayed_statement(
    tmp_path: Path, make_database: Callable[[str], TestDatabase]
) -> None:
    (tmp_path / "hooks.py").write_text(LISTENING_HOOKS)
    databases = [make_database("sqlite") for _ in range(2)]
    replays = StepReplays()
    found = runners(tmp_path, databases, DECLARATIVE, {"hooks": "hooks.py"})
    seen = migrate_each(replays, found, tmp_path / "seen.jsonl")
    assert replays.replayed == 0  # a listener sees each statement: the steps run as written
    assert any("CREATE TABLE item" in statement for statement in seen[0])
    assert seen[1] == seen[0]


def migrate_each(
    replays: StepReplays, found: Sequence[DatabaseRunner], written: Path
) -> list[list[str]]:
    """Upgrade each database in turn, taking part in the replays; return, per database, the
    statements its hooks wrote to `written` (one JSON string a line), the file removed after."""
    statements = []
    for runner in found:
        sharing(replays, runner).migrate("up", "heads")
        runner.dispose()
        statements.append([json.loads(line) for line in written.read_text().splitlines()])
        written.unlink()
    return statements


# A project's before_step that writes what each connection sent to sent.jsonl and, for the
# databases named in TRACED, rewrites each statement before it is sent (as a SQL commenter adds
# a trace id).
REWRITING_HOOKS = """
import json
from pathlib import Path

from sqlalchemy import event

SENT = Path(__file__).with_name("sent.jsonl")
TRACED = {traced!r}


def _tag(connection, cursor, statement, parameters, context, executemany):
    return "/* traced */ " + statement, parameters


def _sent(connection, cursor, statement, parameters, context, executemany):
    with SENT.open("a") as out:
        out.write(json.dumps(statement) + "\\n")


def before_step(connection, step):
    if not event.contains(connection, "after_cursor_execute", _sent):
        event.listen(connection, "after_cursor_execute", _sent)
    if step.database in TRACED and not event.contains(connection, "before_cursor_execute", _tag):
        event.listen(connection, "before_cursor_execute", _tag, retval=True)
"""


def test_a_listener_that_rewrites_statements_rewrites_each_once(
    tmp_path: Path, make_database: Callable[[str], TestDatabase]
) -> None:
    """What the first database's driver received carries the rewrite: sent again through the
    listener it would carry it twice. The second database's steps run as written instead."""
    (tmp_path / "hooks.py").write_text(REWRITING_HOOKS.format(traced={"d0", "d1"}))
    databases = [make_database("sqlite") for _ in range(2)]
    found = runners(tmp_path, databases, DECLARATIVE, {"hooks": "hooks.py"})
    sent = migrate_each(StepReplays(), found, tmp_path / "sent.jsonl")
    assert any(s.startswith("/* traced */") and "CREATE TABLE item" in s for s in sent[0])
    assert sent[1] == sent[0]
    assert not any("/* traced */ /* traced */" in s for s in sent[1])


def test_what_a_rewriting_listener_sent_is_not_replayed_where_there_is_none(
    tmp_path: Path, make_database: Callable[[str], TestDatabase]
) -> None:
    """The first database's statements, rewritten on their way, are not recorded: the second
    database, with no such listener, gets the statements its operations render."""
    (tmp_path / "hooks.py").write_text(REWRITING_HOOKS.format(traced={"d0"}))
    databases = [make_database("sqlite") for _ in range(2)]
    found = runners(tmp_path, databases, DECLARATIVE, {"hooks": "hooks.py"})
    sent = migrate_each(StepReplays(), found, tmp_path / "sent.jsonl")
    assert sent[0] and all(s.startswith("/* traced */") for s in sent[0])
    assert sent[1] == [s.removeprefix("/* traced */ ") for s in sent[0]]


def test_sql_logging_shows_every_replayed_statement(
    tmp_path: Path, make_database: Callable[[str], TestDatabase]
) -> None:
    databases = [make_database("sqlite") for _ in range(2)]
    recorded, replayed = runners(tmp_path, databases, DECLARATIVE)
    replays = StepReplays()
    logged = []
    for runner in (sharing(replays, recorded), sharing(replays, replayed)):
        with sql_log() as lines:
            runner.migrate("up", "heads")
        runner.dispose()
        logged.append(lines)
    assert replays.replayed == len(DECLARATIVE)
    assert any("CREATE TABLE item" in line for line in logged[0])
    assert logged[1] == logged[0]


@contextmanager
def sql_log() -> Iterator[list[str]]:
    """Log SQLAlchemy's statements (as `orch -vv` does) while the block runs; yield the lines
    that are statements (not the timing and parameter lines that follow each)."""
    lines: list[str] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if not message.startswith("["):
                lines.append(message)

    logger = logging.getLogger("sqlalchemy.engine")
    handler, level = Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
