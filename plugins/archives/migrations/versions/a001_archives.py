"""Archive tables: files, documents, requests, access log and destruction register

Revision ID: a001_archives
Revises:
Depends on: 0003_followups
"""

import sqlalchemy as sa
from alembic import op

from core.kit import append_only, drop_append_only

revision = "a001_archives"
down_revision = None
branch_labels = ("archives",)
depends_on = "0003_followups"

APPEND_ONLY = ("archive_access", "archive_destructions")


def upgrade() -> None:
    op.create_table(
        "archive_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("importance", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
        sa.Column("change_reason", sa.String(length=16), nullable=True),
        sa.Column("retain_until", sa.DateTime(), nullable=True),
        sa.Column("legal_hold", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("destruction_approved_by", sa.String(length=64), nullable=True),
        sa.Column("destruction_approved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("unit_id"),
    )
    op.create_table(
        "archive_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("dated_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("important", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("destroyed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["archive_files.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_archive_documents_file_id"), "archive_documents", ["file_id"])
    op.create_index(op.f("ix_archive_documents_sha256"), "archive_documents", ["sha256"])
    op.create_table(
        "archive_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("requester", sa.String(length=64), nullable=False),
        sa.Column("requester_kind", sa.String(length=16), nullable=False),
        sa.Column("organisation", sa.String(length=128), nullable=True),
        sa.Column("letter_ref", sa.String(length=64), nullable=True),
        sa.Column("id_number", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("due_back", sa.DateTime(), nullable=True),
        sa.Column("lent_at", sa.DateTime(), nullable=True),
        sa.Column("returned_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["archive_documents.id"]),
        sa.ForeignKeyConstraint(["file_id"], ["archive_files.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_archive_requests_file_id"), "archive_requests", ["file_id"])
    op.create_table(
        "archive_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["archive_documents.id"]),
        sa.ForeignKeyConstraint(["file_id"], ["archive_files.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["archive_requests.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_archive_access_file_id"), "archive_access", ["file_id"])
    op.create_table(
        "archive_destructions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_number", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=False),
        sa.Column("witness", sa.String(length=64), nullable=False),
        sa.Column("destroyed_by", sa.String(length=64), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_archive_destructions_file", "archive_destructions", ["file_number"])
    for table in APPEND_ONLY:
        append_only(table)



def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only(table)
    for table in ("archive_destructions", "archive_access", "archive_requests",
                  "archive_documents", "archive_files"):
        op.drop_table(table)
