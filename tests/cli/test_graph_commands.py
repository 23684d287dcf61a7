"""heads, history, branches, show: what people and deployment scripts read."""

import json
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import Invoke
from tests.support.projects import Database, Script, write_project

SCRIPTS = [
    Script("aa01", labels=("users",)),
    Script("aa02", "aa01"),
    Script("bb01", "aa02"),
    Script("cc01", "aa02"),
]


def project(tmp_path: Path) -> Path:
    return write_project(
        tmp_path, {"users": SCRIPTS}, {"users": Database("sqlite:///users.db", ["users"])}
    )


def test_heads_json(orch: Invoke, tmp_path: Path) -> None:
    config = project(tmp_path)
    result = orch("--config", str(config), "heads", "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    heads = {h["revision"]: h for h in document["heads"]}
    assert set(heads) == {"bb01", "cc01"}
    assert heads["bb01"]["branch_labels"] == []
    assert heads["bb01"]["path"].endswith("bb01_rev.py")


def test_heads_text(orch: Invoke, tmp_path: Path) -> None:
    result = orch("--config", str(project(tmp_path)), "heads")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["bb01 (head)", "cc01 (head)"]


def test_history_newest_first_and_ranges(orch: Invoke, tmp_path: Path) -> None:
    config = project(tmp_path)
    document = json.loads(orch("--config", str(config), "history", "--json").stdout)
    order = [r["revision"] for r in document["revisions"]]
    assert order[-2:] == ["aa02", "aa01"]
    assert set(order[:2]) == {"bb01", "cc01"}
    assert document["revisions"][-1]["down_revisions"] == []
    assert document["revisions"][-1]["branch_labels"] == ["users"]
    ranged = orch("--config", str(config), "history", "-r", "aa02:bb01", "--json")
    assert [r["revision"] for r in json.loads(ranged.stdout)["revisions"]] == ["bb01", "aa02"]
    text = orch("--config", str(config), "history").stdout
    assert "aa01 -> aa02 (branchpoint), revision aa02" in text


def test_branches_and_show(orch: Invoke, tmp_path: Path) -> None:
    config = project(tmp_path)
    branches = orch("--config", str(config), "branches").stdout
    assert "aa01 -> aa02 (branchpoint)" in branches
    assert "-> aa02 -> bb01 (head)" in branches
    shown = orch("--config", str(config), "show", "aa0", "--json")
    assert shown.exit_code == 2  # aa0 is ambiguous: aa01 and aa02
    shown = orch("--config", str(config), "show", "cc", "--json")
    assert json.loads(shown.stdout)["revisions"][0]["revision"] == "cc01"
    shown = orch("--config", str(config), "show", "aa02", "aa01").stdout
    assert shown.splitlines()[:3] == [
        "Rev: aa02 (branchpoint)",
        "Parent: aa01",
        "Branches into: bb01, cc01",
    ]
    assert "Rev: aa01\nParent: <base>\nBranch names: users\nPath: " in shown
    assert "    revision aa02" in shown


def test_show_a_merge(orch: Invoke, tmp_path: Path) -> None:
    scripts = [*SCRIPTS, Script("dd01", ("bb01", "cc01"))]
    config = write_project(
        tmp_path, {"users": scripts}, {"users": Database("sqlite:///users.db", ["users"])}
    )
    script = next(tmp_path.rglob("*dd01*.py"))
    doc = '"""merge the branches\n\nRevision ID: dd01\nRevises: bb01, cc01\n"""'
    script.write_text(script.read_text().replace('"""revision dd01"""', doc))
    shown = orch("--config", str(config), "show", "dd01").stdout
    assert shown.splitlines()[:2] == ["Rev: dd01 (head) (mergepoint)", "Merges: bb01, cc01"]
    # The whole docstring, each line indented, as Alembic prints it.
    assert shown.endswith(
        "\n\n    merge the branches\n    \n    Revision ID: dd01\n    Revises: bb01, cc01\n\n"
    )


def test_graph_commands_never_import_sqlalchemy_or_networkx(tmp_path: Path) -> None:
    config = project(tmp_path)
    probe = (
        "import sys\n"
        "from orch_cli.app import app\n"
        "for args in (['heads'], ['history'], ['branches'], ['show', 'aa01']):\n"
        f"    try: app(['--config', {str(config)!r}, *args])\n"
        "    except SystemExit as exit: assert exit.code == 0, exit.code\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy was imported'\n"
        "assert 'networkx' not in sys.modules, 'networkx was imported'\n"
        "print('clean')\n"
    )
    command = [sys.executable, "-c", probe]
    result = subprocess.run(command, check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("clean")


def test_output_into_a_pipe_closed_early_ends_quietly(tmp_path: Path) -> None:
    """`orch upgrade --sql | head`: once the reader has gone, orch stops without a word."""
    slow = Script("bb01", labels=("billing",), upgrade="import time\ntime.sleep(0.5)")
    config = write_project(
        tmp_path,
        {"users": [Script("aa01", labels=("users",))], "billing": [slow]},
        {
            "users": Database("sqlite:///u.db", ["users"]),
            "billing": Database("sqlite:///b.db", ["billing"]),
        },
    )
    orch = Path(sys.executable).parent / "orch"
    command = [str(orch), "--config", str(config), "upgrade", "--all-dbs", "--sql", "heads"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith(b"-- orch: database users")
        process.stdout.close()  # gone before billing's SQL (half a second away) is written
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=60) == 1
    assert stderr == ""


BRANCHED = [
    Script("aa01", labels=("users",), op_module="alembic"),
    Script("aa02", "aa01", op_module="alembic"),
    Script("bb01", "aa02", op_module="alembic"),
    Script("bb02", "bb01", op_module="alembic"),
    Script("cc01", "aa02", op_module="alembic"),
    Script("cc02", "cc01", op_module="alembic"),
    Script("dd01", ("bb02", "cc02"), op_module="alembic"),
    Script("ee01", "dd01", op_module="alembic"),
    Script("ff01", "aa01", op_module="alembic"),
]


def test_history_is_in_alembics_order_on_branches(orch: Invoke, tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    config = write_project(
        tmp_path, {"users": BRANCHED}, {"users": Database("sqlite:///users.db", ["users"])}
    )
    folder = tmp_path / "services" / "users"
    alembic = ScriptDirectory(str(tmp_path), version_locations=[str(folder)])
    walked = [script.revision for script in alembic.walk_revisions()]
    assert walked == ["ee01", "dd01", "bb02", "bb01", "cc02", "cc01", "ff01", "aa02", "aa01"]
    document = json.loads(orch("--config", str(config), "history", "--json").stdout)
    assert [r["revision"] for r in document["revisions"]] == walked
    text = orch("--config", str(config), "history").stdout.splitlines()
    assert [line.split(" -> ")[-1].split()[0].rstrip(",") for line in text] == walked
    ranged = orch("--config", str(config), "history", "-r", "bb01:ee01", "--json")
    expected = [s.revision for s in alembic.walk_revisions("bb01", "ee01")]
    assert [r["revision"] for r in json.loads(ranged.stdout)["revisions"]] == expected
