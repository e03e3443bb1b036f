"""Payment (labour + materials) against a receipt, refunds, the daily cash-up and damage
compensation. Payments are append-only; a refund is a negative row with its own receipt.

Each is one unit of work on the locked job row: ten payments of one job sent at once make
one payment, the others are told it is paid (409).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import kit
from plugins.paid_services.decisions import parse_date
from plugins.paid_services.models import Damage, Job, Payment
from plugins.paid_services.money import parse_yuan, vocab, yuan
from plugins.paid_services.records import (
    find,
    job_view,
    last_step,
    paid_fen,
    payment_at,
    text,
    totals,
    who,
)

if TYPE_CHECKING:
    from core.kit import Desk

METHODS = vocab("method", [
    ("cash", "现金", "cash", ()), ("wechat", "微信", "WeChat Pay", ("weixin",)),
    ("alipay", "支付宝", "Alipay", ()), ("card", "银行卡", "bank card", ("pos", "刷卡")),
])


def _receipt(s: Session, receipt: str) -> str:
    receipt = text(receipt, "receipt", "give the receipt number (收据号)")
    if s.scalar(select(Payment.id).where(Payment.receipt_no == receipt)):
        raise kit.DomainError("receipt", f"receipt {receipt} is already used")
    return receipt


def pay(desk: Desk, ref: str, *, method: str, receipt: str, actor: str | None = None,
        at: str | datetime | None = None) -> dict[str, Any]:
    """The customer pays the job's total (labour + materials); paying twice is refused."""
    method = METHODS.parse(method)
    with desk.write() as s:
        who(s, actor, "take a payment", kit.DESK)
        job = find(s, ref, lock=True)
        if job.status != "completed":
            raise kit.TransitionRefused("status", f"{job.number} is {job.status}: a job is "
                                        "paid once it is completed and signed")
        if payment_at(s, job) is not None:
            raise kit.Conflict("job", f"{job.number} is already paid: paying twice is refused")
        when = kit.action_time(desk, at, not_before=last_step(job), what="the completion")
        total = totals(s, job)["total_fen"]
        s.add(Payment(job_id=job.id, kind="payment", receipt_no=_receipt(s, receipt),
                      method=method, amount_fen=total, actor=actor or "operator", at=when))
        s.flush()
        return job_view(s, desk, job)


def refund(desk: Desk, ref: str, *, amount: str, reason: str, receipt: str,
           method: str = "cash", actor: str | None = None,
           at: str | datetime | None = None) -> dict[str, Any]:
    """Give money back (up to what was paid), with its reason and receipt; granted by a
    supervisor or manager who did not take the payment (four eyes on the till)."""
    fen = parse_yuan(amount, "amount", allow_zero=False)
    reason = text(reason, "reason", "say why the money is refunded")
    method = METHODS.parse(method)
    with desk.write() as s:
        staff = who(s, actor, "refund a payment", kit.LEADS)
        job = find(s, ref, lock=True)
        takers = set(s.scalars(select(Payment.actor).where(Payment.job_id == job.id,
                                                            Payment.kind == "payment")))
        if staff is not None and staff.name in takers:
            raise kit.Forbidden("as", f"{staff.name} took the payment on {job.number}: a "
                                "refund is granted by another supervisor or manager (nobody "
                                "approves their own takings)")
        paid = paid_fen(s, job)
        if fen > paid:
            raise kit.DomainError("amount", f"refund {yuan(fen)} is more than the "
                                  f"{yuan(paid)} paid on {job.number}")
        last = s.scalar(select(func.max(Payment.at)).where(Payment.job_id == job.id))
        when = kit.action_time(desk, at, not_before=last, what="the job's last payment")
        s.add(Payment(job_id=job.id, kind="refund", receipt_no=_receipt(s, receipt),
                      method=method, amount_fen=-fen, reason=reason,
                      actor=actor or "operator", at=when))
        s.flush()
        return job_view(s, desk, job)


def cash_up(desk: Desk, day: str | date, counted: dict[str, str] | None = None, *,
            actor: str | None = None) -> dict[str, Any]:
    """The day's receipts (site time), totals per method and in all; with `counted`
    (method → yuan counted in the till) the difference per method."""
    d = parse_date(day, "day")
    start = datetime.combine(d, time(), desk.tz).astimezone(UTC)
    with desk.read() as s:
        who(s, actor, "read the cash-up", kit.DESK)
        rows = s.execute(select(Payment, Job.number).join(Job, Job.id == Payment.job_id)
                         .where(Payment.at >= start, Payment.at < start + timedelta(days=1))
                         .order_by(Payment.at, Payment.id)).all()
    receipts = [{"receipt": p.receipt_no, "job": number, "kind": p.kind, "method": p.method,
                 "amount_fen": p.amount_fen, "amount": yuan(p.amount_fen),
                 "at": kit.show(p.at, desk.tz), "by": p.actor} for p, number in rows]
    by_method: dict[str, int] = {}
    for r in receipts:
        by_method[r["method"]] = by_method.get(r["method"], 0) + r["amount_fen"]
    total = sum(r["amount_fen"] for r in receipts)
    result: dict[str, Any] = {"day": d.isoformat(), "receipts": receipts,
                              "by_method_fen": by_method, "total_fen": total,
                              "total": yuan(total)}
    if counted is not None:
        diff = {METHODS.parse(m): parse_yuan(v, "counted") - by_method.get(METHODS.parse(m), 0)
                for m, v in counted.items()}
        result["difference_fen"] = diff
        result["balanced"] = all(v == 0 for v in diff.values())
    return result


def damage(desk: Desk, ref: str, *, description: str, amount: str, actor: str | None = None,
           at: str | datetime | None = None) -> dict[str, Any]:
    """Damage caused in the home, compensated at cost (损坏照价赔偿)."""
    description = text(description, "description", "describe the damage")
    fen = parse_yuan(amount, "amount", allow_zero=False)
    with desk.write() as s:
        who(s, actor, "record damage compensation", kit.DESK)
        job = find(s, ref, lock=True)
        if job.arrived_at is None:
            raise kit.TransitionRefused("status", f"{job.number} is {job.status}: damage in "
                                        "the home is recorded after the arrival")
        when = kit.action_time(desk, at, not_before=job.arrived_at, what="the arrival")
        s.add(Damage(job_id=job.id, description=description, amount_fen=fen,
                     actor=actor or "operator", at=when))
        return {"job": job.number, "description": description, "amount_fen": fen,
                "amount": yuan(fen), "at": kit.show(when, desk.tz)}


def damages(desk: Desk, ref: str, *, actor: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        who(s, actor, "read paid jobs", kit.DESK | {"technician"})
        job = find(s, ref)
        rows = s.scalars(select(Damage).where(Damage.job_id == job.id).order_by(Damage.id))
        return [{"description": d.description, "amount_fen": d.amount_fen,
                 "amount": yuan(d.amount_fen), "by": d.actor, "at": kit.show(d.at, desk.tz)}
                for d in rows]
