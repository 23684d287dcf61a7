"""Offline SQL: per dialect, deterministic, and the same statements the online run executes."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from orch_core.errors import UnsupportedOperation
from orch_core.operations import Operations
from orch_core.runtime.context import MigrationContext
from tests.core.operations.helpers import rows
from tests.support.databases import TestDatabase

OFFLINE_NAME = {"sqlite": "sqlite", "postgresql": "postgresql", "mariadb": "mysql"}


def _script(op: Operations, kind: str) -> None:
    """Run one migration that touches every kind of operation the dialect does in place."""
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("owner", sa.String(40), nullable=False, comment="who"),
        sa.Column("balance", sa.Integer, server_default="0"),
        comment="money",
    )
    op.create_table(
        "moves",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id")),
        sa.Column("amount", sa.Integer),
    )
    op.add_column("accounts", sa.Column("note", sa.String(20), server_default="it's"))
    op.create_index("ix_accounts_owner", "accounts", ["owner"], unique=True)
    op.alter_column("accounts", "note", new_column_name="memo", existing_type=sa.String(20))
    if kind != "sqlite":
        op.alter_column(
            "accounts", "balance", type_=sa.BigInteger, nullable=False, existing_server_default="0"
        )
        op.create_unique_constraint("uq_moves_amount", "moves", ["amount", "account_id"])
        op.create_check_constraint("ck_moves_amount", "moves", "amount <> 0")
        op.create_foreign_key(
            "fk_moves_acc", "moves", "accounts", ["account_id"], ["id"], ondelete="CASCADE"
        )
        op.drop_constraint("fk_moves_acc", "moves", type_="foreignkey")
        op.add_column("moves", sa.Column("scratch", sa.Integer, comment="temporary"))
        op.drop_column("moves", "scratch")
        op.create_table_comment("moves", "ledger")
    accounts = sa.table("accounts", sa.column("id"), sa.column("owner"), sa.column("memo"))
    op.bulk_insert(accounts, [{"id": 1, "owner": "o'neil", "memo": "a"}, {"id": 2, "owner": "b"}])
    op.execute(
        accounts.update()
        .where(accounts.c.id == op.inline_literal(2))
        .values(memo=op.inline_literal("x;y"))
    )
    op.drop_index("ix_accounts_owner", "accounts")
    op.rename_table("moves", "ledger")


def _offline(kind: str) -> list[str]:
    out: list[str] = []
    _script(
        Operations(MigrationContext.offline(OFFLINE_NAME[kind], out.append, revision="r1")), kind
    )
    return out


def _normal(sql: str) -> str:
    return " ".join(sql.split()).rstrip(";")


def test_offline_sql_matches_online_statements(database: TestDatabase) -> None:
    executed: list[tuple[str, Any]] = []
    engine = database.engine()
    try:
        with engine.begin() as connection:

            @sa.event.listens_for(connection, "before_cursor_execute")
            def _capture(_c: Any, _cur: Any, statement: str, params: Any, *_a: Any) -> None:
                executed.append((statement, params))

            _script(Operations(MigrationContext.online(connection, revision="r1")), database.kind)
    finally:
        engine.dispose()
    offline = _offline(database.kind)
    assert len(offline) == len(executed)
    for text, (statement, params) in zip(offline, executed, strict=True):
        assert text.endswith(";\n\n")
        if params:  # data statements: online binds what offline renders as literals
            assert _normal(text).split()[0] == _normal(statement).split()[0]
        else:
            assert _normal(text) == _normal(statement)
    assert rows(database, "SELECT id, owner, memo FROM accounts ORDER BY id") == [
        (1, "o'neil", "a"),
        (2, "b", "x;y"),
    ]


def test_offline_sql_is_deterministic_and_renders_literals_safely() -> None:
    for kind in OFFLINE_NAME:
        first, second = _offline(kind), _offline(kind)
        assert first == second
        sql = "".join(first)
        assert "'o''neil'" in sql
        assert "'x;y'" in sql
    assert "COMMENT ON TABLE moves IS 'ledger'" in "".join(_offline("postgresql"))
    assert "ALTER TABLE accounts MODIFY balance BIGINT NOT NULL DEFAULT '0'" in "".join(
        _offline("mariadb")
    )


def test_offline_batch_needs_copy_from_and_renders_the_move() -> None:
    out: list[str] = []
    op = Operations(MigrationContext.offline("sqlite", out.append, revision="r1"))
    source = sa.Table(
        "t",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("v", sa.String(5)),
    )
    with (
        pytest.raises(UnsupportedOperation, match=r"pass copy_from=sa.Table\('t'") as info,
        op.batch_alter_table("t") as batch,
    ):
        batch.alter_column("v", nullable=False)
    assert (info.value.table, info.value.revision) == ("t", "r1")
    assert out == []
    with op.batch_alter_table("t", copy_from=source) as batch:
        batch.alter_column("v", nullable=False)
    statements = [_normal(s) for s in out]
    assert statements[0].startswith("CREATE TABLE _orch_tmp_t (")
    assert "v VARCHAR(5) NOT NULL" in statements[0]
    assert statements[1:] == [
        "INSERT INTO _orch_tmp_t (id, v) SELECT t.id, t.v FROM t",
        "DROP TABLE t",
        "ALTER TABLE _orch_tmp_t RENAME TO t",
    ]
