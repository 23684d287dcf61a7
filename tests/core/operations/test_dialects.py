"""Dialect registry, reverse operations, and PostgreSQL's CONCURRENTLY in an autocommit block."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orch_core.dialects import get_dialect
from orch_core.dialects.base import ColumnChange
from orch_core.errors import OperationFailed, UnknownDialect
from orch_core.operations import Operations, ops
from orch_core.runtime.context import MigrationContext
from tests.core.operations.helpers import inspect, users_table
from tests.support.databases import TestDatabase


def test_get_dialect_by_name_with_fallback() -> None:
    assert get_dialect("sqlite").transactional_ddl is True
    assert get_dialect("postgresql+psycopg").name == "postgresql"
    assert get_dialect("mariadb").alter_style == "modify"
    assert get_dialect("mysql").transactional_ddl is False
    generic = get_dialect("mssql")
    assert (generic.name, generic.native_constraint_changes) == ("mssql", True)
    with pytest.raises(UnknownDialect) as info:
        get_dialect("nosuchdb")
    assert info.value.name == "nosuchdb"


def test_reverse_operations_are_data() -> None:
    create = ops.CreateTableOp("t", (sa.Column("id", sa.Integer),))
    assert create.reverse() == ops.DropTableOp("t")
    add = ops.AddColumnOp("t", sa.Column("c", sa.Integer))
    assert add.reverse() == ops.DropColumnOp("t", "c")
    index = ops.CreateIndexOp("ix", "t", ("c",))
    assert index.reverse() == ops.DropIndexOp("ix", "t")
    assert ops.RenameTableOp("a", "b").reverse() == ops.RenameTableOp("b", "a")
    fk = ops.CreateForeignKeyOp("fk", "t", "u", ("c",), ("id",))
    assert fk.reverse() == ops.DropConstraintOp("fk", "t", "foreignkey")
    alter = ops.AlterColumnOp(
        "t",
        "c",
        frozenset({ColumnChange.RENAME, ColumnChange.NULLABLE}),
        new_name="d",
        nullable=False,
        existing_nullable=True,
    )
    back = alter.reverse()
    assert (back.column_name, back.new_name, back.nullable) == ("d", "c", True)
    with pytest.raises(NotImplementedError):
        ops.DropTableOp("t").reverse()


def test_invoke_runs_an_operation_object(sqlite_database: TestDatabase) -> None:
    engine = sqlite_database.engine()
    try:
        with engine.begin() as connection:
            op = Operations(MigrationContext.online(connection))
            op.invoke(ops.CreateTableOp("t", (sa.Column("id", sa.Integer, primary_key=True),)))
            op.invoke(ops.CreateTableOp("t", (sa.Column("id", sa.Integer),)).reverse())
    finally:
        engine.dispose()
    assert inspect(sqlite_database, lambda i: i.get_table_names()) == []


def test_postgresql_concurrently_needs_an_autocommit_block(
    postgresql_database: TestDatabase,
) -> None:
    engine = postgresql_database.engine()
    try:
        with engine.connect() as connection:
            connection.begin()
            op = Operations(MigrationContext.online(connection, revision="rc"))
            users_table(op)
            with pytest.raises(OperationFailed) as info:
                op.create_index("ix_c", "users", ["name"], postgresql_concurrently=True)
            assert "transaction" in info.value.reason
            connection.rollback()
            connection.begin()
            users_table(op)
            with op.get_context().autocommit_block():
                op.create_index("ix_c", "users", ["name"], postgresql_concurrently=True)
            connection.commit()
    finally:
        engine.dispose()
    names = [ix["name"] for ix in inspect(postgresql_database, lambda i: i.get_indexes("users"))]
    assert names == ["ix_c"]


def test_create_table_with_enum_and_op_f(database: TestDatabase) -> None:
    engine = database.engine()
    try:
        with engine.begin() as connection:
            op = Operations(MigrationContext.online(connection))
            op.create_table(
                "moods",
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("mood", sa.Enum("happy", "sad", name="mood"), nullable=False),
            )
            op.create_index(op.f("ix_moods_mood"), "moods", ["mood"])
            op.execute("INSERT INTO moods (id, mood) VALUES (1, 'sad')")
    finally:
        engine.dispose()
    mood = {c["name"]: c for c in inspect(database, lambda i: i.get_columns("moods"))}["mood"]
    if database.kind != "sqlite":  # SQLite stores an enum as VARCHAR
        assert list(mood["type"].enums) == ["happy", "sad"]
    names = [ix["name"] for ix in inspect(database, lambda i: i.get_indexes("moods"))]
    assert names == ["ix_moods_mood"]
