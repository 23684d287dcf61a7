"""seed the admin user

Revision ID: d9107b3e4c44
Revises: 8b41d07c2e22
Create Date: 2026-11-05 12:00:00 UTC

"""

import sqlalchemy as sa

from orch_core import op

revision = "d9107b3e4c44"
down_revision = "8b41d07c2e22"
branch_labels = None
depends_on = None

users = sa.table(
    "users",
    sa.column("email", sa.String),
    sa.column("name", sa.String),
    sa.column("status", sa.String),
)


def upgrade() -> None:
    op.bulk_insert(
        users,
        [
            {"email": "admin@example.com", "name": "Admin", "status": "active"},
            {"email": "support@example.com", "name": "Support", "status": "active"},
        ],
    )


def downgrade() -> None:
    op.execute(
        users.delete().where(users.c.email.in_(["admin@example.com", "support@example.com"]))
    )
