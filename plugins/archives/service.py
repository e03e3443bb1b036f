"""Household files and their documents: opening, adding, listing, automatic filing."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.desk import Desk
from core.directory import get_staff, get_unit, parse_unit_code
from core.errors import DomainError, NotFound
from core.models import Staff, Unit
from core.permissions import Forbidden
from core.times import parse_time, show
from plugins.archives import settings, store
from plugins.archives.models import ArchiveDocument, ArchiveFile

log = logging.getLogger("propdesk.archives")

#: roles that keep the files: open them, add documents, record changes and holds
KEEPERS = frozenset({"archivist", "manager"})


def staff_of(s: Session, actor: str | None) -> Staff | None:
    return get_staff(s, actor, "as") if actor else None


def require_keeper(s: Session, actor: str | None, what: str) -> Staff | None:
    """The archivist or the site manager (or the operator, who holds the database anyway)."""
    staff = staff_of(s, actor)
    if staff is not None and staff.role not in KEEPERS:
        raise Forbidden("as", f"{staff.name} ({staff.role}) may not {what}: "
                        "archivist or manager only")
    return staff


def when(desk: Desk, at: str | datetime | None, field: str = "at") -> datetime:
    moment = parse_time(at, desk.tz, field) if at else desk.now()
    if moment > desk.now():
        raise DomainError(field, "a time in the future")
    return moment


def find_file(s: Session, ref: str) -> ArchiveFile:
    """A file by its number or by its unit code."""
    found = s.scalar(select(ArchiveFile).where(ArchiveFile.number == ref.strip()))
    if found is None:
        unit = s.scalar(select(Unit).where(Unit.code == ref.strip()))
        if unit is not None:
            found = s.scalar(select(ArchiveFile).where(ArchiveFile.unit_id == unit.id))
    if found is None:
        raise NotFound("file", f"no household file {ref!r}")
    return found


def _file_for_unit(desk: Desk, s: Session, code: str, at: datetime,
                   importance: str = "general") -> ArchiveFile:
    unit = get_unit(s, parse_unit_code(code)[0])
    found = s.scalar(select(ArchiveFile).where(ArchiveFile.unit_id == unit.id))
    if found is None:
        found = ArchiveFile(number=settings.file_number(desk, unit.code),
                            unit_id=unit.id, status="current", importance=importance,
                            opened_at=at, legal_hold=False)
        s.add(found)
        s.flush()
    return found


def open_file(desk: Desk, unit: str, importance: str = "general", actor: str | None = None,
              at: str | None = None) -> dict[str, Any]:
    level = settings.IMPORTANCE.parse(importance)
    moment = when(desk, at)
    with desk.write() as s:
        require_keeper(s, actor, "open a file")
        code = parse_unit_code(unit)[0]
        get_unit(s, code)
        if s.scalar(select(ArchiveFile.id).join(Unit, Unit.id == ArchiveFile.unit_id)
                    .where(Unit.code == code)):
            raise DomainError("unit", f"unit {code} already has a file")
        return file_view(desk, s, _file_for_unit(desk, s, code, moment, level))


def add_document(desk: Desk, ref: str, path: str | Path, *, kind: str, title: str,
                 dated: str | None = None, source: str = "desk", important: bool = False,
                 actor: str | None = None) -> dict[str, Any]:
    """Add a file's bytes to the store and its metadata to the household's file."""
    kind = settings.KINDS.parse(kind)
    if not title.strip() or len(title.strip()) > 200:
        raise DomainError("title", "a document needs a title of at most 200 characters")
    if not source.strip() or len(source) > 64:
        raise DomainError("source", "say where it came from, in at most 64 characters")
    dated_at = when(desk, dated, "date")
    source_path = Path(path)
    if not source_path.is_file():
        raise DomainError("path", f"no such file: {source_path}")
    data = source_path.read_bytes()
    with desk.write() as s:
        require_keeper(s, actor, "add a document")
        found = find_file(s, ref)
        if found.status == "destroyed":
            raise DomainError("file", f"file {found.number} was destroyed")
        doc = _store(desk, s, found, data, kind=kind, title=title.strip(), dated_at=dated_at,
                     source=source, filename=source_path.name, important=important,
                     actor=actor)
        return document_view(desk, doc)


def _store(desk: Desk, s: Session, found: ArchiveFile, data: bytes, *, kind: str, title: str,
           dated_at: datetime, source: str, filename: str, important: bool = False,
           actor: str | None = None) -> ArchiveDocument:
    sha = store.put(settings.store_dir(desk), data)
    doc = ArchiveDocument(file_id=found.id, kind=kind, title=title, dated_at=dated_at,
                          source=source, filename=filename, sha256=sha, size=len(data),
                          important=important, destroyed=False, recorded_by=actor,
                          recorded_at=desk.now())
    s.add(doc)
    s.flush()
    return doc


def file_record(desk: Desk, record: dict[str, Any]) -> dict[str, Any] | None:
    """File a record offered by a plugin or a closed ticket; the file opens if missing."""
    unit = record.get("unit")
    if not unit:
        log.info("archive: %s record %r has no unit; not filed", record.get("source"),
                 record.get("title"))
        return None
    kind = settings.KINDS.parse(record.get("kind") or "daily")
    title = str(record.get("title") or "").strip()
    if not title:
        raise DomainError("title", "a record needs a title")
    title = title if len(title) <= 200 else title[:199] + "…"  # a long summary still files
    at = parse_time(record["at"], desk.tz, "at") if record.get("at") else desk.now()
    body = json.dumps(record.get("data") or {}, ensure_ascii=False, indent=2,
                      sort_keys=True).encode()
    source = str(record.get("source") or "plugin")[:64]
    with desk.write() as s:
        found = _file_for_unit(desk, s, unit, at)
        if found.status == "destroyed":
            raise DomainError("file", f"file {found.number} was destroyed")
        doc = _store(desk, s, found, body, kind=kind, title=title, dated_at=at, source=source,
                     filename=f"{source}-{at:%Y%m%d%H%M%S}.json")
        return document_view(desk, doc)


def file_closed_ticket(desk: Desk, ticket: dict[str, Any],
                       followup: bool = False) -> dict[str, Any] | None:
    """The handling record of a closed complaint, repair or paid service: ticket + history
    (a follow-up after the closing files the record again, now with the follow-up)."""
    if ticket.get("category") not in settings.FILED_CATEGORIES:
        return None
    if not ticket.get("unit"):
        log.info("archive: ticket %s has no unit; its record is not filed", ticket["number"])
        return None
    from core.queries import show_ticket

    full = show_ticket(desk, ticket["number"])
    return file_record(desk, {"unit": full["unit"], "kind": "daily", "source": "tickets",
                              "title": f"{full['number']} {full['summary']}"
                                       + (" 回访 follow-up" if followup else ""),
                              "at": full["events"][-1]["at"] if followup else full["closed_at"],
                              "data": full})


def file_view(desk: Desk, s: Session, found: ArchiveFile) -> dict[str, Any]:
    unit = s.get(Unit, found.unit_id)
    return {"number": found.number, "unit": unit.code if unit else None,
            "owner": unit.owner_name if unit else None, "status": found.status,
            "importance": found.importance, "opened_at": show(found.opened_at, desk.tz),
            "changed_at": show(found.changed_at, desk.tz), "change_reason": found.change_reason,
            "retain_until": show(found.retain_until, desk.tz), "legal_hold": found.legal_hold,
            "hold_reason": found.hold_reason,
            "destruction_approved_by": found.destruction_approved_by,
            "destruction_approved_at": show(found.destruction_approved_at, desk.tz)}


def document_view(desk: Desk, doc: ArchiveDocument) -> dict[str, Any]:
    return {"id": doc.id, "kind": doc.kind, "kind_label": settings.KINDS.terms[doc.kind].label,
            "title": doc.title, "date": show(doc.dated_at, desk.tz), "source": doc.source,
            "filename": doc.filename, "sha256": doc.sha256, "size": doc.size,
            "important": doc.important, "destroyed": doc.destroyed}


def show_file(desk: Desk, ref: str) -> dict[str, Any]:
    """The file with its register of contents: documents by kind, each kind in time order."""
    with desk.read() as s:
        found = find_file(s, ref)
        view = file_view(desk, s, found)
        docs = s.scalars(select(ArchiveDocument).where(ArchiveDocument.file_id == found.id)
                         .order_by(ArchiveDocument.dated_at, ArchiveDocument.id))
        contents: dict[str, list[dict[str, Any]]] = {k: [] for k in settings.KINDS.terms}
        for doc in docs:
            contents[doc.kind].append(document_view(desk, doc))
        view["contents"] = contents
        return view


def list_files(desk: Desk, status: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        query = select(ArchiveFile).order_by(ArchiveFile.number)
        if status:
            query = query.where(ArchiveFile.status == status)
        return [file_view(desk, s, f) for f in s.scalars(query)]
