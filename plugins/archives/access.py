"""Access to content: requests, approvals by role, reads, loans, and the access log.

No content leaves the store without an approved request, whoever asks; each release
(view, download, copy, loan) writes exactly one row to the append-only access log, in
the same transaction that checked the approval and read the bytes. Every decision on a
request (approve, refuse, lend, return) locks the request's row and checks its state in
the unit of work that changes it: sent ten times at once, it takes effect once and the
other nine are refused (409).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import kit
from plugins.archives import settings, store
from plugins.archives.models import (
    ArchiveAccess,
    ArchiveBackup,
    ArchiveDocument,
    ArchiveFile,
    ArchiveRequest,
)
from plugins.archives.service import KEEPERS, find_file, locked, require_keeper

#: what each approved purpose lets its holder do with the content
PERMITS = {"view": {"view", "download"}, "copy": {"view", "download", "copy"},
           "loan": {"view", "download"}}
READS = ("view", "download", "copy")
ROLE_LABELS = {"archivist": "档案管理员 archivist", "manager": "项目经理 site manager"}
#: the site's people, who may ask for a household's file and read under their own approved
#: request; the integrator and the trainer have no business with households' papers
READERS = frozenset({"frontdesk", "technician", "supervisor", "manager", "archivist",
                     "custodian"})
#: keys of a filed record (a ticket's handling record) that hold an owner's phone number
PHONE_KEYS = frozenset({"phone", "contact_phone", "owner_phone"})


def request_access(desk: kit.Desk, ref: str, *, purpose: str, requester: str, reason: str,
                   requester_kind: str = "internal", organisation: str | None = None,
                   letter_ref: str | None = None, id_number: str | None = None,
                   document: int | None = None, actor: str | None = None,
                   at: str | None = None) -> dict[str, Any]:
    """Record a request; external ones must carry organisation, letter and ID number.
    Any staff member may file one (it releases nothing until approved)."""
    purpose = settings.PURPOSES.parse(purpose)
    kind = settings.REQUESTERS.parse(requester_kind)
    if not requester.strip():
        raise kit.DomainError("requester", "who is asking?")
    for field, value, limit in (("requester", requester, 64), ("organisation", organisation, 128),
                                ("letter_ref", letter_ref, 64), ("id_number", id_number, 32)):
        if value and len(value.strip()) > limit:
            raise kit.DomainError(field, f"at most {limit} characters")
    if not reason.strip():
        raise kit.DomainError("reason", "a request needs a reason")
    if kind != "internal":
        for field, value in (("organisation", organisation), ("letter_ref", letter_ref),
                             ("id_number", id_number)):
            if not (value or "").strip():
                raise kit.DomainError(field, f"an external ({kind}) request needs the "
                                      f"requester's {field.replace('_', ' ')}")
    with desk.write() as s:
        kit.require(kit.actor(s, actor), "ask for a household's file (site staff only)",
                    READERS)
        if kind == "internal":
            kit.get_staff(s, requester, "requester")
        found = find_file(s, ref)
        moment = kit.action_time(desk, at, not_before=found.opened_at,
                                 what="the file's opening")
        if found.status == "destroyed":
            raise kit.TransitionRefused("file", f"file {found.number} was destroyed")
        if document is not None:
            _document_in(s, found.id, document)
        req = ArchiveRequest(file_id=found.id, document_id=document, purpose=purpose,
                             requester=requester.strip(), requester_kind=kind,
                             organisation=(organisation or "").strip() or None,
                             letter_ref=(letter_ref or "").strip() or None,
                             id_number=(id_number or "").strip() or None,
                             reason=reason.strip(), status="pending", requested_at=moment,
                             recorded_by=actor)
        s.add(req)
        s.flush()
        return request_view(desk, s, req)


def approver_role(s: Session, req: ArchiveRequest) -> str:
    """External requests, loans (借阅必须由项目经理签字) and copies of important documents:
    the site manager; else the archivist (档案部门负责人)."""
    if req.requester_kind != "internal" or req.purpose == "loan":
        return "manager"
    if req.purpose == "copy":
        query = select(ArchiveDocument.id).where(ArchiveDocument.important.is_(True))
        query = (query.where(ArchiveDocument.id == req.document_id) if req.document_id
                 else query.where(ArchiveDocument.file_id == req.file_id))
        if s.scalar(query.limit(1)) is not None:
            return "manager"
    return "archivist"


def decide(desk: kit.Desk, request_id: int, *, approve: bool, actor: str | None,
           at: str | None = None) -> dict[str, Any]:
    """Approve or refuse a pending request, signed by the role it needs, never before it
    was made; a request already decided is refused (409)."""
    with desk.write() as s:
        staff = kit.actor(s, actor)
        if staff is None:
            raise kit.DomainError("as", "an approval is signed: name the approver (--as STAFF)")
        kit.require(staff, "decide access requests (archivist or manager only)", KEEPERS)
        req = _request(s, request_id, lock=True)
        needed = approver_role(s, req)
        if staff.role != needed:
            raise kit.Forbidden("as", f"{staff.name} ({staff.role}) may not decide request "
                                f"{req.id}: it needs the {ROLE_LABELS[needed]}")
        if staff.name in _askers(req):
            raise kit.Forbidden("as", f"{staff.name} asked for request {req.id}: nobody "
                                "approves their own request")
        if req.status != "pending":
            raise kit.TransitionRefused("request", f"request {req.id} is already {req.status}"
                                        f" (by {req.decided_by})")
        moment = kit.action_time(desk, at, not_before=req.requested_at,
                                 what="the request it approves")
        req.status = "approved" if approve else "refused"
        req.decided_by, req.decided_at = staff.name, moment
        if approve and req.purpose == "loan":
            req.due_back = moment + timedelta(days=settings.loan_days(desk))
        return request_view(desk, s, req)


def _askers(req: ArchiveRequest) -> set[str]:
    """Who asked: the internal requester (who alone reads under it); for an external
    request, the staff member who took in the letter and recorded it (a keeper hands the
    content over under it, so that keeper may not also approve it)."""
    if req.requester_kind == "internal":
        return {req.requester}
    return {req.recorded_by} if req.recorded_by else set()


def read(desk: kit.Desk, request_id: int, document: int, *, action: str = "view",
         actor: str | None, at: str | None = None) -> tuple[dict[str, Any], bytes]:
    """Release one document's content under an approved request: one access row. A filed
    record (JSON) shows owners' phone numbers only to roles that see phones."""
    if action not in READS:
        raise kit.DomainError("action", f"one of {', '.join(READS)}")
    with desk.write() as s:
        staff = kit.actor(s, actor)
        kit.require(staff, "read household files (site staff only)", READERS)
        req = _request(s, request_id, lock=True)
        staff = _holder(req, staff)
        if action not in PERMITS[req.purpose]:
            raise kit.Forbidden("action", f"request {req.id} is for {req.purpose}, not {action}")
        doc = _document_in(s, req.file_id, document)
        if req.document_id is not None and req.document_id != doc.id:
            raise kit.Forbidden("document", f"request {req.id} covers document "
                                f"{req.document_id} only")
        moment = kit.action_time(desk, at, not_before=req.decided_at,
                                 what="the approval it uses")
        data = store.get(settings.store_dir(desk), doc.sha256)
        if data is None:
            raise kit.DomainError("document", f"document {doc.id}: content missing or fails "
                                  "its checksum (run: propdesk archive verify)")
        s.add(ArchiveAccess(file_id=req.file_id, request_id=req.id, document_id=doc.id,
                            action=action, actor=staff.name, at=moment))
        if not kit.sees_phones(staff) and doc.filename.endswith(".json"):
            data = masked_record(data)
        return {"id": doc.id, "title": doc.title, "filename": doc.filename}, data


def masked_record(data: bytes) -> bytes:
    """A filed record with every phone number masked (138****5678)."""
    try:
        record = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return data

    def mask(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: kit.mask_phone(v) if k in PHONE_KEYS and isinstance(v, str)
                    else mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        return value
    return json.dumps(mask(record), ensure_ascii=False, indent=2, sort_keys=True).encode()


def lend(desk: kit.Desk, request_id: int, *, actor: str | None,
         at: str | None = None) -> dict[str, Any]:
    """Hand the file (or the document) out under an approved loan: one access row; a loan
    already handed out is refused (409)."""
    with desk.write() as s:
        keeper = require_keeper(s, actor, "hand out a loan")
        req = _request(s, request_id, lock=True)
        staff = _holder(req, keeper, keeper=True)
        if req.purpose != "loan":
            raise kit.Forbidden("request", f"request {req.id} is for {req.purpose}, not a loan")
        if req.lent_at is not None:
            raise kit.TransitionRefused("request", f"request {req.id} was already lent out")
        moment = kit.action_time(desk, at, not_before=req.decided_at,
                                 what="the approval of the loan")
        req.lent_at = moment
        s.add(ArchiveAccess(file_id=req.file_id, request_id=req.id, document_id=req.document_id,
                            action="loan", actor=staff.name, at=moment))
        return request_view(desk, s, req)


def return_loan(desk: kit.Desk, request_id: int, *, actor: str | None,
                at: str | None = None) -> dict[str, Any]:
    """A keeper takes a loan back, never before it went out; once (409 after)."""
    with desk.write() as s:
        require_keeper(s, actor, "take a loan back")
        req = _request(s, request_id, lock=True)
        if req.lent_at is None or req.returned_at is not None:
            raise kit.TransitionRefused("request", f"request {req.id} has no loan out")
        req.returned_at = kit.action_time(desk, at, not_before=req.lent_at,
                                          what="the loan it ends")
        return request_view(desk, s, req)


def _holder(req: ArchiveRequest, staff: kit.Staff | None,
            keeper: bool = False) -> kit.Staff:
    """Who may use an approved request: the internal requester, or a keeper handing it over."""
    if req.status != "approved":
        raise kit.Forbidden("request", f"request {req.id} is {req.status}, not approved: "
                            "content is refused")
    if staff is None:
        raise kit.DomainError("as", "every access is logged: name who reads (--as STAFF)")
    if keeper or req.requester_kind != "internal":
        if staff.role not in KEEPERS:
            raise kit.Forbidden("as", f"{staff.name} ({staff.role}): the archivist or manager "
                                "hands content over")
    elif staff.name != req.requester:
        raise kit.Forbidden("as", f"request {req.id} is {req.requester}'s, not {staff.name}'s")
    return staff


def _request(s: Session, request_id: int, lock: bool = False) -> ArchiveRequest:
    req = locked(s, ArchiveRequest, request_id) if lock else s.get(ArchiveRequest, request_id)
    if req is None:
        raise kit.NotFound("request", f"no request {request_id}")
    return req


def _document_in(s: Session, file_id: int, document: int) -> ArchiveDocument:
    doc = s.get(ArchiveDocument, document)
    if doc is None or doc.file_id != file_id:
        raise kit.NotFound("document", f"no document {document} in this file")
    if doc.destroyed:
        raise kit.DomainError("document", f"document {document} was destroyed")
    return doc


def request_view(desk: kit.Desk, s: Session, req: ArchiveRequest) -> dict[str, Any]:
    found = s.get(ArchiveFile, req.file_id)
    tz = desk.tz
    return {"id": req.id, "file": found.number if found else None, "document": req.document_id,
            "purpose": req.purpose, "requester": req.requester,
            "requester_kind": req.requester_kind, "organisation": req.organisation,
            "letter_ref": req.letter_ref, "id_number": req.id_number, "reason": req.reason,
            "status": req.status, "requested_at": kit.show(req.requested_at, tz),
            "decided_by": req.decided_by, "decided_at": kit.show(req.decided_at, tz),
            "approver_role": approver_role(s, req), "due_back": kit.show(req.due_back, tz),
            "lent_at": kit.show(req.lent_at, tz), "returned_at": kit.show(req.returned_at, tz)}


def list_requests(desk: kit.Desk, status: str | None = None,
                  actor: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        require_keeper(s, actor, "list access requests")
        query = select(ArchiveRequest).order_by(ArchiveRequest.id)
        if status:
            query = query.where(ArchiveRequest.status == status)
        return [request_view(desk, s, r) for r in s.scalars(query)]


def access_report(desk: kit.Desk, ref: str, actor: str | None = None) -> list[dict[str, Any]]:
    """Every access to one file, in time order, with the request (or the backup) behind it."""
    with desk.read() as s:
        require_keeper(s, actor, "read a file's access log")
        found = find_file(s, ref)
        rows = s.execute(select(ArchiveAccess, ArchiveRequest, ArchiveBackup)
                         .outerjoin(ArchiveRequest, ArchiveRequest.id == ArchiveAccess.request_id)
                         .outerjoin(ArchiveBackup, ArchiveBackup.id == ArchiveAccess.backup_id)
                         .where(ArchiveAccess.file_id == found.id)
                         .order_by(ArchiveAccess.at, ArchiveAccess.id))
        out = []
        for a, r, b in rows:
            row = {"at": kit.show(a.at, desk.tz), "action": a.action, "actor": a.actor,
                   "document": a.document_id, "request": r.id if r else None,
                   "requester": r.requester if r else b.requested_by if b else None,
                   "requester_kind": r.requester_kind if r else "internal",
                   "organisation": r.organisation if r else None,
                   "approved_by": r.decided_by if r else b.decided_by if b else None}
            if b is not None:
                row["backup"], row["destination"] = b.id, b.destination
            out.append(row)
        return out
