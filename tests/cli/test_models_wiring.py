"""The models a project names reach every part of orch, as env.py's target_metadata reaches
Alembic's: the naming convention names what hand-written ops create, and the hooks module's
filters and target_metadata() narrow and feed `check` and autogenerate."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from tests.cli.conftest import Invoke
from tests.support.databases import TestDatabase
from tests.support.model_projects import USERS, write_model_project, write_models

HAND_WRITTEN = '''"""plans, written by hand"""
import sqlalchemy as sa
from alembic import op

revision = "a1b2c3d4e5f6"
down_revision = None
branch_labels = ("app",)
depends_on = None


def upgrade():
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(10), nullable=False, unique=True),
    )
    op.create_index(None, "plans", ["code", "id"])


def downgrade():
    op.drop_table("plans")
'''


def _names(url: str) -> set[str | None]:
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        names = {inspector.get_pk_constraint("plans").get("name")}
        names |= {u["name"] for u in inspector.get_unique_constraints("plans")}
        names |= {i["name"] for i in inspector.get_indexes("plans")}
        return names
    finally:
        engine.dispose()


def test_the_models_naming_convention_names_what_a_script_creates(
    orch: Invoke, tmp_path: Path, database: TestDatabase
) -> None:
    write_model_project(tmp_path, {"app": database.url}, write_models(tmp_path, USERS))
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "a1b2c3d4e5f6_plans.py").write_text(HAND_WRITTEN)
    run = orch("upgrade", "heads")
    assert run.exit_code == 0, run.output
    names = _names(database.url)
    assert {"uq_plans_code", "ix_plans_code"} <= names
    if database.kind == "postgresql":  # the others do not keep a primary key's name
        assert "pk_plans" in names
    sql = orch("upgrade", "--sql", "base:heads")
    assert "uq_plans_code" in sql.stdout


HOOKS = """
import sqlalchemy as sa

from {models} import metadata as models


def target_metadata():
    return models


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name.startswith("legacy_"))
"""


def test_hooks_feed_check_with_models_and_filters(
    orch: Invoke, tmp_path: Path, sqlite_database: TestDatabase
) -> None:
    models = write_models(tmp_path, USERS).split(":")[0]
    (tmp_path / "src" / "project_hooks.py").write_text(HOOKS.format(models=models))
    config = write_model_project(
        tmp_path, {"app": sqlite_database.url}, "", orch_extra={"hooks": "project_hooks"}
    )
    config.write_text(config.read_text().replace('metadata = ""\n', ""))
    engine = sa.create_engine(sqlite_database.url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE legacy_orders (id INTEGER PRIMARY KEY)"))
        conn.execute(sa.text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    found = orch("check", "--json")
    assert found.exit_code == 1, found.output
    drift = json.loads(found.stdout)["databases"]["app"]["drift"]
    tables = {(d["kind"], d["table"]) for d in drift}
    assert ("add_table", "users") in tables  # target_metadata() from the hooks module
    assert ("remove_table", "stray") in tables
    assert not any(table == "legacy_orders" for _, table in tables)  # include_object
