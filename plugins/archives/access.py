"""Access to content: requests, approvals by role, reads, loans, and the access log.

No content leaves the store without an approved request, whoever asks; each release
(view, download, copy, loan) writes exactly one row to the append-only access log, in
the same transaction that checked the approval and read the bytes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.desk import Desk
from core.directory import get_staff
from core.errors import DomainError, NotFound
from core.permissions import Forbidden
from core.times import show
from plugins.archives import settings, store
from plugins.archives.models import ArchiveAccess, ArchiveDocument, ArchiveFile, ArchiveRequest
from plugins.archives.service import KEEPERS, find_file, staff_of, when

#: what each approved purpose lets its holder do with the content
PERMITS = {"view": {"view", "download"}, "copy": {"view", "download", "copy"},
           "loan": {"view", "download"}}
READS = ("view", "download", "copy")
ROLE_LABELS = {"archivist": "档案管理员 archivist", "manager": "项目经理 site manager"}


def request_access(desk: Desk, ref: str, *, purpose: str, requester: str, reason: str,
                   requester_kind: str = "internal", organisation: str | None = None,
                   letter_ref: str | None = None, id_number: str | None = None,
                   document: int | None = None, actor: str | None = None,
                   at: str | None = None) -> dict[str, Any]:
    """Record a request; external ones must carry organisation, letter and ID number."""
    purpose = settings.PURPOSES.parse(purpose)
    kind = settings.REQUESTERS.parse(requester_kind)
    moment = when(desk, at)
    if not requester.strip():
        raise DomainError("requester", "who is asking?")
    for field, value, limit in (("requester", requester, 64), ("organisation", organisation, 128),
                                ("letter_ref", letter_ref, 64), ("id_number", id_number, 32)):
        if value and len(value.strip()) > limit:
            raise DomainError(field, f"at most {limit} characters")
    if not reason.strip():
        raise DomainError("reason", "a request needs a reason")
    if kind != "internal":
        for field, value in (("organisation", organisation), ("letter_ref", letter_ref),
                             ("id_number", id_number)):
            if not (value or "").strip():
                raise DomainError(field, f"an external ({kind}) request needs the requester's "
                                  f"{field.replace('_', ' ')}")
    with desk.write() as s:
        staff_of(s, actor)
        if kind == "internal":
            get_staff(s, requester, "requester")
        found = find_file(s, ref)
        if found.status == "destroyed":
            raise DomainError("file", f"file {found.number} was destroyed")
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
    """External requests and copies of important documents: the site manager; else the
    archivist (档案部门负责人)."""
    if req.requester_kind != "internal":
        return "manager"
    if req.purpose == "copy":
        query = select(ArchiveDocument.id).where(ArchiveDocument.important.is_(True))
        query = (query.where(ArchiveDocument.id == req.document_id) if req.document_id
                 else query.where(ArchiveDocument.file_id == req.file_id))
        if s.scalar(query.limit(1)) is not None:
            return "manager"
    return "archivist"


def decide(desk: Desk, request_id: int, *, approve: bool, actor: str | None,
           at: str | None = None) -> dict[str, Any]:
    moment = when(desk, at)
    with desk.write() as s:
        if not actor:
            raise DomainError("as", "an approval is signed: name the approver (--as STAFF)")
        staff = get_staff(s, actor, "as")
        req = _request(s, request_id)
        if req.status != "pending":
            raise DomainError("request", f"request {req.id} is already {req.status}")
        needed = approver_role(s, req)
        if staff.role != needed:
            raise Forbidden("as", f"{staff.name} ({staff.role}) may not decide request "
                            f"{req.id}: it needs the {ROLE_LABELS[needed]}")
        if req.requester_kind == "internal" and req.requester == staff.name:
            raise Forbidden("as", "nobody approves their own request")
        req.status = "approved" if approve else "refused"
        req.decided_by, req.decided_at = staff.name, moment
        if approve and req.purpose == "loan":
            req.due_back = moment + timedelta(days=settings.loan_days(desk))
        return request_view(desk, s, req)


def read(desk: Desk, request_id: int, document: int, *, action: str = "view",
         actor: str | None, at: str | None = None) -> tuple[dict[str, Any], bytes]:
    """Release one document's content under an approved request: one access row."""
    if action not in READS:
        raise DomainError("action", f"one of {', '.join(READS)}")
    moment = when(desk, at)
    with desk.write() as s:
        req = _request(s, request_id)
        staff = _holder(s, req, actor)
        if action not in PERMITS[req.purpose]:
            raise Forbidden("action", f"request {req.id} is for {req.purpose}, not {action}")
        doc = _document_in(s, req.file_id, document)
        if req.document_id is not None and req.document_id != doc.id:
            raise Forbidden("document", f"request {req.id} covers document {req.document_id}"
                            f" only")
        data = store.get(settings.store_dir(desk), doc.sha256)
        if data is None:
            raise DomainError("document", f"document {doc.id}: content missing or fails its "
                              "checksum (run: propdesk archive verify)")
        s.add(ArchiveAccess(file_id=req.file_id, request_id=req.id, document_id=doc.id,
                            action=action, actor=staff.name, at=moment))
        return {"id": doc.id, "title": doc.title, "filename": doc.filename}, data


def lend(desk: Desk, request_id: int, *, actor: str | None,
         at: str | None = None) -> dict[str, Any]:
    """Hand the file (or the document) out under an approved loan: one access row."""
    moment = when(desk, at)
    with desk.write() as s:
        req = _request(s, request_id)
        staff = _holder(s, req, actor, keeper=True)
        if req.purpose != "loan":
            raise Forbidden("request", f"request {req.id} is for {req.purpose}, not a loan")
        if req.lent_at is not None:
            raise DomainError("request", f"request {req.id} was already lent out")
        req.lent_at = moment
        s.add(ArchiveAccess(file_id=req.file_id, request_id=req.id, document_id=req.document_id,
                            action="loan", actor=staff.name, at=moment))
        return request_view(desk, s, req)


def return_loan(desk: Desk, request_id: int, *, actor: str | None,
                at: str | None = None) -> dict[str, Any]:
    moment = when(desk, at)
    with desk.write() as s:
        req = _request(s, request_id)
        staff = staff_of(s, actor)
        if staff is not None and staff.role not in KEEPERS:
            raise Forbidden("as", "the archivist or manager takes a loan back")
        if req.lent_at is None or req.returned_at is not None:
            raise DomainError("request", f"request {req.id} has no loan out")
        req.returned_at = moment
        return request_view(desk, s, req)


def _holder(s: Session, req: ArchiveRequest, actor: str | None, keeper: bool = False) -> Any:
    """Who may use an approved request: the internal requester, or a keeper handing it over."""
    if req.status != "approved":
        raise Forbidden("request", f"request {req.id} is {req.status}, not approved: "
                        "content is refused")
    if not actor:
        raise DomainError("as", "every access is logged: name who reads (--as STAFF)")
    staff = get_staff(s, actor, "as")
    if keeper or req.requester_kind != "internal":
        if staff.role not in KEEPERS:
            raise Forbidden("as", f"{staff.name} ({staff.role}): the archivist or manager "
                            "hands content over")
    elif staff.name != req.requester:
        raise Forbidden("as", f"request {req.id} is {req.requester}'s, not {staff.name}'s")
    return staff


def _request(s: Session, request_id: int) -> ArchiveRequest:
    req = s.get(ArchiveRequest, request_id)
    if req is None:
        raise NotFound("request", f"no request {request_id}")
    return req


def _document_in(s: Session, file_id: int, document: int) -> ArchiveDocument:
    doc = s.get(ArchiveDocument, document)
    if doc is None or doc.file_id != file_id:
        raise NotFound("document", f"no document {document} in this file")
    if doc.destroyed:
        raise DomainError("document", f"document {document} was destroyed")
    return doc


def request_view(desk: Desk, s: Session, req: ArchiveRequest) -> dict[str, Any]:
    found = s.get(ArchiveFile, req.file_id)
    return {"id": req.id, "file": found.number if found else None, "document": req.document_id,
            "purpose": req.purpose, "requester": req.requester,
            "requester_kind": req.requester_kind, "organisation": req.organisation,
            "letter_ref": req.letter_ref, "id_number": req.id_number, "reason": req.reason,
            "status": req.status, "requested_at": show(req.requested_at, desk.tz),
            "decided_by": req.decided_by, "decided_at": show(req.decided_at, desk.tz),
            "approver_role": approver_role(s, req), "due_back": show(req.due_back, desk.tz),
            "lent_at": show(req.lent_at, desk.tz), "returned_at": show(req.returned_at, desk.tz)}


def list_requests(desk: Desk, status: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        query = select(ArchiveRequest).order_by(ArchiveRequest.id)
        if status:
            query = query.where(ArchiveRequest.status == status)
        return [request_view(desk, s, r) for r in s.scalars(query)]


def access_report(desk: Desk, ref: str) -> list[dict[str, Any]]:
    """Every access to one file, in time order, with the request behind it."""
    with desk.read() as s:
        found = find_file(s, ref)
        rows = s.execute(select(ArchiveAccess, ArchiveRequest)
                         .join(ArchiveRequest, ArchiveRequest.id == ArchiveAccess.request_id)
                         .where(ArchiveAccess.file_id == found.id)
                         .order_by(ArchiveAccess.at, ArchiveAccess.id))
        return [{"at": show(a.at, desk.tz), "action": a.action, "actor": a.actor,
                 "document": a.document_id, "request": r.id, "requester": r.requester,
                 "requester_kind": r.requester_kind, "organisation": r.organisation,
                 "approved_by": r.decided_by} for a, r in rows]
