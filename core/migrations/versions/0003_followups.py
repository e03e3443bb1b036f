"""Follow-ups queue, rainy days, topics, warnings, CAPA

Revision ID: 0003_followups
Revises: 0002_service
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_followups'
down_revision = '0002_service'
branch_labels = None
depends_on = None

# partial indexes over open follow-ups: what the queue and the deadline check read
OPEN = {f"{d}_where": sa.text("status = 'open'") for d in ("sqlite", "postgresql")}


def upgrade() -> None:
    op.create_table('rainy_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('marked_by', sa.String(length=64), nullable=True),
    sa.Column('marked_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('capa_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('location', sa.String(length=128), nullable=True),
    sa.Column('tickets', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('cause', sa.Text(), nullable=True),
    sa.Column('actions', sa.Text(), nullable=True),
    sa.Column('verification', sa.Text(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('capa_records', schema=None) as batch_op:
        batch_op.create_index('ix_capa_match', ['source', 'topic', 'state'], unique=False)
        batch_op.create_index('ix_capa_opened', ['opened_at'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=True),
    sa.Column('to_role', sa.String(length=16), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('capa_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['capa_id'], ['capa_records.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_kind_key', ['kind', 'key', 'raised_at'], unique=False)
        batch_op.create_index('ix_alerts_raised', ['raised_at'], unique=False)

    op.create_table('ticket_topics',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('location', sa.String(length=128), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    with op.batch_alter_table('ticket_topics', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_topics_location', ['topic', 'location', 'received_at'],
                              unique=False)
        batch_op.create_index('ix_ticket_topics_received', ['topic', 'received_at'], unique=False)
        batch_op.create_index('ix_ticket_topics_unit', ['topic', 'unit_id', 'received_at'],
                              unique=False)

    op.create_table('followup_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('waits_for', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('rate', sa.Double(), nullable=True),
    sa.Column('draw', sa.Double(), nullable=True),
    sa.Column('owner_role', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=True),
    sa.Column('policy', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('at_risk_at', sa.DateTime(), nullable=True),
    sa.Column('at_risk_noted_at', sa.DateTime(), nullable=True),
    sa.Column('breached_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('escalation_level', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('followup_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['followup_id'], ['followups.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'kind', 'round', name='uq_followup_task')
    )
    with op.batch_alter_table('followup_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_followup_tasks_category_created', ['category', 'created_at'],
                              unique=False)
        batch_op.create_index('ix_followup_tasks_open_due', ['due_at'], unique=False, **OPEN)
        batch_op.create_index('ix_followup_tasks_open_risk', ['at_risk_at'], unique=False, **OPEN)
        batch_op.create_index('ix_followup_tasks_ticket', ['ticket_id'], unique=False)
        batch_op.create_index('ix_followup_tasks_waiting', ['status', 'waits_for'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('followup_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_followup_tasks_waiting')
        batch_op.drop_index('ix_followup_tasks_ticket')
        batch_op.drop_index('ix_followup_tasks_open_risk', **OPEN)
        batch_op.drop_index('ix_followup_tasks_open_due', **OPEN)
        batch_op.drop_index('ix_followup_tasks_category_created')

    op.drop_table('followup_tasks')
    with op.batch_alter_table('ticket_topics', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_topics_unit')
        batch_op.drop_index('ix_ticket_topics_received')
        batch_op.drop_index('ix_ticket_topics_location')

    op.drop_table('ticket_topics')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_raised')
        batch_op.drop_index('ix_alerts_kind_key')

    op.drop_table('alerts')
    with op.batch_alter_table('capa_records', schema=None) as batch_op:
        batch_op.drop_index('ix_capa_opened')
        batch_op.drop_index('ix_capa_match')

    op.drop_table('capa_records')
    op.drop_table('rainy_days')
