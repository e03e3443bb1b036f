"""Quote, consent and the work order (派工单) of a paid job, driven through the core ticket.

Each step checks everything before anything is written; ticket actions go through the core
service (its permissions, history and follow-up queue), this plugin's rows after them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import tickets
from core.directory import get_staff
from core.errors import DomainError, NotFound, TransitionRefused
from core.plugins import notify
from core.queries import show_ticket
from core.times import parse_time, show
from plugins.paid_services import decisions
from plugins.paid_services.models import Job, JobLine
from plugins.paid_services.money import line_amount, parse_quantity, parse_yuan, yuan
from plugins.paid_services.pricing import in_force

if TYPE_CHECKING:
    from core.desk import Desk

#: the in-home protocol (入户规范): what the technician confirms on arrival
CHECKLIST = {
    "id_shown": "出示工牌 identification shown",
    "shoe_covers": "穿鞋套 shoe covers worn",
    "mat": "铺垫布 mat laid down",
    "no_eating": "未吃业主食物 nothing eaten",
    "no_smoking": "未吸烟 no smoking",
    "nothing_used": "未用业主物品 nothing of the customer's used",
}


def _when(desk: Desk, at: str | datetime | None, field: str = "at") -> datetime:
    return parse_time(at, desk.tz, field) if at is not None else desk.now()


def _job(s: Session, ref: str) -> Job:
    job = s.scalar(select(Job).where((Job.number == ref) | (Job.ticket_number == ref)))
    if job is None:
        raise NotFound("job", f"no paid job {ref!r} (give the work-order or ticket number)")
    return job


def _need(job: Job, *states: str, doing: str) -> None:
    if job.status not in states:
        raise TransitionRefused("status", f"cannot {doing} {job.number}: it is {job.status}")


def _text(value: str | None, field: str, what: str) -> str:
    if not value or not value.strip():
        raise DomainError(field, what)
    return value.strip()


def quote(desk: Desk, ticket: str, items: Iterable[tuple[str, str]], *,
          actor: str | None = None, at: str | datetime | None = None) -> dict[str, Any]:
    """Quote labour from the list in force on the quote's day: [(code, quantity)]."""
    when = _when(desk, at)
    t = show_ticket(desk, ticket)
    if t["category"] != "paid_service":
        raise DomainError("ticket", f"{ticket} is a {t['category']}, not a paid service")
    wanted = [(code, parse_quantity(qty)) for code, qty in items]
    if not wanted:
        raise DomainError("item", "quote at least one price-list item (--item CODE=QTY)")
    day = when.astimezone(desk.tz).date()
    with desk.write() as s:
        if s.scalar(select(Job.id).where(Job.ticket_number == t["number"])):
            raise DomainError("ticket", f"{ticket} already has a quote")
        prices = [(in_force(s, code, day), qty) for code, qty in wanted]
        local = when.astimezone(desk.tz).strftime("%Y%m%d")
        serial = tickets.reserve(s, f"paid_job:{local}")
        job = Job(number=f"PS-{local}-{serial:04d}", ticket_number=t["number"],
                  unit_code=t["unit"], status="quoted", quoted_at=when,
                  quoted_by=actor or "operator", technicians=[], checklist={})
        s.add(job)
        s.flush()
        s.add_all(JobLine(job_id=job.id, kind="labour", price_item_id=p.id, code=p.code,
                          name=f"{p.name_zh} {p.name_en}", quantity=qty,
                          unit_price_fen=p.labour_fen, amount_fen=line_amount(p.labour_fen, qty))
                  for p, qty in prices)
        s.flush()
        return job_view(s, desk, job)


def accept(desk: Desk, ref: str, appointment: str, *, actor: str | None = None,
           at: str | datetime | None = None) -> dict[str, Any]:
    """The customer accepts the quote and agrees an appointment."""
    when, appt = _when(desk, at), parse_time(appointment, desk.tz, "appointment")
    with desk.write() as s:
        job = _job(s, ref)
        _need(job, "quoted", doing="accept")
        job.status, job.consent_at, job.appointment_at = "accepted", when, appt
        return job_view(s, desk, job)


def refuse(desk: Desk, ref: str, reason: str, *, free: bool = False, actor: str | None = None,
           at: str | datetime | None = None) -> dict[str, Any]:
    """The customer refuses the charge: listened to and recorded. `free`: reclassified as a
    warranty repair, the work continues free; otherwise the ticket closes as declined."""
    reason = _text(reason, "reason", "record why the customer refused the charge")
    when = _when(desk, at)
    with desk.read() as s:
        job = _job(s, ref)
        _need(job, "quoted", doing="refuse")
        number = job.ticket_number
    if free:
        tickets.reclassify(desk, number, f"charge refused, reclassified free: {reason}",
                           category="repair", actor=actor, at=when)
        decisions.record(desk, number, "warranty", f"reclassified after refusal: {reason}",
                         actor, when)
    else:
        owner = actor or show_ticket(desk, number)["owner"]
        tickets.dispatch(desk, number, owner, actor=actor, at=when, note="charge refused")
        tickets.start(desk, number, actor=actor, at=when)
        tickets.resolve(desk, number, f"declined (客户拒绝收费): {reason}", actor=actor, at=when)
        tickets.report(desk, number, True, actor=actor, at=when,
                       note="declined: the customer's refusal heard and recorded")
        tickets.close(desk, number, actor=actor, at=when)
    with desk.write() as s:
        job = _job(s, ref)
        job.status = "free" if free else "declined"
        job.consent_at, job.refusal_reason = when, reason
        return job_view(s, desk, job)


def issue(desk: Desk, ref: str, technicians: list[str], *, contractor: str | None = None,
          actor: str | None = None, at: str | datetime | None = None) -> dict[str, Any]:
    """Issue the work order to its technicians (the ticket is dispatched to the first)."""
    if not technicians:
        raise DomainError("technician", "name at least one technician")
    with desk.read() as s:
        job = _job(s, ref)
        _need(job, "accepted", doing="issue a work order for")
        staff = [get_staff(s, n.strip(), "technician") for n in technicians]
        number, dept = job.ticket_number, staff[0].department
    tickets.dispatch(desk, number, staff[0].name, actor=actor, at=at,
                     note="paid-service work order")
    with desk.write() as s:
        job = _job(s, ref)
        job.technicians = [x.name for x in staff]
        job.contractor = (contractor or dept or staff[0].name).strip()
        job.status = "issued"
        return job_view(s, desk, job)


def confirm_call(desk: Desk, ref: str, note: str, *, actor: str | None = None,
                 at: str | datetime | None = None) -> dict[str, Any]:
    """The phone call before leaving (上门前电话确认), logged on the ticket."""
    note = _text(note, "note", "say what the customer confirmed")
    when = _when(desk, at)
    with desk.read() as s:
        job = _job(s, ref)
        _need(job, "issued", doing="confirm the visit of")
        number = job.ticket_number
    tickets.contact(desk, number, f"上门前电话确认 call before leaving: {note}", actor=actor,
                    at=when)
    with desk.write() as s:
        job = _job(s, ref)
        job.phone_confirmed_at = when
        return job_view(s, desk, job)


def arrive(desk: Desk, ref: str, checklist: Iterable[str], *, actor: str | None = None,
           at: str | datetime | None = None) -> dict[str, Any]:
    """Arrival and the in-home checklist (items not named are recorded as not done)."""
    done = {c.strip() for c in checklist if c.strip()}
    unknown = done - CHECKLIST.keys()
    if unknown:
        raise DomainError("check", f"unknown checklist item(s) {sorted(unknown)}; "
                          f"one of: {', '.join(CHECKLIST)}")
    when = _when(desk, at)
    with desk.read() as s:
        job = _job(s, ref)
        _need(job, "issued", doing="arrive for")
        if job.phone_confirmed_at is None:
            raise TransitionRefused("call", "call the customer before leaving "
                                    "(paid confirm-call) and log it first")
        number = job.ticket_number
    tickets.start(desk, number, actor=actor, at=when)
    with desk.write() as s:
        job = _job(s, ref)
        job.arrived_at, job.status = when, "on_site"
        job.checklist = {k: k in done for k in CHECKLIST}
        return job_view(s, desk, job)


def record_work(desk: Desk, ref: str, *, work_done: str, cause: str, care_advice: str,
                materials: Iterable[tuple[str, str, str]] = (),
                actor: str | None = None) -> dict[str, Any]:
    """Work done, its cause and care advice, materials used [(name, qty, unit price yuan)]."""
    work_done = _text(work_done, "work_done", "say what was done")
    cause = _text(cause, "cause", "explain the cause to the customer")
    care = _text(care_advice, "care_advice", "give the customer care advice")
    lines = []
    for name, qty, price in materials:
        q, fen = parse_quantity(qty), parse_yuan(price, "material_price")
        lines.append((_text(name, "material", "name the material"), q, fen))
    with desk.write() as s:
        job = _job(s, ref)
        _need(job, "on_site", doing="record work on")
        job.work_done, job.cause, job.care_advice = work_done, cause, care
        s.add_all(JobLine(job_id=job.id, kind="material", name=n, quantity=q,
                          unit_price_fen=fen, amount_fen=line_amount(fen, q))
                  for n, q, fen in lines)
        s.flush()
        return job_view(s, desk, job)


def sign(desk: Desk, ref: str, name: str, image_ref: str, *,
         at: str | datetime | None = None) -> dict[str, Any]:
    """The customer signs the work order (name, time, reference of the signature image)."""
    name = _text(name, "name", "the name of the customer who signs")
    image_ref = _text(image_ref, "image", "the reference of the signature image")
    when = _when(desk, at)
    with desk.write() as s:
        job = _job(s, ref)
        _need(job, "on_site", doing="sign")
        if not job.work_done:
            raise TransitionRefused("work_done", "record the work before the customer signs")
        job.signed_name, job.signed_at, job.signature_ref = name, when, image_ref
        return job_view(s, desk, job)


def complete(desk: Desk, ref: str, *, actor: str | None = None,
             at: str | datetime | None = None) -> dict[str, Any]:
    """Complete the job: refused without the customer's signature; resolves the ticket, which
    puts it in the core follow-up queue (paid services: 100 %, within 1 working day)."""
    when = _when(desk, at)
    with desk.read() as s:
        job = _job(s, ref)
        _need(job, "on_site", doing="complete")
        if not job.signed_at:
            raise TransitionRefused("signature", f"{job.number} is not signed by the customer: "
                                    "no completion without a signature (paid sign)")
        number, result = job.ticket_number, job.work_done or ""
    tickets.resolve(desk, number, result, actor=actor, at=when)
    with desk.write() as s:
        job = _job(s, ref)
        job.status, job.completed_at = "completed", when
        view = job_view(s, desk, job)
    if view["unit"]:  # the signed work order belongs in the household's file (客户档案)
        notify(desk, "archive_record_offered", record={
            "unit": view["unit"], "kind": "daily", "title": f"有偿服务派工单 {view['number']}",
            "at": view["completed_at"], "source": "paid_services",
            "data": {k: view[k] for k in ("number", "ticket", "total_fen", "work_done",
                                          "signed_name", "signature_ref", "technicians")}})
    return view


def totals(s: Session, job: Job) -> dict[str, int]:
    lines = s.scalars(select(JobLine).where(JobLine.job_id == job.id)).all()
    labour = sum(x.amount_fen for x in lines if x.kind == "labour")
    materials = sum(x.amount_fen for x in lines if x.kind == "material")
    return {"labour_fen": labour, "materials_fen": materials, "total_fen": labour + materials}


def job_view(s: Session, desk: Desk, job: Job) -> dict[str, Any]:
    from plugins.paid_services.payments import paid_fen

    lines = s.scalars(select(JobLine).where(JobLine.job_id == job.id)
                      .order_by(JobLine.id)).all()
    sums = totals(s, job) if job.status not in ("free", "declined") else \
        {"labour_fen": 0, "materials_fen": 0, "total_fen": 0}
    tz = desk.tz
    return {
        "number": job.number, "ticket": job.ticket_number, "unit": job.unit_code,
        "status": job.status, "quoted_at": show(job.quoted_at, tz), "quoted_by": job.quoted_by,
        "consent_at": show(job.consent_at, tz), "refusal_reason": job.refusal_reason,
        "appointment_at": show(job.appointment_at, tz), "technicians": job.technicians,
        "contractor": job.contractor, "phone_confirmed_at": show(job.phone_confirmed_at, tz),
        "arrived_at": show(job.arrived_at, tz), "checklist": job.checklist,
        "work_done": job.work_done, "cause": job.cause, "care_advice": job.care_advice,
        "signed_name": job.signed_name, "signed_at": show(job.signed_at, tz),
        "signature_ref": job.signature_ref, "completed_at": show(job.completed_at, tz),
        "lines": [{"kind": x.kind, "code": x.code, "name": x.name,
                   "quantity": str(x.quantity), "unit_price_fen": x.unit_price_fen,
                   "amount_fen": x.amount_fen, "amount": yuan(x.amount_fen)} for x in lines],
        **sums, "total": yuan(sums["total_fen"]), "paid_fen": paid_fen(s, job),
    }


def show_job(desk: Desk, ref: str) -> dict[str, Any]:
    with desk.read() as s:
        return job_view(s, desk, _job(s, ref))
