"""A fleet's SQLite tenants, migrated one after another by one thread: each on an engine of
its own (its file, its lock, its connection hooks, its failures), though their engines share
an initialized SQLAlchemy dialect where they may (runtime/reused_dialects.py)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from structlog.testing import capture_logs

from orch_core import api
from orch_core.errors import DatabaseUnreachable
from orch_core.fleet.outcomes import RunSummary
from orch_core.project import Project
from tests.support.projects import Script, write_project

TENANTS = ("t1", "t2", "t3")
# The tenant's first step records the url its bind's engine has, whether the lock beside that
# file is held (flock from another open file conflicts, in this process too), and the name the
# on_connect hook gave its connection.
SEE = """import fcntl, os
url = op.get_bind().engine.url
fd = os.open(f"{url.database}.orch-lock", os.O_RDWR)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    locked = False
except BlockingIOError:
    locked = True
finally:
    os.close(fd)
op.create_table("seen", sa.Column("url", sa.Text), sa.Column("locked", sa.Boolean),
                sa.Column("tenant", sa.Text))
op.execute(sa.text("INSERT INTO seen VALUES (:url, :locked, tenant())").bindparams(
    url=url.render_as_string(), locked=locked))"""
SCRIPTS = [Script("a1", labels=("app",), upgrade=SEE), Script("a2", "a1")]
NAMING_HOOK = """def on_connect(database, connection):
    connection.create_function("tenant", 0, lambda: database)
"""


def migrate_fleet(tmp_path: Path, hooks: str, query: str = "") -> RunSummary:
    """Upgrade the fleet in this process, one thread, going on past a tenant's failure."""
    (tmp_path / "hooks.py").write_text(hooks)
    config = write_project(tmp_path, {"app": SCRIPTS}, {}, {"concurrency": 1, "hooks": "hooks.py"})
    url = f"sqlite:///{tmp_path}/db/{{name}}.db{query}"
    fleet = f'url = "{url}"\ninstances = {list(TENANTS)!r}\n'
    config.write_text(config.read_text() + '\n[fleets.tenants]\nservices = ["app"]\n' + fleet)
    return api.upgrade(Project.load(config, environ={}), processes=False, keep_going=True)


def seen(tmp_path: Path, tenant: str) -> tuple[object, ...]:
    engine = sa.create_engine(f"sqlite:///{tmp_path}/db/{tenant}.db")
    try:
        with engine.connect() as conn:
            return tuple(conn.execute(sa.text("SELECT * FROM seen")).one())
    finally:
        engine.dispose()


def test_each_tenant_has_its_own_url_lock_and_connection_hook(tmp_path: Path) -> None:
    summary = migrate_fleet(tmp_path, NAMING_HOOK)

    assert summary.ok, summary.first_error
    for tenant in TENANTS:
        file = tmp_path / "db" / f"{tenant}.db"
        assert seen(tmp_path, tenant) == (f"sqlite:///{file}", True, f"tenants:{tenant}")


def test_driver_arguments_from_hooks_are_each_tenants_own(tmp_path: Path) -> None:
    """connect_args is asked at each connection, for the tenant connecting and no other."""
    asked = tmp_path / "asked.txt"
    hooks = (
        NAMING_HOOK
        + f"""

def connect_args(database):
    with open({str(asked)!r}, "a") as log:
        log.write(database + "\\n")
    return {{"timeout": 7}}
"""
    )
    summary = migrate_fleet(tmp_path, hooks)

    assert summary.ok, summary.first_error
    assert asked.read_text().split() == [f"tenants:{t}" for t in TENANTS]
    for tenant in TENANTS:
        assert seen(tmp_path, tenant)[2] == f"tenants:{tenant}"


def test_a_tenant_that_cannot_be_opened_is_named_and_the_others_go_on(tmp_path: Path) -> None:
    (tmp_path / "db" / "t2.db").mkdir(parents=True)  # a folder: SQLite cannot open it

    with capture_logs() as events:
        summary = migrate_fleet(tmp_path, NAMING_HOOK)

    error = summary.databases["tenants:t2"].error
    assert isinstance(error, DatabaseUnreachable), error
    assert error.database == "tenants:t2"
    assert str(error).startswith("cannot connect to database tenants:t2: ")
    # Each attempt (the migration, then the read of where it is) names the tenant that tried.
    unreachable = {e["database"] for e in events if e["event"] == "db.unreachable"}
    assert unreachable == {"tenants:t2"}
    started = {e["database"]: e["url"] for e in events if e["event"] == "db.started"}
    assert started["tenants:t2"] == f"sqlite:///{tmp_path}/db/t2.db"
    for tenant in ("t1", "t3"):
        assert summary.databases[f"tenants:{tenant}"].error is None
        assert seen(tmp_path, tenant)[2] == f"tenants:{tenant}"


def test_each_tenant_connects_with_its_urls_arguments(tmp_path: Path) -> None:
    summary = migrate_fleet(tmp_path, NAMING_HOOK, "?timeout=5&cached_statements=10")

    assert summary.ok, summary.first_error
    for tenant in TENANTS:
        file = tmp_path / "db" / f"{tenant}.db"
        url = f"sqlite:///{file}?cached_statements=10&timeout=5"
        assert seen(tmp_path, tenant) == (url, True, f"tenants:{tenant}")
