"""Security: token expiry and last use, webhook phone grants, the health-check table

Revision ID: 0006_security
Revises: 0005_attachments
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_security'
down_revision = '0005_attachments'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unmasked', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('unmasked_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('unmasked_at', sa.DateTime(), nullable=True))
    # /health writes a row here inside a transaction it rolls back: "does the database
    # accept a write?" asked with a real write, leaving nothing behind
    op.create_table('health_probes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('pad', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('health_probes')
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.drop_column('unmasked_at')
        batch_op.drop_column('unmasked_by')
        batch_op.drop_column('unmasked')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')
