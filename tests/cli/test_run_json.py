"""upgrade, downgrade and stamp with --json: one JSON document on stdout, as DESIGN.md fixes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke
from tests.support.projects import Database, Script, write_project


def _project(tmp_path: Path, failing: bool = False) -> Path:
    second = Script(
        "a2", down="a1", upgrade='op.execute("SELECT * FROM missing")' if failing else None
    )
    return write_project(
        tmp_path,
        {
            "users": [Script("a1", labels=("users",)), second],
            "shop": [Script("b1", labels=("shop",))],
        },
        {
            "users": Database("sqlite:///users.db", ["users"]),
            "shop": Database("sqlite:///shop.db", ["shop"]),
        },
    )


def test_upgrade_json_is_the_run(orch: Invoke, tmp_path: Path) -> None:
    _project(tmp_path)
    run = orch("upgrade", "--all-dbs", "heads", "--json")
    assert run.exit_code == 0, run.output
    document = json.loads(run.stdout)
    assert document["counts"] == {"succeeded": 2}
    users = document["databases"]["users"]
    assert users["outcome"] == "succeeded"
    assert (users["before"], users["after"]) == ([], ["a2"])
    assert [(s["revision"], s["direction"], s["outcome"]) for s in users["steps"]] == [
        ("a1", "upgrade", "applied"),
        ("a2", "upgrade", "applied"),
    ]
    assert all(isinstance(s["duration_ms"], int) for s in users["steps"])
    assert users["error"] is None

    again = json.loads(orch("upgrade", "--all-dbs", "--json").stdout)
    assert again["counts"] == {"unchanged": 2}

    down = orch("downgrade", "--db", "users", "users@base", "--json")
    assert down.exit_code == 0, down.output
    steps = json.loads(down.stdout)["databases"]["users"]["steps"]
    assert [(s["revision"], s["direction"]) for s in steps] == [
        ("a2", "downgrade"),
        ("a1", "downgrade"),
    ]


def test_a_failed_run_in_json_names_the_error_and_exits_1(orch: Invoke, tmp_path: Path) -> None:
    _project(tmp_path, failing=True)
    run = orch("upgrade", "--all-dbs", "heads", "--json", "--keep-going")
    assert run.exit_code == 1
    document = json.loads(run.stdout)  # the whole of stdout is one document
    users = document["databases"]["users"]
    assert users["outcome"] == "failed"
    assert users["after"] == ["a1"]
    assert users["error"]["code"]
    assert "missing" in users["error"]["message"]
    assert document["databases"]["shop"]["outcome"] == "succeeded"
    assert "error:" not in run.stderr


def test_stamp_json(orch: Invoke, tmp_path: Path) -> None:
    _project(tmp_path)
    stamped = orch("stamp", "--db", "users", "a1", "--json")
    assert stamped.exit_code == 0, stamped.output
    assert json.loads(stamped.stdout) == {"databases": {"users": {"before": [], "after": ["a1"]}}}
