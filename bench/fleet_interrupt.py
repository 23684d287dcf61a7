"""A fleet stopped by SIGTERM at random moments, then rerun: every tenant at heads, rows once.

Usage: uv run python -m bench.fleet_interrupt [--tenants 200] [--postgres 0] [--trials 6]
       [--seed 16] [--markdown PATH]

A project of 12 revisions (tables, columns, indexes); a fleet of SQLite tenant files and,
with --postgres N, a fleet of N PostgreSQL schema-tenants in one fresh database. A first,
uninterrupted run gives the run's length T. Each trial starts from empty tenants, runs
`orch upgrade --all-dbs heads`, sends SIGTERM after a seeded random delay in (0.05 T, 0.9 T)
(to orch's main process in trials 1, 3, 5..., as Kubernetes does; to its process group in
the others, as systemd does), then reruns the same command and reads every tenant: the
version table at heads; per revision exactly one history row (up, applied), and no other row
(no failed, no `started` without its end). Prints a table of the trials.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import pg
from bench.generate import WORK, Project, generate
from bench.run import BIN, publish

EXIT_SIGTERM = 143
History = Counter[tuple[str, str, str]]


@dataclass(frozen=True)
class Fleet:
    """The project and where its tenants live."""

    project: Project
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]
    pg_database: str | None

    @property
    def orch(self) -> list[str]:
        """Return the start of every orch command line for this project."""
        return [str(BIN / "orch"), "--config", str(self.project.orch_toml), "-q"]


@dataclass(frozen=True)
class Trial:
    """One interrupted run and its rerun, as measured and checked."""

    delay: float
    target: str  # "process" or "group"
    exit_code: int
    at_heads_when_stopped: int
    partway_when_stopped: int  # some revisions applied, not all
    rerun_exit: int
    rerun_seconds: float
    problems: tuple[str, ...]


def build(sqlite_tenants: int, postgres_tenants: int) -> Fleet:
    """Write the project and its fleets' configuration (tenants created empty per trial)."""
    project = generate("interrupt", services=1, revisions=12, fork_every=0)
    sqlite_names = tuple(f"t{i:04d}" for i in range(sqlite_tenants))
    (project.root / "tenants.txt").write_text("\n".join(sqlite_names) + "\n")
    body = (
        '[fleets.tenants]\nurl = "sqlite:///t/{name}.db"\nservices = ["s0"]\n'
        'instances_file = "tenants.txt"\n'
    )
    pg_names: tuple[str, ...] = ()
    database = None
    if postgres_tenants:
        database = pg.unique_names(1)[0]
        pg.created.append(database)
        pg_names = tuple(f"p{i:04d}" for i in range(postgres_tenants))
        (project.root / "schemas.txt").write_text("\n".join(pg_names) + "\n")
        body += (
            f'\n[fleets.schemas]\nurl = "{pg.URL}/{database}"\nschema = "tenant_{{name}}"\n'
            'services = ["s0"]\ninstances_file = "schemas.txt"\n'
        )
    # Only the fleets: the generated project's own database is no tenant.
    text = project.orch_toml.read_text().split("[databases.")[0]
    project.orch_toml.write_text(text + body)
    return Fleet(project, sqlite_names, pg_names, database)


def reset(fleet: Fleet) -> None:
    """Empty every tenant: no SQLite file, a fresh PostgreSQL database."""
    folder = fleet.project.root / "t"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    if fleet.pg_database:
        pg.recreate([fleet.pg_database])


def revisions(fleet: Fleet) -> tuple[list[str], list[str]]:
    """Return the project's heads and every revision, read from orch's JSON."""
    heads = json.loads(_output([*fleet.orch, "heads", "--json"]))["heads"]
    history = json.loads(_output([*fleet.orch, "history", "--json"]))["revisions"]
    return sorted(h["revision"] for h in heads), sorted(r["revision"] for r in history)


def _output(argv: list[str]) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def upgrade(fleet: Fleet) -> subprocess.Popen[str]:
    """Start `orch upgrade --all-dbs heads` in a process group of its own."""
    argv = [*fleet.orch, "upgrade", "--all-dbs", "heads"]
    return subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def sqlite_state(fleet: Fleet, tenant: str) -> tuple[list[str], History]:
    """Return one SQLite tenant's version rows and history rows (none while it is empty)."""
    path = fleet.project.root / "t" / f"{tenant}.db"
    if not path.exists():
        return [], Counter()
    conn = sqlite3.connect(path)
    try:
        return _read(conn.execute, "")
    except sqlite3.OperationalError:  # no tables yet
        return [], Counter()
    finally:
        conn.close()


def postgres_states(fleet: Fleet) -> dict[str, tuple[list[str], History]]:
    """Return every PostgreSQL schema-tenant's version rows and history rows."""
    import psycopg

    found: dict[str, tuple[list[str], History]] = {}
    with psycopg.connect(pg.conninfo(fleet.pg_database or ""), autocommit=True) as conn:
        schemas = {row[0] for row in conn.execute("SELECT nspname FROM pg_namespace")}
        for tenant in fleet.postgres:
            schema = f"tenant_{tenant}"
            found[tenant] = (
                _read(conn.execute, f'"{schema}".') if schema in schemas else ([], Counter())
            )
    return found


def _read(execute: Any, prefix: str) -> tuple[list[str], History]:
    versions = [row[0] for row in execute(f"SELECT version_num FROM {prefix}alembic_version")]
    rows = execute(f"SELECT revision, direction, outcome FROM {prefix}orch_history")
    return sorted(versions), Counter((r[0], r[1], r[2]) for r in rows)


def states(fleet: Fleet) -> dict[str, tuple[list[str], History]]:
    """Return every tenant's version rows and history rows, SQLite and PostgreSQL."""
    found = {f"tenants:{t}": sqlite_state(fleet, t) for t in fleet.sqlite}
    if fleet.pg_database:
        found.update({f"schemas:{t}": s for t, s in postgres_states(fleet).items()})
    return found


def problems(fleet: Fleet, heads: list[str], every: list[str]) -> tuple[str, ...]:
    """Return what is wrong with any tenant: not at heads, a row missing, repeated or extra."""
    once = Counter({(revision, "up", "applied"): 1 for revision in every})
    found = []
    for tenant, (versions, history) in states(fleet).items():
        if versions != heads:
            found.append(f"{tenant}: at {versions}, not {heads}")
        if history != once:
            extra = history - once
            missing = once - history
            found.append(f"{tenant}: history extra {dict(extra)} missing {dict(missing)}")
    return tuple(found)


def progress(fleet: Fleet, heads: list[str]) -> tuple[int, int]:
    """Return how many tenants are at heads now, and how many partway there."""
    found = [versions for versions, _ in states(fleet).values()]
    done = sum(1 for versions in found if versions == heads)
    return done, sum(1 for versions in found if versions) - done


def calibrate(fleet: Fleet, heads: list[str], every: list[str]) -> float:
    """Return the seconds of one uninterrupted run, after checking what it left."""
    reset(fleet)
    start = time.perf_counter()
    run = upgrade(fleet)
    _out, err = run.communicate()
    seconds = time.perf_counter() - start
    wrong = problems(fleet, heads, every)
    if run.returncode != 0 or wrong:
        raise SystemExit(f"the uninterrupted run failed ({run.returncode}): {err} {wrong[:3]}")
    return seconds


def trial(fleet: Fleet, delay: float, group: bool, heads: list[str], every: list[str]) -> Trial:
    """Interrupt one run after delay seconds, rerun it, and check every tenant."""
    reset(fleet)
    run = upgrade(fleet)
    time.sleep(delay)  # the random moment is the point here (a bench, not a test)
    if group:
        os.killpg(run.pid, signal.SIGTERM)
    else:
        run.send_signal(signal.SIGTERM)
    run.communicate(timeout=600)
    done, partway = progress(fleet, heads)
    start = time.perf_counter()
    again = upgrade(fleet)
    _out, err = again.communicate(timeout=600)
    seconds = time.perf_counter() - start
    found = problems(fleet, heads, every)
    if again.returncode != 0:
        found += (f"rerun: {err.strip().splitlines()[-1:]}",)
    target = "group" if group else "process"
    return Trial(delay, target, run.returncode, done, partway, again.returncode, seconds, found)


def report(trials: list[Trial], fleet: Fleet, calibration: float, seed: int) -> str:
    """Return the markdown table of the trials and the verdict."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    total = len(fleet.sqlite) + len(fleet.postgres)
    lines = [
        f"Run {now} (load average {load}), seed {seed}: {len(fleet.sqlite)} SQLite tenants, "
        f"{len(fleet.postgres)} PostgreSQL schema-tenants, 12 revisions; an uninterrupted run "
        f"took {calibration:.1f} s",
        "",
        "| trial | SIGTERM after (s) | to | exit | when stopped: at heads / partway "
        "| rerun exit | rerun (s) | tenants checked | problems |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for number, t in enumerate(trials, 1):
        shown = "; ".join(t.problems[:2]) or "none"
        lines.append(
            f"| {number} | {t.delay:.2f} | {t.target} | {t.exit_code} | {t.at_heads_when_stopped}"
            f" / {t.partway_when_stopped} | {t.rerun_exit} | {t.rerun_seconds:.1f} | {total}"
            f" | {shown} |"
        )
    good = all(
        not t.problems and t.rerun_exit == 0 and t.exit_code in (EXIT_SIGTERM, 0) for t in trials
    )
    interrupted = sum(1 for t in trials if t.exit_code == EXIT_SIGTERM)
    verdict = "PASS" if good and interrupted else "FAIL"
    lines += [
        "",
        f"Verdict: {verdict} ({interrupted} of {len(trials)} runs stopped with exit "
        f"{EXIT_SIGTERM}; every tenant at heads with each history row once after every rerun: "
        f"{'yes' if good else 'no'})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build the fleet, calibrate, run the trials, print (and optionally write) the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.fleet_interrupt")
    parser.add_argument("--tenants", type=int, default=200, help="SQLite tenant files.")
    parser.add_argument("--postgres", type=int, default=0, help="PostgreSQL schema-tenants.")
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--markdown", type=Path, help="Also write the table here.")
    args = parser.parse_args(argv)
    WORK.mkdir(exist_ok=True)
    if args.postgres and not pg.available():
        raise SystemExit("PostgreSQL does not answer at 127.0.0.1:5432")
    fleet = build(args.tenants, args.postgres)
    try:
        heads, every = revisions(fleet)
        calibration = calibrate(fleet, heads, every)
        chance = random.Random(args.seed)
        trials = [
            trial(fleet, chance.uniform(0.05, 0.9) * calibration, n % 2 == 1, heads, every)
            for n in range(args.trials)
        ]
    finally:
        pg.drop_all()
    publish(report(trials, fleet, calibration, args.seed), args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
