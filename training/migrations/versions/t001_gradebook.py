"""Training tables: exams, responses, trainers' grades, case submissions (append-only)

Revision ID: t001_gradebook
Revises:
Depends on: 0003_followups
"""

import sqlalchemy as sa
from alembic import op

from core.kit import append_only, drop_append_only

revision = "t001_gradebook"
down_revision = None
branch_labels = ("training",)
depends_on = "0003_followups"

TABLES = ("training_exams", "training_submissions", "training_manual_grades",
          "training_case_submissions")


def upgrade() -> None:
    op.create_table(
        "training_exams",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "training_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee", sa.String(length=64), nullable=False),
        sa.Column("exam_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=120), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("auto_score", sa.Float(), nullable=True),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["exam_id"], ["training_exams.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_training_submissions_exam", "training_submissions",
                    ["exam_id", "trainee"])
    op.create_table(
        "training_manual_grades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("grader", sa.String(length=64), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("graded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["training_submissions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_training_manual_grades_submission_id"), "training_manual_grades",
                    ["submission_id"])
    op.create_table(
        "training_case_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("ticket", sa.String(length=32), nullable=True),
        sa.Column("for_desk", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_training_case_submissions_submitted_at"),
                    "training_case_submissions", ["submitted_at"])
    for table in TABLES:
        append_only(table)



def downgrade() -> None:
    for table in reversed(TABLES):
        drop_append_only(table)
        op.drop_table(table)
