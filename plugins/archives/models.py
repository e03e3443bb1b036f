"""Archive tables on the shared metadata: files, documents, requests, access log, destructions.

The access log and the destruction register are append-only (the migration installs
triggers refusing UPDATE and DELETE): both are evidence, kept for ever.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from core.kit import Base


class ArchiveFile(Base):
    """One household's file (业户档案), numbered from the site code and the unit."""

    __tablename__ = "archive_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # current, former, destroyed
    importance: Mapped[str] = mapped_column(String(16))  # general, important, permanent
    opened_at: Mapped[datetime]
    changed_at: Mapped[datetime | None]
    change_reason: Mapped[str | None] = mapped_column(String(16))
    retain_until: Mapped[datetime | None]
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    hold_reason: Mapped[str | None] = mapped_column(Text)
    #: the site manager's approval to destroy (cleared by a legal hold)
    destruction_approved_by: Mapped[str | None] = mapped_column(String(64))
    destruction_approved_at: Mapped[datetime | None]


class ArchiveDocument(Base):
    """A document's metadata; its bytes live in the content-addressed store under `sha256`."""

    __tablename__ = "archive_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("archive_files.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    dated_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    important: Mapped[bool] = mapped_column(default=False, server_default=false())
    destroyed: Mapped[bool] = mapped_column(default=False, server_default=false())
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime]
    #: a filed record's identity (`tickets:GD-...:v7`): the same record is filed once
    record_key: Mapped[str | None] = mapped_column(String(128), unique=True, index=True)


class ArchiveRequest(Base):
    """A request to view, copy or borrow a file (or one document) and its decision."""

    __tablename__ = "archive_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("archive_files.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("archive_documents.id"))
    purpose: Mapped[str] = mapped_column(String(16))  # view, copy, loan
    requester: Mapped[str] = mapped_column(String(64))
    requester_kind: Mapped[str] = mapped_column(String(16))  # internal, police, court, ...
    organisation: Mapped[str | None] = mapped_column(String(128))
    letter_ref: Mapped[str | None] = mapped_column(String(64))
    id_number: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending, approved, refused
    requested_at: Mapped[datetime]
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    due_back: Mapped[datetime | None]
    lent_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]


class ArchiveBackup(Base):
    """A backup of the whole archive: asked for by a keeper naming where it goes, approved
    (or refused) by the site manager who did not ask, run once under that approval.
    Owners' phones in it are masked unless the approval said `unmasked`."""

    __tablename__ = "archive_backups"
    id: Mapped[int] = mapped_column(primary_key=True)
    destination: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending, approved, refused, done
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    unmasked: Mapped[bool] = mapped_column(default=False, server_default=false())
    run_by: Mapped[str | None] = mapped_column(String(64))
    run_at: Mapped[datetime | None]
    path: Mapped[str | None] = mapped_column(String(600))
    documents: Mapped[int | None]


class ArchiveAccess(Base):
    """One view, download, copy, loan or return: exactly one row per content release."""

    __tablename__ = "archive_access"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("archive_files.id"), index=True)
    #: the approved request it used, or (for a document released in a backup) the backup
    request_id: Mapped[int | None] = mapped_column(ForeignKey("archive_requests.id"))
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("archive_backups.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("archive_documents.id"))
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class ArchiveDestruction(Base):
    """The destruction register (销毁登记): what was destroyed, who approved and witnessed."""

    __tablename__ = "archive_destructions"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_number: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(32))
    documents: Mapped[list[Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str] = mapped_column(String(64))
    witness: Mapped[str] = mapped_column(String(64))
    destroyed_by: Mapped[str] = mapped_column(String(64))
    destroyed_at: Mapped[datetime]

    __table_args__ = (Index("ix_archive_destructions_file", "file_number"),)


MODELS = (ArchiveFile, ArchiveDocument, ArchiveRequest, ArchiveBackup, ArchiveAccess,
          ArchiveDestruction)
