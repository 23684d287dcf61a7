"""invoices: non-negative amounts and a currency

Revision ID: 7a3f0c5d2b03
Revises: 4e9a6b1c8d02
Create Date: 2026-11-07 09:00:00 UTC

"""

import sqlalchemy as sa

from orch_core import op

revision = "7a3f0c5d2b03"
down_revision = "4e9a6b1c8d02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("currency", sa.String(3), nullable=False, server_default="EUR"))
        batch.create_check_constraint("ck_invoices_amount_non_negative", "amount_cents >= 0")


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_constraint("ck_invoices_amount_non_negative", type_="check")
        batch.drop_column("currency")
