"""Community events: plans, events, sessions, registrations, surveys, notices, purge log

Revision ID: e001_events
Revises:
"""

import sqlalchemy as sa
from alembic import op

from core.kit import append_only, drop_append_only

revision = "e001_events"
down_revision = None
branch_labels = ("events",)
depends_on = "0003_followups"


def upgrade() -> None:
    op.create_table("events_settings",
    sa.Column("key", sa.String(length=32), nullable=False),
    sa.Column("value", sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint("key")
    )
    op.create_table("events_plans",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("year", sa.Integer(), nullable=False),
    sa.Column("survey", sa.Text(), nullable=True),
    sa.Column("survey_at", sa.DateTime(), nullable=True),
    sa.Column("approved_by", sa.String(length=64), nullable=True),
    sa.Column("approved_at", sa.DateTime(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("year")
    )
    op.create_table("events_events",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(length=128), nullable=False),
    sa.Column("starts_at", sa.DateTime(), nullable=False),
    sa.Column("own", sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column("large", sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column("organisation", sa.Text(), nullable=True),
    sa.Column("content", sa.Text(), nullable=True),
    sa.Column("promotion", sa.Text(), nullable=True),
    sa.Column("budget", sa.Integer(), nullable=True),
    sa.Column("risk_plan", sa.Text(), nullable=True),
    sa.Column("per_household", sa.Integer(), server_default=sa.text("1"), nullable=False),
    sa.Column("waitlist", sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("approved_by", sa.String(length=64), nullable=True),
    sa.Column("approved_at", sa.DateTime(), nullable=True),
    sa.Column("override_reason", sa.Text(), nullable=True),
    sa.Column("summary", sa.Text(), nullable=True),
    sa.Column("created_by", sa.String(length=64), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("events_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_events_starts_at"), ["starts_at"],
                              unique=False)

    op.create_table("events_purge_log",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("event_title", sa.String(length=128), nullable=False),
    sa.Column("event_at", sa.DateTime(), nullable=False),
    sa.Column("registrations", sa.Integer(), nullable=False),
    sa.Column("surveys", sa.Integer(), nullable=False),
    sa.Column("purged_at", sa.DateTime(), nullable=False),
    sa.Column("actor", sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint("id")
    )
    op.create_table("events_sessions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("event_id", sa.Integer(), nullable=False),
    sa.Column("starts_at", sa.DateTime(), nullable=False),
    sa.Column("capacity", sa.Integer(), nullable=False),
    sa.Column("place", sa.String(length=128), nullable=True),
    sa.Column("reminded_at", sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(["event_id"], ["events_events.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("events_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_sessions_event_id"), ["event_id"],
                              unique=False)

    op.create_table("events_surveys",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("event_id", sa.Integer(), nullable=False),
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("score", sa.Integer(), nullable=False),
    sa.Column("comment", sa.Text(), nullable=True),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(["event_id"], ["events_events.id"], ),
    sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("event_id", "unit_id", name="uq_events_survey_unit")
    )
    with op.batch_alter_table("events_surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_surveys_event_id"), ["event_id"],
                              unique=False)

    op.create_table("events_registrations",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("session_id", sa.Integer(), nullable=False),
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=64), nullable=True),
    sa.Column("phone", sa.String(length=32), nullable=True),
    sa.Column("channel", sa.String(length=16), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("changed_at", sa.DateTime(), nullable=False),
    sa.Column("by", sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(["session_id"], ["events_sessions.id"], ),
    sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("events_registrations", schema=None) as batch_op:
        batch_op.create_index("ix_events_reg_session_status", ["session_id", "status"],
                              unique=False)

    op.create_table("events_notices",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("event_id", sa.Integer(), nullable=False),
    sa.Column("registration_id", sa.Integer(), nullable=True),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("unit", sa.String(length=32), nullable=False),
    sa.Column("phone", sa.String(length=32), nullable=True),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("sent_at", sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(["event_id"], ["events_events.id"], ),
    sa.ForeignKeyConstraint(["registration_id"], ["events_registrations.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("events_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_notices_event_id"), ["event_id"],
                              unique=False)

    append_only("events_purge_log")



def downgrade() -> None:
    drop_append_only("events_purge_log")
    for table in ("events_notices", "events_registrations", "events_surveys",
                  "events_sessions", "events_purge_log", "events_events", "events_plans",
                  "events_settings"):
        op.drop_table(table)
