"""`orch status` over a fleet of 1,000 to 10,000 SQLite tenants, against Alembic and the floor.

Usage: uv run python -m bench.fleet_status [--sizes 1000 5000 10000] [--reps 3]
       [--alembic-up-to 10000] [--markdown PATH]

One project of 20 revisions; one tenant database is migrated to heads (and one to the revision
before) by orch, then copied: the fleet's tenants are files from one list (`instances_file`),
one in 200 a revision behind, so the summary has two revisions to count. Each tool runs as a
whole process under `/usr/bin/time -v` (bench/run.py's `measure`), interleaved, and the tables
give the median wall time, the CPU time (user + system, which a shared machine's load does not
inflate) and its share per tenant, and the peak RSS, with ratios of CPU time to Alembic
(`alembic current` over every tenant in one process, bench/alembic_current.py) and to the floor
(sqlite3 reading each version table, bench/version_floor.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

from bench.generate import WORK, Project, generate
from bench.run import BIN, REPO, Tool, compile_workspace, measure, publish

BEHIND_EVERY = 200  # one tenant in this many is a revision behind the others
RSS_LIMIT_MB = 150


def tenant_project(size: int) -> tuple[Project, Path]:
    """Write a 20-revision project and a fleet of `size` migrated tenants; return the tenants'
    list file."""
    project = generate(f"tenants{size}", services=1, revisions=20, fork_every=0)
    templates = _migrated_templates(project)
    folder = project.root / "t"
    folder.mkdir()
    names = [f"t{i:05d}" for i in range(size)]
    for i, name in enumerate(names):
        shutil.copyfile(templates[i % BEHIND_EVERY == BEHIND_EVERY - 1], folder / f"{name}.db")
    listing = project.root / "tenants.txt"
    listing.write_text("\n".join(names) + "\n")
    with project.orch_toml.open("a") as config:
        config.write(
            '[fleets.tenants]\nurl = "sqlite:///t/{name}.db"\nservices = ["s0"]\n'
            'instances_file = "tenants.txt"\n'
        )
    return project, listing


def _migrated_templates(project: Project) -> dict[bool, Path]:
    """Return two migrated databases: at heads (False) and one revision behind (True)."""
    migrated = project.root / "db" / "db0.db"
    orch = [str(BIN / "orch"), "--config", str(project.orch_toml), "-q"]
    subprocess.run([*orch, "upgrade", "--all-dbs", "heads"], check=True, cwd=project.root)
    at_heads = project.root / "heads.db"
    shutil.copyfile(migrated, at_heads)
    subprocess.run([*orch, "downgrade", "--all-dbs", "-1"], check=True, cwd=project.root)
    behind = project.root / "behind.db"
    shutil.copyfile(migrated, behind)
    return {False: at_heads, True: behind}


def tools(project: Project, listing: Path, alembic: bool) -> dict[str, Tool]:
    """Return orch's commands, Alembic's loop (if asked) and the floor over one fleet."""
    orch = [str(BIN / "orch"), "--config", str(project.orch_toml), "-q"]
    ini = str(project.alembic_ini("db0"))
    folder = str(project.root / "t")
    bench = REPO / "bench"
    # No warm-up: the tenants' files were just written, they are in the OS cache.
    found = {
        "orch status": Tool([*orch, "status", "--db", "tenants"]),
        "orch status --json": Tool([*orch, "status", "--db", "tenants", "--json"]),
        "orch current": Tool([*orch, "current", "--all-dbs"]),
        # 35 ms a tenant: once per size.
        "alembic current loop": Tool(
            [sys.executable, str(bench / "alembic_current.py"), ini, folder, str(listing)],
            reps=1,
        ),
        "floor (sqlite3)": Tool(
            [sys.executable, str(bench / "version_floor.py"), folder, str(listing)]
        ),
    }
    if not alembic:
        del found["alembic current loop"]
    return found


def run_size(size: int, reps: int, alembic: bool) -> dict[str, Tool]:
    """Build one fleet and measure each tool on it, interleaved."""
    project, listing = tenant_project(size)
    measured = tools(project, listing, alembic)
    for rep in range(reps):
        for name, tool in measured.items():
            if tool.error is None and rep < (tool.reps or reps):
                CPU.setdefault((size, name), []).append(_cpu_of(tool))
    shutil.rmtree(project.root / "t")
    return measured


# CPU seconds (user + system) of each run, by (size, tool): on a machine shared with other
# work, wall time measures the load as much as the tool; CPU time does not.
CPU: dict[tuple[int, str], list[float]] = {}


def _cpu_of(tool: Tool) -> float:
    """Measure the tool once; return the CPU seconds its process (and its children) used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    measure(tool)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def report(results: dict[int, dict[str, Tool]], reps: int) -> str:
    """Return the markdown tables: every tool at every size, then the verdicts."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"Run {now} on {os.cpu_count()} CPUs (load average {load}), {reps} runs each, median",
        "",
        "| tenants | tool | wall (s) | CPU (s) | CPU ms per tenant | peak RSS (MB) "
        "| CPU, orch status = 1 | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size, measured in results.items():
        base = _cpu(size, "orch status")
        for name, tool in measured.items():
            if not tool.walls:
                lines.append(f"| {size:,} | {name} | - | - | - | - | - | {tool.error} |")
                continue
            wall, cpu = _median(tool.walls), _cpu(size, name)
            rss = _median([float(kb) for kb in tool.rss_kb]) / 1024
            ratio = f"{cpu / base:.2f}" if base else "-"
            lines.append(
                f"| {size:,} | {name} | {wall:.2f} | {cpu:.2f} | {1000 * cpu / size:.3f} "
                f"| {rss:.1f} | {ratio} | |"
            )
    lines += ["", *verdicts(results)]
    return "\n".join(lines)


def _cpu(size: int, name: str) -> float:
    """Return the median CPU seconds of a tool at a size (0 if it never ran)."""
    found = CPU.get((size, name))
    return _median(found) if found else 0.0


def verdicts(results: dict[int, dict[str, Tool]]) -> list[str]:
    """Return the targets' table: peak RSS under the limit, CPU time per tenant constant."""
    lines = ["| target | measured | verdict |", "|---|---|---|"]
    sizes = sorted(results)
    for name in ("orch status", "orch status --json", "orch current"):
        peak = max(max(results[s][name].rss_kb, default=0) for s in sizes) / 1024
        verdict = "PASS" if 0 < peak < RSS_LIMIT_MB else "FAIL"
        lines.append(f"| {name}: peak RSS < {RSS_LIMIT_MB} MB | {peak:.1f} MB | {verdict} |")
        per = [1000 * _cpu(s, name) / s for s in sizes if _cpu(s, name)]
        if len(per) > 1:
            # Linear: the largest fleet's CPU time per tenant within 1.3x of the smallest's.
            growth = per[-1] / per[0]
            verdict = "PASS" if growth <= 1.3 else "FAIL"
            shown = f"{per[0]:.3f} -> {per[-1]:.3f} CPU ms/tenant ({growth:.2f}x)"
            lines.append(f"| {name}: linear in tenants | {shown} | {verdict} |")
    for size in sizes:
        ours = _cpu(size, "orch status")
        for other in ("alembic current loop", "floor (sqlite3)"):
            if _cpu(size, other) and ours:
                ratio = _cpu(size, other) / ours
                label = f"{size:,} tenants: {other} / orch status, CPU time"
                lines.append(f"| {label} | {ratio:.2f}x | - |")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Measure each size, print (and optionally write) the tables."""
    parser = argparse.ArgumentParser(prog="python -m bench.fleet_status")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--alembic-up-to", type=int, default=10000, help="Run Alembic's loop up to this size."
    )
    parser.add_argument("--markdown", type=Path, help="Also write the tables here.")
    args = parser.parse_args(argv)
    WORK.mkdir(exist_ok=True)
    compile_workspace()
    results: dict[int, dict[str, Tool]] = {}
    for size in args.sizes:
        results[size] = run_size(size, args.reps, size <= args.alembic_up_to)
        print(report(results, args.reps), file=sys.stderr, flush=True)  # so far
    publish(report(results, args.reps), args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
