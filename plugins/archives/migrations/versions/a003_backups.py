"""Archive backups: an approved operation; each document a backup releases is an access row

Revision ID: a003_backups
Revises: a002_record_key

`archive_access.request_id` becomes nullable and gains `backup_id`: a row is a release
under an approved request, or one document released in an approved backup. The table is
append-only; on SQLite the column change rebuilds it, so its triggers are dropped before
and installed again after.
"""

import sqlalchemy as sa
from alembic import op

from core.kit import append_only, drop_append_only

revision = "a003_backups"
down_revision = "a002_record_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_backups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("destination", sa.String(length=500), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("unmasked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("run_by", sa.String(length=64), nullable=True),
        sa.Column("run_at", sa.DateTime(), nullable=True),
        sa.Column("path", sa.String(length=600), nullable=True),
        sa.Column("documents", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    drop_append_only("archive_access")
    with op.batch_alter_table("archive_access", schema=None) as batch_op:
        batch_op.add_column(sa.Column("backup_id", sa.Integer(), nullable=True))
        batch_op.alter_column("request_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f("ix_archive_access_backup_id"), ["backup_id"])
        batch_op.create_foreign_key("fk_archive_access_backup_id", "archive_backups",
                                    ["backup_id"], ["id"])
    append_only("archive_access")


def downgrade() -> None:
    drop_append_only("archive_access")
    with op.batch_alter_table("archive_access", schema=None) as batch_op:
        batch_op.drop_constraint("fk_archive_access_backup_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_archive_access_backup_id"))
        batch_op.drop_column("backup_id")
    append_only("archive_access")
    op.drop_table("archive_backups")
