"""A fleet's PostgreSQL schema-tenants share sessions, and none finds another's state in one.

Each tenant's first step records what its session looks like (which session, its lock_timeout,
search_path, advisory locks, a temporary table), then leaves a mark of each kind behind.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from orch_core import api
from orch_core.errors import DatabaseUnreachable
from orch_core.project import Project
from orch_core.runtime.runner import DatabaseRunner
from orch_core.runtime.shared_engines import SharedEngines
from tests.support.databases import TestDatabase
from tests.support.inspection import table_names
from tests.support.projects import Script, write_project

TENANTS = ("t1", "t2", "t3")
SEE_AND_LEAVE_MARKS = """bind = op.get_bind()
seen = bind.execute(sa.text(
    "SELECT pg_backend_pid(), current_setting('lock_timeout'), current_setting('search_path'), "
    "(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()), "
    "to_regclass('pg_temp.leftover') IS NOT NULL"
)).one()
op.create_table(
    "seen",
    sa.Column("pid", sa.Integer),
    sa.Column("lock_timeout", sa.Text),
    sa.Column("search_path", sa.Text),
    sa.Column("advisory_locks", sa.Integer),
    sa.Column("temp_table", sa.Boolean),
)
op.execute(sa.text("INSERT INTO seen VALUES (:p, :l, :s, :a, :t)").bindparams(
    p=seen[0], l=seen[1], s=seen[2], a=seen[3], t=seen[4]
))
op.execute("SET SESSION lock_timeout = '1234ms'")
op.execute("SELECT pg_advisory_lock(4711)")
op.execute("CREATE TEMP TABLE leftover (a int)")"""
SCRIPTS = [Script("a1", labels=("app",), upgrade=SEE_AND_LEAVE_MARKS), Script("a2", "a1")]


def migrate_fleet(
    tmp_path: Path, url: str, hooks: str | None = None
) -> dict[str, tuple[object, ...]]:
    """Upgrade the fleet in this process, one thread; return what each tenant's a1 saw."""
    orch: dict[str, object] = {"concurrency": 1}
    if hooks is not None:
        (tmp_path / "hooks.py").write_text(hooks)
        orch["hooks"] = "hooks.py"
    config = write_project(tmp_path, {"app": SCRIPTS}, {}, orch)
    fleet = f'url = "{url}"\nschema = "tenant_{{name}}"\ninstances = {list(TENANTS)!r}\n'
    config.write_text(config.read_text() + '\n[fleets.tenants]\nservices = ["app"]\n' + fleet)
    summary = api.upgrade(Project.load(config, environ={}), processes=False)
    assert summary.ok, summary.first_error
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            seen = {
                t: tuple(conn.execute(sa.text(f"SELECT * FROM tenant_{t}.seen")).one())
                for t in TENANTS
            }
            others = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            others += "AND pid <> pg_backend_pid()"
            assert conn.execute(sa.text(others)).scalar() == 0  # the run closed its sessions
    finally:
        engine.dispose()
    return seen


def test_tenants_share_a_session_and_each_finds_it_as_new(
    tmp_path: Path, postgresql_database: TestDatabase
) -> None:
    seen = migrate_fleet(tmp_path, postgresql_database.url)
    assert len({pid for pid, *_ in seen.values()}) == 1  # one thread: one session for all
    for tenant, (_pid, lock_timeout, search_path, locks, temp_table) in seen.items():
        assert search_path == f"tenant_{tenant}"
        assert lock_timeout == "0"  # the server's default, not the previous tenant's 1234ms
        assert locks == 1  # orch's migration lock only, not the previous tenant's 4711
        assert not temp_table
        assert table_names(postgresql_database, schema=f"tenant_{tenant}") == {
            "seen",
            "t_a2",
            "alembic_version",
            "orch_history",
        }
    assert "seen" not in table_names(postgresql_database)  # nothing in the default schema


def test_with_connection_hooks_each_tenant_has_a_session_of_its_own(
    tmp_path: Path, postgresql_database: TestDatabase
) -> None:
    """on_connect sets up a session for one database: it is not shared."""
    seen = migrate_fleet(
        tmp_path, postgresql_database.url, hooks="def on_connect(database, connection):\n    pass\n"
    )
    assert len({pid for pid, *_ in seen.values()}) == len(TENANTS)
    assert all(search_path == f"tenant_{t}" for t, (_, _, search_path, _, _) in seen.items())


def test_an_unreachable_server_is_reported_by_each_tenant(tmp_path: Path) -> None:
    """The tenants share an engine; a failure to connect still names the tenant that tried."""
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
    config = write_project(tmp_path, {"app": SCRIPTS}, {}, {"concurrency": 2})
    fleet = f'url = "{url}"\nschema = "tenant_{{name}}"\ninstances = {list(TENANTS)!r}\n'
    config.write_text(config.read_text() + '\n[fleets.tenants]\nservices = ["app"]\n' + fleet)
    summary = api.upgrade(Project.load(config, environ={}), processes=False, keep_going=True)
    for tenant in TENANTS:
        error = summary.databases[f"tenants:{tenant}"].error
        assert isinstance(error, DatabaseUnreachable), error
        assert error.database == f"tenants:{tenant}"


def test_a_session_the_server_closed_between_tenants_is_replaced(
    tmp_path: Path, postgresql_database: TestDatabase
) -> None:
    """The pool's session dies between two tenants (a server restart, idle_session_timeout,
    a DBA's pg_terminate_backend): the next tenant opens a new one instead of failing."""
    url = postgresql_database.url
    config = write_project(tmp_path, {"app": SCRIPTS}, {}, {"concurrency": 1})
    config.write_text(
        config.read_text()
        + f'\n[fleets.tenants]\nservices = ["app"]\nurl = "{url}"\n'
        + f'schema = "tenant_{{name}}"\ninstances = {list(TENANTS)!r}\n'
    )
    project = Project.load(config, environ={})
    engines = SharedEngines()
    admin = sa.create_engine(url)
    try:
        for tenant in TENANTS:
            database = project.database(f"tenants:{tenant}")
            runner = DatabaseRunner(database, project.view(database), engines=engines)
            result = runner.migrate("up", "heads")
            runner.dispose()
            assert result.after == ("a2",)
            with admin.connect() as conn:  # end the pooled session, as the server would
                ended = conn.execute(sa.text(TERMINATE_OTHERS)).scalars().all()
            assert ended == [True]
    finally:
        engines.dispose()
        admin.dispose()


TERMINATE_OTHERS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)
