"""A target metadata's naming convention names what the ops create, exactly as under Alembic."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from orch_core.operations import Operations
from orch_core.runtime.context import MigrationContext
from tests.core.operations.helpers import alembic_sql, inspect, orch_sql
from tests.support.databases import TestDatabase

CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _metadata() -> sa.MetaData:
    return sa.MetaData(naming_convention=CONVENTION)


def _tables(op: Any) -> None:
    """Create two tables whose constraints are unnamed, or named for the convention."""
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.CheckConstraint("name <> ''", name="name_not_blank"),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organizations.id")),
        sa.Column("slug", sa.String(20)),
        sa.Column("tier", sa.Integer),
        sa.UniqueConstraint("code"),
    )
    op.create_index(None, "plans", ["org_id"])
    op.create_index(op.f("plans_by_tier"), "plans", ["tier"])


def _in_place(op: Any) -> None:
    """Add unnamed constraints to an existing table (where ALTER can)."""
    op.create_unique_constraint(None, "plans", ["slug"])
    op.create_check_constraint("tier_positive", "plans", "tier > 0")
    op.create_foreign_key(None, "plans", "organizations", ["tier"], ["id"])


def _batch(op: Any) -> None:
    """The same additions through a batch block (SQLite's way)."""
    with op.batch_alter_table("plans") as batch_op:
        batch_op.create_unique_constraint(None, ["slug"])
        batch_op.create_check_constraint("tier_positive", "tier > 0")
        batch_op.create_foreign_key(None, "organizations", ["tier"], ["id"])


def _script(op: Any, kind: str) -> None:
    _tables(op)
    (_batch if kind == "sqlite" else _in_place)(op)


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_offline_names_are_alembics(dialect: str) -> None:
    def script(op: Any) -> None:
        _tables(op)
        if dialect != "sqlite":
            _in_place(op)

    orch = orch_sql(dialect, script, _metadata())
    assert orch == alembic_sql(dialect, script, _metadata())
    assert any("CONSTRAINT pk_plans PRIMARY KEY" in s for s in orch)
    assert any("CONSTRAINT ck_organizations_name_not_blank CHECK" in s for s in orch)


def test_without_target_metadata_names_stay_as_given() -> None:
    orch = orch_sql("postgresql", _tables)
    assert orch == alembic_sql("postgresql", _tables)
    assert any("CONSTRAINT name_not_blank CHECK" in s for s in orch)
    assert not any("pk_plans" in s for s in orch)


def test_the_database_gets_the_conventions_names(database: TestDatabase) -> None:
    engine = database.engine()
    try:
        with engine.begin() as connection:
            context = MigrationContext.online(connection, target_metadata=_metadata())
            _script(Operations(context), database.kind)
    finally:
        engine.dispose()

    def names(inspector: sa.Inspector) -> dict[str, Any]:
        return {
            "pk": inspector.get_pk_constraint("plans")["name"],
            "uq": sorted(u["name"] for u in inspector.get_unique_constraints("plans")),
            "ck": sorted(c["name"] for c in inspector.get_check_constraints("plans")),
            "org_ck": [c["name"] for c in inspector.get_check_constraints("organizations")],
            "fk": sorted(f["name"] for f in inspector.get_foreign_keys("plans")),
            "ix": sorted(i["name"] for i in inspector.get_indexes("plans") if i["name"]),
        }

    found = inspect(database, names)
    assert found["uq"] == ["uq_plans_code", "uq_plans_slug"]
    assert found["ck"] == ["ck_plans_tier_positive"]
    assert found["org_ck"] == ["ck_organizations_name_not_blank"]
    assert found["fk"] == ["fk_plans_org_id_organizations", "fk_plans_tier_organizations"]
    assert {"ix_plans_org_id", "plans_by_tier"} <= set(found["ix"])
    if database.kind != "mariadb":  # MariaDB calls every primary key PRIMARY
        assert found["pk"] == "pk_plans"
