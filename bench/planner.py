"""Plan on a merge-heavy graph: orch's planner against Alembic's, in process and as processes.

Usage: uv run python -m bench.planner [--sizes 1000 2500 5000] [--reps 5] [--markdown PATH]

The shape (issue 13): 5 services; each a chain that forks every 10 revisions into 2 branches, or
3 for every fourth fork, and merges them again; the first revision after each fork of a service
depends on the merge of the same block in the service before it. In process, each tool in a
process of its own per size: the plans of `upgrade heads` from base and `downgrade base` from
the heads, the least CPU time of --reps runs (the machine is shared; CPU time is what other
processes disturb least), after `gc.freeze()` as orch's CLI does once the project is loaded.
orch plans on a fresh database view (its lazily built indexes included); Alembic on the
`ScriptDirectory` over the same scripts (`_upgrade_revs` / `_downgrade_revs`, its revision map
built beforehand; the version-row bookkeeping that orch's plan also does is not counted for
Alembic). As whole processes, through bench.run: `upgrade --sql`, `downgrade --sql heads:base`
and `current` on a SQLite database stamped at the heads, and next to `upgrade --sql` its floor
(bench/offline_floor.py: the same scripts' DDL through SQLAlchemy and nothing else).
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.generate import Project, Script, _rev_id, write_project
from bench.offline_floor import prepare
from bench.run import (
    BIN,
    REPO,
    Check,
    Scenario,
    Tool,
    _alembic,
    _orch,
    compile_workspace,
    report,
    run_scenario,
)

SERVICES = 5
COMMANDS = ("up-sql", "down-sql", "current")  # the whole processes timed, by name
BLOCK = 10  # revisions per fork-and-merge: a merge every 10 revisions


def _table(service: str, index: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    name = f"{service}_t{index}"
    up = f"op.create_table({name!r}, sa.Column('id', sa.Integer, primary_key=True))"
    return (up,), (f"op.drop_table({name!r})",)


def merge_heavy_service(service: str, count: int, anchors: list[str]) -> list[Script]:
    """Return a service's scripts: a root, then blocks that fork into 2 or 3 branches and merge.

    The first revision of block k depends on anchors[k] (another service's revision), if any.
    """
    root = _rev_id(service, 0)
    scripts = [Script(root, (), (service,), (), service, 0, *_table(service, 0))]
    head, index, block = root, 1, 0
    while index < count:
        width = 3 if block % 4 == 3 else 2
        size = min(BLOCK, count - index)
        lengths = [(size - 1) // width + (1 if b < (size - 1) % width else 0) for b in range(width)]
        if size < width + 1:
            lengths, width = [size], 1
        tips = []
        for branch, length in enumerate(lengths):
            down = head
            for step in range(length):
                first = branch == 0 and step == 0 and block < len(anchors)
                depends = (anchors[block],) if first else ()
                rev = _rev_id(service, index)
                ops = _table(service, index)
                scripts.append(Script(rev, (down,), (), depends, service, index, *ops))
                down, index = rev, index + 1
            tips.append(down)
        if width > 1:
            head = _rev_id(service, index, "merge")
            scripts.append(Script(head, tuple(tips), (), (), service, index, (), ()))
            index += 1
        else:
            head = tips[0]
        block += 1
    return scripts


def merge_heavy(revisions: int) -> Project:
    """Write the merge-heavy project of about ``revisions`` scripts (db0 for SQL, db1 stamped)."""
    scripts: dict[str, list[Script]] = {}
    anchors: list[str] = []
    for k in range(SERVICES):
        service = f"s{k}"
        count = revisions // SERVICES + (1 if k < revisions % SERVICES else 0)
        scripts[service] = merge_heavy_service(service, count, anchors)
        anchors = [s.revision for s in scripts[service] if len(s.down) > 1]
    return write_project(f"merge{revisions}", scripts, databases=2)


def _fastest(reps: int, plan: Callable[[object], object], setup: Callable[[], object]) -> float:
    """Return the least CPU seconds plan takes over reps runs (the machine is shared)."""
    times = []
    for _ in range(reps):
        subject = setup()
        start = time.process_time()
        plan(subject)
        times.append(time.process_time() - start)
    return min(times)


def orch_plans(root: Path, reps: int) -> dict[str, float]:
    """Return orch's upgrade and downgrade plan times, each on a fresh database view."""
    from orch_core.project import Project as OrchProject
    from orch_graph.planner import plan_downgrade, plan_upgrade
    from orch_graph.view import DatabaseView

    loaded = OrchProject.load(root / "orch.toml")
    services = sorted(loaded.config.services)
    heads = plan_upgrade(DatabaseView.build(loaded.graph, services), (), "heads").heads_after
    gc.freeze()  # as the CLI does once the project is loaded

    def fresh() -> DatabaseView:
        return DatabaseView.build(loaded.graph, services)

    def up(view: Any) -> object:
        return plan_upgrade(view, (), "heads")

    def down(view: Any) -> object:
        return plan_downgrade(view, heads, "base")

    return {"up": _fastest(reps, up, fresh), "down": _fastest(reps, down, fresh)}


def alembic_plans(root: Path, reps: int) -> dict[str, float]:
    """Return Alembic's upgrade and downgrade plan times, its revision map built beforehand."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(Config(str(root / "alembic-db0.ini")))
    heads = tuple(script.get_heads())
    gc.freeze()

    # Alembic's migration context passes the current heads as a tuple, whatever the hints say.
    def up(_: object) -> object:
        return script._upgrade_revs("heads", ())  # type: ignore[arg-type]

    def down(_: object) -> object:
        return script._downgrade_revs("base", heads)  # type: ignore[arg-type]

    return {"up": _fastest(reps, up, lambda: None), "down": _fastest(reps, down, lambda: None)}


def _measure_apart(tool: str, root: Path, reps: int) -> dict[str, float]:
    """Return one tool's plan times, measured in a process of its own."""
    argv = [sys.executable, "-m", "bench.planner", "--plans", tool, str(root), "--reps", str(reps)]
    done = subprocess.run(argv, check=True, capture_output=True, text=True, cwd=REPO)
    times: dict[str, float] = json.loads(done.stdout)
    return times


def in_process(projects: dict[int, Project], reps: int) -> str:
    """Return the in-process table: seconds per plan, orch's growth and its lead on Alembic."""
    times = {
        # orch's plans take milliseconds: thrice the runs, for a least time that means something.
        n: (_measure_apart("orch", p.root, 3 * reps), _measure_apart("alembic", p.root, reps))
        for n, p in projects.items()
    }
    sizes = sorted(times)
    lines = [
        "| revisions | plan | orch (s) | alembic (s) | alembic / orch | orch growth from "
        f"{sizes[0]} |",
        "|---|---|---|---|---|---|",
    ]
    for n in sizes:
        orch, alembic = times[n]
        for kind, label in (("up", "upgrade heads"), ("down", "downgrade base")):
            growth = orch[kind] / times[sizes[0]][0][kind]
            lines.append(
                f"| {n} | {label} | {orch[kind]:.4f} | {alembic[kind]:.3f} | "
                f"{alembic[kind] / orch[kind]:.1f}x | {growth:.2f}x |"
            )
    return "\n".join(lines)


def floor_code(project: Project) -> Path:
    """Write the code file the floor runs: the scripts of `upgrade heads`, in orch's order."""
    from orch_core.project import Project as OrchProject
    from orch_graph.planner import plan_upgrade
    from orch_graph.view import DatabaseView

    loaded = OrchProject.load(project.orch_toml)
    view = DatabaseView.build(loaded.graph, sorted(loaded.config.services))
    steps = plan_upgrade(view, (), "heads").steps
    scripts = [loaded.graph.get(step.revision).filename for step in steps]
    code_file = project.root / "floor-code.marshal"
    prepare(str(code_file), [script for script in scripts if script is not None])
    return code_file


def process_scenario(project: Project, commands: Sequence[str] = COMMANDS) -> Scenario:
    """Return whole `upgrade --sql` (with its floor), `downgrade --sql heads:base` and
    `current` runs; only the commands named."""
    n = project.revisions
    floor = [sys.executable, str(REPO / "bench" / "offline_floor.py")]
    runs = {
        "up-sql": {
            "orch-up-sql": Tool(_orch(project, "upgrade", "--db", "db0", "--sql", "heads")),
            "alembic-up-sql": Tool(_alembic(project, "db0", "upgrade", "heads", "--sql")),
            "floor-up-sql": Tool([*floor, str(floor_code(project))]),
        },
        "down-sql": {
            "orch-down-sql": Tool(
                _orch(project, "downgrade", "--db", "db0", "--sql", "heads:base")
            ),
            "alembic-down-sql": Tool(_alembic(project, "db0", "downgrade", "--sql", "heads:base")),
        },
        "current": {
            "orch-current": Tool(_orch(project, "current", "--db", "db1")),
            "alembic-current": Tool(_alembic(project, "db1", "current")),
        },
    }
    checks = {
        "up-sql": [
            Check(f"upgrade --sql {n} >= 10x", "orch-up-sql", "alembic-up-sql", 10),
            # What 10x asks, set against what rendering the DDL alone takes.
            Check(f"floor: upgrade --sql {n} >= 10x", "floor-up-sql", "alembic-up-sql", 10),
            Check(f"upgrade --sql {n}: orch / floor", "orch-up-sql", "floor-up-sql", 1.3, True),
        ],
        "down-sql": [Check(f"downgrade --sql {n} >= 15x", "orch-down-sql", "alembic-down-sql", 15)],
        "current": [Check(f"current {n} >= 10x", "orch-current", "alembic-current", 10)],
    }
    tools = {name: tool for command in commands for name, tool in runs[command].items()}
    chosen = [check for command in commands for check in checks[command]]
    return Scenario(f"merge-heavy-{n}", tools, chosen)


def _stamp(project: Project) -> None:
    """Bring db1 to the heads (orch's stamp: the version table both tools read)."""
    argv = [str(BIN / "orch"), "--config", str(project.orch_toml), "-q", "stamp", "--db", "db1"]
    subprocess.run([*argv, "heads"], check=True, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    """Generate the projects, time the plans in process, then run the processes."""
    parser = argparse.ArgumentParser(prog="python -m bench.planner")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2500, 5000])
    parser.add_argument("--reps", type=int, default=5, help="Runs per measurement.")
    parser.add_argument("--no-processes", action="store_true", help="In-process plans only.")
    parser.add_argument(
        "--commands", nargs="+", choices=COMMANDS, default=COMMANDS, help="Processes to time."
    )
    parser.add_argument("--markdown", type=Path, help="Also write the tables here.")
    parser.add_argument("--plans", nargs=2, metavar=("TOOL", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.plans:
        measure = orch_plans if args.plans[0] == "orch" else alembic_plans
        print(json.dumps(measure(Path(args.plans[1]), args.reps)))
        return 0
    compile_workspace()
    projects = {n: merge_heavy(n) for n in args.sizes}
    tables = [in_process(projects, args.reps)]
    print(tables[0], flush=True)
    if not args.no_processes:
        scenarios = []
        for project in projects.values():
            _stamp(project)
            scenario = process_scenario(project, args.commands)
            run_scenario(scenario, args.reps)
            scenarios.append(scenario)
        tables.append(report(scenarios))
        print(tables[1])
    if args.markdown:
        args.markdown.write_text("\n\n".join(tables) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
