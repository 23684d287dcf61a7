"""batch_alter_table: rows, indexes and constraints survive; FKs in and out; foreign_keys=ON."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from orch_core.errors import OperationFailed, UnsupportedOperation
from orch_core.operations import Operations
from orch_core.runtime.context import MigrationContext
from tests.core.operations.helpers import columns, inspect, migrate, rows
from tests.support.databases import TestDatabase


def _schema(op: Operations) -> None:
    """Create parents <- children <- toys, with data, an index, a unique and a check."""
    parents = op.create_table(
        "parents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(30), nullable=False),
        sa.Column("code", sa.String(10)),
        sa.Column("rank", sa.Integer),
        sa.UniqueConstraint("code", name="uq_parents_code"),
        sa.CheckConstraint(
            "`rank` >= 0" if op.get_bind().dialect.name == "mysql" else '"rank" >= 0',
            name="ck_parents_rank",
        ),
        sa.Index("ix_parents_name", "name"),
    )
    children = op.create_table(
        "children",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(
            "parent_id",
            sa.Integer,
            sa.ForeignKey("parents.id", name="fk_child_parent", ondelete="CASCADE"),
        ),
        sa.Column("label", sa.String(20)),
    )
    op.bulk_insert(
        parents, [{"id": i, "name": f"p{i}", "code": f"c{i}", "rank": i} for i in range(1, 4)]
    )
    op.bulk_insert(
        children, [{"id": i, "parent_id": 1 + i % 3, "label": f"k{i}"} for i in range(1, 7)]
    )


def _check_survivors(database: TestDatabase) -> None:
    assert rows(database, "SELECT id, parent_id FROM children ORDER BY id") == [
        (i, 1 + i % 3) for i in range(1, 7)
    ]
    fks = inspect(database, lambda i: i.get_foreign_keys("children"))
    assert [(f["referred_table"], f["options"].get("ondelete")) for f in fks] == [
        ("parents", "CASCADE")
    ]
    indexes = inspect(database, lambda i: i.get_indexes("parents"))
    assert any(ix["name"] == "ix_parents_name" for ix in indexes)
    uniques = inspect(database, lambda i: i.get_unique_constraints("parents"))
    assert [u["column_names"] for u in uniques] == [["code"]]
    checks = inspect(database, lambda i: i.get_check_constraints("parents"))
    assert [c["name"] for c in checks] == ["ck_parents_rank"]


def test_batch_alters_referenced_table_keeping_rows(database: TestDatabase) -> None:
    with migrate(database) as op:
        _schema(op)
    with migrate(database) as op, op.batch_alter_table("parents") as batch:
        batch.alter_column(
            "name", type_=sa.String(60), existing_type=sa.String(30), existing_nullable=False
        )
        batch.alter_column("rank", nullable=False, existing_type=sa.Integer)
        batch.add_column(sa.Column("extra", sa.Integer, server_default="7"))
    cols = columns(database, "parents")
    assert cols["name"]["type"].length == 60
    assert cols["rank"]["nullable"] is False
    assert rows(database, "SELECT id, name, code, extra FROM parents ORDER BY id") == [
        (i, f"p{i}", f"c{i}", 7) for i in range(1, 4)
    ]
    _check_survivors(database)


def test_batch_on_referencing_table_keeps_outgoing_fk(database: TestDatabase) -> None:
    with migrate(database) as op:
        _schema(op)
    with migrate(database) as op, op.batch_alter_table("children") as batch:
        batch.alter_column("label", new_column_name="tag", existing_type=sa.String(20))
        batch.create_unique_constraint("uq_children_tag", ["tag"])
    assert rows(database, "SELECT id, tag FROM children ORDER BY id") == [
        (i, f"k{i}") for i in range(1, 7)
    ]
    uniques = inspect(database, lambda i: i.get_unique_constraints("children"))
    assert [u["column_names"] for u in uniques] == [["tag"]]
    _check_survivors(database)


def _fk_engine(database: TestDatabase) -> sa.Engine:
    engine = database.engine()

    @sa.event.listens_for(engine, "connect")
    def _on(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


def test_sqlite_batch_with_foreign_keys_on(sqlite_database: TestDatabase) -> None:
    engine = _fk_engine(sqlite_database)
    try:
        with engine.begin() as connection:
            _schema(Operations(MigrationContext.online(connection)))
        with engine.begin() as connection:
            op = Operations(MigrationContext.online(connection, revision="r2"))
            with op.batch_alter_table("parents", recreate="always") as batch:
                batch.drop_column("rank")
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        engine.dispose()
    # ON DELETE CASCADE did not fire while the old parents table was dropped.
    assert rows(sqlite_database, "SELECT count(*) FROM children") == [(6,)]
    assert "rank" not in columns(sqlite_database, "parents")


def test_sqlite_batch_refused_inside_open_transaction_with_foreign_keys_on(
    sqlite_database: TestDatabase,
) -> None:
    engine = _fk_engine(sqlite_database)
    try:
        with engine.begin() as connection:
            _schema(Operations(MigrationContext.online(connection)))
        with pytest.raises(UnsupportedOperation) as info, engine.begin() as connection:
            op = Operations(MigrationContext.online(connection, revision="r3"))
            op.execute("UPDATE parents SET name = 'x' WHERE id = 1")  # opens the transaction
            with op.batch_alter_table("parents", recreate="always") as batch:
                batch.drop_column("rank")
    finally:
        engine.dispose()
    assert info.value.table == "parents"
    assert info.value.revision == "r3"
    assert rows(sqlite_database, "SELECT count(*) FROM children") == [(6,)]


def test_batch_recreate_never_and_auto_in_place(sqlite_database: TestDatabase) -> None:
    with migrate(sqlite_database) as op:
        _schema(op)
    with (
        pytest.raises(UnsupportedOperation),
        migrate(sqlite_database) as op,
        op.batch_alter_table("parents", recreate="never") as batch,
    ):
        batch.alter_column("rank", nullable=False)
    with migrate(sqlite_database) as op, op.batch_alter_table("parents") as batch:
        batch.add_column(sa.Column("note", sa.Text))  # auto: ADD COLUMN in place, no move
    assert "note" in columns(sqlite_database, "parents")


def test_batch_add_column_keeps_what_the_column_brings(database: TestDatabase) -> None:
    # Moved (alter_column forces a copy on SQLite) or in place, a new column's foreign key,
    # index=True and unique=True all reach the table.
    with migrate(database) as op:
        _schema(op)
    with migrate(database) as op, op.batch_alter_table("children") as batch:
        batch.alter_column("label", existing_type=sa.String(20), nullable=False)
        batch.add_column(sa.Column("sibling_id", sa.Integer, sa.ForeignKey("children.id")))
        batch.add_column(sa.Column("tag", sa.String(10), index=True))
        batch.add_column(sa.Column("serial", sa.String(10), unique=True))
    keys = inspect(database, lambda i: i.get_foreign_keys("children"))
    assert sorted((k["constrained_columns"][0], k["referred_table"]) for k in keys) == [
        ("parent_id", "parents"),
        ("sibling_id", "children"),
    ]
    indexes = inspect(database, lambda i: i.get_indexes("children"))
    assert [ix["column_names"] for ix in indexes if ix["name"] == "ix_children_tag"] == [["tag"]]
    uniques = inspect(database, lambda i: i.get_unique_constraints("children"))
    unique_indexes = [ix["column_names"] for ix in indexes if ix["unique"]]
    assert ["serial"] in [u["column_names"] for u in uniques] + unique_indexes
    assert rows(database, "SELECT count(*) FROM children") == [(6,)]


def test_batch_reordering_and_insert_position(sqlite_database: TestDatabase) -> None:
    with migrate(sqlite_database) as op:
        _schema(op)
    with (
        migrate(sqlite_database) as op,
        op.batch_alter_table("parents", partial_reordering=[("rank", "name")]) as batch,
    ):
        batch.add_column(sa.Column("first", sa.Integer), insert_before="id")
        batch.alter_column("rank", nullable=False)
    assert list(columns(sqlite_database, "parents")) == ["first", "id", "rank", "name", "code"]


def test_batch_copy_from_and_missing_table(sqlite_database: TestDatabase) -> None:
    with migrate(sqlite_database) as op:
        _schema(op)
    with (
        pytest.raises(OperationFailed) as info,
        migrate(sqlite_database, "r9") as op,
        op.batch_alter_table("ghosts") as batch,
    ):
        batch.drop_column("x")
    assert (info.value.operation, info.value.table, info.value.revision) == (
        "batch_alter_table",
        "ghosts",
        "r9",
    )
    with (
        pytest.raises(OperationFailed) as info,
        migrate(sqlite_database, "r9") as op,
        op.batch_alter_table("parents") as batch,
    ):
        batch.drop_column("nope")
    assert info.value.operation == "drop_column"
    copy = sa.Table(
        "children",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer),
        sa.Column("label", sa.String(20)),
    )
    with migrate(sqlite_database) as op, op.batch_alter_table("children", copy_from=copy) as batch:
        batch.alter_column("label", nullable=False)
    assert columns(sqlite_database, "children")["label"]["nullable"] is False
    assert rows(sqlite_database, "SELECT count(*) FROM children") == [(6,)]


def test_sqlite_batch_keeps_partial_index_and_self_reference(sqlite_database: TestDatabase) -> None:
    with migrate(sqlite_database) as op:
        nodes = op.create_table(
            "nodes",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("parent_id", sa.Integer, sa.ForeignKey("nodes.id", name="fk_parent")),
            sa.Column("kind", sa.String(10)),
        )
        op.create_index("ix_leaf", "nodes", ["kind"], sqlite_where=sa.text("kind = 'leaf'"))
        op.bulk_insert(
            nodes, [{"id": 1, "kind": "root"}, {"id": 2, "parent_id": 1, "kind": "leaf"}]
        )
    with migrate(sqlite_database) as op, op.batch_alter_table("nodes") as batch:
        batch.alter_column("kind", type_=sa.String(30), nullable=False)
    sql = rows(sqlite_database, "SELECT sql FROM sqlite_master WHERE name = 'ix_leaf'")[0][0]
    assert "WHERE kind = 'leaf'" in sql
    fks = inspect(sqlite_database, lambda i: i.get_foreign_keys("nodes"))
    assert [(f["name"], f["referred_table"]) for f in fks] == [("fk_parent", "nodes")]
    assert rows(sqlite_database, "SELECT id, parent_id FROM nodes ORDER BY id") == [
        (1, None),
        (2, 1),
    ]


def test_sqlite_batch_names_unnamed_constraints_by_naming_convention(
    sqlite_database: TestDatabase,
) -> None:
    """SQLite keeps no names for inline constraints; a naming convention gives them one."""
    with migrate(sqlite_database) as op:
        op.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
        op.execute(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, code VARCHAR(10) UNIQUE,"
            " user_id INTEGER REFERENCES users (id))"
        )
        op.execute("INSERT INTO users VALUES (1)")
        op.execute("INSERT INTO orders VALUES (1, 'a', 1), (2, 'b', NULL)")
    convention = {
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
    }
    with (
        pytest.raises(OperationFailed, match="fk_orders_user_id_users"),
        migrate(sqlite_database, "r2") as op,
        op.batch_alter_table("orders") as batch,
    ):
        batch.drop_constraint("fk_orders_user_id_users", type_="foreignkey")  # no convention
    with (
        migrate(sqlite_database, "r2") as op,
        op.batch_alter_table("orders", naming_convention=convention) as batch,
    ):
        batch.drop_constraint("fk_orders_user_id_users", type_="foreignkey")
    assert inspect(sqlite_database, lambda i: i.get_foreign_keys("orders")) == []
    uniques = inspect(sqlite_database, lambda i: i.get_unique_constraints("orders"))
    assert [(u["name"], u["column_names"]) for u in uniques] == [("uq_orders_code", ["code"])]
    assert rows(sqlite_database, "SELECT id, code, user_id FROM orders ORDER BY id") == [
        (1, "a", 1),
        (2, "b", None),
    ]


def test_batch_passes_reflect_kwargs_to_reflection(sqlite_database: TestDatabase) -> None:
    with migrate(sqlite_database) as op:
        op.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, extra TEXT)")
        op.execute("INSERT INTO notes VALUES (1, 'x', 'y')")
    with (
        migrate(sqlite_database, "r2") as op,
        op.batch_alter_table(
            "notes", recreate="always", reflect_kwargs={"include_columns": ["id", "body"]}
        ) as batch,
    ):
        batch.alter_column("body", nullable=False)
    assert list(columns(sqlite_database, "notes")) == ["id", "body"]  # reflected without extra
    assert rows(sqlite_database, "SELECT id, body FROM notes") == [(1, "x")]


def test_sqlite_batch_keeps_unique_constraints_reflection_misses(
    sqlite_database: TestDatabase,
) -> None:
    """SQLAlchemy does not reflect an inline `VARCHAR(10) UNIQUE`; the copy must keep it."""
    with migrate(sqlite_database) as op:
        op.execute("CREATE TABLE tags (id INTEGER PRIMARY KEY, code VARCHAR(10) UNIQUE, n INT)")
        op.execute("INSERT INTO tags VALUES (1, 'a', 1)")
    with migrate(sqlite_database, "r2") as op, op.batch_alter_table("tags") as batch:
        batch.alter_column("n", nullable=False, existing_type=sa.Integer)
    assert columns(sqlite_database, "tags")["n"]["nullable"] is False
    uniques = inspect(sqlite_database, lambda i: i.get_unique_constraints("tags"))
    assert [u["column_names"] for u in uniques] == [["code"]]
    with pytest.raises(OperationFailed, match="UNIQUE"), migrate(sqlite_database, "r3") as op:
        op.execute("INSERT INTO tags VALUES (2, 'a', 2)")
