"""Ledger rows imported by content key, so a ledger imported twice changes nothing

Revision ID: 0007_ledger_rows
Revises: 0006_security
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_ledger_rows'
down_revision = '0006_security'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_rows',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('ledger_rows')
