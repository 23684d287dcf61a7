"""Table operations, reflected afterwards on each database."""

from __future__ import annotations

import sqlalchemy as sa

from tests.core.operations.helpers import columns, inspect, migrate, rows, users_table
from tests.support.databases import TestDatabase


def test_create_table_with_constraints_indexes_and_comments(database: TestDatabase) -> None:
    with migrate(database) as op:
        users_table(op)
        op.create_table(
            "posts",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
            sa.Column("title", sa.String(100), nullable=False, comment="headline"),
            sa.Column("slug", sa.String(40), index=True),
            sa.UniqueConstraint("title", name="uq_posts_title"),
            sa.CheckConstraint("length(title) > 0", name="ck_posts_title"),
            comment="blog posts",
        )
    tables = inspect(database, lambda i: set(i.get_table_names()))
    assert {"users", "posts"} <= tables
    fks = inspect(database, lambda i: i.get_foreign_keys("posts"))
    assert [(f["referred_table"], f["constrained_columns"]) for f in fks] == [
        ("users", ["user_id"])
    ]
    assert fks[0]["options"].get("ondelete") == "CASCADE"
    uniques = inspect(database, lambda i: i.get_unique_constraints("posts"))
    assert [u["column_names"] for u in uniques if u["name"] == "uq_posts_title"] == [["title"]]
    indexes = inspect(database, lambda i: i.get_indexes("posts"))
    assert any(ix["column_names"] == ["slug"] for ix in indexes)
    checks = inspect(database, lambda i: i.get_check_constraints("posts"))
    assert any(c["name"] == "ck_posts_title" and "title" in c["sqltext"] for c in checks)
    if database.kind != "sqlite":
        comment = inspect(database, lambda i: i.get_table_comment("posts"))
        assert comment["text"] == "blog posts"
        assert columns(database, "posts")["title"]["comment"] == "headline"


def test_drop_and_rename_table(database: TestDatabase) -> None:
    with migrate(database) as op:
        users_table(op)
        op.create_table("tmp", sa.Column("id", sa.Integer, primary_key=True))
        op.drop_table("tmp")
        op.rename_table("users", "people")
        op.drop_table("nothing_here", if_exists=True)
    tables = inspect(database, lambda i: set(i.get_table_names()))
    assert "people" in tables
    assert "users" not in tables
    assert "tmp" not in tables


def test_table_comments(database: TestDatabase) -> None:
    with migrate(database) as op:
        users_table(op)
        op.create_table_comment("users", "people we know")
    if database.kind != "sqlite":  # SQLite has no comments; the operation is a no-op there
        comment = inspect(database, lambda i: i.get_table_comment("users"))["text"]
        assert comment == "people we know"
    with migrate(database) as op:
        op.drop_table_comment("users", existing_comment="people we know")
    if database.kind != "sqlite":
        assert not inspect(database, lambda i: i.get_table_comment("users"))["text"]


def test_create_table_returns_a_table_for_bulk_insert(database: TestDatabase) -> None:
    with migrate(database) as op:
        users = users_table(op)
        op.bulk_insert(users, [{"id": 1, "name": "ann", "age": 3}, {"id": 2, "name": "o'neil"}])
    assert rows(database, "SELECT id, name, age FROM users ORDER BY id") == [
        (1, "ann", 3),
        (2, "o'neil", None),
    ]
