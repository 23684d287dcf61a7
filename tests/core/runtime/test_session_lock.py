"""A server database's migration lock is held by the session the migration runs on.

One session per database: a second migrator waiting for the lock is told the session that
runs the migration; cancelling that session's statement leaves the lock to be released at the
end of the run; killing the session releases it at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from orch_core.errors import LockTimeout, MigrationFailed, PartialMigrationPending
from orch_core.project import Project
from orch_core.runtime.results import DatabaseResult
from orch_core.runtime.runner import DatabaseRunner
from tests.support.databases import TestDatabase
from tests.support.projects import Database, Script, write_project

# Per server: the session's id, the sessions in the database, a statement that waits, how
# another session ends one (by its id) and how the holder's session is named.
SESSION_ID = {"postgresql": "SELECT pg_backend_pid()", "mariadb": "SELECT CONNECTION_ID()"}
SESSIONS = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()",
    "mariadb": "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE()",
}
WAIT = {"postgresql": "SELECT pg_sleep(60)", "mariadb": "SELECT SLEEP(60)"}
KILL = {"postgresql": "SELECT pg_terminate_backend({id})", "mariadb": "KILL CONNECTION {id}"}
NAMED = {"postgresql": "pid {id},", "mariadb": "connection {id},"}

# Step a2 says which session it runs on and how many the database has, then waits: for the
# file `go` (wait = "go") or in one statement of the server's (wait = WAIT[kind]).
STEP = """import time
from pathlib import Path
bind = op.get_bind()
seen = (bind.execute(sa.text({session!r})).scalar(), bind.execute(sa.text({sessions!r})).scalar())
Path({folder!r}, "session").write_text("%s %s" % seen)
if {wait!r} == "go":
    while not Path({folder!r}, "go").exists():
        time.sleep(0.02)
else:
    bind.execute(sa.text({wait!r}))
op.create_table("t_a2", sa.Column("id", sa.Integer, primary_key=True))"""


def runner_for(
    tmp_path: Path, database: TestDatabase, wait: str, lock_timeout: float = 5
) -> DatabaseRunner:
    """Return a runner of its own project (in a folder named after its wait) on database."""
    step = STEP.format(
        session=SESSION_ID[database.kind],
        sessions=SESSIONS[database.kind],
        folder=str(tmp_path),
        wait=wait,
    )
    scripts = [Script("a1"), Script("a2", "a1", upgrade=step)]
    entry = Database(database.url, ["app"], extra={"lock_timeout": lock_timeout})
    root = tmp_path / f"project-{len(list(tmp_path.glob('project-*')))}"
    config = write_project(root, {"app": scripts}, {"main": entry})
    project = Project.load(config, environ={})
    database_config = project.config.databases["main"]
    return DatabaseRunner(database_config, project.view(database_config), run_id="test-run")


@contextmanager
def migrating(
    runner: DatabaseRunner, tmp_path: Path
) -> Iterator[tuple[Future[DatabaseResult], int]]:
    """Run the runner's upgrade in a thread; yield it and its session, once it is in step a2."""
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(runner.migrate, "up", "heads")
        marker = tmp_path / "session"
        deadline = time.monotonic() + 30
        while not marker.exists() and not future.done() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), future.exception() if future.done() else "a2 never started"
        session, sessions = marker.read_text().split()
        assert sessions == "1"  # the migration and its lock share one session
        yield future, int(session)


def in_statement(database: TestDatabase, session: int, statement: str) -> Callable[[], bool]:
    """Return whether the session is running the statement now."""
    engine = database.engine()

    def running() -> bool:
        query = {
            "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE pid = :id "
            "AND state = 'active' AND query = :q",
            "mariadb": "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = :id "
            "AND INFO = :q",
        }[database.kind]
        with engine.connect() as conn:
            return bool(conn.execute(sa.text(query), {"id": session, "q": statement}).scalar())

    return running


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture(params=["postgresql", "mariadb"])
def server_database(
    request: pytest.FixtureRequest, make_database: Callable[[str], TestDatabase]
) -> TestDatabase:
    """An empty PostgreSQL, then MariaDB, database."""
    return make_database(request.param)


def test_a_second_migrator_waits_and_is_told_the_migrating_session(
    server_database: TestDatabase, tmp_path: Path
) -> None:
    first = runner_for(tmp_path, server_database, "go")
    second = runner_for(tmp_path, server_database, "go", lock_timeout=0.3)
    try:
        with migrating(first, tmp_path) as (future, session):
            with pytest.raises(LockTimeout) as caught:
                second.migrate("up", "heads")
            assert NAMED[server_database.kind].format(id=session) in (caught.value.holder or "")
            (tmp_path / "go").write_text("")
            assert [s.revision for s in future.result(timeout=30).steps] == ["a1", "a2"]
        assert second.migrate("up", "heads").steps == ()  # released with the run's end
    finally:
        first.dispose()
        second.dispose()


def test_a_cancelled_statement_fails_its_step_and_the_lock_is_released_after(
    postgresql_database: TestDatabase, tmp_path: Path
) -> None:
    wait = WAIT["postgresql"]
    runner = runner_for(tmp_path, postgresql_database, wait)
    other = runner_for(tmp_path, postgresql_database, "go", lock_timeout=0.3)
    try:
        with migrating(runner, tmp_path) as (future, session):
            wait_for(in_statement(postgresql_database, session, wait))
            runner.cancel()  # as pg_cancel_backend: the statement, not the session
            with pytest.raises(MigrationFailed) as caught:
                future.result(timeout=30)
        assert "cancel" in caught.value.reason
        assert runner.current() == ("a1",)
        (tmp_path / "go").write_text("")
        assert [s.revision for s in other.migrate("up", "heads").steps] == ["a2"]
    finally:
        runner.dispose()
        other.dispose()


def test_a_killed_session_releases_the_lock_and_leaves_no_connection_behind(
    server_database: TestDatabase, tmp_path: Path
) -> None:
    kind = server_database.kind
    runner = runner_for(tmp_path, server_database, WAIT[kind])
    # The server frees a killed session's lock once that session has ended, which a busy
    # machine may take a moment to do: the other migrator may wait for it, not for the run.
    other = runner_for(tmp_path, server_database, "go", lock_timeout=5)
    admin = server_database.engine()
    try:
        with migrating(runner, tmp_path) as (future, session):
            wait_for(in_statement(server_database, session, WAIT[kind]))
            with admin.connect() as conn:
                conn.execute(sa.text(KILL[kind].format(id=session)))
            with pytest.raises(MigrationFailed):
                future.result(timeout=30)
        (tmp_path / "go").write_text("")
        if kind == "mariadb":
            # The lock went with the session: the other migrator gets it, and finds
            # the step MariaDB committed part of (as after a killed process).
            with pytest.raises(PartialMigrationPending):
                other.migrate("up", "heads")
            # The killed session's connection did not go back to the runner's pool.
            with pytest.raises(PartialMigrationPending):
                runner.migrate("up", "heads")
            return
        # The lock was free: taken again on a new session, the failure is in the history.
        assert history(server_database)[-1] == ("a2", "failed")
        assert [s.revision for s in other.migrate("up", "heads").steps] == ["a2"]
        assert runner.migrate("up", "heads").steps == ()
    finally:
        admin.dispose()
        runner.dispose()
        other.dispose()


def history(database: TestDatabase) -> list[tuple[str, str]]:
    """Return the history's (revision, outcome) rows in order."""
    with database.engine().connect() as conn:
        query = "SELECT revision, outcome FROM orch_history ORDER BY id"
        return [(r, o) for r, o in conn.execute(sa.text(query))]


def test_a_killed_session_whose_lock_another_took_writes_no_failure_beside_it(
    postgresql_database: TestDatabase, tmp_path: Path
) -> None:
    """Another session takes the lock the moment the migration's session dies: the failed
    migration writes nothing more (it would write beside the other's run), and says so."""
    runner = runner_for(tmp_path, postgresql_database, WAIT["postgresql"])
    admin = postgresql_database.engine()
    try:
        with migrating(runner, tmp_path) as (future, session), admin.connect() as conn:
            wait_for(in_statement(postgresql_database, session, WAIT["postgresql"]))
            held = "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks "
            held += "WHERE locktype = 'advisory' AND pid = :pid"
            key = conn.execute(sa.text(held), {"pid": session}).scalar_one()
            # Queued for the lock before the session is even gone: it goes to this session.
            take_over = "SELECT pg_terminate_backend(:pid), pg_advisory_lock(:key)"
            conn.execute(sa.text(take_over), {"pid": session, "key": key})
            with pytest.raises(MigrationFailed):
                future.result(timeout=30)
            assert history(postgresql_database) == [("a1", "applied")]
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            conn.commit()
        (tmp_path / "go").write_text("")
        assert runner.current() == ("a1",)
    finally:
        admin.dispose()
        runner.dispose()
