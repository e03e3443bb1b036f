"""Key management: register, loans, counts, losses, vacant-unit tasks, audit (append-only)

Revision ID: k001_keys
Revises:
Depends on: 0003_followups
"""

import sqlalchemy as sa
from alembic import op

from core.kit import append_only, drop_append_only

revision = "k001_keys"
down_revision = None
branch_labels = ("keys",)
depends_on = "0003_followups"

OPEN_LOAN = {f"{d}_where": sa.text("closed_at IS NULL") for d in ("sqlite", "postgresql")}
TABLES = ("keys_register", "keys_loans", "keys_counts", "keys_losses", "keys_vacant_tasks",
          "keys_audit")


def upgrade() -> None:
    op.create_table(
        "keys_register",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("area", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=128), nullable=True),
        sa.Column("copies", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entrusted_by", sa.String(length=64), nullable=True),
        sa.Column("entrusted_on", sa.Date(), nullable=True),
        sa.Column("entrustment_ref", sa.String(length=64), nullable=True),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tag"),
    )
    op.create_index(op.f("ix_keys_register_unit_id"), "keys_register", ["unit_id"])
    op.create_table(
        "keys_loans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("borrower", sa.String(length=64), nullable=False),
        sa.Column("borrower_kind", sa.String(length=16), nullable=False),
        sa.Column("id_number", sa.String(length=32), nullable=True),
        sa.Column("company", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("ticket", sa.String(length=32), nullable=True),
        sa.Column("authorised_by", sa.String(length=64), nullable=True),
        sa.Column("authorised_how", sa.String(length=16), nullable=True),
        sa.Column("authorised_at", sa.DateTime(), nullable=True),
        sa.Column("lent_by", sa.String(length=64), nullable=False),
        sa.Column("lent_at", sa.DateTime(), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("at_risk_at", sa.DateTime(), nullable=False),
        sa.Column("at_risk_noted_at", sa.DateTime(), nullable=True),
        sa.Column("overdue_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("returned_by", sa.String(length=64), nullable=True),
        sa.Column("received_by", sa.String(length=64), nullable=True),
        sa.Column("condition", sa.String(length=16), nullable=True),
        sa.Column("condition_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["key_id"], ["keys_register.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_keys_loans_ticket"), "keys_loans", ["ticket"])
    op.create_index("uq_keys_loans_open", "keys_loans", ["key_id"], unique=True, **OPEN_LOAN)
    op.create_index("ix_keys_loans_open_due", "keys_loans", ["due_at"], **OPEN_LOAN)
    op.create_table(
        "keys_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("checked", sa.JSON(), nullable=False),
        sa.Column("present", sa.JSON(), nullable=False),
        sa.Column("discrepancies", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_keys_counts_day"), "keys_counts", ["day"])
    op.create_table(
        "keys_losses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reported_by", sa.String(length=64), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("circumstances", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("accountable", sa.String(length=64), nullable=True),
        sa.Column("ticket", sa.String(length=32), nullable=True),
        sa.Column("lock_change", sa.String(length=16), nullable=True),
        sa.Column("lock_change_at", sa.DateTime(), nullable=True),
        sa.Column("lock_change_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["key_id"], ["keys_register.id"]),
        sa.ForeignKeyConstraint(["loan_id"], ["keys_loans.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_keys_losses_key_id"), "keys_losses", ["key_id"])
    op.create_table(
        "keys_vacant_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("generated_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("anomaly", sa.Text(), nullable=True),
        sa.Column("ticket", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "month", "kind", name="uq_keys_vacant_task"),
    )
    op.create_table(
        "keys_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=32), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_keys_audit_tag"), "keys_audit", ["tag"])
    op.create_index(op.f("ix_keys_audit_unit"), "keys_audit", ["unit"])
    append_only("keys_audit")



def downgrade() -> None:
    drop_append_only("keys_audit")
    for table in reversed(TABLES):
        op.drop_table(table)
