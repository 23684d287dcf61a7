"""Fleets at scale: 1,000 SQLite tenant databases and 200 PostgreSQL schema-tenants.

Usage: uv run python -m bench.fleet_scale [--quick] [--tenants N] [--schemas N]
       [--shell-sample N] [--reps N] [--no-warm] [--only sqlite|postgres] [--work DIR]
       [--markdown PATH]

Each fleet is declared once for orch (`[fleets.tenants]`, instances from a file) and migrated
with `orch upgrade --all-dbs heads`. Alembic migrates the same tenants in one process through
one env.py that loops over them (bench/alembic_tenants_env.py: the scripts are read once), and,
for SQLite, in a shell loop of `alembic upgrade heads`, one process per tenant. The floor runs
the SQL that Alembic renders through sqlite3 or psycopg, per tenant. The SQLAlchemy floor
(bench/fleet_floor.py) renders each step's DDL from the scripts' SQLAlchemy constructs at run
time, as orch and Alembic must, in one process and in one per CPU: the least any tool running
these scripts does.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import pg
from bench.generate import WORK, Project, generate, render_floor, write_fleet
from bench.planner import floor_code
from bench.run import (
    BIN,
    REPO,
    Check,
    Scenario,
    Tool,
    compile_workspace,
    publish,
    report,
    run_scenario,
)

REVISIONS = 20
SCALED = "alembic-shell-scaled"
FLOOR = [sys.executable, str(REPO / "bench" / "floor.py")]
SA_FLOOR = [sys.executable, "-m", "bench.fleet_floor"]
CPUS = os.cpu_count() or 1
SA_FLOOR_N = f"sa-floor-{CPUS}proc"  # every core: the most a tool rendering DDL can reach


def alembic_loop(project: Project, url: str, schema: str | None = None) -> list[str]:
    """Write an Alembic environment that loops over the fleet's tenants; return its command."""
    env = project.root / "alembic-tenants"
    env.mkdir(exist_ok=True)
    shutil.copy(REPO / "bench" / "alembic_tenants_env.py", env / "env.py")
    shutil.copy(project.root / "alembic" / "script.py.mako", env)
    ini = project.root / "alembic-tenants.ini"
    locations = " ".join(str(project.root / "services" / s) for s in project.services)
    lines = [
        "[alembic]",
        f"script_location = {env}",
        f"version_locations = {locations}",
        "path_separator = space",
        f"tenants_file = {project.root / 'tenants.txt'}",
        f"tenant_url = {url}",
    ]
    lines += [f"tenant_schema = {schema}"] if schema else []
    ini.write_text("\n".join(lines) + "\n")
    return [str(BIN / "alembic"), "-c", str(ini), "upgrade", "heads"]


def _orch(project: Project) -> list[str]:
    return [str(BIN / "orch"), "--config", str(project.orch_toml), "-q"]


def fleet_tools(
    project: Project, url: str, schema: str | None, targets: list[str], reset: Callable[[], None]
) -> dict[str, Tool]:
    """Return orch, Alembic's one-process loop and the SQLAlchemy floor in 1 and N processes."""
    code = str(floor_code(project))
    # Reading the plan built orch's header cache; orch's first run builds it, as before.
    project.header_cache.unlink(missing_ok=True)
    tools = {
        "orch": Tool([*_orch(project), "upgrade", "--all-dbs", "heads"], setup=reset),
        "alembic-1proc": Tool(alembic_loop(project, url, schema), setup=reset),
    }
    for procs in sorted({1, CPUS}):
        argv = [*SA_FLOOR, "--procs", str(procs), code, *targets]
        tools[f"sa-floor-{procs}proc"] = Tool(argv, setup=reset)
    return tools


def _emptied(folder: Path) -> Callable[[], None]:
    def reset() -> None:
        shutil.rmtree(folder)
        folder.mkdir()

    return reset


def shell_loop(project: Project, sample: int) -> str:
    """Return a shell loop of `alembic upgrade heads` over the first ``sample`` tenants."""
    inis = " ".join(str(project.alembic_ini(db)) for db in project.databases[:sample])
    return f"for i in {inis}; do {BIN / 'alembic'} -c $i upgrade heads || exit 1; done"


def sqlite_fleet(tenants: int, sample: int, work: Path) -> Scenario:
    """Return N SQLite tenant databases x 20 revisions as one fleet, against Alembic's loops."""
    p = generate(
        f"fleetscale-sqlite-{tenants}",
        services=1,
        revisions=REVISIONS,
        fork_every=0,
        databases=tenants,
        work=work,
    )
    url = f"sqlite:///{p.root}/db/{{name}}.db"
    write_fleet(p, url)
    # Alembic's processes read the scripts' bytecode, as where bytecode may be written.
    compileall.compile_dir(p.root / "services", quiet=1)
    floor = render_floor(p, "db0", p.root / "floor.json")
    reset = _emptied(p.root / "db")
    files = [str(p.root / "db" / f"{db}.db") for db in p.databases]
    tools = fleet_tools(p, url, None, files, reset)
    tools["floor"] = Tool([*FLOOR, str(floor), *files], setup=reset)
    label = f"{tenants} sqlite tenants >= 3x alembic 1 proc"
    checks = [
        Check(label, "orch", "alembic-1proc", 3),
        # What 3x asks, set against the most any tool rendering through SQLAlchemy reaches here.
        Check(f"{SA_FLOOR_N}: {label}", SA_FLOOR_N, "alembic-1proc", 3),
    ]
    if sample:
        # Two samples show the loop's time per tenant is flat, so the larger scales linearly.
        for size in sorted({max(1, sample // 2), sample}):
            loop = ["sh", "-c", shell_loop(p, size)]
            tools[f"alembic-shell-{size}"] = Tool(loop, setup=reset, reps=1, warm=False)
        label = f"{tenants} sqlite tenants >= 20x alembic shell loop"
        checks.append(
            Check(label, "orch", SCALED if sample < tenants else f"alembic-shell-{sample}", 20)
        )
    return Scenario(f"fleet-scale-sqlite-{tenants}", tools, checks)


def postgres_fleet(schemas: int) -> Scenario | None:
    """Return N PostgreSQL schema-tenants x 20 revisions in one database, or None when down."""
    if not pg.available():
        return None
    dbname = pg.unique_names(1)[0]
    url = f"{pg.URL}/{dbname}"
    p = generate(
        f"fleetscale-postgres-{schemas}",
        services=1,
        revisions=REVISIONS,
        fork_every=0,
        databases=schemas,
        url_template=url,
    )
    write_fleet(p, url, schema="tenant_{name}")
    compileall.compile_dir(p.root / "services", quiet=1)
    floor = render_floor(p, "db0", p.root / "floor.json")
    pg.created.append(dbname)
    targets = [f"{pg.conninfo(dbname)}#tenant_{db}" for db in p.databases]
    reset = lambda: pg.recreate([dbname])  # noqa: E731
    tools = fleet_tools(p, url, "tenant_{name}", targets, reset)
    tools["floor"] = Tool([*FLOOR, str(floor), *targets], setup=reset)
    label = f"{schemas} postgres schemas >= 2x alembic 1 proc"
    checks = [
        Check(label, "orch", "alembic-1proc", 2),
        Check(f"{SA_FLOOR_N}: {label}", SA_FLOOR_N, "alembic-1proc", 2),
    ]
    return Scenario(f"fleet-scale-postgres-{schemas}", tools, checks)


def scale_shell(scenario: Scenario, tenants: int) -> None:
    """Add the shell loop's time for the whole fleet, from its largest sample (it is linear)."""
    samples = {
        int(name.rsplit("-", 1)[1]): tool
        for name, tool in scenario.tools.items()
        if name.startswith("alembic-shell-") and name != SCALED and tool.walls
    }
    if not samples or max(samples) >= tenants:
        return
    per_tenant = {size: tool.walls[0] / size for size, tool in sorted(samples.items())}
    size = max(samples)
    note = "from the sample of " + ", ".join(
        f"{n}: {seconds:.3f} s a tenant" for n, seconds in per_tenant.items()
    )
    scaled = Tool(samples[size].argv, walls=[per_tenant[size] * tenants], note=note)
    scaled.rss_kb = samples[size].rss_kb
    scenario.tools[SCALED] = scaled


def filesystem(folder: Path) -> str:
    """Return the type of the filesystem holding ``folder`` (tmpfs is memory: no fsync cost)."""
    found, kind = "", "unknown"
    with open("/proc/mounts") as mounts:
        for line in mounts:
            point, fstype = line.split()[1:3]
            inside = folder == Path(point) or Path(point) in folder.parents
            if inside and len(point) >= len(found):
                found, kind = point, fstype
    return kind


def where(folder: Path) -> str:
    """Return where the SQLite files are, for the report: fsync on a disk changes the picture."""
    kind = filesystem(folder.resolve())
    place = "in memory" if kind in {"tmpfs", "ramfs"} else "on disk"
    return f"SQLite files under {folder.resolve()} ({kind}, {place})"


def main(argv: list[str] | None = None) -> int:
    """Build the fleets, run them side by side, print (and optionally write) the tables."""
    parser = argparse.ArgumentParser(prog="python -m bench.fleet_scale")
    parser.add_argument("--quick", action="store_true", help="100 tenants, 20 schemas, 1 run.")
    parser.add_argument("--tenants", type=int, help="SQLite tenants (default 1000).")
    parser.add_argument("--schemas", type=int, help="PostgreSQL schema-tenants (default 200).")
    parser.add_argument(
        "--shell-sample", type=int, help="Tenants the shell loop runs (default all; 0: none)."
    )
    parser.add_argument("--reps", type=int, help="Runs per tool (default 3, quick 1).")
    parser.add_argument(
        "--no-warm", action="store_true", help="No warm-up run (a 1,000-tenant run is long)."
    )
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="One fleet only.")
    parser.add_argument("--markdown", type=Path, help="Also write the tables here.")
    parser.add_argument(
        "--work", type=Path, default=WORK, help="Where the projects and SQLite files go."
    )
    args = parser.parse_args(argv)
    tenants = args.tenants or (100 if args.quick else 1000)
    schemas = args.schemas or (20 if args.quick else 200)
    sample = tenants if args.shell_sample is None else min(args.shell_sample, tenants)
    reps = args.reps or (1 if args.quick else 3)
    args.work.mkdir(parents=True, exist_ok=True)
    compile_workspace()
    builders: dict[str, Callable[[], Scenario | None]] = {
        "sqlite": lambda: sqlite_fleet(tenants, sample, args.work),
        "postgres": lambda: postgres_fleet(schemas),
    }
    done: list[Scenario] = []
    try:
        for key in [args.only] if args.only else list(builders):
            scenario = builders[key]()
            if scenario is None:
                continue
            for tool in scenario.tools.values():
                tool.warm = tool.warm and not args.no_warm
            start = time.perf_counter()
            run_scenario(scenario, reps)
            scale_shell(scenario, tenants)
            print(f"# {scenario.name}: {time.perf_counter() - start:.1f}s", file=sys.stderr)
            done.append(scenario)
    finally:
        pg.drop_all()
    run_line, tables = report(done).split("\n", 1)
    if any(scenario.name.startswith("fleet-scale-sqlite") for scenario in done):
        run_line += f"; {where(args.work)}"
    publish(f"{run_line}\n{tables}", args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
