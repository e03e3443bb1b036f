"""What every paid-job step shares: finding (and locking) the job, who may act, the job's
last step for the time rule, its totals and its view.

Kept apart from the steps so that jobs, payments, scoring and the veto read a job the same
way without importing each other (no import circle).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import kit
from plugins.paid_services.models import Job, JobLine, Payment
from plugins.paid_services.money import yuan

if TYPE_CHECKING:
    from core.kit import Desk, Staff

#: who works on the job in the home besides the desk: technicians
FIELD = kit.DESK | {"technician"}
#: a job in one of these states charges nothing: its ticket is an ordinary one again
UNCHARGED = frozenset({"free", "declined"})


def find(s: Session, ref: str, *, lock: bool = False) -> Job:
    """The job by work-order or ticket number; `lock`: row-locked until the unit commits,
    so the same step sent twice at once runs once and the second sees what the first did."""
    q = select(Job).where((Job.number == ref.strip()) | (Job.ticket_number == ref.strip()))
    job = s.scalar(kit.lock(q) if lock else q)
    if job is None:
        raise kit.NotFound("job", f"no paid job {ref!r} (give the work-order or ticket number)")
    return job


def of_ticket(s: Session, number: str) -> Job | None:
    return s.scalar(select(Job).where(Job.ticket_number == number))


def who(s: Session, actor: str | None, what: str, roles: frozenset[str] | set[str]
        ) -> Staff | None:
    """The acting staff member (None: the site operator), refused unless in `roles`."""
    staff = kit.actor(s, actor)
    kit.require(staff, what, roles)
    return staff


def on_the_job(staff: Staff | None, job: Job, what: str) -> None:
    """A technician works only on the work orders issued to them."""
    if staff is not None and staff.role == "technician" and staff.name not in job.technicians:
        raise kit.Forbidden("as", f"{staff.name} is not on work order {job.number}: "
                            f"may not {what}")


def need(job: Job, *states: str, doing: str) -> None:
    if job.status not in states:
        raise kit.TransitionRefused("status", f"cannot {doing} {job.number}: it is {job.status}")


def text(value: str | None, field: str, what: str) -> str:
    if not value or not value.strip():
        raise kit.DomainError(field, what)
    return value.strip()


def last_step(job: Job) -> datetime:
    """The time of the job's latest recorded step: a new step cannot be dated before it."""
    steps = (job.quoted_at, job.consent_at, job.phone_confirmed_at, job.arrived_at,
             job.signed_at, job.completed_at)
    return max(t for t in steps if t is not None)


def totals(s: Session, job: Job) -> dict[str, int]:
    lines = s.scalars(select(JobLine).where(JobLine.job_id == job.id)).all()
    labour = sum(x.amount_fen for x in lines if x.kind == "labour")
    materials = sum(x.amount_fen for x in lines if x.kind == "material")
    return {"labour_fen": labour, "materials_fen": materials, "total_fen": labour + materials}


def paid_fen(s: Session, job: Job) -> int:
    """Paid less refunded."""
    return int(s.scalar(select(func.coalesce(func.sum(Payment.amount_fen), 0))
                        .where(Payment.job_id == job.id)) or 0)


def payment_at(s: Session, job: Job) -> datetime | None:
    """When the job was paid (its one `payment` row), None while unpaid."""
    return s.scalar(select(Payment.at).where(Payment.job_id == job.id,
                                             Payment.kind == "payment"))


def job_view(s: Session, desk: Desk, job: Job) -> dict[str, Any]:
    lines = s.scalars(select(JobLine).where(JobLine.job_id == job.id)
                      .order_by(JobLine.id)).all()
    sums = totals(s, job) if job.status not in UNCHARGED else \
        {"labour_fen": 0, "materials_fen": 0, "total_fen": 0}
    tz, show = desk.tz, kit.show
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
