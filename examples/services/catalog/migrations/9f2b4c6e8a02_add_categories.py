"""add categories

Revision ID: 9f2b4c6e8a02
Revises: 5d8e1f2a7c01
Create Date: 2026-11-05 10:00:00 UTC

"""

import sqlalchemy as sa

from orch_core import op

revision = "9f2b4c6e8a02"
down_revision = "5d8e1f2a7c01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    categories = op.create_table(
        "categories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
    )
    op.bulk_insert(categories, [{"id": 1, "name": "uncategorized"}, {"id": 2, "name": "books"}])
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("category_id", sa.Integer, nullable=False, server_default="1"))
        batch.create_foreign_key("fk_products_category", "categories", ["category_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_constraint("fk_products_category", type_="foreignkey")
        batch.drop_column("category_id")
    op.drop_table("categories")
