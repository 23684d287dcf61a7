"""The public Python API driven as a user's script would: on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import structlog

from orch_core import api
from tests.support.databases import TestDatabase
from tests.support.inspection import table_names
from tests.support.projects import Database, Script, write_project

KINDS = ("sqlite", "postgresql")
VERSION_TABLES = {"alembic_version", "orch_history"}


def _project(root: Path, url: str = "sqlite:///never.db") -> Path:
    """Write a one-service project, users: aa01 <- bb01, with one database `app`."""
    scripts = [Script("aa01", labels=("users",)), Script("bb01", down="aa01")]
    return write_project(root, {"users": scripts}, {"app": Database(url, ["users"])})


@pytest.fixture(params=KINDS)
def target_database(
    request: pytest.FixtureRequest, make_database: Callable[[str], TestDatabase]
) -> TestDatabase:
    """An empty database: the test runs once on SQLite and once on PostgreSQL."""
    return make_database(request.param)


@pytest.fixture
def unconfigured_structlog() -> Iterator[None]:
    """structlog as a program that never configured it has it (other tests may have)."""
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.mark.usefixtures("unconfigured_structlog")
def test_a_database_goes_up_down_and_is_stamped_through_the_api(
    tmp_path: Path, target_database: TestDatabase, capfd: pytest.CaptureFixture[str]
) -> None:
    config = _project(tmp_path)
    overrides = api.Overrides(urls={"app": target_database.url})
    project = api.load(config, overrides=overrides)

    before = api.status(project)
    assert [(s.database, s.current, s.pending) for s in before] == [("app", (), ("aa01", "bb01"))]
    plans = api.plan(project, "heads")
    assert [step.revision for step in plans["app"].steps] == ["aa01", "bb01"]
    assert table_names(target_database) == set()  # planning reads, creates nothing

    summary = api.upgrade(project, "aa01")
    assert summary.ok and summary.outcome is api.Outcome.SUCCEEDED
    moved = summary.databases["app"]
    assert (moved.before, moved.after) == ((), ("aa01",))
    assert [(s.revision, s.outcome) for s in moved.steps] == [("aa01", "applied")]
    assert table_names(target_database) == VERSION_TABLES | {"t_aa01"}

    [pending] = api.check(project)
    assert pending.failed and pending.pending == ("bb01",)

    api.upgrade(project)
    assert api.current(project) == {"app": ("bb01",)}
    assert [s.at_heads for s in api.status(project, databases=["app"])] == [True]
    assert not api.check(project)[0].failed
    assert api.verify(project) == []

    back = api.downgrade(project, "base")
    assert back.databases["app"].after == ()
    assert table_names(target_database) == VERSION_TABLES

    stamped = api.stamp(project, "bb01")
    assert (stamped["app"].before, stamped["app"].after) == ((), ("bb01",))
    assert table_names(target_database) == VERSION_TABLES  # no script ran
    assert api.current(project) == {"app": ("bb01",)}

    assert not (tmp_path / "never.db").exists()  # the override's URL was used, not the file's
    assert capfd.readouterr() == ("", "")  # a library call prints nothing


@pytest.mark.usefixtures("unconfigured_structlog")
def test_run_events_go_to_standard_logging(
    tmp_path: Path, sqlite_database: TestDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    project = api.load(_project(tmp_path, sqlite_database.url))
    with caplog.at_level(logging.INFO, logger="orch"):
        summary = api.upgrade(project, processes=False)
    started = [r for r in caplog.records if r.getMessage() == "run.started"]
    assert [(r.name, getattr(r, "run_id", None)) for r in started] == [("orch", summary.run_id)]


def test_verify_names_an_applied_script_that_changed(
    tmp_path: Path, sqlite_database: TestDatabase
) -> None:
    project = api.load(_project(tmp_path, sqlite_database.url))
    api.upgrade(project)
    script = tmp_path / "services" / "users" / "aa01_rev.py"
    script.write_text(script.read_text() + "\n# edited after it ran\n")
    [drift] = api.verify(project)
    assert (drift.database, drift.revision, drift.problem, drift.path) == (
        "app",
        "aa01",
        "changed",
        script,
    )


def test_a_failing_step_is_in_the_summary_not_raised(
    tmp_path: Path, target_database: TestDatabase
) -> None:
    broken = Script("bb01", down="aa01", upgrade='op.execute("SELECT * FROM no_such_table")')
    config = write_project(
        tmp_path,
        {"users": [Script("aa01", labels=("users",)), broken]},
        {"app": Database(target_database.url, ["users"])},
    )
    summary = api.upgrade(api.load(config))
    assert not summary.ok and summary.outcome is api.Outcome.FAILED
    error = summary.first_error
    assert isinstance(error, api.MigrationFailed)
    assert (error.database, error.revision, error.direction) == ("app", "bb01", "up")
    assert summary.databases["app"].after == ("aa01",)
    assert table_names(target_database) == VERSION_TABLES | {"t_aa01"}


@pytest.mark.parametrize(
    ("call", "error", "fields"),
    [
        (lambda p: api.upgrade(p, "zz99"), api.UnknownRevision, {"name": "zz99"}),
        (lambda p: api.downgrade(p, "aa01+5"), api.BadTarget, {"target": "aa01+5"}),
        (lambda p: api.plan(p, "zz99"), api.UnknownRevision, {"name": "zz99"}),
        (lambda p: api.stamp(p, "zz99"), api.UnknownRevision, {"name": "zz99"}),
        (lambda p: api.upgrade(p, databases=["nope"]), api.ConfigError, {"key": "--db"}),
        (lambda p: api.status(p, databases=["nope"]), api.ConfigError, {"key": "--db"}),
    ],
)
def test_bad_input_is_raised_as_a_typed_error_before_anything_moves(
    tmp_path: Path,
    target_database: TestDatabase,
    call: Callable[[api.Project], object],
    error: type[Exception],
    fields: dict[str, str],
) -> None:
    project = api.load(_project(tmp_path, target_database.url))
    with pytest.raises(error) as raised:
        call(project)
    assert {key: getattr(raised.value, key) for key in fields} == fields
    assert table_names(target_database) == set()


def test_overrides_are_checked(tmp_path: Path) -> None:
    config = _project(tmp_path)
    with pytest.raises(api.ConfigError, match="unknown database 'nope'"):
        api.load(config, overrides=api.Overrides(urls={"nope": "sqlite://"}))
    with pytest.raises(api.ConfigError, match="concurrency: must be at least 1"):
        api.load(config, overrides=api.Overrides(concurrency=0))
    project = api.load(config, overrides=api.Overrides(concurrency=3))
    assert project.config.concurrency == 3


def test_env_and_environ_choose_the_url(tmp_path: Path) -> None:
    config = _project(tmp_path, "${APP_URL}")
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "ci.toml").write_text('[databases.app]\nurl = "sqlite:///ci.db"\n')
    with pytest.raises(api.OrchError, match="APP_URL is not set"):
        api.load(config, environ={})
    from_environ = api.load(config, environ={"APP_URL": "sqlite:///from-env.db"})
    # A relative SQLite path is read from the project's folder, as in the config file.
    assert from_environ.config.databases["app"].url == f"sqlite:///{tmp_path}/from-env.db"
    from_overlay = api.load(config, env="ci", environ={})
    assert from_overlay.config.databases["app"].url == f"sqlite:///{tmp_path}/ci.db"


def test_revision_writes_a_script_on_the_service_head(tmp_path: Path) -> None:
    config = _project(tmp_path)
    written = api.revision(api.load(config), "add email", rev_id="cc01")
    assert written.path is not None and written.path.parent == tmp_path / "services" / "users"
    reloaded = api.load(config)
    assert [r.revision for r in api.heads(reloaded)] == ["cc01"]
    assert [r.revision for r in api.history(reloaded)] == ["cc01", "bb01", "aa01"]
    assert [r.revision for r in api.history(reloaded, "bb01", "heads")] == ["cc01", "bb01"]


def test_graph_only_calls_never_import_sqlalchemy(tmp_path: Path) -> None:
    config = _project(tmp_path, "${UNSET_URL}")
    probe = (
        "import sys\n"
        "from orch_core import api\n"
        f"project = api.load({str(config)!r}, need_urls=False)\n"
        "assert [r.revision for r in api.heads(project)] == ['bb01']\n"
        "assert len(api.history(project)) == 2\n"
        "api.revision(project, 'next', rev_id='cc01')\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy was imported'\n"
        "print('clean')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"


def test_every_public_name_is_importable() -> None:
    for name in api.__all__:
        assert getattr(api, name) is not None, name
    with pytest.raises(AttributeError):
        getattr(api, "no_such_name")  # noqa: B009 - the lazy lookup's refusal


def test_sql_is_written_per_database_without_connecting(
    tmp_path: Path, target_database: TestDatabase
) -> None:
    project = api.load(_project(tmp_path, target_database.url))
    [whole] = api.sql(project, "heads")
    assert whole.database == "app"
    text = "\n".join(whole.lines)
    assert "CREATE TABLE alembic_version" in text
    assert "CREATE TABLE t_aa01" in text and "CREATE TABLE t_bb01" in text
    [rest] = api.sql(project, "aa01:heads")  # from aa01: no version table, only bb01
    assert "CREATE TABLE t_bb01" in "\n".join(rest.lines)
    assert not any("t_aa01" in line or "alembic_version (" in line for line in rest.lines)
    with pytest.raises(api.BadTarget):
        list(api.sql(project, "aa01:"))
    assert table_names(target_database) == set()
