"""Runs over several databases that tell the truth: steps applied, where each is, what ran."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.support.databases import TestDatabase
from tests.support.projects import Database, Script, write_project

BOOM = 'raise RuntimeError("boom")'
SERVERS = ["sqlite", "postgresql", "mariadb"]


def chain(service: str, length: int, failing: int | None = None) -> list[Script]:
    """Return service01..serviceNN; the script numbered `failing` raises."""
    scripts = []
    for i in range(1, length + 1):
        down = f"{service}{i - 1:02d}" if i > 1 else None
        labels = (service,) if i == 1 else None
        upgrade = BOOM if i == failing else None
        scripts.append(Script(f"{service}{i:02d}", down, labels, upgrade=upgrade))
    return scripts


def url(make: Callable[[str], TestDatabase], kind: str, tmp_path: Path, name: str) -> str:
    return f"sqlite:///{tmp_path}/{name}.db" if kind == "sqlite" else make(kind).url


@pytest.mark.parametrize("kind", SERVERS)
def test_a_failure_reports_the_steps_it_applied_and_lets_unrelated_databases_run(
    orch: Invoke, tmp_path: Path, make_database: Callable[[str], TestDatabase], kind: str
) -> None:
    # One thread: `one` (first by name) fails at its fourth step before `two` starts.
    databases = {
        "one": Database(url(make_database, kind, tmp_path, "one"), ["aa"]),
        "two": Database(url(make_database, kind, tmp_path, "two"), ["bb"]),
    }
    write_project(
        tmp_path, {"aa": chain("aa", 5, 4), "bb": chain("bb", 2)}, databases, {"concurrency": 1}
    )
    run = orch("upgrade", "--all-dbs", "heads", "--json")
    assert run.exit_code == 1, run.output
    document = json.loads(run.stdout)
    one = document["databases"]["one"]
    assert one["outcome"] == "failed"
    assert one["steps_applied"] == 3
    assert [step["revision"] for step in one["steps"]] == ["aa01", "aa02", "aa03"]
    assert one["after"] == ["aa03"]
    assert one["failed_step"] == "aa04"
    # `two` shares nothing with `one`: it ran, without --keep-going.
    assert document["databases"]["two"]["outcome"] == "succeeded"
    assert document["databases"]["two"]["after"] == ["bb02"]
    assert document["never_started"] == []
    text = orch("status", "--json")
    assert json.loads(text.stdout)["databases"]["two"]["current"] == ["bb02"]


@pytest.mark.parametrize("kind", SERVERS)
def test_a_database_never_started_shows_where_it_is(
    orch: Invoke, tmp_path: Path, make_database: Callable[[str], TestDatabase], kind: str
) -> None:
    databases = {
        "one": Database(url(make_database, kind, tmp_path, "one"), ["aa"]),
        "two": Database(url(make_database, kind, tmp_path, "two"), ["bb"], after=["one"]),
    }
    write_project(tmp_path, {"aa": chain("aa", 2, 2), "bb": chain("bb", 2)}, databases)
    assert orch("upgrade", "--db", "two", "bb01").exit_code == 0
    run = orch("upgrade", "--all-dbs", "heads")
    assert run.exit_code == 1
    rows = {line.split("\t")[0]: line.split("\t") for line in run.stdout.splitlines()[1:]}
    assert rows["one"][1:4] == ["failed", "1", "aa01"]
    assert rows["two"][1:4] == ["skipped", "0", "bb01"]  # read, not guessed as <base>
    assert rows["two"][5].startswith("not started: database one")
    document = json.loads(orch("upgrade", "--all-dbs", "heads", "--json").stdout)
    assert document["never_started"] == ["two"]
    assert document["databases"]["two"]["after"] == ["bb01"]
    assert document["databases"]["two"]["started"] is False


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_status_names_an_unreachable_database_and_shows_the_others(
    orch: Invoke, tmp_path: Path, make_database: Callable[[str], TestDatabase], kind: str
) -> None:
    unreachable = {
        # A folder is no SQLite file; nothing listens on port 1.
        "sqlite": f"sqlite:///{tmp_path}",
        "postgresql": "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/nowhere",
    }[kind]
    databases = {
        "good": Database(url(make_database, kind, tmp_path, "good"), ["aa"]),
        "gone": Database(unreachable, ["bb"]),
    }
    write_project(tmp_path, {"aa": chain("aa", 2), "bb": chain("bb", 1)}, databases)
    assert orch("upgrade", "--db", "good", "aa01").exit_code == 0
    status = orch("status")
    assert status.exit_code == 1, status.output
    assert "Traceback" not in status.output
    rows = {line.split("\t")[0]: line.split("\t") for line in status.stdout.splitlines()[1:]}
    assert rows["good"][1:4] == ["aa01", "aa02", "1"]
    assert rows["gone"][1] == "unreachable"
    assert "cannot connect" in rows["gone"][5]
    assert "s3cret" not in status.output
    if kind == "postgresql":
        assert rows["gone"][4] == "postgresql+psycopg://postgres:***@127.0.0.1:1/nowhere"
    document = orch("status", "--json")
    assert document.exit_code == 1
    found = json.loads(document.stdout)["databases"]
    assert found["good"]["current"] == ["aa01"] and found["good"]["error"] is None
    assert found["gone"]["current"] is None
    assert found["gone"]["error"]["code"] == "database_unreachable"
    current = orch("current")
    assert current.exit_code == 1
    assert "gone: unreachable" in current.stdout and "good: aa01" in current.stdout


def tenants(tmp_path: Path, count: int, failing: tuple[str, ...], concurrency: int = 1) -> Path:
    """Write `count` SQLite tenants t01.. carrying one service; its aa02 fails in `failing`."""
    check = (
        f"if op.get_bind().engine.url.database.endswith({tuple(f'/{n}.db' for n in failing)!r}):"
    )
    scripts = [
        Script("aa01", labels=("aa",)),
        Script("aa02", "aa01", upgrade=f"{check}\n    {BOOM}"),
    ]
    databases = {
        f"t{i:02d}": Database(f"sqlite:///{tmp_path}/t{i:02d}.db", ["aa"])
        for i in range(1, count + 1)
    }
    return write_project(tmp_path, {"aa": scripts}, databases, {"concurrency": concurrency})


def outcomes(document: dict[str, dict[str, dict[str, object]]]) -> dict[str, object]:
    return {name: found["outcome"] for name, found in document["databases"].items()}


def test_a_failing_canary_stops_the_run_before_the_rest_starts(
    orch: Invoke, tmp_path: Path
) -> None:
    tenants(tmp_path, 6, failing=("t02",), concurrency=2)
    run = orch("upgrade", "--all-dbs", "--canary", "3", "--json")
    assert run.exit_code == 1, run.output
    document = json.loads(run.stdout)
    assert outcomes(document) == {
        "t01": "succeeded",
        "t02": "failed",
        "t03": "succeeded",
        **{f"t0{i}": "skipped" for i in (4, 5, 6)},
    }
    assert document["never_started"] == ["t04", "t05", "t06"]
    assert document["databases"]["t04"]["note"] == "not started: a canary database did not succeed"
    assert not (tmp_path / "t04.db").exists()


def test_canaries_that_succeed_let_the_rest_run(orch: Invoke, tmp_path: Path) -> None:
    tenants(tmp_path, 5, failing=("t05",), concurrency=2)
    run = orch("upgrade", "--all-dbs", "--canary", "2", "--json")
    assert run.exit_code == 1
    document = json.loads(run.stdout)
    assert outcomes(document) == {**{f"t0{i}": "succeeded" for i in range(1, 5)}, "t05": "failed"}
    assert document["never_started"] == []


def test_max_failures_starts_no_database_after_k_failures(orch: Invoke, tmp_path: Path) -> None:
    tenants(tmp_path, 6, failing=("t01", "t02", "t04"))
    run = orch("upgrade", "--all-dbs", "--max-failures", "2", "--json")
    assert run.exit_code == 1
    document = json.loads(run.stdout)
    assert outcomes(document) == {
        "t01": "failed",
        "t02": "failed",
        **{f"t0{i}": "skipped" for i in (3, 4, 5, 6)},
    }
    assert document["never_started"] == ["t03", "t04", "t05", "t06"]
    assert document["databases"]["t01"]["after"] == ["aa01"]
    again = orch("upgrade", "--all-dbs", "--max-failures", "4", "--json")
    assert outcomes(json.loads(again.stdout))["t06"] == "succeeded"


def test_a_fleet_summary_counts_by_outcome_and_revision_and_lists_failures(
    orch: Invoke, tmp_path: Path
) -> None:
    tenants(tmp_path, 25, failing=("t07", "t19"), concurrency=4)
    run = orch("upgrade", "--all-dbs")
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert lines[1:] == [
        "23 succeeded at aa02",
        "2 failed at aa01 -> aa02",
        "2 database(s) did not finish:",
        "  t07: upgrade of aa02 failed: boom",
        "  t19: upgrade of aa02 failed: boom",
    ]
    verbose = orch("-v", "upgrade", "--all-dbs")
    rows = [line.split("\t") for line in verbose.stdout.splitlines()[1:]]
    assert [row[0] for row in rows] == [f"t{i:02d}" for i in range(1, 26)]
    assert {row[1] for row in rows} == {"unchanged", "failed"}
    document = json.loads(orch("upgrade", "--all-dbs", "--json").stdout)
    assert len(document["databases"]) == 25
    assert document["by_revision"] == [
        {"outcome": "unchanged", "at": ["aa02"], "failed_step": None, "count": 23},
        {"outcome": "failed", "at": ["aa01"], "failed_step": "aa02", "count": 2},
    ]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "mariadb"])
def test_db_with_an_unmet_cross_database_dependency_refuses_or_runs_it_with_deps(
    orch: Invoke, tmp_path: Path, make_database: Callable[[str], TestDatabase], kind: str
) -> None:
    services = {
        "users": [Script("u1", labels=("users",)), Script("u2", "u1")],
        "billing": [Script("b1", labels=("billing",)), Script("b2", "b1", depends="u2")],
    }
    databases = {
        "users": Database(url(make_database, kind, tmp_path, "users"), ["users"]),
        "billing": Database(url(make_database, kind, tmp_path, "billing"), ["billing"]),
    }
    write_project(tmp_path, services, databases)
    assert orch("upgrade", "--db", "users", "u1").exit_code == 0
    refused = orch("upgrade", "--db", "billing")
    assert refused.exit_code == 2, refused.output
    assert refused.stderr.splitlines()[0] == (
        "error: billing: b2 needs database users at or past u2, and users is at u1: "
        "run `orch upgrade --db users` first"
    )
    assert "--with-deps" in refused.stderr
    where = json.loads(orch("current", "--all-dbs", "--json").stdout)["databases"]
    assert (where["users"]["current"], where["billing"]["current"]) == (["u1"], [])
    both = orch("upgrade", "--db", "billing", "--with-deps", "--json")
    assert both.exit_code == 0, both.output
    document = json.loads(both.stdout)["databases"]
    assert (document["users"]["after"], document["billing"]["after"]) == (["u2"], ["b2"])


def test_db_runs_alone_once_its_cross_database_dependency_is_met(
    orch: Invoke, tmp_path: Path
) -> None:
    services = {
        "users": [Script("u1", labels=("users",)), Script("u2", "u1"), Script("u3", "u2")],
        "billing": [Script("b1", labels=("billing",)), Script("b2", "b1", depends="u2")],
    }
    databases = {
        "users": Database(f"sqlite:///{tmp_path}/users.db", ["users"]),
        "billing": Database(f"sqlite:///{tmp_path}/billing.db", ["billing"]),
    }
    write_project(tmp_path, services, databases)
    assert orch("upgrade", "--db", "users", "u3").exit_code == 0
    alone = orch("upgrade", "--db", "billing", "--json")
    assert alone.exit_code == 0, alone.output
    assert list(json.loads(alone.stdout)["databases"]) == ["billing"]
