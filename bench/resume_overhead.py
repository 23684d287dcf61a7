"""What counting a step's statements costs (`--resume`'s bookkeeping), per statement.

A step outside one transaction writes its count of completed statements into its `started`
history row after each statement (an UPDATE by primary key on the step's own connection; on
MariaDB also a COMMIT after DDL). This runs one step of N `ALTER TABLE ... ADD COLUMN`
statements in autocommit on PostgreSQL (`transactional = False`) and as an ordinary script on
MariaDB, three ways in one process, each on a fresh database, and prints the least time of
--reps runs and the ratios:

- floor: the same SQL text through the driver's cursor (psycopg / PyMySQL), nothing else;
- alembic: Alembic's `op.add_column` on a SQLAlchemy connection (no version or history rows);
- orch: `DatabaseRunner.migrate` of a one-step project (lock, version and history rows, the
  count); `orch, empty step` is the same run of a step with no ALTER, its fixed cost.

    uv run python -m bench.resume_overhead --statements 300 --reps 3
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
import structlog

from orch_core.project import Project
from orch_core.runtime.runner import DatabaseRunner
from orch_core.testing.throwaway import throwaway_database

SERVERS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/",
}
SCRIPT = '''"""{count} columns"""
import sqlalchemy as sa
import structlog
from orch_core import op

revision = "r1"
down_revision = None
{transactional}

def upgrade():
    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))
    for i in range({count}):
        op.add_column("t", sa.Column(f"c{{i}}", sa.Integer))


def downgrade():
    op.drop_table("t")
'''


def _orch(url: str, kind: str, count: int, folder: Path) -> float:
    (folder / "m").mkdir()
    transactional = "transactional = False" if kind == "postgresql" else ""
    script = SCRIPT.format(count=count, transactional=transactional)
    (folder / "m" / "r1_columns.py").write_text(script)
    config = folder / "orch.toml"
    config.write_text(
        f'[services.app]\nscripts = "m"\n\n[databases.main]\nurl = "{url}"\nservices = ["app"]\n'
    )
    project = Project.load(config, environ={})
    database = project.config.databases["main"]
    runner = DatabaseRunner(database, project.view(database), run_id="bench")
    try:
        started = time.perf_counter()
        runner.migrate("up", "heads")
        return time.perf_counter() - started
    finally:
        runner.dispose()


def _timed(url: str, work: Callable[[sa.Connection], None]) -> float:
    """Return the seconds work takes on an autocommit connection to url."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            started = time.perf_counter()
            work(conn)
            return time.perf_counter() - started
    finally:
        engine.dispose()


def _alembic(url: str, _kind: str, count: int, _folder: Path) -> float:
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    def work(conn: sa.Connection) -> None:
        op = Operations(MigrationContext.configure(conn))
        op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))
        for i in range(count):
            op.add_column("t", sa.Column(f"c{i}", sa.Integer))

    return _timed(url, work)


def _floor(url: str, _kind: str, count: int, _folder: Path) -> float:
    def work(conn: sa.Connection) -> None:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute("CREATE TABLE t (id INTEGER NOT NULL PRIMARY KEY)")
        for i in range(count):
            cursor.execute(f"ALTER TABLE t ADD COLUMN c{i} INTEGER")

    return _timed(url, work)


def _least(run: Callable[[str, str, int, Path], float], kind: str, count: int, reps: int) -> float:
    times = []
    for _ in range(reps):
        with (
            tempfile.TemporaryDirectory() as tmp,
            throwaway_database(SERVERS[kind], Path(tmp), prefix="orch_bench") as url,
        ):
            times.append(run(url, kind, count, Path(tmp)))
    return min(times)


def main() -> None:
    """Print each way's least time and its ratio to the floor, per database."""
    parser = argparse.ArgumentParser(prog="python -m bench.resume_overhead")
    parser.add_argument("--statements", type=int, default=300)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    # orch's events would drown the table: warnings and errors only.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    n = args.statements
    print("| database | way | statements | least (s) | ms per statement | vs floor |")
    print("|---|---|---|---|---|---|")
    for kind in SERVERS:
        floor = _least(_floor, kind, n, args.reps)
        fixed = _least(_orch, kind, 0, args.reps)
        rows = [
            ("floor", n, floor),
            ("alembic", n, _least(_alembic, kind, n, args.reps)),
            ("orch", n, _least(_orch, kind, n, args.reps)),
            ("orch, empty step", 0, fixed),
        ]
        for way, count, seconds in rows:
            if count == 0:  # the fixed cost: nothing per statement to compare
                print(f"| {kind} | {way} | 0 | {seconds:.3f} | - | - |")
                continue
            per = (seconds - (fixed if way == "orch" else 0)) / count * 1000
            print(
                f"| {kind} | {way} | {count} | {seconds:.3f} | {per:.2f} | {seconds / floor:.2f} |"
            )


if __name__ == "__main__":
    main()
