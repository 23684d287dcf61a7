"""add user status

Revision ID: 8b41d07c2e22
Revises: 3f2a9c1e0b11
Create Date: 2026-11-03 10:00:00 UTC

"""

import sqlalchemy as sa

from orch_core import op

revision = "8b41d07c2e22"
down_revision = "3f2a9c1e0b11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("status", sa.String(16), nullable=False, server_default="active")
    )
    op.create_index("ix_users_status", "users", ["status"])


def downgrade() -> None:
    op.drop_index("ix_users_status", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("status")
