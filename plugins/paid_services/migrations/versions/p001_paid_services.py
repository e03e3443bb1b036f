"""Paid services: price list, warranty dates, decisions, jobs, lines, payments, damages, scores

Revision ID: p001_paid_services
Revises:
Depends on: 0003_followups
"""

import sqlalchemy as sa
from alembic import op

from core.kit import append_only, drop_append_only

revision = "p001_paid_services"
down_revision = None
branch_labels = ("paid_services",)
depends_on = "0003_followups"

APPEND_ONLY = ("paid_decisions", "paid_payments", "paid_scores")


def upgrade() -> None:
    op.create_table(
        "paid_price_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("labour_fen", sa.Integer(), nullable=False),
        sa.Column("materials_separate", sa.Boolean(), nullable=False),
        sa.Column("approval_ref", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", "version", name="uq_paid_price_items_version"),
    )
    op.create_table(
        "paid_unit_warranty",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("handover_date", sa.Date(), nullable=False),
        sa.Column("warranty_until", sa.Date(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("unit_id"),
    )
    op.create_table(
        "paid_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_number", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_paid_decisions_ticket_number"), "paid_decisions",
                    ["ticket_number"])
    op.create_table(
        "paid_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("ticket_number", sa.String(length=32), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("quoted_at", sa.DateTime(), nullable=False),
        sa.Column("quoted_by", sa.String(length=64), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=True),
        sa.Column("refusal_reason", sa.String(length=200), nullable=True),
        sa.Column("appointment_at", sa.DateTime(), nullable=True),
        sa.Column("technicians", sa.JSON(), nullable=False),
        sa.Column("contractor", sa.String(length=64), nullable=True),
        sa.Column("phone_confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("arrived_at", sa.DateTime(), nullable=True),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("work_done", sa.Text(), nullable=True),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("care_advice", sa.Text(), nullable=True),
        sa.Column("signed_name", sa.String(length=64), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("signature_ref", sa.String(length=200), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("ticket_number"),
    )
    op.create_table(
        "paid_job_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("price_item_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("unit_price_fen", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["paid_jobs.id"]),
        sa.ForeignKeyConstraint(["price_item_id"], ["paid_price_items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_paid_job_lines_job_id"), "paid_job_lines", ["job_id"])
    op.create_table(
        "paid_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("receipt_no", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["paid_jobs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("receipt_no"),
    )
    op.create_index(op.f("ix_paid_payments_job_id"), "paid_payments", ["job_id"])
    op.create_table(
        "paid_damages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["paid_jobs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_paid_damages_job_id"), "paid_damages", ["job_id"])
    op.create_table(
        "paid_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("contractor", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("satisfaction", sa.Integer(), nullable=False),
        sa.Column("rate_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("base_fen", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["paid_jobs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id"),
    )
    op.create_index("ix_paid_scores_month", "paid_scores", ["month", "contractor"])
    for table in APPEND_ONLY:
        append_only(table)



def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only(table)
    for table in ("paid_scores", "paid_damages", "paid_payments", "paid_job_lines",
                  "paid_jobs", "paid_decisions", "paid_unit_warranty", "paid_price_items"):
        op.drop_table(table)
