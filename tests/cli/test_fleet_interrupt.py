"""A fleet stopped by SIGTERM mid-run and run again: every tenant at heads, each step once.

Kubernetes ends a pod (and systemd a service) with SIGTERM to its main process; the rerun is the
Job's next attempt. SQLite tenants as files, PostgreSQL tenants as schemas of one database.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from tests.support.databases import TestDatabase
from tests.support.projects import write_fleet

ORCH = Path(sys.executable).parent / "orch"
TENANTS = [f"t{i:02d}" for i in range(10)]
ONCE = Counter({(revision, "up", "applied"): 1 for revision in ("a1", "a2", "a3")})
# Where one tenant's version and history tables are: (engine url, schema).
Place = Callable[[str], tuple[str, str | None]]


def orch(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(ORCH), "--config", str(config), "--log-format", "json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the signal goes to orch's main process alone, as a pod's
    )


def read(place: Place, tenant: str, query: str) -> list[tuple[str, ...]]:
    """Return the rows of a query on one tenant's tables ([] while they do not exist)."""
    url, schema = place(tenant)
    engine = sa.create_engine(url)
    prefix = f'"{schema}".' if schema else ""
    try:
        with engine.connect() as conn:
            exists = sa.inspect(conn).has_table("alembic_version", schema=schema)
            text = query.format(prefix=prefix)
            return [tuple(row) for row in conn.execute(sa.text(text))] if exists else []
    finally:
        engine.dispose()


def versions(place: Place, tenant: str) -> list[str]:
    return [
        row[0] for row in read(place, tenant, "SELECT version_num FROM {prefix}alembic_version")
    ]


def history(place: Place, tenant: str) -> Counter[tuple[str, ...]]:
    query = "SELECT revision, direction, outcome FROM {prefix}orch_history"
    return Counter(read(place, tenant, query))


def interrupt_then_rerun(config: Path, place: Place) -> None:
    """SIGTERM the run once a tenant has a version row; rerun; check every tenant and row."""
    run = orch(config, "upgrade", "--all-dbs", "heads")
    deadline = time.monotonic() + 60
    while not any(versions(place, tenant) for tenant in TENANTS):
        assert run.poll() is None and time.monotonic() < deadline, "no tenant ever started"
        time.sleep(0.02)
    run.send_signal(signal.SIGTERM)
    _out, err = run.communicate(timeout=60)
    assert run.returncode == 143, err
    assert "Traceback" not in err
    assert "error: interrupted: each database stopped after a whole step" in err
    assert any(versions(place, t) != ["a3"] for t in TENANTS)  # stopped mid-fleet
    again = orch(config, "upgrade", "--all-dbs", "heads")
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    for tenant in TENANTS:
        assert versions(place, tenant) == ["a3"], tenant
        assert history(place, tenant) == ONCE, tenant


def test_sqlite_tenants_interrupted_by_sigterm_then_rerun(tmp_path: Path) -> None:
    config = write_fleet(tmp_path, TENANTS, 'url = "sqlite:///t/{name}.db"\n')
    (tmp_path / "t").mkdir()
    interrupt_then_rerun(config, lambda tenant: (f"sqlite:///{tmp_path}/t/{tenant}.db", None))


def test_postgresql_schema_tenants_interrupted_by_sigterm_then_rerun(
    tmp_path: Path, postgresql_database: TestDatabase
) -> None:
    url = postgresql_database.url
    config = write_fleet(tmp_path, TENANTS, f'url = "{url}"\nschema = "tenant_{{name}}"\n')
    interrupt_then_rerun(config, lambda tenant: (url, f"tenant_{tenant}"))
