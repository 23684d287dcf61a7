"""Data operations: execute, bulk_insert, inline_literal, get_bind, and errors on bad input."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from orch_core.errors import OperationFailed, UnsupportedOperation
from orch_core.operations import Operations
from orch_core.runtime.context import MigrationContext
from tests.core.operations.helpers import alembic_sql, migrate, orch_sql, rows, users_table
from tests.support.databases import TestDatabase


def test_execute_string_and_construct_with_inline_literal(database: TestDatabase) -> None:
    with migrate(database) as op:
        users = users_table(op)
        op.execute("INSERT INTO users (id, name) VALUES (1, 'ann')")
        op.execute(users.insert().values(id=2, name=op.inline_literal("b'o")))
        op.execute(
            users.update()
            .where(users.c.id == op.inline_literal(1))
            .values(age=op.inline_literal(40))
        )
    assert rows(database, "SELECT id, name, age FROM users ORDER BY id") == [
        (1, "ann", 40),
        (2, "b'o", None),
    ]


def test_bulk_insert_single_and_multirow(database: TestDatabase) -> None:
    with migrate(database) as op:
        users = users_table(op)
        op.bulk_insert(users, [{"id": 1, "name": "a"}, {"id": 2, "name": "b", "age": 5}])
        op.bulk_insert(users, [{"id": 3, "name": "c"}], multiinsert=False)
        op.bulk_insert(users, [])
    assert rows(database, "SELECT id, name, age FROM users ORDER BY id") == [
        (1, "a", None),
        (2, "b", 5),
        (3, "c", None),
    ]


def test_get_bind_runs_in_the_same_transaction(database: TestDatabase) -> None:
    with migrate(database) as op:
        users_table(op)
        bind = op.get_bind()
        bind.execute(sa.text("INSERT INTO users (id, name) VALUES (:i, :n)"), {"i": 9, "n": "z"})
        assert bind.execute(sa.text("SELECT count(*) FROM users")).scalar() == 1
        assert op.get_context().revision == "r1"
        assert op.get_context().as_sql is False
    assert rows(database, "SELECT id FROM users") == [(9,)]


def test_operation_on_missing_table_names_operation_table_and_revision(
    database: TestDatabase,
) -> None:
    with pytest.raises(OperationFailed) as info, migrate(database, revision="abc123") as op:
        op.add_column("ghosts", sa.Column("x", sa.Integer))
    error = info.value
    assert (error.operation, error.table, error.revision) == ("add_column", "ghosts", "abc123")
    assert "ghosts" in error.reason
    assert "abc123" in str(error)


def test_missing_column_is_a_typed_error(database: TestDatabase) -> None:
    with migrate(database) as op:
        users_table(op)
    with pytest.raises(OperationFailed) as info, migrate(database, revision="r5") as op:
        op.alter_column("users", "nope", new_column_name="x", existing_type=sa.Integer)
    assert (info.value.operation, info.value.table) == ("alter_column", "users")


def test_failed_step_leaves_nothing_on_transactional_ddl(postgresql_database: TestDatabase) -> None:
    with pytest.raises(OperationFailed), migrate(postgresql_database) as op:
        users_table(op)
        op.drop_table("ghosts")
    assert rows(
        postgresql_database, "SELECT count(*) FROM pg_tables WHERE tablename = 'users'"
    ) == [(0,)]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_get_bind_offline_writes_what_it_executes_as_alembic(dialect: str) -> None:
    def script(op: Any) -> None:
        bind = op.get_bind()
        metadata = sa.MetaData()
        sa.Table("notes", metadata, sa.Column("id", sa.Integer, primary_key=True))
        metadata.create_all(bind)
        bind.execute(sa.text(f"UPDATE notes SET id = 2 -- on {bind.dialect.name}"))
        if op.get_context().as_sql:  # orch's context; Alembic's spells it as_sql too
            with op.batch_alter_table("notes", recreate="never") as batch_op:
                batch_op.get_bind().execute(sa.text("DELETE FROM notes"))

    orch = orch_sql(dialect, script)
    assert orch == alembic_sql(dialect, script)
    assert orch[1].startswith("UPDATE notes SET id = 2 -- on ")


def test_get_bind_offline_refuses_bound_parameters() -> None:
    op = Operations(MigrationContext.offline("sqlite", lambda _s: None, revision="r1"))
    with pytest.raises(UnsupportedOperation, match="inline_literal"):
        op.get_bind().execute(sa.text("DELETE FROM t WHERE id = :id"), {"id": 1})
