"""Archive documents: the key of a filed record, unique, so one closing files once

Revision ID: a002_record_key
Revises: a001_archives
"""

import sqlalchemy as sa
from alembic import op

revision = "a002_record_key"
down_revision = "a001_archives"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("archive_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_key", sa.String(length=128), nullable=True))
    op.create_index(op.f("ix_archive_documents_record_key"), "archive_documents",
                    ["record_key"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_archive_documents_record_key"), table_name="archive_documents")
    with op.batch_alter_table("archive_documents", schema=None) as batch_op:
        batch_op.drop_column("record_key")
