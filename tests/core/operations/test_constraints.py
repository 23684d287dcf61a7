"""Indexes and constraints, reflected afterwards on each database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orch_core.errors import OperationFailed
from orch_core.operations import Operations
from tests.core.operations.helpers import inspect, migrate, rows, users_table
from tests.support.databases import TestDatabase


def _indexes(database: TestDatabase, table: str) -> dict[str, dict[str, object]]:
    return {ix["name"]: ix for ix in inspect(database, lambda i: i.get_indexes(table))}


def test_create_and_drop_index(database: TestDatabase) -> None:
    with migrate(database) as op:
        users_table(op)
        op.create_index("ix_users_name", "users", ["name"], unique=True)
        op.create_index("ix_users_age", "users", ["age", "name"])
        op.create_index("ix_users_name", "users", ["name"], if_not_exists=True) if (
            database.kind != "mariadb"
        ) else None
    found = _indexes(database, "users")
    assert found["ix_users_name"]["unique"]
    assert found["ix_users_age"]["column_names"] == ["age", "name"]
    with migrate(database) as op:
        op.drop_index("ix_users_age", "users")
        op.drop_index("ix_users_age", "users", if_exists=True)
    assert set(_indexes(database, "users")) == {"ix_users_name"}


# SQLAlchemy says it skips reflecting SQLite's expression index; the test reads sqlite_master.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_partial_and_expression_indexes(database: TestDatabase) -> None:
    with migrate(database) as op:
        users_table(op)
        if database.kind != "mariadb":
            op.create_index(
                "ix_adults",
                "users",
                ["name"],
                postgresql_where="age > 17",
                sqlite_where=sa.text("age > 17"),
            )
            op.create_index("ix_lower", "users", [sa.text("lower(name)")])
        else:
            op.create_index("ix_prefix", "users", ["name"], mysql_length={"name": 4})
    found = _indexes(database, "users")
    if database.kind == "mariadb":
        assert "ix_prefix" in found
        return
    if database.kind == "sqlite":  # SQLAlchemy does not reflect SQLite expression indexes
        found = {
            n: {} for (n,) in rows(database, "SELECT name FROM sqlite_master WHERE type='index'")
        }
    assert {"ix_adults", "ix_lower"} <= set(found)
    with migrate(database) as op:
        op.bulk_insert(
            sa.table("users", sa.column("id"), sa.column("name")), [{"id": 1, "name": "x"}]
        )
    assert rows(database, "SELECT count(*) FROM users") == [(1,)]


def _constraints(op: Operations) -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer),
        sa.Column("code", sa.String(10)),
        sa.Column("qty", sa.Integer),
    )
    op.create_primary_key("pk_orders", "orders", ["id"])
    op.create_unique_constraint("uq_orders_code", "orders", ["code"])
    op.create_foreign_key(
        "fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="CASCADE"
    )
    op.create_check_constraint("ck_orders_qty", "orders", "qty > 0")


def test_constraints_created_and_dropped(database: TestDatabase) -> None:
    with migrate(database) as op:
        users_table(op)
        if database.kind == "sqlite":
            op.create_table(
                "orders",
                sa.Column("id", sa.Integer, nullable=False),
                sa.Column("user_id", sa.Integer),
                sa.Column("code", sa.String(10)),
                sa.Column("qty", sa.Integer),
            )
            with op.batch_alter_table("orders") as batch:
                batch.create_primary_key("pk_orders", ["id"])
                batch.create_unique_constraint("uq_orders_code", ["code"])
                batch.create_foreign_key(
                    "fk_orders_user", "users", ["user_id"], ["id"], ondelete="CASCADE"
                )
                batch.create_check_constraint("ck_orders_qty", "qty > 0")
        else:
            _constraints(op)
    pk = inspect(database, lambda i: i.get_pk_constraint("orders"))
    assert pk["constrained_columns"] == ["id"]
    fks = inspect(database, lambda i: i.get_foreign_keys("orders"))
    assert [(f["name"], f["referred_table"], f["options"].get("ondelete")) for f in fks] == [
        ("fk_orders_user", "users", "CASCADE")
    ]
    uniques = inspect(database, lambda i: i.get_unique_constraints("orders"))
    assert [u["column_names"] for u in uniques] == [["code"]]
    checks = inspect(database, lambda i: i.get_check_constraints("orders"))
    assert [c["name"] for c in checks] == ["ck_orders_qty"]
    with migrate(database) as op:
        ctx = op.batch_alter_table("orders")
        with ctx as batch:
            batch.drop_constraint("fk_orders_user", type_="foreignkey")
            batch.drop_constraint("uq_orders_code", type_="unique")
            batch.drop_constraint("ck_orders_qty", type_="check")
    assert inspect(database, lambda i: i.get_foreign_keys("orders")) == []
    assert inspect(database, lambda i: i.get_unique_constraints("orders")) == []
    assert inspect(database, lambda i: i.get_check_constraints("orders")) == []


def test_foreign_key_options_and_schemas(postgresql_database: TestDatabase) -> None:
    with migrate(postgresql_database) as op:
        op.execute("CREATE SCHEMA other")
        op.create_table("parents", sa.Column("id", sa.Integer, primary_key=True), schema="other")
        op.create_table(
            "kids", sa.Column("id", sa.Integer, primary_key=True), sa.Column("pid", sa.Integer)
        )
        op.create_foreign_key(
            "fk_kids_parent",
            "kids",
            "parents",
            ["pid"],
            ["id"],
            onupdate="CASCADE",
            ondelete="SET NULL",
            deferrable=True,
            initially="DEFERRED",
            referent_schema="other",
        )
    fk = inspect(postgresql_database, lambda i: i.get_foreign_keys("kids"))[0]
    assert fk["referred_schema"] == "other"
    assert fk["options"] == {
        "onupdate": "CASCADE",
        "ondelete": "SET NULL",
        "deferrable": True,
        "initially": "DEFERRED",
    }


def test_check_constraint_rejects_rows(database: TestDatabase) -> None:
    with migrate(database) as op:
        op.create_table(
            "items",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("qty", sa.Integer),
            sa.CheckConstraint("qty > 0", name="ck_qty"),
        )
    with pytest.raises(OperationFailed) as info, migrate(database, revision="r2") as op:
        op.execute("INSERT INTO items (id, qty) VALUES (1, -1)")
    assert info.value.operation == "execute"
    assert info.value.revision == "r2"
