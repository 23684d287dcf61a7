"""`verify` on revisions Alembic applied: unchecked, not unchanged, until `--baseline`."""

import json
from pathlib import Path

from alembic import command
from alembic.config import Config

from tests.cli.conftest import Invoke
from tests.cli.test_init_from_alembic import alembic_project
from tests.support.databases import TestDatabase


def test_revisions_alembic_applied_are_unchecked_until_a_baseline(
    database: TestDatabase, tmp_path: Path, orch: Invoke
) -> None:
    if database.kind == "postgresql":
        engine = database.engine()
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE SCHEMA meta")
        engine.dispose()
    ini = alembic_project(tmp_path, database.url, "meta" if database.kind == "postgresql" else None)
    command.upgrade(Config(str(ini)), "b1")
    assert orch("init", "--from-alembic", str(ini)).exit_code == 0
    assert orch("upgrade", "c1").exit_code == 0  # one revision run by orch, with its hash

    verified = orch("verify")
    assert verified.exit_code == 0, verified.output
    assert "app: a1 unchecked, no checksum recorded" in verified.stdout
    assert "3 applied revision(s) have no checksum" in verified.stdout
    assert "every checked script is unchanged" in verified.stdout
    report = json.loads(orch("verify", "--json").stdout)
    assert report["drift"] == []
    assert sorted(d["revision"] for d in report["unchecked"]) == ["a1", "a2", "b1"]

    baselined = orch("verify", "--baseline", "--json")
    assert baselined.exit_code == 0, baselined.output
    recorded = json.loads(baselined.stdout)["baselined"]
    assert sorted(d["revision"] for d in recorded) == ["a1", "a2", "b1"]
    again = orch("verify")
    assert again.stdout.strip() == "every applied script is unchanged"

    script = tmp_path / "migrations" / "versions" / "a2_rev.py"
    script.write_text(script.read_text() + "\n# edited after the baseline\n")
    drifted = orch("verify", "--json")
    assert drifted.exit_code == 1
    assert json.loads(drifted.stdout)["drift"] == [
        {"database": "app", "revision": "a2", "problem": "changed", "path": str(script)}
    ]
