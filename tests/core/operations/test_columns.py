"""Column operations: in place where the dialect can, through batch on SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orch_core.errors import UnsupportedOperation
from tests.core.operations.helpers import columns, inspect, migrate, rows, users_table
from tests.support.databases import TestDatabase


def _seed(database: TestDatabase) -> None:
    with migrate(database) as op:
        users = users_table(op)
        op.bulk_insert(users, [{"id": 1, "name": "ann", "age": 30}, {"id": 2, "name": "bob"}])


def test_add_column_with_default_and_comment(database: TestDatabase) -> None:
    _seed(database)
    with migrate(database) as op:
        op.add_column("users", sa.Column("email", sa.String(80), server_default="none"))
        op.add_column("users", sa.Column("score", sa.Integer, comment="points"))
    cols = columns(database, "users")
    assert list(cols) == ["id", "name", "age", "email", "score"]
    assert rows(database, "SELECT id, email FROM users ORDER BY id") == [(1, "none"), (2, "none")]
    if database.kind != "sqlite":
        assert cols["score"]["comment"] == "points"


def test_add_column_brings_its_indexes_and_constraints(database: TestDatabase) -> None:
    # As Alembic: a column's unique=True, index=True and ForeignKey reach the table, never
    # silently left out.
    _seed(database)
    with migrate(database) as op:
        op.create_table("teams", sa.Column("id", sa.Integer, primary_key=True))
        op.add_column("users", sa.Column("email", sa.String(80), unique=True, index=True))
        op.add_column("users", sa.Column("nick", sa.String(20), key="nickname", index=True))
        op.add_column("users", sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id")))
        active = sa.Boolean(create_constraint=True, name="ck_users_active")
        op.add_column("users", sa.Column("active", active))  # a CHECK where no native boolean
        code = sa.Column("code", sa.String(10), unique=True)
        if database.kind == "sqlite":
            # SQLite's ALTER TABLE cannot add a UNIQUE constraint: batch copies the table.
            with pytest.raises(UnsupportedOperation, match="batch_alter_table"):
                op.add_column("users", code)
            with op.batch_alter_table("users") as batch:
                batch.add_column(code)
        else:
            op.add_column("users", code)
    indexes = {ix["name"]: ix for ix in inspect(database, lambda i: i.get_indexes("users"))}
    assert indexes["ix_users_email"]["column_names"] == ["email"]
    assert indexes["ix_users_email"]["unique"]
    assert indexes["ix_users_nick"]["column_names"] == ["nick"]  # a column keyed apart
    keys = inspect(database, lambda i: i.get_foreign_keys("users"))
    assert [(k["constrained_columns"], k["referred_table"]) for k in keys] == [
        (["team_id"], "teams")
    ]
    uniques = inspect(database, lambda i: i.get_unique_constraints("users"))
    unique_index = [
        ix for ix in indexes.values() if ix["unique"] and ix["column_names"] == ["code"]
    ]
    assert [u["column_names"] for u in uniques if u["column_names"] == ["code"]] or unique_index
    checks = {c["name"] for c in inspect(database, lambda i: i.get_check_constraints("users"))}
    assert ("ck_users_active" in checks) == (database.kind != "postgresql")
    assert rows(database, "SELECT id, name FROM users ORDER BY id") == [(1, "ann"), (2, "bob")]


def test_drop_column(database: TestDatabase) -> None:
    # Plain ALTER TABLE ... DROP COLUMN on SQLite too (3.35+), as Alembic emits it.
    _seed(database)
    with migrate(database) as op:
        op.drop_column("users", "age")
    assert list(columns(database, "users")) == ["id", "name"]
    assert rows(database, "SELECT id, name FROM users ORDER BY id") == [(1, "ann"), (2, "bob")]


def test_alter_column_rename(database: TestDatabase) -> None:
    _seed(database)
    with migrate(database) as op:
        op.alter_column("users", "name", new_column_name="full_name", existing_type=sa.String(50))
    cols = columns(database, "users")
    assert "full_name" in cols
    assert "name" not in cols
    assert cols["full_name"]["nullable"] is False
    assert rows(database, "SELECT full_name FROM users ORDER BY id") == [("ann",), ("bob",)]


def _alter_everything(op: object, database: TestDatabase, *table: str) -> None:
    kw = {
        "type_": sa.String(120),
        "nullable": True,
        "server_default": "anon",
        "existing_type": sa.String(50),
        "existing_nullable": False,
    }
    if database.kind == "postgresql":
        kw["postgresql_using"] = "name::varchar(120)"
    op.alter_column(*table, "name", **kw)  # type: ignore[attr-defined]


def test_alter_column_type_nullable_default(database: TestDatabase) -> None:
    _seed(database)
    with migrate(database) as op:
        if database.kind == "sqlite":
            with pytest.raises(UnsupportedOperation) as info:
                _alter_everything(op, database, "users")
            assert info.value.table == "users"
            assert info.value.revision == "r1"
            with op.batch_alter_table("users") as batch:
                _alter_everything(batch, database)
        else:
            _alter_everything(op, database, "users")
    name = columns(database, "users")["name"]
    assert name["nullable"] is True
    assert name["type"].length == 120
    assert "anon" in str(name["default"])
    with migrate(database) as op:
        op.bulk_insert(sa.table("users", sa.column("id")), [{"id": 3}])
    assert rows(database, "SELECT id, name FROM users ORDER BY id") == [
        (1, "ann"),
        (2, "bob"),
        (3, "anon"),
    ]


def test_alter_column_drop_default_and_comment(database: TestDatabase) -> None:
    with migrate(database) as op:
        op.create_table(
            "t",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("flag", sa.String(5), server_default="y", nullable=False),
        )
    with migrate(database) as op:
        target = op.batch_alter_table("t") if database.kind == "sqlite" else None
        if target is None:
            op.alter_column(
                "t",
                "flag",
                server_default=None,
                existing_type=sa.String(5),
                existing_nullable=False,
            )
            op.alter_column(
                "t",
                "flag",
                comment="yes or no",
                existing_type=sa.String(5),
                existing_nullable=False,
            )
        else:
            with target as batch:
                batch.alter_column("flag", server_default=None)
    flag = columns(database, "t")["flag"]
    assert flag["default"] is None
    assert flag["nullable"] is False
    if database.kind != "sqlite":
        assert flag["comment"] == "yes or no"
