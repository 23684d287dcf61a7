"""Alembic's own op calls, rendered offline by orch and by Alembic: the same SQL, statement by
statement, on PostgreSQL, MySQL and SQLite; every difference is one the README lists."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from orch_core.errors import UnsupportedOperation
from tests.core.operations.helpers import alembic_sql, orch_sql

Script = Callable[[Any], None]
DIALECTS = ("postgresql", "mysql", "sqlite")
REFUSED = ["<refused>"]  # both tools refusing counts as agreement
README = Path(__file__).parents[3] / "README.md"


def _users(op: Any) -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, server_default="x", comment="the name"),
        sa.Column("score", sa.Numeric(10, 2)),
        sa.Column("active", sa.Boolean, server_default=sa.true()),
        sa.Column("created", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.UniqueConstraint("name", name="uq_users_name"),
        sa.CheckConstraint("score >= 0", name="ck_users_score"),
        comment="people",
    )


def _posts(op: Any) -> None:
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "uid",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_posts_uid"),
            index=True,
        ),
        sa.Column("body", sa.Text),
    )


def _source(*, foreign_key: bool = False) -> sa.Table:
    """The table a batch block copies (copy_from: offline, nothing can be reflected).

    One named constraint at a time: Alembic copies a table's constraints (a set) in no set
    order, so two of them could come out in either order."""
    constraint = (
        sa.ForeignKeyConstraint(["pid"], ["users.id"], name="fk_parent")
        if foreign_key
        else sa.UniqueConstraint("name", name="uq_name")
    )
    return sa.Table(
        "users",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("age", sa.Integer),
        sa.Column("pid", sa.Integer),
        sa.Index("ix_users_age", "age"),
        constraint,
    )


def _batch_recreate(op: Any) -> None:
    with op.batch_alter_table("users", copy_from=_source(), recreate="always") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(100)))
        batch_op.alter_column("name", type_=sa.String(80), existing_type=sa.String(50))
        batch_op.drop_column("age")
        batch_op.create_unique_constraint("uq_email", ["email"])
        batch_op.create_check_constraint("ck_name", "length(name) > 0")
        batch_op.drop_constraint("uq_name", type_="unique")
        batch_op.create_index("ix_email", ["email"])


def _batch_keep_index(op: Any) -> None:
    with op.batch_alter_table("users", copy_from=_source(), recreate="always") as batch_op:
        batch_op.alter_column("name", type_=sa.String(80), existing_type=sa.String(50))
        batch_op.create_index("ix_name", ["name"], unique=True)


def _batch_in_place(op: Any) -> None:
    with op.batch_alter_table("users", copy_from=_source()) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(100)))
        batch_op.alter_column("name", new_column_name="full_name", existing_type=sa.String(50))
        batch_op.create_index("ix_email", ["email"])
        batch_op.drop_index("ix_users_age")


def _batch_keys(op: Any) -> None:
    with op.batch_alter_table("users", copy_from=_source(foreign_key=True)) as batch_op:
        batch_op.create_foreign_key("fk_x", "others", ["age"], ["id"])
        batch_op.drop_constraint("fk_parent", type_="foreignkey")


def _batch_reorder(op: Any) -> None:
    with op.batch_alter_table(
        "users", copy_from=_source(), partial_reordering=[("age", "name")], recreate="always"
    ) as batch_op:
        batch_op.add_column(sa.Column("first", sa.Integer), insert_before="id")


def _commented() -> sa.Table:
    return sa.Table(
        "users", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), comment="old"
    )


def _batch_comment(op: Any) -> None:
    with op.batch_alter_table("users", copy_from=_commented()) as batch_op:
        batch_op.create_table_comment("new 'c'", existing_comment="old")
        batch_op.execute(sa.select(batch_op.inline_literal(1)))


def _batch_drop_comment(op: Any) -> None:
    with op.batch_alter_table("users", copy_from=_commented(), recreate="always") as batch_op:
        batch_op.add_column(sa.Column("x", sa.Integer))
        batch_op.drop_table_comment(existing_comment="old")


def _batch_keep_comment(op: Any) -> None:
    with op.batch_alter_table("users", copy_from=_commented(), recreate="always") as batch_op:
        batch_op.add_column(sa.Column("x", sa.Integer, server_default="3"))


def _rows() -> sa.TableClause:
    return sa.table("t", sa.column("id", sa.Integer), sa.column("n", sa.String))


CASES: dict[str, Script] = {
    "create_table": _users,
    "create_table_fk_index": _posts,
    "create_table_kw": lambda op: op.create_table(
        "k",
        sa.Column("id", sa.Integer, primary_key=True),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        if_not_exists=True,
    ),
    "create_table_enum": lambda op: op.create_table(
        "moods",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("m", sa.Enum("a", "b", name="mood")),
    ),
    "create_table_identity_schema": lambda op: op.create_table(
        "t", sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True), schema="app"
    ),
    "create_table_computed": lambda op: op.create_table(
        "c",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.Integer, sa.Computed("a * 2")),
    ),
    "drop_table": lambda op: op.drop_table("users"),
    "drop_table_if_exists": lambda op: op.drop_table("users", schema="app", if_exists=True),
    "rename_table": lambda op: op.rename_table("users", "people"),
    "rename_table_schema": lambda op: op.rename_table("users", "people", schema="app"),
    "create_table_comment": lambda op: op.create_table_comment("users", "hi 'there'"),
    "drop_table_comment": lambda op: op.drop_table_comment("users", existing_comment="x"),
    "add_column": lambda op: op.add_column(
        "users", sa.Column("age", sa.Integer, nullable=False, server_default="0")
    ),
    "add_column_comment": lambda op: op.add_column(
        "users", sa.Column("nick", sa.String(20), comment="nickname")
    ),
    "add_column_schema": lambda op: op.add_column(
        "users", sa.Column("nick", sa.String(20)), schema="app"
    ),
    "add_column_if_not_exists": lambda op: op.add_column(
        "users", sa.Column("age", sa.Integer), if_not_exists=True
    ),
    "add_column_default_text": lambda op: op.add_column(
        "users", sa.Column("at", sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP"))
    ),
    "add_column_enum": lambda op: op.add_column(
        "users", sa.Column("m", sa.Enum("a", "b", name="mood2"))
    ),
    "add_column_foreign_key": lambda op: op.add_column(
        "posts", sa.Column("editor", sa.Integer, sa.ForeignKey("users.id", name="fk_editor"))
    ),
    "add_column_boolean_check": lambda op: op.add_column(
        "users",
        sa.Column(
            "flag", sa.Boolean(create_constraint=True, name="ck_flag"), server_default=sa.false()
        ),
    ),
    "drop_column": lambda op: op.drop_column("users", "age"),
    "drop_column_if_exists": lambda op: op.drop_column(
        "users", "age", schema="app", if_exists=True
    ),
    "alter_nullable": lambda op: op.alter_column(
        "users", "name", nullable=True, existing_type=sa.String(50)
    ),
    "alter_type": lambda op: op.alter_column(
        "users", "name", type_=sa.String(100), existing_type=sa.String(50), existing_nullable=False
    ),
    "alter_type_using": lambda op: op.alter_column(
        "users",
        "score",
        type_=sa.Integer,
        existing_type=sa.Numeric(10, 2),
        postgresql_using="score::integer",
    ),
    "alter_default": lambda op: op.alter_column(
        "users", "name", server_default="y", existing_type=sa.String(50)
    ),
    "alter_default_drop": lambda op: op.alter_column(
        "users", "name", server_default=None, existing_type=sa.String(50)
    ),
    "alter_default_function": lambda op: op.alter_column(
        "users",
        "created",
        server_default=sa.text("CURRENT_TIMESTAMP"),
        existing_type=sa.DateTime(),
        existing_nullable=True,
    ),
    "alter_default_function_unknown_nullable": lambda op: op.alter_column(
        "users", "created", server_default=sa.text("CURRENT_TIMESTAMP"), existing_type=sa.DateTime()
    ),
    "alter_keep_default": lambda op: op.alter_column(
        "users",
        "created",
        existing_type=sa.DateTime(),
        nullable=False,
        existing_server_default=sa.text("now()"),
    ),
    "alter_rename": lambda op: op.alter_column(
        "users",
        "name",
        new_column_name="full_name",
        existing_type=sa.String(50),
        existing_nullable=False,
    ),
    "alter_rename_and_type": lambda op: op.alter_column(
        "users", "name", new_column_name="nm", type_=sa.String(70), existing_nullable=True
    ),
    "alter_comment": lambda op: op.alter_column(
        "users", "name", comment="c'1", existing_type=sa.String(50), existing_nullable=False
    ),
    "alter_many": lambda op: op.alter_column(
        "users",
        "name",
        type_=sa.String(80),
        nullable=True,
        server_default="z",
        existing_type=sa.String(50),
    ),
    "alter_autoincrement": lambda op: op.alter_column(
        "t", "id", existing_type=sa.Integer(), nullable=False, autoincrement=True
    ),
    "create_index": lambda op: op.create_index("ix_users_name", "users", ["name"]),
    "create_index_unique": lambda op: op.create_index(
        "ix_users_name", "users", ["name", "id"], unique=True, if_not_exists=True
    ),
    "create_index_expression": lambda op: op.create_index(
        "ix_lower", "users", [sa.text("lower(name)")]
    ),
    "create_index_postgresql": lambda op: op.create_index(
        "ix_p",
        "users",
        ["name"],
        postgresql_where=sa.text("active"),
        postgresql_using="btree",
        postgresql_concurrently=True,
        postgresql_include=["id"],
    ),
    "create_index_mysql": lambda op: op.create_index(
        "ix_m", "users", ["name"], mysql_length=10, mysql_prefix="FULLTEXT"
    ),
    "create_index_schema": lambda op: op.create_index("ix_s", "users", ["name"], schema="app"),
    "drop_index": lambda op: op.drop_index("ix_users_name", table_name="users"),
    "drop_index_if_exists": lambda op: op.drop_index(
        "ix_users_name", table_name="users", if_exists=True, schema="app"
    ),
    "create_primary_key": lambda op: op.create_primary_key("pk_t", "t", ["a", "b"]),
    "create_unique_constraint": lambda op: op.create_unique_constraint(
        "uq_t", "t", ["a"], schema="app"
    ),
    "create_unique_deferrable": lambda op: op.create_unique_constraint(
        "uq_t", "t", ["a"], deferrable=True, initially="DEFERRED"
    ),
    "create_foreign_key": lambda op: op.create_foreign_key(
        "fk_t",
        "t",
        "u",
        ["uid"],
        ["id"],
        ondelete="SET NULL",
        onupdate="CASCADE",
        source_schema="a",
        referent_schema="b",
    ),
    "create_foreign_key_deferrable": lambda op: op.create_foreign_key(
        "fk_t", "t", "u", ["uid"], ["id"], deferrable=True, initially="IMMEDIATE", match="FULL"
    ),
    "create_foreign_key_not_valid": lambda op: op.create_foreign_key(
        "fk_t", "t", "u", ["uid"], ["id"], postgresql_not_valid=True
    ),
    "create_check_constraint": lambda op: op.create_check_constraint("ck_t", "t", "a > 0"),
    "create_check_expression": lambda op: op.create_check_constraint(
        "ck_t", "t", sa.column("a") > 5, postgresql_not_valid=True
    ),
    "create_exclude_constraint": lambda op: op.create_exclude_constraint(
        "excl_t", "t", ("period", "&&"), ("room", "="), where="room > 0", using="gist"
    ),
    "drop_foreign_key": lambda op: op.drop_constraint("fk_t", "t", type_="foreignkey"),
    "drop_primary_key": lambda op: op.drop_constraint("pk_t", "t", type_="primary"),
    "drop_unique": lambda op: op.drop_constraint("uq_t", "t", type_="unique", schema="app"),
    "drop_check": lambda op: op.drop_constraint("ck_t", "t", type_="check"),
    "drop_constraint_if_exists": lambda op: op.drop_constraint(
        "uq_t", "t", type_="unique", if_exists=True
    ),
    "execute": lambda op: op.execute("UPDATE t SET a = 1"),
    "execute_construct": lambda op: op.execute(
        sa.table("t", sa.column("a")).update().values(a=op.inline_literal("it's"))
    ),
    "bulk_insert": lambda op: op.bulk_insert(_rows(), [{"id": 1, "n": "a"}, {"id": 2, "n": "b"}]),
    "bulk_insert_row_by_row": lambda op: op.bulk_insert(
        _rows(), [{"id": 1, "n": "a"}, {"id": 2, "n": "b'c"}], multiinsert=False
    ),
    "batch_recreate": _batch_recreate,
    "batch_recreate_keep_index": _batch_keep_index,
    "batch_in_place": _batch_in_place,
    "batch_foreign_keys": _batch_keys,
    "batch_partial_reordering": _batch_reorder,
    "batch_table_comment": _batch_comment,
    "batch_drop_table_comment": _batch_drop_comment,
    "batch_keep_table_comment": _batch_keep_comment,
}

# Where orch writes other SQL than Alembic on purpose, with the README's words for it.
SQLITE_COMMENTS = "On SQLite, table and column comments are left out"
SQLITE_ADD_COLUMN = "On SQLite, `op.add_column` writes the column's foreign key and CHECK inline"
SQLITE_ALTER = "On SQLite, `op.alter_column` outside a batch block is refused"
SQLITE_BATCH_RENAME = "a batch block renames a column in place"
MULTI_ROW = "Offline, `bulk_insert` writes one multi-row INSERT"
DROPPED_INDEX = "an index on a column the block drops goes with it"
REORDERING = "`partial_reordering` moves only the columns it names"
KEEP_COMMENT = "the copy keeps the table's comment on MySQL"
MYSQL_IN_PLACE = "On MySQL and MariaDB, a rename or a new default without `existing_type` and"

DELIBERATE: dict[tuple[str, str], str] = {
    ("create_table_comment", "sqlite"): SQLITE_COMMENTS,
    ("drop_table_comment", "sqlite"): SQLITE_COMMENTS,
    ("batch_table_comment", "sqlite"): SQLITE_COMMENTS,
    ("batch_keep_table_comment", "mysql"): KEEP_COMMENT,
    ("add_column_foreign_key", "sqlite"): SQLITE_ADD_COLUMN,
    ("add_column_boolean_check", "sqlite"): SQLITE_ADD_COLUMN,
    **{
        (case, "sqlite"): SQLITE_ALTER
        for case in (
            "alter_nullable",
            "alter_type",
            "alter_type_using",
            "alter_default",
            "alter_default_drop",
            "alter_default_function",
            "alter_default_function_unknown_nullable",
            "alter_keep_default",
            "alter_rename_and_type",
            "alter_many",
            "alter_autoincrement",
        )
    },
    ("batch_in_place", "sqlite"): SQLITE_BATCH_RENAME,
    ("alter_default_function_unknown_nullable", "mysql"): MYSQL_IN_PLACE,
    ("batch_in_place", "mysql"): MYSQL_IN_PLACE,
    **{(name, d): MULTI_ROW for name in ("bulk_insert",) for d in DIALECTS},
    **{(name, d): DROPPED_INDEX for name in ("batch_recreate",) for d in DIALECTS},
    **{(name, d): REORDERING for name in ("batch_partial_reordering",) for d in DIALECTS},
}


def _render(tool: Callable[[str, Script], list[str]], dialect: str, script: Script) -> list[str]:
    try:
        return tool(dialect, script)
    except UnsupportedOperation:
        return REFUSED
    except (NotImplementedError, sa.exc.SQLAlchemyError):
        if tool is orch_sql:  # orch refuses with its own error, never a library's
            raise
        return REFUSED


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", list(CASES))
def test_orch_writes_alembics_sql(case: str, dialect: str) -> None:
    orch = _render(orch_sql, dialect, CASES[case])
    alembic = [
        s.replace("_alembic_tmp_", "_orch_tmp_") for s in _render(alembic_sql, dialect, CASES[case])
    ]
    if (case, dialect) in DELIBERATE:
        assert orch != alembic, f"{case} on {dialect} now agrees: drop it from DELIBERATE"
    else:
        assert orch == alembic


def test_every_deliberate_difference_is_in_the_readme() -> None:
    text = " ".join(README.read_text().split())
    section = text[text.index("How orch differs from Alembic on purpose") :]
    missing = sorted({reason for reason in DELIBERATE.values() if reason not in section})
    assert missing == []
