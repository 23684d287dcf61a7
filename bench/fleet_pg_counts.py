"""Count what a PostgreSQL schema-tenant fleet costs the server: sessions, transactions, statements.

Usage: uv run python -m bench.fleet_pg_counts [--schemas N] [--statements] [--tool orch|alembic]
       [--calls]

Deterministic proxies for fleet throughput, which a shared 2-CPU machine cannot time reliably:
the run's database is new, so pg_stat_database's counters for it (sessions, xact_commit,
xact_rollback) are the tool's alone. --statements also sets log_statement = 'all' on that
database and counts the statements its sessions logged (needs the server's log readable, as
root on this machine; the logging slows the run, so its time is not quoted). --calls runs
orch's runners in this process, one tenant after another as one fleet thread does (the first
one a warm-up, not counted), and counts the Python function calls a tenant costs (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import re
import subprocess
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from bench import pg
from bench.fleet_scale import REVISIONS, _orch, alembic_loop
from bench.generate import generate, write_fleet

LOG = Path("/var/log/postgresql/postgresql-15-main.log")


def _counters(dbname: str) -> dict[str, int]:
    """Return the database's session and transaction counters, flushed first."""
    with pg._admin() as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")
        time.sleep(1.2)  # other backends flush their counters at most once a second
        row: Any = conn.execute(
            "SELECT sessions, xact_commit, xact_rollback FROM pg_stat_database WHERE datname = %s",
            (dbname,),
        ).fetchone()
    return {"sessions": row[0], "xact_commit": row[1], "xact_rollback": row[2]}


def _statements(dbname: str, since: int) -> int:
    """Return how many statements the database's sessions logged after byte offset since."""
    with LOG.open("rb") as log:
        log.seek(since)
        text = log.read().decode(errors="replace")
    # The default log_line_prefix names neither database nor session; the database is new and
    # only this run's sessions use it, and nothing else on the server logs every statement.
    return len(re.findall(r"LOG:  (?:statement|execute [^:]*): ", text))


def _calls(config: Path, names: list[str]) -> int:
    """Return the Python calls orch's runners make over the tenants after the first."""
    import structlog

    from orch_core.fleet.orchestrator import Orchestrator
    from orch_core.project import Project

    # Events as `orch -q` keeps them: the warnings only, not a rendered line per step.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    project = Project.load(config, environ={})
    orchestrator = Orchestrator(project, processes=False)
    sharing = getattr(orchestrator, "_sharing_engines", None)  # absent before the pgfleet work
    profile = cProfile.Profile()
    with sharing() if sharing is not None else nullcontext():
        for k, name in enumerate(names):
            runner = orchestrator.runner(project.database(f"tenants:{name}"))
            if k:
                profile.enable()
            runner.migrate("up", "heads")
            runner.dispose()
            profile.disable()
    stats: Any = profile.getstats()
    return sum(entry.callcount for entry in stats)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=int, default=20)
    parser.add_argument("--tool", choices=["orch", "alembic"], default="orch")
    parser.add_argument("--statements", action="store_true")
    parser.add_argument("--calls", action="store_true")
    args = parser.parse_args(argv)
    dbname = pg.unique_names(1)[0]
    url = f"{pg.URL}/{dbname}"
    p = generate(
        f"fleetcounts-{args.schemas}",
        services=1,
        revisions=REVISIONS,
        fork_every=0,
        databases=args.schemas,
        url_template=url,
    )
    write_fleet(p, url, schema="tenant_{name}")
    pg.created.append(dbname)
    pg.recreate([dbname])
    try:
        if args.statements:
            with pg._admin() as conn:
                conn.execute(f"ALTER DATABASE \"{dbname}\" SET log_statement = 'all'")
        offset = LOG.stat().st_size if args.statements else 0
        before = _counters(dbname)
        if args.calls:
            calls = _calls(p.orch_toml, list(p.databases))
            per = calls / (args.schemas - 1)
            print(f"orch in process, {args.schemas - 1} tenants counted: {per:.0f} calls a tenant")
            return 0
        if args.tool == "orch":
            command = [*_orch(p), "upgrade", "--all-dbs", "heads"]
        else:
            command = alembic_loop(p, url, "tenant_{name}")
        started = time.perf_counter()
        times = os.times()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        after_times = os.times()
        wall = time.perf_counter() - started
        after = _counters(dbname)
        cpu = (after_times.children_user - times.children_user) + (
            after_times.children_system - times.children_system
        )
        n = args.schemas
        print(f"{args.tool}, {n} schema-tenants x {REVISIONS} revisions ({dbname})")
        for key in before:
            delta = after[key] - before[key]
            print(f"  {key:14} {delta:6d}  {delta / n:6.2f} a tenant")
        if args.statements:
            count = _statements(dbname, offset)
            print(f"  {'statements':14} {count:6d}  {count / n:6.2f} a tenant")
        else:
            print(f"  wall {wall:.2f} s, client CPU {cpu:.2f} s ({cpu / n * 1000:.0f} ms a tenant)")
    finally:
        pg.drop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
