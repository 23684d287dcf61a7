"""create invoices

Billing reads users.status when it bills, so the users database must have it first.

Revision ID: 4e9a6b1c8d02
Revises: 1c7d2e9f3a01
Create Date: 2026-11-04 09:00:00 UTC

"""

import sqlalchemy as sa

from orch_core import op

revision = "4e9a6b1c8d02"
down_revision = "1c7d2e9f3a01"
branch_labels = None
depends_on = "8b41d07c2e22"


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("amount_cents", sa.Integer, nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_invoices_account_issued", "invoices", ["account_id", "issued_at"])


def downgrade() -> None:
    # Dropping the table drops its indexes; on MariaDB the index backs the foreign key and
    # cannot be dropped on its own first.
    op.drop_table("invoices")
