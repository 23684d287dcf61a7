"""create user profiles

Revision ID: c5e8a2f91a33
Revises: 8b41d07c2e22
Create Date: 2026-11-05 11:00:00 UTC

"""

import sqlalchemy as sa

from orch_core import op

revision = "c5e8a2f91a33"
down_revision = "8b41d07c2e22"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_profiles",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("bio", sa.Text),
        sa.Column("avatar_url", sa.String(500)),
    )


def downgrade() -> None:
    op.drop_table("user_profiles")
