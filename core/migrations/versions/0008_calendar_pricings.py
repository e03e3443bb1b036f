"""Calendar pricings: which calendar open clocks were priced with, and what moved

Revision ID: 0008_calendar_pricings
Revises: 0007_ledger_rows
"""

import sqlalchemy as sa
from alembic import op

revision = '0008_calendar_pricings'
down_revision = '0007_ledger_rows'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_pricings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('calendar', sa.JSON(), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('moved', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('calendar_pricings')
