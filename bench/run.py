"""Run every benchmark scenario: orch, Alembic and the raw floor as whole processes.

Usage: uv run python -m bench.run [--quick] [--scenario NAME ...] [--reps N] [--markdown PATH]
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import pg
from bench.generate import WORK, Project, demo_alembic, generate, render_floor

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TIME = Path("/usr/bin/time")


@dataclass
class Tool:
    """One side of a scenario: a command line and what to reset before each run."""

    argv: list[str]
    setup: Callable[[], None] = lambda: None
    cwd: Path = REPO
    reps: int | None = None
    warm: bool = True
    inner: bool = False  # record the seconds the process prints, not its wall time
    walls: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds, from /usr/bin/time
    rss_kb: list[int] = field(default_factory=list)
    error: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Check:
    """A target: ``slow`` / ``fast`` >= factor (or <= factor when ``at_most``)."""

    label: str
    fast: str
    slow: str
    factor: float
    at_most: bool = False
    memory: bool = False


@dataclass
class Scenario:
    """A named set of tools measured side by side, and its targets."""

    name: str
    tools: dict[str, Tool]
    checks: list[Check]


def measure(tool: Tool) -> None:
    """Run the tool once as a whole process; record wall time and peak RSS."""
    tool.setup()
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        argv = [str(TIME), "-v", "-o", out.name, *tool.argv] if TIME.exists() else tool.argv
        start = time.perf_counter()
        proc = subprocess.run(
            argv,
            check=False,
            cwd=tool.cwd,
            stdout=subprocess.PIPE if tool.inner else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
            tool.error = " / ".join(lines[-2:]) or f"exit {proc.returncode}"
            return
        # Without /usr/bin/time: the largest child so far (an upper bound, not per run).
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        cpu = 0.0
        if TIME.exists():
            for line in out.read().splitlines():
                if "Maximum resident set size" in line:
                    rss = int(line.rsplit(":", 1)[1])
                if "User time (seconds)" in line or "System time (seconds)" in line:
                    cpu += float(line.rsplit(":", 1)[1])
    tool.walls.append(float(proc.stdout.split()[-1]) if tool.inner else wall)
    tool.rss_kb.append(rss)
    if cpu:
        tool.cpu.append(cpu)


def _rm(*paths: Path) -> Callable[[], None]:
    def reset() -> None:
        for path in paths:
            if path.is_dir():
                shutil.rmtree(path)
                path.mkdir()
            else:
                path.unlink(missing_ok=True)

    return reset


def _orch(project: Project, *args: str) -> list[str]:
    return [str(BIN / "orch"), "--config", str(project.orch_toml), "-q", *args]


def _alembic(project: Project, db: str, *args: str) -> list[str]:
    return [str(BIN / "alembic"), "-c", str(project.alembic_ini(db)), *args]


def graph_scenarios(quick: bool) -> list[Scenario]:
    """Return heads/history at 10,000 revisions, warm and cold header cache."""
    n = 2000 if quick else 10000
    p = generate(f"graph{n}", services=5, revisions=n)
    out = []
    for cmd in ("heads", "history"):
        tools = {
            "orch-warm": Tool(_orch(p, cmd)),
            "orch-cold": Tool(_orch(p, cmd), setup=_rm(p.header_cache)),
            "alembic": Tool(_alembic(p, "db0", cmd)),
        }
        checks = [
            Check(f"{cmd} {n} warm >= 20x", "orch-warm", "alembic", 20),
            Check(f"{cmd} {n} cold >= 4x", "orch-cold", "alembic", 4),
        ]
        if cmd == "heads":
            checks.append(
                Check(f"heads {n} peak RSS <= 0.5x", "orch-warm", "alembic", 2, memory=True)
            )
        out.append(Scenario(f"{cmd}-{n}", tools, checks))
    return out


def upgrade_scenario(quick: bool) -> Scenario:
    """Return `upgrade heads` of a 1,000-step, 5-service chain with merges on SQLite."""
    n = 300 if quick else 1000
    p = generate(f"chain{n}", services=5, revisions=n)
    floor = render_floor(p, "db0", p.root / "floor.json")
    reset = _rm(p.root / "db")
    db = p.root / "db" / "db0.db"
    tools = {
        "orch": Tool(_orch(p, "upgrade", "--all-dbs", "heads"), setup=reset),
        "alembic": Tool(_alembic(p, "db0", "upgrade", "heads"), setup=reset),
        "floor": Tool(
            [sys.executable, str(REPO / "bench" / "floor.py"), str(floor), str(db)], reset
        ),
    }
    return Scenario(
        f"upgrade-{n}",
        tools,
        [
            Check(f"upgrade {n} >= 2x alembic", "orch", "alembic", 2),
            Check(f"upgrade {n} <= 1.3x floor", "orch", "floor", 1.3, at_most=True),
        ],
    )


def _fleet_tools(
    p: Project, floor: Path, targets: list[str], reset: Callable[[], None]
) -> dict[str, Tool]:
    inis = [str(p.alembic_ini(db)) for db in p.databases]
    return {
        "orch": Tool(_orch(p, "upgrade", "--all-dbs", "heads"), setup=reset),
        "alembic-1proc": Tool(
            [sys.executable, str(REPO / "bench" / "alembic_fleet.py"), *inis], setup=reset
        ),
        "floor": Tool(
            [sys.executable, str(REPO / "bench" / "floor.py"), str(floor), *targets], reset
        ),
    }


def fleet_sqlite(quick: bool) -> Scenario:
    """Return 50 SQLite databases x 30 revisions, `--all-dbs`."""
    n = 10 if quick else 50
    p = generate(f"fleet{n}", services=1, revisions=30, fork_every=0, databases=n)
    floor = render_floor(p, "db0", p.root / "floor.json")
    reset = _rm(p.root / "db")
    tools = _fleet_tools(p, floor, [str(p.root / "db" / f"{d}.db") for d in p.databases], reset)
    loop = " ".join(str(p.alembic_ini(db)) for db in p.databases)
    shell = f"for i in {loop}; do {BIN / 'alembic'} -c $i upgrade heads || exit 1; done"
    if not quick:
        tools["alembic-shell"] = Tool(["sh", "-c", shell], setup=reset, reps=1, warm=False)
    return Scenario(
        f"fleet-sqlite-{n}",
        tools,
        [
            Check(f"{n} sqlite dbs >= 3x alembic 1 proc", "orch", "alembic-1proc", 3),
            Check(f"{n} sqlite dbs >= 20x alembic shell loop", "orch", "alembic-shell", 20),
        ],
    )


def fleet_postgres(quick: bool) -> Scenario | None:
    """Return 20 PostgreSQL databases x 30 revisions, or None when PostgreSQL is down."""
    if not pg.available():
        return None
    n = 5 if quick else 20
    names = pg.unique_names(n)
    template = pg.URL + "/" + names[0].rsplit("_", 1)[0] + "_{db}"
    p = generate(
        f"fleetpg{n}", services=1, revisions=30, fork_every=0, databases=n, url_template=template
    )
    floor = render_floor(p, "db0", p.root / "floor.json")
    dbnames = [template.format(root="", db=d).rsplit("/", 1)[1] for d in p.databases]
    pg.created.extend(dbnames)
    targets = [pg.conninfo(name) for name in dbnames]
    tools = _fleet_tools(p, floor, targets, lambda: pg.recreate(dbnames))
    return Scenario(
        f"fleet-postgres-{n}",
        tools,
        [Check(f"{n} postgres dbs >= 3x alembic 1 proc", "orch", "alembic-1proc", 3)],
    )


def sql_scenario(quick: bool) -> Scenario:
    """Return `upgrade --sql` for 3,000 revisions."""
    n = 1000 if quick else 3000
    p = generate(f"sql{n}", services=5, revisions=n)
    tools = {
        "orch": Tool(_orch(p, "upgrade", "--all-dbs", "--sql", "heads")),
        "alembic": Tool(_alembic(p, "db0", "upgrade", "heads", "--sql")),
    }
    return Scenario(f"sql-{n}", tools, [Check(f"upgrade --sql {n} >= 3x", "orch", "alembic", 3)])


def demo_scenarios() -> list[Scenario]:
    """Return `--help` and `heads` on the repository's demo."""
    ini = demo_alembic(REPO)
    orch = [str(BIN / "orch"), "--config", str(REPO / "orch.toml")]
    alembic = [str(BIN / "alembic"), "-c", str(ini)]
    return [
        Scenario(
            "help",
            {
                "orch": Tool([str(BIN / "orch"), "--help"]),
                "alembic": Tool([str(BIN / "alembic"), "--help"]),
            },
            [Check("--help >= 3x", "orch", "alembic", 3)],
        ),
        Scenario(
            "demo-heads",
            {"orch": Tool([*orch, "heads"]), "alembic": Tool([*alembic, "heads"])},
            [Check("demo heads >= 3x", "orch", "alembic", 3)],
        ),
    ]


def ops_scenario(quick: bool) -> Scenario:
    """Return 1,000 operations through orch's op layer against the same DDL through sqlite3."""
    root = WORK / "ops"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    script = str(REPO / "bench" / "ops.py")
    sql = root / "ops.json"
    subprocess.run([sys.executable, script, "render", str(sql)], check=True, cwd=REPO)
    orch_db, raw_db = root / "orch.db", root / "raw.db"
    tools = {
        "orch-ops": Tool([sys.executable, script, "orch", str(orch_db)], _rm(orch_db), inner=True),
        "sqlite3": Tool(
            [sys.executable, script, "driver", str(sql), str(raw_db)], _rm(raw_db), inner=True
        ),
    }
    check = Check("ops layer 1000 ops <= 1.15x sqlite3", "orch-ops", "sqlite3", 1.15, at_most=True)
    return Scenario("ops-1000", tools, [check])


BUILDERS: dict[str, Callable[[bool], list[Scenario]]] = {
    "graph": graph_scenarios,
    "upgrade": lambda q: [upgrade_scenario(q)],
    "fleet-sqlite": lambda q: [fleet_sqlite(q)],
    "fleet-postgres": lambda q: [s for s in [fleet_postgres(q)] if s],
    "sql": lambda q: [sql_scenario(q)],
    "demo": lambda q: demo_scenarios(),
    "ops": lambda q: [ops_scenario(q)],
}


def run_scenario(scenario: Scenario, reps: int) -> None:
    """Measure every tool of a scenario, interleaved, ``reps`` times (after one warm-up)."""
    for tool in scenario.tools.values():
        if not tool.warm:
            continue
        measure(tool)  # warm-up: fills OS and header caches; not counted
        tool.walls.clear()
        tool.cpu.clear()
        tool.rss_kb.clear()
    for rep in range(reps):
        for tool in scenario.tools.values():
            if tool.error is None and rep < (tool.reps or reps):
                measure(tool)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _ratio(fast: float | None, slow: float | None, at_most: bool) -> float | None:
    """Return slow / fast (fast / slow when at_most), or None without both."""
    if not fast or not slow:
        return None
    return fast / slow if at_most else slow / fast


def _verdict(scenario: Scenario, check: Check) -> tuple[str, str, str]:
    """Return the measured ratio, its verdict and the same ratio on CPU time."""
    fast, slow = scenario.tools[check.fast], scenario.tools[check.slow]
    pick = (
        (lambda t: _median([float(x) for x in t.rss_kb]))
        if check.memory
        else (lambda t: _median(t.walls))
    )
    ratio = _ratio(pick(fast), pick(slow), check.at_most)
    cpu = _ratio(_median(fast.cpu), _median(slow.cpu), check.at_most)
    cpu_s = "-" if cpu is None or check.memory else f"{cpu:.2f}x"
    if ratio is None:
        return "n/a", f"ERROR ({fast.error or slow.error or 'not run'})", cpu_s
    if check.at_most:
        verdict = "PASS" if ratio <= check.factor else "FAIL"
        return f"{ratio:.2f}x of {check.slow}", verdict, cpu_s
    return f"{ratio:.2f}x", "PASS" if ratio >= check.factor else "FAIL", cpu_s


def publish(table: str, markdown: Path | None) -> None:
    """Print the tables, and write them to the markdown file if one was asked for."""
    print(table)
    if markdown:
        markdown.write_text(table + "\n")


def report(scenarios: list[Scenario]) -> str:
    """Return the markdown tables of medians and of targets."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"Run {now} on {os.cpu_count()} CPUs, Python {sys.version.split()[0]}", ""]
    lines += [
        "| scenario | tool | runs | median wall (s) | median CPU (s) | peak RSS (MB) | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for sc in scenarios:
        for name, tool in sc.tools.items():
            wall, cpu = _median(tool.walls), _median(tool.cpu)
            rss = _median([float(x) for x in tool.rss_kb])
            wall_s = f"{wall:.3f}" if wall else "-"
            cpu_s = f"{cpu:.2f}" if cpu else "-"
            rss_s = f"{rss / 1024:.1f}" if rss else "-"
            lines.append(
                f"| {sc.name} | {name} | {len(tool.walls)} | {wall_s} | {cpu_s} | {rss_s} | "
                f"{(tool.error or tool.note)[:120].replace('|', '/')} |"
            )
    lines += ["", "| target | measured (wall) | verdict | on CPU time |", "|---|---|---|---|"]
    for sc in scenarios:
        for check in sc.checks:
            ratio, verdict, cpu_ratio = _verdict(sc, check)
            lines.append(f"| {check.label} | {ratio} | {verdict} | {cpu_ratio} |")
    return "\n".join(lines)


def compile_workspace() -> None:
    """Give every module both tools import bytecode, as `pip install` or a wheel leaves it.

    `uv run` may (re)create the environment without `--compile-bytecode`, and with
    PYTHONDONTWRITEBYTECODE=1 set (as on this machine) SQLAlchemy, Alembic and orch's editable
    packages would then be compiled from source in every process: half a second each for both
    tools, and none for the floor.
    """
    folders = [Path(sysconfig.get_paths()["purelib"]), *sorted(REPO.glob("packages/*/src"))]
    for folder in folders:
        compileall.compile_dir(folder, quiet=1, workers=0)


def main(argv: list[str] | None = None) -> int:
    """Build the selected scenarios, run them, print (and optionally write) the tables."""
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--quick", action="store_true", help="Smaller projects, fewer runs.")
    parser.add_argument("--scenario", action="append", choices=sorted(BUILDERS), help="Only these.")
    parser.add_argument("--reps", type=int, help="Runs per tool (default 3, quick 1).")
    parser.add_argument("--markdown", type=Path, help="Also write the tables here.")
    args = parser.parse_args(argv)
    reps = args.reps or (1 if args.quick else 3)
    WORK.mkdir(exist_ok=True)
    compile_workspace()
    done: list[Scenario] = []
    try:
        for key in args.scenario or list(BUILDERS):
            for scenario in BUILDERS[key](args.quick):
                start = time.perf_counter()
                run_scenario(scenario, reps)
                print(f"# {scenario.name}: {time.perf_counter() - start:.1f}s", file=sys.stderr)
                done.append(scenario)
    finally:
        pg.drop_all()
    publish(report(done), args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
