"""Household files and their documents: opening, adding, listing, automatic filing.

Every rule is decided here, for the CLI and the HTTP API alike: who may (`actor=`, the
keepers are the archivist and the site manager; None is the site operator), when
(`kit.action_time`), and what state the file is in, checked under a row lock inside the
caller's unit of work so that the same action sent twice takes effect once.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import kit
from plugins.archives import settings, store
from plugins.archives.models import ArchiveDocument, ArchiveFile

log = logging.getLogger("propdesk.archives")

#: roles that keep the files: open them, add documents, record changes and holds, read them
KEEPERS = frozenset({"archivist", "manager"})
Row = TypeVar("Row", bound=kit.Base)


def require_keeper(s: Session, actor: str | None, what: str) -> kit.Staff | None:
    """The archivist or the site manager (or the operator, who holds the database anyway);
    an unknown name is refused (`as: no staff member ...`)."""
    staff = kit.actor(s, actor)
    kit.require(staff, f"{what} (archivist or manager only)", KEEPERS)
    return staff


def locked(s: Session, model: type[Row], row_id: int) -> Row | None:
    """The row, locked until the unit of work commits and read afresh (a concurrent action
    that changed it first is seen, not the copy this session loaded before the lock)."""
    query = kit.lock(select(model).where(model.id == row_id))  # type: ignore[attr-defined]
    return s.scalar(query.execution_options(populate_existing=True))


def find_file(s: Session, ref: str, lock: bool = False) -> ArchiveFile:
    """A file by its number or by its unit code; `lock` row-locks it for a change."""
    found = s.scalar(select(ArchiveFile).where(ArchiveFile.number == ref.strip()))
    if found is None:
        unit = s.scalar(select(kit.Unit).where(kit.Unit.code == ref.strip()))
        if unit is not None:
            found = s.scalar(select(ArchiveFile).where(ArchiveFile.unit_id == unit.id))
    if found is None:
        raise kit.NotFound("file", f"no household file {ref!r}")
    return (locked(s, ArchiveFile, found.id) or found) if lock else found


def last_event(found: ArchiveFile) -> datetime:
    """When the file last changed: an action on it is never dated before this."""
    return max(t for t in (found.opened_at, found.changed_at, found.destruction_approved_at)
               if t is not None)


def _file_for_unit(desk: kit.Desk, s: Session, unit: kit.Unit, at: datetime,
                   importance: str = "general") -> ArchiveFile:
    found = s.scalar(select(ArchiveFile).where(ArchiveFile.unit_id == unit.id))
    if found is None:
        found = ArchiveFile(number=settings.file_number(desk, unit.code),
                            unit_id=unit.id, status="current", importance=importance,
                            opened_at=at, legal_hold=False)
        s.add(found)
        s.flush()
    return found


def _unit_locked(s: Session, code: str) -> kit.Unit:
    """The household, row-locked: opening its file and filing into it queue on it."""
    unit = kit.get_unit(s, kit.parse_unit_code(code)[0])
    return locked(s, kit.Unit, unit.id) or unit


def open_file(desk: kit.Desk, unit: str, importance: str = "general", actor: str | None = None,
              at: str | None = None) -> dict[str, Any]:
    level = settings.IMPORTANCE.parse(importance)
    with desk.write() as s:
        staff = require_keeper(s, actor, "open a file")
        moment = kit.action_time(desk, at)
        household = _unit_locked(s, unit)
        if s.scalar(select(ArchiveFile.id).where(ArchiveFile.unit_id == household.id)):
            raise kit.Conflict("unit", f"unit {household.code} already has a file")
        return file_view(desk, s, _file_for_unit(desk, s, household, moment, level), staff)


def add_document(desk: kit.Desk, ref: str, path: str | Path, *, kind: str, title: str,
                 dated: str | None = None, source: str = "desk", important: bool = False,
                 actor: str | None = None) -> dict[str, Any]:
    """Add a file's bytes to the store and its metadata to the household's file."""
    kind = settings.KINDS.parse(kind)
    if not title.strip() or len(title.strip()) > 200:
        raise kit.DomainError("title", "a document needs a title of at most 200 characters")
    if not source.strip() or len(source) > 64:
        raise kit.DomainError("source", "say where it came from, in at most 64 characters")
    source_path = Path(path)
    with desk.write() as s:
        require_keeper(s, actor, "add a document")
        dated_at = kit.action_time(desk, dated, field="date")
        if not source_path.is_file():
            raise kit.DomainError("path", f"no such file: {source_path}")
        found = find_file(s, ref, lock=True)
        if found.status == "destroyed":
            raise kit.TransitionRefused("file", f"file {found.number} was destroyed")
        doc = _store(desk, s, found, source_path.read_bytes(), kind=kind, title=title.strip(),
                     dated_at=dated_at, source=source, filename=source_path.name,
                     important=important, actor=actor)
        return document_view(desk, doc)


def _store(desk: kit.Desk, s: Session, found: ArchiveFile, data: bytes, *, kind: str,
           title: str, dated_at: datetime, source: str, filename: str,
           important: bool = False, actor: str | None = None,
           key: str | None = None) -> ArchiveDocument:
    sha = store.put(settings.store_dir(desk), data)  # content-addressed: a rollback leaves
    doc = ArchiveDocument(file_id=found.id, kind=kind, title=title, dated_at=dated_at,
                          source=source, filename=filename, sha256=sha, size=len(data),
                          important=important, destroyed=False, recorded_by=actor,
                          recorded_at=desk.now(), record_key=key)  # at most an unused blob
    s.add(doc)
    s.flush()
    return doc


def file_record(desk: kit.Desk, record: dict[str, Any]) -> dict[str, Any] | None:
    """File a record offered by a plugin or a closed ticket; the file opens if missing.

    A record with a `key` is filed once: offered again (a retry, a duplicate notification,
    two processes at once) it returns the document already filed."""
    unit = record.get("unit")
    if not unit:
        log.info("archive: %s record %r has no unit; not filed", record.get("source"),
                 record.get("title"))
        return None
    kind = settings.KINDS.parse(record.get("kind") or "daily")
    title = str(record.get("title") or "").strip()
    if not title:
        raise kit.DomainError("title", "a record needs a title")
    title = title if len(title) <= 200 else title[:199] + "…"  # a long summary still files
    at = kit.parse_time(record["at"], desk.tz, "at") if record.get("at") else desk.now()
    body = json.dumps(record.get("data") or {}, ensure_ascii=False, indent=2,
                      sort_keys=True).encode()
    source = str(record.get("source") or "plugin")[:64]
    key = f"{source}:{record['key']}"[:128] if record.get("key") else None
    with desk.write() as s:
        household = _unit_locked(s, unit)  # concurrent offers for one household queue here
        if key is not None:
            filed = s.scalar(select(ArchiveDocument).where(ArchiveDocument.record_key == key))
            if filed is not None:
                return document_view(desk, filed)
        found = _file_for_unit(desk, s, household, at)
        if found.status == "destroyed":
            raise kit.TransitionRefused("file", f"file {found.number} was destroyed")
        doc = _store(desk, s, found, body, kind=kind, title=title, dated_at=at, source=source,
                     filename=f"{source}-{at:%Y%m%d%H%M%S}.json", key=key)
        return document_view(desk, doc)


def file_closed_ticket(desk: kit.Desk, ticket: dict[str, Any],
                       followup: bool = False) -> dict[str, Any] | None:
    """The handling record of a closed complaint, repair or paid service: ticket + history
    (a follow-up after the closing files the record again, now with the follow-up).

    One record per ticket and action: the ticket's version after the closing (or the
    follow-up) is the record's key, so the same closing announced twice files once."""
    if ticket.get("category") not in settings.FILED_CATEGORIES:
        return None
    if not ticket.get("unit"):
        log.info("archive: ticket %s has no unit; its record is not filed", ticket["number"])
        return None
    full = ticket if "events" in ticket else kit.show_ticket(desk, ticket["number"])
    return file_record(desk, {"unit": full["unit"], "kind": "daily", "source": "tickets",
                              "key": f"{full['number']}:v{full['version']}",
                              "title": f"{full['number']} {full['summary']}"
                                       + (" 回访 follow-up" if followup else ""),
                              "at": full["events"][-1]["at"] if followup else full["closed_at"],
                              "data": full})


def file_view(desk: kit.Desk, s: Session, found: ArchiveFile,
              staff: kit.Staff | None = None) -> dict[str, Any]:
    """The file's card; the owner's phone in full only for roles that see phones."""
    unit = s.get(kit.Unit, found.unit_id)
    phone = unit.owner_phone if unit else None
    return {"number": found.number, "unit": unit.code if unit else None,
            "owner": unit.owner_name if unit else None,
            "owner_phone": phone if kit.sees_phones(staff) else kit.mask_phone(phone),
            "status": found.status,
            "importance": found.importance, "opened_at": kit.show(found.opened_at, desk.tz),
            "changed_at": kit.show(found.changed_at, desk.tz),
            "change_reason": found.change_reason,
            "retain_until": kit.show(found.retain_until, desk.tz),
            "legal_hold": found.legal_hold, "hold_reason": found.hold_reason,
            "destruction_approved_by": found.destruction_approved_by,
            "destruction_approved_at": kit.show(found.destruction_approved_at, desk.tz)}


def document_view(desk: kit.Desk, doc: ArchiveDocument) -> dict[str, Any]:
    return {"id": doc.id, "kind": doc.kind, "kind_label": settings.KINDS.terms[doc.kind].label,
            "title": doc.title, "date": kit.show(doc.dated_at, desk.tz), "source": doc.source,
            "filename": doc.filename, "sha256": doc.sha256, "size": doc.size,
            "important": doc.important, "destroyed": doc.destroyed}


def show_file(desk: kit.Desk, ref: str, actor: str | None = None) -> dict[str, Any]:
    """The file with its register of contents: documents by kind, each kind in time order."""
    with desk.read() as s:
        staff = require_keeper(s, actor, "read household files")
        found = find_file(s, ref)
        view = file_view(desk, s, found, staff)
        docs = s.scalars(select(ArchiveDocument).where(ArchiveDocument.file_id == found.id)
                         .order_by(ArchiveDocument.dated_at, ArchiveDocument.id))
        contents: dict[str, list[dict[str, Any]]] = {k: [] for k in settings.KINDS.terms}
        for doc in docs:
            contents[doc.kind].append(document_view(desk, doc))
        view["contents"] = contents
        return view


def list_files(desk: kit.Desk, status: str | None = None,
               actor: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        staff = require_keeper(s, actor, "read household files")
        query = select(ArchiveFile).order_by(ArchiveFile.number)
        if status:
            query = query.where(ArchiveFile.status == status)
        return [file_view(desk, s, f, staff) for f in s.scalars(query)]
