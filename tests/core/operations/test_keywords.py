"""Keyword arguments reach the rendered DDL, or are refused by name: never dropped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from orch_core.errors import OperationFailed, UnsupportedOperation
from tests.core.operations.helpers import alembic_sql, columns, migrate, orch_sql, rows
from tests.support.databases import TestDatabase


def _both(dialect: str, script: Callable[[Any], None]) -> list[str]:
    """Return orch's statements for script, asserting they are Alembic's."""
    orch = orch_sql(dialect, script)
    assert orch == alembic_sql(dialect, script)
    return orch


def test_not_valid_constraints_render_as_alembics() -> None:
    def script(op: Any) -> None:
        op.create_foreign_key(
            "fk_o_c", "orders", "customers", ["cid"], ["id"], postgresql_not_valid=True
        )
        op.create_check_constraint("ck_o_qty", "orders", "qty > 0", postgresql_not_valid=True)

    assert all(s.endswith("NOT VALID") for s in _both("postgresql", script))


def _orders_with_a_bad_row(op: Any) -> None:
    op.create_table("customers", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cid", sa.Integer),
        sa.Column("qty", sa.Integer),
    )
    op.execute("INSERT INTO orders (id, cid, qty) VALUES (1, 99, -1)")


def test_not_valid_reaches_postgresql(postgresql_database: TestDatabase) -> None:
    with migrate(postgresql_database) as op:
        _orders_with_a_bad_row(op)
        op.create_foreign_key(
            "fk_o_c", "orders", "customers", ["cid"], ["id"], postgresql_not_valid=True
        )
        op.create_check_constraint("ck_o_qty", "orders", "qty > 0", postgresql_not_valid=True)
    found = rows(
        postgresql_database,
        "SELECT conname, convalidated FROM pg_constraint WHERE conname IN ('ck_o_qty', 'fk_o_c') "
        "ORDER BY conname",
    )
    assert found == [("ck_o_qty", False), ("fk_o_c", False)]


def test_without_not_valid_postgresql_checks_every_row(
    postgresql_database: TestDatabase,
) -> None:
    with pytest.raises(OperationFailed), migrate(postgresql_database) as op:
        _orders_with_a_bad_row(op)
        op.create_check_constraint("ck_o_qty", "orders", "qty > 0")


def test_check_constraint_keywords_render_as_alembics() -> None:
    def script(op: Any) -> None:
        op.create_check_constraint("ck_t", "t", "a > 0", deferrable=True, initially="DEFERRED")

    assert _both("postgresql", script) == [
        "ALTER TABLE t ADD CONSTRAINT ck_t CHECK (a > 0) DEFERRABLE INITIALLY DEFERRED"
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda op: op.drop_column("t", "a", mssql_drop_default=True),
        lambda op: op.add_column("t", sa.Column("b", sa.Integer), inline_references=True),
        lambda op: op.alter_column("t", "a", nullable=True, mssql_something=1),
    ],
    ids=["drop_column", "add_column", "alter_column"],
)
def test_keywords_orch_cannot_honour_are_refused_by_name(
    database: TestDatabase, call: Callable[[Any], None]
) -> None:
    with pytest.raises(UnsupportedOperation) as caught, migrate(database) as op:
        op.create_table(
            "t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.Integer)
        )
        call(op)
    assert caught.value.reason.startswith("orch cannot honour the keyword argument(s) ")
    assert caught.value.reason.split(" ")[6].rstrip(";") in {
        "mssql_drop_default",
        "inline_references",
        "mssql_something",
    }


def test_batch_refuses_keywords_by_name(sqlite_database: TestDatabase) -> None:
    with (
        pytest.raises(UnsupportedOperation, match="mssql_drop_check"),
        migrate(sqlite_database) as op,
    ):
        op.create_table(
            "t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.Integer)
        )
        with op.batch_alter_table("t") as batch_op:
            batch_op.drop_column("a", mssql_drop_check=True)


def test_existing_server_default_as_an_expression(database: TestDatabase) -> None:
    with migrate(database) as op:
        op.create_table(
            "t",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("created", sa.DateTime, server_default=sa.func.current_timestamp()),
        )
        with op.batch_alter_table("t") as batch_op:
            batch_op.alter_column(
                "created",
                existing_type=sa.DateTime,
                nullable=False,
                existing_server_default=sa.text("CURRENT_TIMESTAMP"),
            )
    created = columns(database, "t")["created"]
    assert created["nullable"] is False
    assert "CURRENT_TIMESTAMP" in str(created["default"]).upper()


def _keep_the_default(op: Any) -> None:
    op.alter_column(
        "t",
        "created",
        existing_type=sa.DateTime(),
        nullable=False,
        existing_server_default=sa.text("now()"),
    )


def test_existing_server_default_renders_as_alembics() -> None:
    assert _both("postgresql", _keep_the_default) == [
        "ALTER TABLE t ALTER COLUMN created SET NOT NULL"
    ]
    assert _both("mysql", _keep_the_default) == [
        "ALTER TABLE t CHANGE created created DATETIME NOT NULL DEFAULT now()"
    ]


def test_if_exists_keywords_render_as_alembics() -> None:
    def script(op: Any) -> None:
        op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), if_not_exists=True)
        op.add_column("t", sa.Column("a", sa.Integer), if_not_exists=True)
        op.drop_column("t", "a", if_exists=True)
        op.drop_constraint("uq_t", "t", type_="unique", if_exists=True)
        op.drop_table("t", if_exists=True)

    out = _both("postgresql", script)
    assert out[1] == "ALTER TABLE t ADD COLUMN IF NOT EXISTS a INTEGER"
    assert out[2] == "ALTER TABLE t DROP COLUMN IF EXISTS a"


def test_mysql_autoincrement_renders_as_alembics() -> None:
    def script(op: Any) -> None:
        op.alter_column("t", "id", existing_type=sa.Integer(), nullable=False, autoincrement=True)

    assert "AUTO_INCREMENT" in _both("mysql", script)[0]


def test_exclude_constraint_on_postgresql(postgresql_database: TestDatabase) -> None:
    from sqlalchemy.dialects.postgresql import TSRANGE

    with migrate(postgresql_database) as op:
        op.create_table(
            "bookings",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("period", TSRANGE),
            sa.Column("room", sa.Integer),
        )
        op.create_exclude_constraint(
            "excl_overlap", "bookings", ("period", "&&"), where="room > 0", using="gist"
        )
    found = rows(
        postgresql_database,
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'excl_overlap'",
    )
    assert found == [("EXCLUDE USING gist (period WITH &&) WHERE ((room > 0))",)]
