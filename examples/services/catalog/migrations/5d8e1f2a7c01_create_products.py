"""create products

Revision ID: 5d8e1f2a7c01
Revises:
Create Date: 2026-11-02 10:00:00 UTC

"""

import sqlalchemy as sa

from orch_core import op

revision = "5d8e1f2a7c01"
down_revision = None
branch_labels = ("catalog",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sku", sa.String(32), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("price_cents", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("products")
