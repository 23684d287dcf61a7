"""Batch blocks as Alembic runs them: a column's foreign key kept, execute() inside the block."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.core.operations.helpers import alembic_sql, inspect, migrate, orch_sql, rows
from tests.support.databases import TestDatabase


def _parents_and_children(op: Any) -> None:
    op.create_table("parents", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table("children", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO parents (id) VALUES (1)")
    op.execute("INSERT INTO children (id) VALUES (7)")


def test_batch_add_column_keeps_its_named_foreign_key(database: TestDatabase) -> None:
    with migrate(database) as op:
        _parents_and_children(op)
        with op.batch_alter_table("children") as batch_op:
            batch_op.add_column(
                sa.Column("parent_id", sa.Integer, sa.ForeignKey("parents.id", name="fk_c_p"))
            )
    keys = inspect(database, lambda i: i.get_foreign_keys("children"))
    assert [(k["name"], k["constrained_columns"], k["referred_table"]) for k in keys] == [
        ("fk_c_p", ["parent_id"], "parents")
    ]
    assert rows(database, "SELECT id, parent_id FROM children") == [(7, None)]


def test_sql_output_rebuilds_the_sqlite_table_with_the_foreign_key() -> None:
    def script(op: Any) -> None:
        children = sa.Table(
            "children", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True)
        )
        with op.batch_alter_table("children", copy_from=children) as batch_op:
            batch_op.add_column(
                sa.Column("parent_id", sa.Integer, sa.ForeignKey("parents.id", name="fk_c_p"))
            )

    create = orch_sql("sqlite", script)[0]
    assert create.startswith("CREATE TABLE _orch_tmp_children (")
    assert "CONSTRAINT fk_c_p FOREIGN KEY(parent_id) REFERENCES parents (id)" in create
    alembic = alembic_sql("sqlite", script)[0]
    assert alembic.replace("_alembic_tmp_", "_orch_tmp_") == create


def test_batch_execute_runs_at_once_as_in_alembic(database: TestDatabase) -> None:
    with migrate(database) as op:
        _parents_and_children(op)
        with op.batch_alter_table("children") as batch_op:
            batch_op.add_column(sa.Column("label", sa.String(10)))
            # Alembic runs it when called, before the block's own changes are applied.
            batch_op.execute("UPDATE parents SET id = 2")
            batch_op.execute(
                sa.text("INSERT INTO parents (id) VALUES (:id)").bindparams(id=3),
                execution_options={"no_parameters": False},
            )
        op.execute("UPDATE children SET label = 'x'")
    assert rows(database, "SELECT id FROM parents ORDER BY id") == [(2,), (3,)]
    assert rows(database, "SELECT id, label FROM children") == [(7, "x")]


def test_batch_execute_sql_is_alembics() -> None:
    def script(op: Any) -> None:
        with op.batch_alter_table("children") as batch_op:
            batch_op.execute("UPDATE children SET id = 1")
            batch_op.add_column(sa.Column("label", sa.String(10)))

    assert orch_sql("postgresql", script) == alembic_sql("postgresql", script)


def test_plain_drop_column_on_sqlite_is_alembics(sqlite_database: TestDatabase) -> None:
    def script(op: Any) -> None:
        op.drop_column("children", "label")

    assert orch_sql("sqlite", script) == alembic_sql("sqlite", script)
    assert orch_sql("sqlite", script) == ["ALTER TABLE children DROP COLUMN label"]
    with migrate(sqlite_database) as op:
        _parents_and_children(op)
        op.add_column("children", sa.Column("label", sa.String(10)))
        script(op)
    names = [c["name"] for c in inspect(sqlite_database, lambda i: i.get_columns("children"))]
    assert names == ["id"]


def test_recreate_on_postgresql_frees_the_constraint_names_first(
    postgresql_database: TestDatabase,
) -> None:
    with migrate(postgresql_database) as op:
        op.create_table(
            "codes",
            # Not SERIAL: a copied nextval() default would tie the new table to the old
            # table's sequence (see the README's deliberate differences).
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("code", sa.String(10)),
            sa.UniqueConstraint("code", name="uq_codes_code"),
        )
        op.execute("INSERT INTO codes (id, code) VALUES (1, 'a')")
        with op.batch_alter_table("codes", recreate="always") as batch_op:
            batch_op.add_column(sa.Column("label", sa.String(10)))
    uniques = inspect(postgresql_database, lambda i: i.get_unique_constraints("codes"))
    assert [u["name"] for u in uniques] == ["uq_codes_code"]
    assert rows(postgresql_database, "SELECT id, code, label FROM codes") == [(1, "a", None)]


def test_batch_table_comment(database: TestDatabase) -> None:
    with migrate(database) as op:
        _parents_and_children(op)
        with op.batch_alter_table("children") as batch_op:
            batch_op.create_table_comment("kids")
            batch_op.add_column(sa.Column("n", sa.Integer, server_default="1"))
    if database.kind != "sqlite":  # SQLite keeps no comments
        comment = inspect(database, lambda i: i.get_table_comment("children"))["text"]
        assert comment == "kids"
    assert rows(database, "SELECT id, n FROM children") == [(7, 1)]
