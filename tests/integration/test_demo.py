"""The demo monorepo migrated as a deployment would: all databases, one command."""

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from orch_cli.app import app
from tests.support.databases import TestDatabase

ROOT = Path(__file__).resolve().parents[2]

FAILING_BILLING = '''"""a billing revision that fails"""
from orch_core import op

revision = "ffff00000001"
down_revision = "7a3f0c5d2b03"
branch_labels = None
depends_on = None


def upgrade():
    raise RuntimeError("injected failure")


def downgrade():
    pass
'''


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo (orch.toml, envs/, examples/) in tmp_path, the working directory."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "envs", tmp_path / "envs")
    shutil.copy(ROOT / "orch.toml", tmp_path / "orch.toml")
    monkeypatch.chdir(tmp_path)
    for name in ("USERS", "BILLING", "CATALOG"):
        monkeypatch.delenv(f"{name}_DATABASE_URL", raising=False)
    return tmp_path


def orch(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def reflect(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def version_rows(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(
                conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            )
    finally:
        engine.dispose()


def test_the_demo_on_sqlite(demo: Path) -> None:
    code, out, err = orch("upgrade", "--all-dbs", "heads")
    assert code == 0, out + err
    users = f"sqlite:///{demo}/.orch/users.db"
    billing = f"sqlite:///{demo}/.orch/billing.db"
    catalog = f"sqlite:///{demo}/.orch/catalog.db"
    assert {"users", "user_profiles"} <= reflect(users)
    assert {"accounts", "invoices"} <= reflect(billing)
    assert {"products", "categories"} <= reflect(catalog)
    assert version_rows(users) == ["e7c3f5a60d55"]
    assert version_rows(billing) == ["7a3f0c5d2b03"]
    engine = sa.create_engine(users)
    with engine.connect() as conn:  # the data migration ran
        emails = conn.execute(sa.text("SELECT email FROM users ORDER BY email")).scalars().all()
    engine.dispose()
    assert emails == ["admin@example.com", "support@example.com"]

    code, out, _ = orch("status", "--all-dbs", "--json")
    states = json.loads(out)["databases"]
    assert code == 0
    assert {name: s["pending"] for name, s in states.items()} == {
        "users": [],
        "billing": [],
        "catalog": [],
    }
    assert states["billing"]["current"] == ["7a3f0c5d2b03"]

    events = [json.loads(line) for line in (demo / ".orch/audit.jsonl").read_text().splitlines()]
    names = [e["event"] for e in events]
    assert names[0] == "run.started" and names[-1] == "run.finished"
    assert names.count("migration.applied") == 10
    assert len({e["run_id"] for e in events}) == 1

    # Upgrading again does nothing; downgrading billing alone leaves the others alone.
    assert orch("upgrade", "--all-dbs", "heads")[0] == 0
    code, _, err = orch("downgrade", "--db", "billing", "billing@base")
    assert code == 0, err
    assert version_rows(billing) == []
    assert version_rows(users) == ["e7c3f5a60d55"]


def test_postgresql_and_mariadb_together_with_one_failure(
    demo: Path, make_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    users: TestDatabase = make_database("postgresql")
    billing: TestDatabase = make_database("mariadb")
    catalog: TestDatabase = make_database("postgresql")
    monkeypatch.setenv("USERS_DATABASE_URL", users.url)
    monkeypatch.setenv("BILLING_DATABASE_URL", billing.url)
    monkeypatch.setenv("CATALOG_DATABASE_URL", catalog.url)
    failing = demo / "examples/services/billing/migrations/ffff00000001_fails.py"
    failing.write_text(FAILING_BILLING)

    code, out, err = orch("--env", "ci", "upgrade", "--all-dbs", "heads")
    assert code == 1
    assert "injected failure" in err
    assert "Traceback" not in out + err
    # users and catalog (which waits for users) got where they should.
    assert version_rows(users.url) == ["e7c3f5a60d55"]
    assert version_rows(catalog.url) == ["9f2b4c6e8a02"]
    # billing stopped at the last good revision, and its history says what failed.
    assert version_rows(billing.url) == ["7a3f0c5d2b03"]
    engine = sa.create_engine(billing.url)
    with engine.connect() as conn:
        last = conn.execute(
            sa.text("SELECT revision, outcome, error FROM orch_history ORDER BY id DESC")
        ).first()
    engine.dispose()
    assert last is not None
    assert last[0] == "ffff00000001"
    assert last[1] == "failed-partial"  # MariaDB cannot roll DDL back: orch says so
    assert "injected failure" in last[2]
    summary = {line.split("\t")[0]: line.split("\t")[1] for line in out.splitlines()[1:]}
    assert summary == {"users": "succeeded", "billing": "failed", "catalog": "succeeded"}
    events = [json.loads(line) for line in (demo / ".orch/audit.jsonl").read_text().splitlines()]
    failed = [e for e in events if e["event"] == "migration.failed"]
    assert [(e["database"], e["revision"]) for e in failed] == [("billing", "ffff00000001")]
    assert {e["run_id"] for e in events} == {events[0]["run_id"]}


def test_the_demo_round_trip_on_postgresql_and_mariadb(
    demo: Path, make_database, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = {
        "USERS": make_database("postgresql").url,
        "BILLING": make_database("mariadb").url,
        "CATALOG": make_database("postgresql").url,
    }
    for name, url in urls.items():
        monkeypatch.setenv(f"{name}_DATABASE_URL", url)
    assert orch("--env", "ci", "upgrade", "--all-dbs", "heads")[0] == 0
    code, out, err = orch("--env", "ci", "downgrade", "--all-dbs", "base")
    assert code == 0, out + err
    for url in urls.values():
        assert version_rows(url) == []
        assert reflect(url) == {"alembic_version", "orch_history"}
    events = [json.loads(line) for line in (demo / ".orch/audit.jsonl").read_text().splitlines()]
    down = [e for e in events if e["event"] == "migration.applied" and e["direction"] == "down"]
    position = {(e["database"], e["revision"]): i for i, e in enumerate(down)}
    # billing's invoices (which depend on users' 8b41d07c2e22) go before users goes below it,
    # and catalog (after users) is taken down before users.
    assert position[("billing", "4e9a6b1c8d02")] < position[("users", "8b41d07c2e22")]
    assert position[("catalog", "5d8e1f2a7c01")] < position[("users", "3f2a9c1e0b11")]
    assert orch("--env", "ci", "upgrade", "--all-dbs", "heads")[0] == 0
