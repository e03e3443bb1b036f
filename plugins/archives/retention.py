"""Retention: a household's change starts the clock, a legal hold stops destruction, and a
destruction (approved, witnessed) removes the content and is registered for ever.

Retention after a change (sale or move-out), by the file's importance — defaults in
`settings.DEFAULT_RETENTION`: general 5 years, important 10 years, permanent never due.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from core import kit
from plugins.archives import settings, store
from plugins.archives.models import (
    ArchiveDestruction,
    ArchiveDocument,
    ArchiveFile,
    ArchiveRequest,
)
from plugins.archives.service import file_view, find_file, last_event, require_keeper

log = logging.getLogger("propdesk.archives")


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def change_household(desk: kit.Desk, ref: str, reason: str, actor: str | None = None,
                     at: str | None = None) -> dict[str, Any]:
    """A sale or move-out: the file becomes a former household's, with a retention date."""
    reason = settings.CHANGES.parse(reason)
    years = settings.retention_years(desk)
    with desk.write() as s:
        staff = require_keeper(s, actor, "record a household change")
        found = find_file(s, ref, lock=True)
        if found.status != "current":
            raise kit.TransitionRefused("file", f"file {found.number} is {found.status}, "
                                        "not current")
        moment = kit.action_time(desk, at, not_before=last_event(found),
                                 what="the file's last event")
        found.status, found.changed_at, found.change_reason = "former", moment, reason
        found.retain_until = (None if found.importance == "permanent"
                              else _add_years(moment, years[found.importance]))
        return file_view(desk, s, found, staff)


def set_hold(desk: kit.Desk, ref: str, hold: bool, reason: str | None = None,
             actor: str | None = None) -> dict[str, Any]:
    """A legal hold (dispute) keeps the file whatever its retention date says; placing a
    hold twice, or lifting one that is not there, is refused (409)."""
    if hold and not (reason or "").strip():
        raise kit.DomainError("reason", "a legal hold needs its reason (the dispute)")
    with desk.write() as s:
        staff = require_keeper(s, actor, "place or lift a legal hold")
        found = find_file(s, ref, lock=True)
        if found.status == "destroyed":
            raise kit.TransitionRefused("file", f"file {found.number} was destroyed")
        if found.legal_hold == hold:
            raise kit.TransitionRefused("file", f"file {found.number} is "
                                        + (f"already under a legal hold ({found.hold_reason})"
                                           if hold else "not under a legal hold"))
        found.legal_hold, found.hold_reason = hold, (reason or "").strip() or None
        if hold:  # a dispute voids an approval to destroy: it is asked for again afterwards
            found.destruction_approved_by = found.destruction_approved_at = None
        return file_view(desk, s, found, staff)


def _destroyable(desk: kit.Desk, found: ArchiveFile, moment: datetime) -> None:
    if found.legal_hold:
        raise kit.TransitionRefused("file", f"file {found.number} is under a legal hold "
                                    f"({found.hold_reason}): it may not be destroyed")
    if found.status != "former":
        raise kit.TransitionRefused("file", f"file {found.number} is {found.status}: only a "
                                    "former household's file past its retention date is "
                                    "destroyed")
    if found.retain_until is None or found.retain_until > moment:
        raise kit.TransitionRefused("file", f"file {found.number} is kept until "
                                    f"{kit.show(found.retain_until, desk.tz) or 'for ever'}")


def approve_destruction(desk: kit.Desk, ref: str, *, actor: str | None,
                        at: str | None = None) -> dict[str, Any]:
    """The site manager signs the approval to destroy a due file, once."""
    with desk.write() as s:
        staff = kit.actor(s, actor)
        if staff is None:
            raise kit.DomainError("as", "an approval is signed: name the site manager (--as)")
        kit.require(staff, "approve a destruction: the site manager does", {"manager"})
        found = find_file(s, ref, lock=True)
        moment = kit.action_time(desk, at, not_before=last_event(found),
                                 what="the file's last event")
        _destroyable(desk, found, moment)
        if found.destruction_approved_by is not None:
            raise kit.TransitionRefused("file", f"file {found.number}: its destruction was "
                                        f"already approved by {found.destruction_approved_by}")
        found.destruction_approved_by, found.destruction_approved_at = staff.name, moment
        return file_view(desk, s, found, staff)


def destroy(desk: kit.Desk, ref: str, *, witness: str, reason: str, actor: str | None,
            at: str | None = None) -> dict[str, Any]:
    """Destroy an approved, due file's content before a witness; refused (nothing written)
    unless every rule holds. The content goes once the unit of work that registered the
    destruction has committed (when this call opened it; a caller's unit leaves the
    blobs for `purge`)."""
    if not reason.strip():
        raise kit.DomainError("reason", "a destruction needs its reason")
    owner = desk.work is None
    with desk.write() as s:
        keeper = require_keeper(s, actor, "destroy a file")
        if keeper is None:
            raise kit.DomainError("as", "name who destroys the file (--as STAFF)")
        seen = kit.get_staff(s, witness, "witness")
        found = find_file(s, ref, lock=True)
        if found.status == "destroyed":
            raise kit.TransitionRefused("file", f"file {found.number} was already destroyed")
        moment = kit.action_time(desk, at, not_before=last_event(found),
                                 what="the file's last event")
        _destroyable(desk, found, moment)
        approver = found.destruction_approved_by
        if approver is None:
            raise kit.TransitionRefused("file", f"file {found.number}: the site manager has "
                                        "not approved its destruction "
                                        "(archive approve-destruction)")
        if keeper.name == approver:
            raise kit.Forbidden("as", f"{keeper.name} approved this destruction: the keeper "
                                "carries it out, not the approver (nobody approves their "
                                "own act)")
        if seen.name in (approver, keeper.name):
            raise kit.DomainError("witness", "the witness is someone other than the approver "
                                  "and the person destroying")
        docs = list(s.scalars(select(ArchiveDocument).where(
            ArchiveDocument.file_id == found.id, ArchiveDocument.destroyed.is_(False))))
        unit = file_view(desk, s, found)["unit"]
        entry = ArchiveDestruction(
            file_number=found.number, unit=unit, reason=reason.strip(),
            documents=[{"id": d.id, "kind": d.kind, "title": d.title, "sha256": d.sha256}
                       for d in docs],
            approved_by=approver, witness=seen.name, destroyed_by=keeper.name,
            destroyed_at=moment)
        s.add(entry)
        for doc in docs:
            doc.destroyed = True
        found.status = "destroyed"
        s.flush()
        view = destruction_view(desk, entry)
    if owner:  # committed: a failed transaction would have kept the content
        purge(desk)
    return view


def purge(desk: kit.Desk) -> int:
    """Remove the blobs of destroyed documents that no kept document shares."""
    with desk.read() as s:
        gone = set(s.scalars(select(ArchiveDocument.sha256).where(
            ArchiveDocument.destroyed.is_(True))))
        kept = set(s.scalars(select(ArchiveDocument.sha256).where(
            ArchiveDocument.sha256.in_(gone), ArchiveDocument.destroyed.is_(False))))
    root = settings.store_dir(desk)
    removed = 0
    for sha in sorted(gone - kept):
        try:
            removed += store.remove(root, sha)
        except kit.DomainError:  # a digest that is not one names nothing in the store
            log.warning("archive purge: %r is not a blob of the store; nothing removed",
                        str(sha)[:80])
    return removed


def destruction_view(desk: kit.Desk, entry: ArchiveDestruction) -> dict[str, Any]:
    return {"id": entry.id, "file": entry.file_number, "unit": entry.unit,
            "documents": entry.documents, "reason": entry.reason,
            "approved_by": entry.approved_by, "witness": entry.witness,
            "destroyed_by": entry.destroyed_by,
            "destroyed_at": kit.show(entry.destroyed_at, desk.tz)}


def register(desk: kit.Desk, actor: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        require_keeper(s, actor, "read the destruction register")
        return [destruction_view(desk, e) for e in
                s.scalars(select(ArchiveDestruction).order_by(ArchiveDestruction.id))]


def audit(desk: kit.Desk, month: str, actor: str | None = None) -> dict[str, Any]:
    """The keeper's monthly audit: files due, files missing expected papers, loans out."""
    month = kit.parse_month(month)
    try:
        start = kit.parse_time(f"{month}-01T00:00", desk.tz, "month")
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    except (kit.DomainError, OverflowError, ValueError):
        raise kit.DomainError("month", f"use YYYY-MM, not {month!r}") from None
    now = desk.now()
    with desk.read() as s:
        staff = require_keeper(s, actor, "run the archive audit")
        files = list(s.scalars(select(ArchiveFile).order_by(ArchiveFile.number)))
        due = [file_view(desk, s, f, staff) for f in files if f.status == "former"
               and not f.legal_hold and f.retain_until is not None and f.retain_until < end]
        held = [file_view(desk, s, f, staff) for f in files if f.legal_hold]
        kinds: dict[int, set[str]] = {}
        for file_id, kind in s.execute(select(ArchiveDocument.file_id, ArchiveDocument.kind)
                                       .where(ArchiveDocument.destroyed.is_(False))):
            kinds.setdefault(file_id, set()).add(kind)
        missing = [{"file": f.number, "missing": [k for k in settings.EXPECTED_KINDS
                                                  if k not in kinds.get(f.id, set())]}
                   for f in files if f.status == "current"]
        loans = s.scalars(select(ArchiveRequest).where(ArchiveRequest.lent_at.is_not(None),
                                                       ArchiveRequest.returned_at.is_(None))
                          .order_by(ArchiveRequest.due_back))
        numbers = {f.id: f.number for f in files}
        open_loans = [{"request": r.id, "file": numbers.get(r.file_id), "requester": r.requester,
                       "lent_at": kit.show(r.lent_at, desk.tz),
                       "due_back": kit.show(r.due_back, desk.tz),
                       "overdue": r.due_back is not None and r.due_back < now} for r in loans]
    return {"month": month, "due": due, "held": held,
            "missing": [m for m in missing if m["missing"]], "open_loans": open_loans,
            "overdue": [loan for loan in open_loans if loan["overdue"]]}
