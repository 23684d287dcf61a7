"""The SQLAlchemy floor of bench/fleet_scale.py leaves each tenant as orch and Alembic leave it.

A floor that did less (a missing index, a column of another type, no version row) would look
faster than any real tool for the wrong reason. Each tool of the bench's fleet scenario runs on
the same small fleet, with the command line the bench uses; then every tenant's tables,
columns, indexes, primary keys and version row are reflected and compared.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bench.fleet_scale import fleet_tools
from bench.generate import generate, write_fleet
from bench.run import REPO, Tool
from tests.support.databases import TestDatabase

TENANTS = 3  # uneven over two processes
REVISIONS = 8  # tables, text and integer columns, an index, a second table
HISTORY = "orch_history"  # orch's own record of the steps; the floor keeps none


def _reflect(url: str, schema: str | None) -> dict[str, Any]:
    """Return what a user sees of one tenant: its tables in detail and its version row."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        seen: dict[str, Any] = {}
        for table in sorted(inspector.get_table_names(schema=schema)):
            columns = [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in inspector.get_columns(table, schema=schema)
            ]
            indexes = sorted(
                (i["name"], tuple(i["column_names"]), i["unique"])
                for i in inspector.get_indexes(table, schema=schema)
            )
            seen[table] = (columns, indexes, inspector.get_pk_constraint(table, schema=schema))
        version = sa.Table("alembic_version", sa.MetaData(), autoload_with=engine, schema=schema)
        with engine.connect() as conn:
            seen["version rows"] = conn.execute(sa.select(version.c.version_num)).all()
        return seen
    finally:
        engine.dispose()


def _fleet(
    kind: str, tmp_path: Path, make_database: Callable[[str], TestDatabase]
) -> tuple[dict[str, Tool], Callable[[], dict[str, Any]]]:
    """Return the bench's tools on its fleet, and what reflects every tenant."""
    project = generate(
        "fleetfloor",
        services=1,
        revisions=REVISIONS,
        fork_every=0,
        databases=TENANTS,
        work=tmp_path,
    )
    if kind == "sqlite":
        db = project.root / "db"
        url = f"sqlite:///{db}/{{name}}.db"
        write_fleet(project, url)
        files = [str(db / f"{name}.db") for name in project.databases]

        def reset() -> None:
            shutil.rmtree(db)
            db.mkdir()

        tools = fleet_tools(project, url, None, files, reset)
        return tools, lambda: {f: _reflect(f"sqlite:///{f}", None) for f in files}
    database = make_database("postgresql")
    schemas = [f"tenant_{name}" for name in project.databases]
    write_fleet(project, database.url, schema="tenant_{name}")
    conninfo = sa.make_url(database.url).set(drivername="postgresql")
    base = conninfo.render_as_string(hide_password=False)

    def drop_schemas() -> None:
        engine = database.engine()
        with engine.begin() as conn:
            for schema in schemas:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()

    tools = fleet_tools(
        project, database.url, "tenant_{name}", [f"{base}#{s}" for s in schemas], drop_schemas
    )
    return tools, lambda: {s: _reflect(database.url, s) for s in schemas}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_sa_floor_ends_where_orch_and_alembic_end(
    kind: str, tmp_path: Path, make_database: Callable[[str], TestDatabase]
) -> None:
    tools, reflect = _fleet(kind, tmp_path, make_database)
    assert {"orch", "alembic-1proc", "sa-floor-1proc"} <= set(tools)
    ends: dict[str, dict[str, Any]] = {}
    for name, tool in tools.items():
        tool.setup()
        done = subprocess.run(tool.argv, cwd=REPO, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{name}: {done.stderr}"
        ends[name] = reflect()

    alembic = ends.pop("alembic-1proc")
    orch = ends.pop("orch")
    for tenant in orch.values():
        assert tenant.pop(HISTORY)  # orch's history table, then the same as Alembic's
    assert orch == alembic
    head = alembic[next(iter(alembic))]["version rows"]
    assert len(head) == 1
    assert all(tenant["version rows"] == head for tenant in alembic.values())
    assert len(alembic) == TENANTS
    assert {f"s0_t{k}" for k in range(0, REVISIONS, 4)} <= set(alembic[next(iter(alembic))])
    for name, floor in ends.items():
        assert floor == alembic, name
