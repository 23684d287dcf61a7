"""One target grammar in every command: REV+N, REV-N and FROM:TO across databases."""

import json
from pathlib import Path

from tests.cli.conftest import Invoke, no_traceback
from tests.cli.test_scaffold_and_state import rows
from tests.support.projects import Database, Script, write_project

USERS = [Script("aa01", labels=("users",)), Script("aa02", "aa01"), Script("aa03", "aa02")]
BILLING = [Script("bb01", labels=("billing",)), Script("bb02", "bb01")]


def two_databases(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    urls = {name: f"sqlite:///{tmp_path}/{name}.db" for name in ("users", "billing")}
    databases = {name: Database(url, [name]) for name, url in urls.items()}
    return write_project(tmp_path, {"users": USERS, "billing": BILLING}, databases), urls


def test_rev_plus_n_moves_only_the_database_of_its_revision(orch: Invoke, tmp_path: Path) -> None:
    config, urls = two_databases(tmp_path)
    base = ("--config", str(config))
    up = orch(*base, "upgrade", "--all-dbs", "aa01+1")
    assert up.exit_code == 0, up.stderr
    assert rows(urls["users"]) == ["aa02"]
    assert rows(urls["billing"]) == []  # the target concerns the users database only
    assert orch(*base, "upgrade", "--all-dbs", "aa02+1 bb01+1").exit_code == 0
    assert (rows(urls["users"]), rows(urls["billing"])) == (["aa03"], ["bb02"])
    down = orch(*base, "downgrade", "--all-dbs", "aa03-2")
    assert down.exit_code == 0, down.stderr
    assert (rows(urls["users"]), rows(urls["billing"])) == (["aa01"], ["bb02"])
    stamp = orch(*base, "stamp", "--all-dbs", "aa01+2")
    assert stamp.exit_code == 0, stamp.stderr
    assert rows(urls["users"]) == ["aa03"]
    shown = orch(*base, "show", "aa01+2", "--json")
    assert json.loads(shown.stdout)["revisions"][0]["revision"] == "aa03"


def test_sql_range_with_relative_ends(orch: Invoke, tmp_path: Path) -> None:
    config, _ = two_databases(tmp_path)
    result = orch("--config", str(config), "upgrade", "--db", "users", "--sql", "aa01:aa01+2")
    assert result.exit_code == 0, result.stderr
    assert "CREATE TABLE t_aa03" in result.stdout
    assert "CREATE TABLE t_aa01" not in result.stdout


def test_a_target_outside_the_grammar_is_bad_input(orch: Invoke, tmp_path: Path) -> None:
    config, urls = two_databases(tmp_path)
    for command, target in [("upgrade", "users@"), ("downgrade", "a:b:c"), ("stamp", "@head")]:
        result = orch("--config", str(config), command, "--all-dbs", target)
        assert result.exit_code == 2, (command, target, result.output)
        no_traceback(result)
        assert repr(target) in result.stderr
    assert not Path(urls["users"].removeprefix("sqlite:///")).exists()
