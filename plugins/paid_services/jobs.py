"""Quote, consent and the work order (派工单) of a paid job, driven through the core ticket.

Each step is one unit of work: the job row is locked, who may and when are checked, then
the ticket action (the core's permissions, history and follow-up queue) and this plugin's
rows are written together, or nothing is. The same step sent twice at once runs once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import kit
from plugins.paid_services import decisions
from plugins.paid_services.models import Job, JobLine
from plugins.paid_services.money import line_amount, parse_quantity, parse_yuan
from plugins.paid_services.pricing import in_force
from plugins.paid_services.records import (
    FIELD,
    find,
    job_view,
    last_step,
    need,
    on_the_job,
    text,
    who,
)

if TYPE_CHECKING:
    from core.kit import Desk

#: the in-home protocol (入户规范): what the technician confirms on arrival
CHECKLIST = {
    "id_shown": "出示工牌 identification shown",
    "shoe_covers": "穿鞋套 shoe covers worn",
    "mat": "铺垫布 mat laid down",
    "no_eating": "未吃业主食物 nothing eaten",
    "no_smoking": "未吸烟 no smoking",
    "nothing_used": "未用业主物品 nothing of the customer's used",
}


def quote(desk: Desk, ticket: str, items: Iterable[tuple[str, str]], *,
          actor: str | None = None, at: str | datetime | None = None) -> dict[str, Any]:
    """Quote labour from the list in force on the quote's day: [(code, quantity)]."""
    wanted = [(code, parse_quantity(qty)) for code, qty in items]
    if not wanted:
        raise kit.DomainError("item", "quote at least one price-list item (--item CODE=QTY)")
    with desk.write() as s:
        who(s, actor, "quote a paid service", kit.DESK)
        # the ticket's row locked (its id alone: no outer joins under FOR UPDATE), so two
        # quotes of one ticket at once queue and the second is told it is quoted
        tid = s.scalar(kit.lock(select(kit.Ticket.id).where(
            kit.Ticket.number == ticket.strip())))
        if tid is None:
            raise kit.NotFound("ticket", f"no ticket {ticket!r}")
        t = s.get_one(kit.Ticket, tid)
        if t.category != "paid_service":
            raise kit.TransitionRefused("ticket",
                                        f"{t.number} is a {t.category}, not a paid service")
        if s.scalar(select(Job.id).where(Job.ticket_number == t.number)):
            raise kit.Conflict("ticket", f"{t.number} already has a quote")
        when = kit.action_time(desk, at, not_before=t.received_at, what="the ticket's intake")
        day = when.astimezone(desk.tz).date()
        prices = [(in_force(s, code, day), qty) for code, qty in wanted]
        local = when.astimezone(desk.tz).strftime("%Y%m%d")
        serial = kit.reserve(s, f"paid_job:{local}")
        job = Job(number=f"PS-{local}-{serial:04d}", ticket_number=t.number,
                  unit_code=t.unit.code if t.unit else None, status="quoted", quoted_at=when,
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
    with desk.write() as s:
        who(s, actor, "take a customer's consent", kit.DESK)
        job = find(s, ref, lock=True)
        need(job, "quoted", doing="accept")
        when = kit.action_time(desk, at, not_before=last_step(job), what="the quote")
        appt = kit.parse_time(appointment, desk.tz, "appointment")
        if appt < when:
            raise kit.DomainError("appointment", "the appointment cannot be before the "
                                  "customer agreed to it")
        job.status, job.consent_at, job.appointment_at = "accepted", when, appt
        return job_view(s, desk, job)


def refuse(desk: Desk, ref: str, reason: str, *, free: bool = False, actor: str | None = None,
           at: str | datetime | None = None) -> dict[str, Any]:
    """The customer refuses the charge: listened to and recorded. `free`: reclassified as a
    warranty repair, the work continues free; otherwise the ticket is closed as withdrawn
    (one `withdrawn` event: no work is recorded that was never done)."""
    reason = text(reason, "reason", "record why the customer refused the charge")
    with desk.write() as s:
        who(s, actor, "record a refused charge", kit.DESK)
        job = find(s, ref, lock=True)
        need(job, "quoted", doing="refuse")
        when = kit.action_time(desk, at, not_before=last_step(job), what="the quote")
        # the job first: the veto sees an uncharged job and lets the ticket action through
        job.status = "free" if free else "declined"
        job.consent_at, job.refusal_reason = when, reason
        s.flush()
        if free:
            kit.tickets.reclassify(desk, job.ticket_number, "charge refused, reclassified "
                                   f"free: {reason}", category="repair", actor=actor, at=when)
            decisions.record(desk, job.ticket_number, "warranty",
                             f"reclassified after refusal: {reason}", actor, when)
        else:
            kit.tickets.withdraw(desk, job.ticket_number, f"客户拒绝收费 charge refused: "
                                 f"{reason}", actor=actor, at=when)
        return job_view(s, desk, job)


def issue(desk: Desk, ref: str, technicians: list[str], *, contractor: str | None = None,
          actor: str | None = None, at: str | datetime | None = None) -> dict[str, Any]:
    """Issue the work order to its technicians (the ticket is dispatched to the first)."""
    if not technicians:
        raise kit.DomainError("technician", "name at least one technician")
    with desk.write() as s:
        who(s, actor, "issue a work order", kit.DESK)
        job = find(s, ref, lock=True)
        need(job, "accepted", doing="issue a work order for")
        when = kit.action_time(desk, at, not_before=last_step(job), what="the consent")
        staff = [kit.get_staff(s, n.strip(), "technician") for n in technicians]
        kit.tickets.dispatch(desk, job.ticket_number, staff[0].name, actor=actor, at=when,
                             note="paid-service work order")
        job.technicians = [x.name for x in staff]
        job.contractor = (contractor or staff[0].department or staff[0].name).strip()
        job.status = "issued"
        return job_view(s, desk, job)


def confirm_call(desk: Desk, ref: str, note: str, *, actor: str | None = None,
                 at: str | datetime | None = None) -> dict[str, Any]:
    """The phone call before leaving (上门前电话确认), logged on the ticket."""
    note = text(note, "note", "say what the customer confirmed")
    with desk.write() as s:
        staff = who(s, actor, "log the call before a visit", FIELD)
        job = find(s, ref, lock=True)
        need(job, "issued", doing="confirm the visit of")
        on_the_job(staff, job, "log its call")
        when = kit.action_time(desk, at, not_before=last_step(job), what="the job's last step")
        kit.tickets.contact(desk, job.ticket_number, f"上门前电话确认 call before leaving: "
                            f"{note}", actor=actor, at=when)
        job.phone_confirmed_at = when
        return job_view(s, desk, job)


def arrive(desk: Desk, ref: str, checklist: Iterable[str], *, actor: str | None = None,
           at: str | datetime | None = None) -> dict[str, Any]:
    """Arrival and the in-home checklist (items not named are recorded as not done)."""
    done = {c.strip() for c in checklist if c.strip()}
    unknown = done - CHECKLIST.keys()
    if unknown:
        raise kit.DomainError("check", f"unknown checklist item(s) {sorted(unknown)}; "
                              f"one of: {', '.join(CHECKLIST)}")
    with desk.write() as s:
        staff = who(s, actor, "record an arrival", FIELD)
        job = find(s, ref, lock=True)
        need(job, "issued", doing="arrive for")
        on_the_job(staff, job, "arrive for it")
        if job.phone_confirmed_at is None:
            raise kit.TransitionRefused("call", "call the customer before leaving "
                                        "(paid confirm-call) and log it first")
        when = kit.action_time(desk, at, not_before=last_step(job), what="the call before "
                               "leaving")
        kit.tickets.start(desk, job.ticket_number, actor=actor, at=when)
        job.arrived_at, job.status = when, "on_site"
        job.checklist = {k: k in done for k in CHECKLIST}
        return job_view(s, desk, job)


def record_work(desk: Desk, ref: str, *, work_done: str, cause: str, care_advice: str,
                materials: Iterable[tuple[str, str, str]] = (),
                actor: str | None = None) -> dict[str, Any]:
    """Work done, its cause and care advice, materials used [(name, qty, unit price yuan)]."""
    work_done = text(work_done, "work_done", "say what was done")
    cause = text(cause, "cause", "explain the cause to the customer")
    care = text(care_advice, "care_advice", "give the customer care advice")
    lines = []
    for name, qty, price in materials:
        q, fen = parse_quantity(qty), parse_yuan(price, "material_price")
        lines.append((text(name, "material", "name the material"), q, fen))
    with desk.write() as s:
        staff = who(s, actor, "record the work of a job", FIELD)
        job = find(s, ref, lock=True)
        need(job, "on_site", doing="record work on")
        on_the_job(staff, job, "record its work")
        if job.signed_at is not None:
            raise kit.TransitionRefused("signature", f"{job.number} is signed: the signed "
                                        "work order is not changed")
        job.work_done, job.cause, job.care_advice = work_done, cause, care
        s.add_all(JobLine(job_id=job.id, kind="material", name=n, quantity=q,
                          unit_price_fen=fen, amount_fen=line_amount(fen, q))
                  for n, q, fen in lines)
        s.flush()
        return job_view(s, desk, job)


def sign(desk: Desk, ref: str, name: str, image_ref: str, *, actor: str | None = None,
         at: str | datetime | None = None) -> dict[str, Any]:
    """The customer signs the work order (name, time, reference of the signature image)."""
    name = text(name, "name", "the name of the customer who signs")
    image_ref = text(image_ref, "image", "the reference of the signature image")
    with desk.write() as s:
        staff = who(s, actor, "take the customer's signature", FIELD)
        job = find(s, ref, lock=True)
        need(job, "on_site", doing="sign")
        on_the_job(staff, job, "take its signature")
        if not job.work_done:
            raise kit.TransitionRefused("work_done", "record the work before the customer "
                                        "signs")
        if job.signed_at is not None:
            raise kit.Conflict("signature", f"{job.number} is already signed")
        when = kit.action_time(desk, at, not_before=last_step(job), what="the arrival")
        job.signed_name, job.signed_at, job.signature_ref = name, when, image_ref
        return job_view(s, desk, job)


def complete(desk: Desk, ref: str, *, actor: str | None = None,
             at: str | datetime | None = None) -> dict[str, Any]:
    """Complete the job: refused without the customer's signature; resolves the ticket, which
    puts it in the core follow-up queue (paid services: 100 %, within 1 working day)."""
    with desk.write() as s:
        staff = who(s, actor, "complete a job", FIELD)
        job = find(s, ref, lock=True)
        need(job, "on_site", doing="complete")
        on_the_job(staff, job, "complete it")
        if not job.signed_at:
            raise kit.TransitionRefused("signature", f"{job.number} is not signed by the "
                                        "customer: no completion without a signature "
                                        "(paid sign)")
        when = kit.action_time(desk, at, not_before=last_step(job), what="the signature")
        # completed first, in this unit: the plugin's veto lets this resolution through
        job.status, job.completed_at = "completed", when
        s.flush()
        kit.tickets.resolve(desk, job.ticket_number, job.work_done or "", actor=actor, at=when)
        view = job_view(s, desk, job)
        if view["unit"]:  # the signed work order belongs in the household's file (客户档案)
            desk.notify("archive_record_offered", record={
                "unit": view["unit"], "kind": "daily",
                "title": f"有偿服务派工单 {view['number']}", "at": view["completed_at"],
                "source": "paid_services",
                "data": {k: view[k] for k in ("number", "ticket", "total_fen", "work_done",
                                              "signed_name", "signature_ref", "technicians")}})
        return view


def show_job(desk: Desk, ref: str, *, actor: str | None = None) -> dict[str, Any]:
    with desk.read() as s:
        who(s, actor, "read paid jobs", FIELD)
        return job_view(s, desk, find(s, ref))
