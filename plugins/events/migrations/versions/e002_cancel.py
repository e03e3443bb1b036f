"""Community events: who cancelled an event, when and why

Revision ID: e002_cancel
Revises: e001_events
"""

import sqlalchemy as sa
from alembic import op

revision = "e002_cancel"
down_revision = "e001_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events_events", schema=None) as batch_op:
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("cancelled_by")
