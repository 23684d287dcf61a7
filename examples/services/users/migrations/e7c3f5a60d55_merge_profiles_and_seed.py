"""merge profiles and seed

Revision ID: e7c3f5a60d55
Revises: c5e8a2f91a33, d9107b3e4c44
Create Date: 2026-11-06 09:00:00 UTC

"""

revision = "e7c3f5a60d55"
down_revision = ("c5e8a2f91a33", "d9107b3e4c44")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
