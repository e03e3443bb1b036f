"""Community events: who drew up the annual plan (the approver is someone else)

Revision ID: e003_plan_author
Revises: e002_cancel
"""

import sqlalchemy as sa
from alembic import op

revision = "e003_plan_author"
down_revision = "e002_cancel"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events_plans", schema=None) as batch_op:
        batch_op.drop_column("created_by")
