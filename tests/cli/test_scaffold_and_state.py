"""init, revision, merge, and the commands that read or move databases."""

import json
from pathlib import Path

import sqlalchemy as sa

from tests.cli.conftest import Invoke
from tests.support.projects import Database, Script, write_project


def test_init_revision_merge_upgrade(orch: Invoke, tmp_path: Path) -> None:
    assert orch("init", ".", "--service", "shop").exit_code == 0
    assert (tmp_path / "orch.toml").is_file()
    again = orch("init", ".")
    assert again.exit_code == 2
    assert "already exists" in again.stderr

    orders = orch("revision", "-m", "add orders", "--rev-id", "0rders000001")
    assert orders.exit_code == 0
    path = Path(orders.stdout.strip())
    assert path.name == "0rders000001_add_orders.py"
    text = path.read_text()
    assert "revision: str = '0rders000001'" in text
    assert "from alembic import op" in text  # Alembic runs it too; orch binds the name

    carts = orch("revision", "-m", "add carts", "--head", "shop@base", "--rev-id", "carts0000001")
    assert carts.exit_code == 0
    heads = json.loads(orch("heads", "--json").stdout)["heads"]
    assert {h["revision"] for h in heads} == {"0rders000001", "carts0000001"}
    blocked = orch("revision", "-m", "more")
    assert blocked.exit_code == 2
    assert "several heads" in blocked.stderr

    merge = orch("merge", "heads", "-m", "merge", "--rev-id", "merge0000001")
    assert merge.exit_code == 0
    heads = json.loads(orch("heads", "--json").stdout)["heads"]
    assert [h["revision"] for h in heads] == ["merge0000001"]
    assert sorted(heads[0]["down_revisions"]) == ["0rders000001", "carts0000001"]

    # As with Alembic, `--head heads` builds on every head at once: a revision that merges.
    orch("revision", "-m", "side", "--head", "0rders000001", "--splice", "--rev-id", "side00000001")
    on_all = orch("revision", "-m", "both", "--head", "heads", "--rev-id", "both00000001")
    assert on_all.exit_code == 0, on_all.stderr
    heads = json.loads(orch("heads", "--json").stdout)["heads"]
    assert [h["revision"] for h in heads] == ["both00000001"]
    assert sorted(heads[0]["down_revisions"]) == ["merge0000001", "side00000001"]

    assert orch("upgrade").exit_code == 0
    current = json.loads(orch("current", "--json").stdout)["databases"]["shop"]
    assert current == {
        "current": ["both00000001"],
        "heads": ["both00000001"],
        "pending": [],
        "url": current["url"],
        "blocked": None,
        "error": None,
    }


SCRIPTS = [Script("aa01", labels=("app",)), Script("aa02", "aa01"), Script("aa03", "aa02")]


def project(tmp_path: Path) -> tuple[Path, str]:
    url = f"sqlite:///{tmp_path}/app.db"
    return write_project(tmp_path, {"app": SCRIPTS}, {"app": Database(url, ["app"])}), url


def rows(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return []
            query = sa.text("SELECT version_num FROM alembic_version")
            return sorted(conn.execute(query).scalars())
    finally:
        engine.dispose()


def test_reading_a_new_sqlite_database_creates_nothing(orch: Invoke, tmp_path: Path) -> None:
    config, url = project(tmp_path)
    database = Path(url.removeprefix("sqlite:///"))
    result = orch("--config", str(config), "upgrade", "--all-dbs", "--dry-run", "--json")
    assert result.exit_code == 0
    plan = json.loads(result.stdout)["databases"]["app"]
    assert plan["current"] == []
    steps = [{"revision": r, "direction": "upgrade"} for r in ("aa01", "aa02", "aa03")]
    assert plan["steps"] == steps
    sql = orch("--config", str(config), "upgrade", "--all-dbs", "--sql")
    assert sql.exit_code == 0
    assert "CREATE TABLE alembic_version" in sql.stdout  # from base: the database is new
    for command in ("current", "status", "verify"):
        assert orch("--config", str(config), command).exit_code == 0, command
    assert not database.exists()  # not even an empty file


def test_sql_from_to_needs_no_database(orch: Invoke, tmp_path: Path) -> None:
    config, url = project(tmp_path)
    result = orch("--config", str(config), "upgrade", "--all-dbs", "--sql", "aa01:aa03")
    assert result.exit_code == 0
    assert "CREATE TABLE t_aa02" in result.stdout
    assert "CREATE TABLE t_aa01" not in result.stdout
    assert "UPDATE alembic_version SET version_num='aa03'" in result.stdout
    # FROM is read as Alembic reads it: `heads`, labels and partial ids too.
    down = orch("--config", str(config), "downgrade", "--all-dbs", "--sql", "heads:base")
    assert down.exit_code == 0, down.stderr
    drops = [line for line in down.stdout.splitlines() if line.startswith("DROP TABLE")]
    assert drops == ["DROP TABLE t_aa03;", "DROP TABLE t_aa02;", "DROP TABLE t_aa01;"]
    up = orch("--config", str(config), "upgrade", "--all-dbs", "--sql", "app@head:aa03")
    assert up.exit_code == 0, up.stderr
    assert "CREATE TABLE" not in up.stdout  # already there: nothing to do
    assert not Path(url.removeprefix("sqlite:///")).exists()


def test_upgrade_downgrade_stamp_check_verify(orch: Invoke, tmp_path: Path) -> None:
    config, url = project(tmp_path)
    base = ("--config", str(config))
    assert orch(*base, "check").exit_code == 1  # pending revisions
    assert orch(*base, "upgrade", "--all-dbs", "aa02").exit_code == 0
    assert rows(url) == ["aa02"]
    assert orch(*base, "upgrade", "--all-dbs", "+1").exit_code == 0
    assert rows(url) == ["aa03"]
    down = orch(*base, "downgrade", "--all-dbs", "aa01", "--dry-run", "--json")
    steps = json.loads(down.stdout)["databases"]["app"]["steps"]
    assert steps == [{"revision": r, "direction": "downgrade"} for r in ("aa03", "aa02")]
    assert orch(*base, "check").exit_code == 0
    assert orch(*base, "downgrade", "--all-dbs", "-2").exit_code == 0
    assert rows(url) == ["aa01"]
    assert orch(*base, "stamp", "--all-dbs", "aa03").exit_code == 0
    assert rows(url) == ["aa03"]
    assert orch(*base, "stamp", "--all-dbs", "base").exit_code == 0
    assert rows(url) == []
    # The schema is still at aa01: a lie in the version table makes the upgrade fail loudly.
    failed = orch(*base, "upgrade", "--all-dbs")
    assert failed.exit_code == 1
    assert "t_aa01" in failed.stderr
    assert orch(*base, "stamp", "--all-dbs", "aa01").exit_code == 0  # tell the truth again

    assert orch(*base, "upgrade", "--all-dbs").exit_code == 0
    clean = orch(*base, "verify", "--all-dbs", "--json")
    assert clean.exit_code == 0
    assert json.loads(clean.stdout) == {"drift": [], "unchecked": []}
    script = tmp_path / "services" / "app" / "aa02_rev.py"
    script.write_text(script.read_text() + "\n# edited after it ran\n")
    drifted = orch(*base, "verify", "--all-dbs", "--json")
    assert drifted.exit_code == 1
    assert json.loads(drifted.stdout)["drift"] == [
        {"database": "app", "revision": "aa02", "problem": "changed", "path": str(script)}
    ]


def test_status_says_when_the_next_upgrade_will_refuse_to_start(
    orch: Invoke, tmp_path: Path
) -> None:
    # A migrator killed in the middle of aa02 on a database whose DDL is not transactional
    # leaves a `started` row and no end: the next upgrade refuses, and status says so first.
    config, url = project(tmp_path)
    assert orch("--config", str(config), "upgrade", "--all-dbs", "aa01").exit_code == 0
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO orch_history (run_id, revision, direction, started_at, finished_at,"
                " duration_ms, outcome, os_user, host, orch_version) VALUES ('r', 'aa02', 'up',"
                " '2026-12-01 10:00:00', '2026-12-01 10:00:00', 0, 'started', 'u', 'h', '0')"
            )
        )
    engine.dispose()
    result = orch("--config", str(config), "status", "--json")
    assert result.exit_code == 0
    blocked = json.loads(result.stdout)["databases"]["app"]["blocked"]
    assert "revision aa02 failed part-way in an earlier run" in blocked
    table = orch("--config", str(config), "status").stdout
    assert table.splitlines()[0].split("\t")[-1] == "note"
    assert "aa02 failed part-way" in table.splitlines()[1]
    refused = orch("--config", str(config), "upgrade", "--all-dbs")
    assert refused.exit_code == 1
    assert "aa02 failed part-way" in refused.stderr
