"""Model variants for the autogenerate tests: one base schema and one variation per change kind."""

from __future__ import annotations

import sqlalchemy as sa

CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def models(variant: str | None = None, schema: str | None = None) -> sa.MetaData:
    """Return the base models, changed as the variant says (None: the base itself)."""
    metadata = sa.MetaData(naming_convention=CONVENTION)
    users = sa.Table(
        "users",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "name",
            sa.String(50 if variant == "type" else 20),
            nullable=variant != "nullable",
            comment="display name" if variant == "comment" else None,
        ),
        sa.Column("email", sa.String(100), nullable=False),
        sa.Column("age", sa.Integer, index=variant == "index"),
        # Types each database spells its own way, which must not read as changes.
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("bio", sa.Text),
        sa.Column("born", sa.Date),
        sa.Column("seen", sa.DateTime(timezone=True)),
        sa.Column("settings", sa.JSON),
        sa.Column("score", sa.Float),
        sa.UniqueConstraint("email"),
        comment="people" if variant == "table_comment" else None,
    )
    if variant == "column":
        users.append_column(sa.Column("nickname", sa.String(30)))
    if variant == "created":
        users.append_column(sa.Column("created", sa.DateTime, server_default=sa.func.now()))
    orders = sa.Table(
        "orders",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE" if variant == "fk_ondelete" else None),
            nullable=False,
        ),
        sa.Column("ref_id", sa.Integer, *([sa.ForeignKey("users.id")] if variant == "fk" else [])),
        sa.Column("total", sa.Numeric(12 if variant == "numeric" else 10, 2)),
        sa.Column("note", sa.String(50), server_default="n/a" if variant == "default" else None),
        sa.Index(None, "note", unique=variant == "unique_index"),
    )
    if variant == "unique":
        orders.append_constraint(sa.UniqueConstraint("total", "note"))
    if variant == "table":
        sa.Table(
            "tags",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("label", sa.String(30), nullable=False, server_default="none"),
            sa.Column("user_id", sa.ForeignKey("users.id")),
            sa.Index(None, "label"),
        )
    if variant in {"enum", "enum_more"}:
        values = ("happy", "sad", "bored") if variant == "enum_more" else ("happy", "sad")
        sa.Table(
            "moods",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("mood", sa.Enum(*values, name="mood_kind")),
        )
    if variant == "generated":
        totals = sa.Table(
            "totals",
            metadata,
            sa.Column("id", sa.Integer, sa.Identity(start=10), primary_key=True),
            sa.Column("net", sa.Numeric(10, 2), nullable=False),
            sa.Column("gross", sa.Numeric(10, 2), sa.Computed("net * 1.2", persisted=True)),
            sa.Column("label", sa.String(30)),
        )
        sa.Index("ix_totals_lower_label", sa.func.lower(totals.c.label))
    if variant == "schema":
        sa.Table("audit", metadata, sa.Column("id", sa.Integer, primary_key=True), schema=schema)
    return metadata


# (test id, models before, models after, the kinds orch must find, dialects it applies to)
ALL = ("sqlite", "postgresql", "mariadb")
WITH_COMMENTS = ("postgresql", "mariadb")
Case = tuple[str, str | None, str | None, set[str], tuple[str, ...]]
CASES: list[Case] = [
    ("add_table", None, "table", {"add_table", "add_index"}, ALL),
    ("remove_table", "table", None, {"remove_table", "remove_index"}, ALL),
    ("add_column", None, "column", {"add_column"}, ALL),
    ("remove_column", "column", None, {"remove_column"}, ALL),
    ("modify_type", None, "type", {"modify_type"}, ALL),
    ("modify_type_back", "type", None, {"modify_type"}, ALL),
    ("modify_nullable", None, "nullable", {"modify_nullable"}, ALL),
    ("modify_precision", None, "numeric", {"modify_type"}, ALL),
    ("add_column_default_now", None, "created", {"add_column"}, ALL),
    ("modify_default", None, "default", {"modify_default"}, ALL),
    ("remove_default", "default", None, {"modify_default"}, ALL),
    ("modify_comment", None, "comment", {"modify_comment"}, WITH_COMMENTS),
    ("table_comment", None, "table_comment", {"add_table_comment"}, WITH_COMMENTS),
    ("remove_table_comment", "table_comment", None, {"remove_table_comment"}, WITH_COMMENTS),
    ("add_index", None, "index", {"add_index"}, ALL),
    ("remove_index", "index", None, {"remove_index"}, ALL),
    ("index_made_unique", None, "unique_index", {"add_index", "remove_index"}, ALL),
    ("add_unique", None, "unique", {"add_constraint"}, ALL),
    ("remove_unique", "unique", None, {"remove_constraint"}, ALL),
    ("add_fk", None, "fk", {"add_fk"}, ALL),
    ("remove_fk", "fk", None, {"remove_fk"}, ALL),
    ("fk_ondelete", None, "fk_ondelete", {"add_fk", "remove_fk"}, ALL),
    ("enum_table", None, "enum", {"add_table"}, ALL),
    ("generated_table", None, "generated", {"add_table", "add_index"}, ("postgresql",)),
    ("enum_values", "enum", "enum_more", {"modify_type"}, ("mariadb",)),
]

# Where a database reports a case differently, as Alembic does too: MySQL and MariaDB keep a
# UNIQUE constraint as a unique index, so dropping it is dropping an index.
DIALECT_KINDS: dict[tuple[str, str], set[str]] = {("mariadb", "remove_unique"): {"remove_index"}}
