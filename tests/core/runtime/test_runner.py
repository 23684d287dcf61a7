"""One database's plan applied for real: schema, version rows and history tell the truth."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from orch_core.errors import MigrationFailed, PartialMigrationPending
from orch_core.project import Project
from orch_core.runtime.results import StepHooks
from orch_core.runtime.runner import DatabaseRunner
from tests.support.databases import TestDatabase
from tests.support.projects import Database, Script, write_project

# a1 -> a2 -> {b1, c1}; m merges b1 and c1; d1 lives on its own base and depends on a2.
BRANCHY = [
    Script("a1", labels=("app",)),
    Script("a2", "a1"),
    Script("b1", "a2"),
    Script("c1", "a2"),
    Script("m", ("b1", "c1"), upgrade="pass", downgrade="pass"),
    Script("d1", None, labels=("extra",), depends="a2"),
]


def runner_for(tmp_path: Path, database: TestDatabase, scripts: list[Script]) -> DatabaseRunner:
    config = write_project(tmp_path, {"app": scripts}, {"main": Database(database.url, ["app"])})
    project = Project.load(config, environ={})
    database_config = project.config.databases["main"]
    return DatabaseRunner(database_config, project.view(database_config), run_id="test-run")


def tables(database: TestDatabase) -> set[str]:
    engine = database.engine()
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def history(database: TestDatabase, *, starts: bool = False) -> list[tuple[str, str, str]]:
    """Return the history rows; the `started` rows MariaDB writes first only if asked."""
    engine = database.engine()
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT revision, direction, outcome FROM orch_history ORDER BY id")
            )
            found = [(row[0], row[1], row[2]) for row in rows]
            return [row for row in found if starts or row[2] != "started"]
    finally:
        engine.dispose()


def test_a_run_asked_to_stop_reports_the_heads_it_reached(
    sqlite_database: TestDatabase, tmp_path: Path
) -> None:
    runner = runner_for(tmp_path, sqlite_database, BRANCHY[:3])
    done: list[object] = []
    try:
        result = runner.migrate(
            "up", "heads", StepHooks(after=done.append, stop=lambda: bool(done))
        )
        assert (result.stopped, result.after) == (True, ("a1",))
        assert runner.current() == ("a1",)
        result = runner.migrate("up", "heads")
        assert (result.stopped, result.before, result.after) == (False, ("a1",), ("b1",))
    finally:
        runner.dispose()


def test_upgrade_and_downgrade_across_branches_merges_and_depends_on(
    database: TestDatabase, tmp_path: Path
) -> None:
    runner = runner_for(tmp_path, database, BRANCHY)
    try:
        result = runner.migrate("up", "heads")
        assert result.before == ()
        assert sorted(result.after) == ["d1", "m"]
        assert runner.current() == ("d1", "m")
        applied = [step.revision for step in result.steps]
        assert sorted(applied) == ["a1", "a2", "b1", "c1", "d1", "m"]
        assert applied.index("a2") < applied.index("d1")  # depends_on runs first
        assert tables(database) == {
            "alembic_version",
            "orch_history",
            "t_a1",
            "t_a2",
            "t_b1",
            "t_c1",
            "t_d1",
        }
        # Down to a2: the merge and both branches go; d1 stays, and (as in Alembic) its row
        # stands for a2 too, because d1 depends on a2.
        down = runner.migrate("down", "a2")
        assert down.after == ("d1",)
        assert tables(database) == {"alembic_version", "orch_history", "t_a1", "t_a2", "t_d1"}
        runner.migrate("down", "base")
        assert runner.current() == ()
        assert tables(database) == {"alembic_version", "orch_history"}
        assert [h[2] for h in history(database)] == ["applied"] * len(history(database))
    finally:
        runner.dispose()


def test_a_failing_step_leaves_the_last_good_revision(
    database: TestDatabase, tmp_path: Path
) -> None:
    scripts = [
        Script("a1"),
        Script("a2", "a1"),
        Script(
            "a3",
            "a2",
            upgrade='op.create_table("t_a3", sa.Column("id", sa.Integer, primary_key=True))\n'
            'op.execute("INSERT INTO no_such_table VALUES (1)")',
        ),
    ]
    runner = runner_for(tmp_path, database, scripts)
    try:
        with pytest.raises(MigrationFailed) as caught:
            runner.migrate("up", "heads")
        assert caught.value.revision == "a3"
        assert runner.current() == ("a2",)
        outcomes = history(database)
        if database.kind == "mariadb":
            # DDL commits implicitly: t_a3 may stay behind, and orch says so.
            assert outcomes[-1] == ("a3", "up", "failed-partial")
            assert caught.value.partial
            with pytest.raises(PartialMigrationPending) as pending:
                runner.migrate("up", "heads")
            assert pending.value.revision == "a3"
        else:
            assert outcomes[-1] == ("a3", "up", "failed")
            assert "t_a3" not in tables(database)  # the failed step rolled back whole
        assert outcomes[:2] == [("a1", "up", "applied"), ("a2", "up", "applied")]
    finally:
        runner.dispose()


def test_a_version_row_gone_under_a_step_fails_it_and_rolls_it_back(
    database: TestDatabase, tmp_path: Path
) -> None:
    # a2 deletes the version row itself, as a stray hand or a migrator without the lock could:
    # moving the head a1 -> a2 then changes no row, and orch refuses to record a2.
    scripts = [
        Script("a1"),
        Script(
            "a2",
            "a1",
            upgrade='op.execute("INSERT INTO t_a1 (id) VALUES (7)")\n'
            'op.execute("DELETE FROM alembic_version")',
        ),
    ]
    runner = runner_for(tmp_path, database, scripts)
    try:
        with pytest.raises(MigrationFailed) as caught:
            runner.migrate("up", "heads")
        assert caught.value.revision == "a2"
        assert "version table alembic_version: expected to change 1 row, changed 0" in str(
            caught.value
        )
        assert runner.current() == ("a1",)  # the delete rolled back with the step
        # MariaDB commits DDL as it runs, so there orch cannot vouch that nothing stayed.
        failed = "failed-partial" if database.kind == "mariadb" else "failed"
        assert history(database)[-1] == ("a2", "up", failed)
        engine = database.engine()
        try:
            with engine.connect() as conn:
                assert conn.execute(sa.text("SELECT COUNT(*) FROM t_a1")).scalar() == 0
        finally:
            engine.dispose()
    finally:
        runner.dispose()


def test_stamp_clears_a_partial_failure_and_the_run_continues(
    mariadb_database: TestDatabase, tmp_path: Path
) -> None:
    scripts = [Script("a1"), Script("a2", "a1", upgrade='op.execute("SELECT * FROM nothing_here")')]
    runner = runner_for(tmp_path, mariadb_database, scripts)
    try:
        with pytest.raises(MigrationFailed):
            runner.migrate("up", "heads")
        with pytest.raises(PartialMigrationPending):
            runner.migrate("up", "heads")
        runner.stamp("a1")
        with pytest.raises(MigrationFailed):  # the script is still broken, but orch runs it
            runner.migrate("up", "heads")
    finally:
        runner.dispose()


ALEMBIC_ENV = """
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""


def alembic(tmp_path: Path, url: str, *args: str) -> None:
    (tmp_path / "env.py").write_text(ALEMBIC_ENV)
    (tmp_path / "script.py.mako").write_text("")
    ini = tmp_path / "alembic.ini"
    ini.write_text(
        f"[alembic]\nscript_location = {tmp_path}\nversion_locations = {tmp_path}/services/app\n"
        f"sqlalchemy.url = {url}\n"
    )
    subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ini), *args], check=True, capture_output=True
    )


def test_orch_continues_an_alembic_database_and_alembic_continues_orch(
    database: TestDatabase, tmp_path: Path
) -> None:
    scripts = [
        Script(r, d, op_module="alembic") for r, d in [("a1", None), ("a2", "a1"), ("a3", "a2")]
    ]
    runner = runner_for(tmp_path, database, scripts)
    try:
        alembic(tmp_path, database.url, "upgrade", "a1")
        assert runner.current() == ("a1",)
        result = runner.migrate("up", "a2")
        assert [s.revision for s in result.steps] == ["a2"]
        alembic(tmp_path, database.url, "upgrade", "head")
        assert runner.current() == ("a3",)
        assert {"t_a1", "t_a2", "t_a3"} <= tables(database)
    finally:
        runner.dispose()


MIGRATE = """
import sys
from orch_core.project import Project
from orch_core.runtime.results import StepHooks
from orch_core.runtime.runner import DatabaseRunner
from pathlib import Path
project = Project.load(Path(sys.argv[1]), environ={})
config = project.config.databases["main"]
DatabaseRunner(config, project.view(config)).migrate("up", "heads")
"""


def test_concurrent_migrators_apply_each_step_once(database: TestDatabase, tmp_path: Path) -> None:
    scripts = [Script(f"r{i}", f"r{i - 1}" if i else None) for i in range(6)]
    runner = runner_for(tmp_path, database, scripts)
    script = tmp_path / "migrate.py"
    script.write_text(MIGRATE)
    processes = [
        subprocess.Popen([sys.executable, str(script), str(tmp_path / "orch.toml")])
        for _ in range(3)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0, 0, 0]
    assert runner.current() == ("r5",)
    applied = [row[0] for row in history(database) if row[1] == "up"]
    assert sorted(applied) == [f"r{i}" for i in range(6)]  # each exactly once
    runner.dispose()


SLOW_STEP = """import time
from pathlib import Path
op.create_table("t_a3", sa.Column("id", sa.Integer, primary_key=True))
Path({marker!r}).write_text("in step a3")
time.sleep(60)"""


def test_a_migrator_killed_mid_step_leaves_the_truth_and_no_lock(
    database: TestDatabase, tmp_path: Path
) -> None:
    marker = tmp_path / "in-step"
    slow = Script("a3", "a2", upgrade=SLOW_STEP.format(marker=str(marker)))
    runner = runner_for(tmp_path, database, [Script("a1"), Script("a2", "a1"), slow])
    script = tmp_path / "migrate.py"
    script.write_text(MIGRATE)
    process = subprocess.Popen([sys.executable, str(script), str(tmp_path / "orch.toml")])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the migrator never reached step a3"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        process.kill()
    assert runner.current() == ("a2",)  # a1 and a2 are recorded; a3 never finished
    fixed = Script(
        "a3", "a2", upgrade=SLOW_STEP.format(marker=str(marker)).replace("time.sleep(60)", "pass")
    )
    (tmp_path / "services" / "app" / "a3_rev.py").write_text(fixed.text())
    if database.kind == "mariadb":
        # t_a3 was created and committed before the kill: orch says so instead of guessing.
        assert "t_a3" in tables(database)
        with pytest.raises(PartialMigrationPending) as caught:
            runner.migrate("up", "heads")
        assert caught.value.revision == "a3"
        runner.stamp("a3")  # someone checked the schema: a3 is complete
    else:
        assert "t_a3" not in tables(database)  # the killed step rolled back
        result = runner.migrate("up", "heads")  # the lock was released with the process
        assert [s.revision for s in result.steps] == ["a3"]
    assert runner.current() == ("a3",)
    runner.dispose()


def test_own_version_and_history_tables_in_their_own_schema(
    database: TestDatabase, tmp_path: Path
) -> None:
    # Two services sharing one server database keep their rows apart: each database entry
    # names its version and history tables (and, on PostgreSQL, their schema).
    schema = "bookkeeping" if database.kind == "postgresql" else None
    if schema:
        engine = database.engine()
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
    extra: dict[str, object] = {"version_table": "app_version", "history_table": "app_history"}
    if schema:
        extra["version_table_schema"] = schema
    scripts = [Script("a1"), Script("a2", "a1")]
    config = write_project(
        tmp_path, {"app": scripts}, {"main": Database(database.url, ["app"], extra=extra)}
    )
    project = Project.load(config, environ={})
    main = project.config.databases["main"]
    runner = DatabaseRunner(main, project.view(main), run_id="own-tables")
    try:
        runner.migrate("up", "heads")
        runner.migrate("down", "a1")
        assert runner.current() == ("a1",)
    finally:
        runner.dispose()
    engine = database.engine()
    try:
        inspector = sa.inspect(engine)
        assert {"app_version", "app_history"} <= set(inspector.get_table_names(schema=schema))
        assert "alembic_version" not in inspector.get_table_names()
        prefix = f"{schema}." if schema else ""
        with engine.connect() as conn:
            assert conn.execute(sa.text(f"SELECT version_num FROM {prefix}app_version")).all() == [
                ("a1",)
            ]
            found = conn.execute(
                sa.text(
                    f"SELECT revision, direction, run_id FROM {prefix}app_history"
                    " WHERE outcome <> 'started' ORDER BY id"
                )
            ).all()
        assert [tuple(r) for r in found] == [
            ("a1", "up", "own-tables"),
            ("a2", "up", "own-tables"),
            ("a2", "down", "own-tables"),
        ]
    finally:
        engine.dispose()


def test_an_unknown_direction_is_refused_not_taken_for_a_stamp(
    sqlite_database: TestDatabase, tmp_path: Path
) -> None:
    runner = runner_for(tmp_path, sqlite_database, BRANCHY)
    try:
        with pytest.raises(ValueError, match="unknown direction 'stamp'"):
            runner.plan("stamp", "heads", ())  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="unknown direction 'sideways'"):
            runner.migrate("sideways", "heads")  # type: ignore[arg-type]
    finally:
        runner.dispose()
    assert not Path(sqlite_database.url.removeprefix("sqlite:///")).exists()  # nothing touched
