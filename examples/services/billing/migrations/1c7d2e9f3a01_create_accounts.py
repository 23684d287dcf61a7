"""create billing accounts

Revision ID: 1c7d2e9f3a01
Revises:
Create Date: 2026-11-02 09:00:00 UTC

"""

import sqlalchemy as sa

from orch_core import op

revision = "1c7d2e9f3a01"
down_revision = None
branch_labels = ("billing",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        # users live in another database: the reference is by id, not a foreign key.
        sa.Column("user_id", sa.Integer, nullable=False, index=True),
        sa.Column("plan", sa.String(32), nullable=False, server_default="free"),
    )


def downgrade() -> None:
    op.drop_table("accounts")
