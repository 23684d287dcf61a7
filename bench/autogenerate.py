"""Drift check over a PostgreSQL fleet: `orch check --all-dbs` against Alembic's compare_metadata.

    uv run python -m bench.autogenerate                 # 20 databases x 200 tables, 3 runs
    uv run python -m bench.autogenerate --dbs 4 --tables 50 --reps 1

Each database is built from the same 200 tables (columns, a unique, an index, a foreign key to
the table before); the models differ from it in a few places (columns added, an index, a type),
so every database has the same few differences. orch runs as a whole process (`orch check
--all-dbs --json`, its default concurrency); Alembic runs as a whole process too, comparing the
databases one after another with `alembic.autogenerate.compare_metadata`, as an env.py loop
would. Both are timed end to end (imports included) under /usr/bin/time for peak RSS, the two
interleaved, and both must report the same number of differences.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import pg
from bench.generate import WORK
from bench.run import TIME, compile_workspace

MODELS = """import sqlalchemy as sa

metadata = sa.MetaData(naming_convention={{
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}})
TABLES = {tables}
DRIFT = {drift}


def table(k, drift):
    columns = [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, index=True),
        sa.Column("code", sa.String(20 if not (drift and k == 3) else 40), unique=True),
        sa.Column("created", sa.DateTime, server_default=sa.func.now()),
        sa.Column("amount", sa.Numeric(10, 2)),
        sa.Column("note", sa.Text, comment="free text"),
    ]
    if k:
        columns.append(sa.Column("parent_id", sa.ForeignKey(f"t{{k - 1:03d}}.id")))
    if drift and k in (0, 1, 2):
        columns.append(sa.Column("added", sa.Integer))
    table = sa.Table(f"t{{k:03d}}", metadata, *columns)
    if drift and k == 4:
        sa.Index(None, table.c.amount)
    return table


for k in range(TABLES):
    table(k, DRIFT)
"""

ALEMBIC = """
import sys, time
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
sys.path.insert(0, sys.argv[1])
from bench_models import metadata
total = 0
for url in sys.argv[2:]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)
        total += sum(len(d) if isinstance(d, list) else 1 for d in diffs)
    engine.dispose()
print(total)
"""


def build(root: Path, names: list[str], tables: int) -> None:
    """Create the databases from the unchanged tables; write the drifted models and orch.toml."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "src").mkdir(exist_ok=True)
    (root / "migrations").mkdir(exist_ok=True)
    (root / "src" / "bench_models.py").write_text(MODELS.format(tables=tables, drift=True))
    namespace: dict[str, object] = {}
    exec(MODELS.format(tables=tables, drift=False), namespace)
    pg.recreate(names)
    pg.created.extend(names)
    import sqlalchemy as sa

    for name in names:
        engine = sa.create_engine(f"{pg.URL}/{name}")
        namespace["metadata"].create_all(engine)  # type: ignore[attr-defined]
        engine.dispose()
    lines = ["[orch]", 'python_path = ["src"]', "", "[services.app]", 'scripts = "migrations"']
    lines.append('metadata = "bench_models:metadata"')
    for name in names:
        lines += ["", f"[databases.{name}]", f'url = "{pg.URL}/{name}"', 'services = ["app"]']
    (root / "orch.toml").write_text("\n".join(lines) + "\n")


def timed(argv: list[str], cwd: Path) -> tuple[float, int, str]:
    """Run argv; return wall seconds, peak RSS in MB and stdout."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        start = time.perf_counter()
        proc = subprocess.run(
            [str(TIME), "-v", "-o", out.name, *argv],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        rss = next(
            int(line.rsplit(":", 1)[1])
            for line in out.read().splitlines()
            if "Maximum resident set size" in line
        )
    if proc.returncode not in {0, 1}:
        sys.exit(f"{argv[0]} failed: {proc.stderr[-500:]}")
    return wall, rss // 1024, proc.stdout


def main(argv: list[str] | None = None) -> int:
    """Build the fleet, time both tools, print a table, drop the databases."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--dbs", type=int, default=20)
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    if not pg.available():
        sys.exit("PostgreSQL is not reachable at 127.0.0.1:5432")
    compile_workspace()
    root = WORK / "autogenerate"
    names = pg.unique_names(args.dbs)
    orch = str(Path(sys.executable).parent / "orch")
    urls = [f"{pg.URL}/{name}" for name in names]
    results: dict[str, list[tuple[float, int]]] = {"orch": [], "alembic": []}
    try:
        build(root, names, args.tables)
        for _ in range(args.reps):
            wall, rss, out = timed([orch, "check", "--all-dbs", "--json"], root)
            found = json.loads(out)["databases"]
            orch_total = sum(len(db["drift"]) for db in found.values())
            results["orch"].append((wall, rss))
            wall, rss, out = timed([sys.executable, "-c", ALEMBIC, str(root / "src"), *urls], root)
            alembic_total = int(out.strip())
            results["alembic"].append((wall, rss))
            if orch_total != alembic_total:
                sys.exit(f"orch found {orch_total} differences, Alembic {alembic_total}")
    finally:
        pg.drop_all()
    print(f"{args.dbs} PostgreSQL databases x {args.tables} tables, {orch_total} differences")
    print("| tool | runs | median wall (s) | peak RSS (MB) |")
    print("|---|---|---|---|")
    medians = {}
    for tool, runs in results.items():
        medians[tool] = statistics.median(wall for wall, _ in runs)
        peak = max(rss for _, rss in runs)
        print(f"| {tool} | {len(runs)} | {medians[tool]:.2f} | {peak} |")
    print(f"orch is {medians['alembic'] / medians['orch']:.1f}x faster (target: 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
