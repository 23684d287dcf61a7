"""create users

Revision ID: 3f2a9c1e0b11
Revises:
Create Date: 2026-11-01 09:00:00 UTC

"""

import sqlalchemy as sa

from orch_core import op

revision = "3f2a9c1e0b11"
down_revision = None
branch_labels = ("users",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(255), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("users")
