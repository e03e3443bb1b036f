"""Payment (labour + materials) against a receipt, refunds, the daily cash-up and damage
compensation. Payments are append-only; a refund is a negative row with its own receipt."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import DomainError, TransitionRefused
from core.times import parse_time, show
from plugins.paid_services.decisions import parse_date
from plugins.paid_services.jobs import _job, _text, job_view, totals
from plugins.paid_services.models import Damage, Job, Payment
from plugins.paid_services.money import parse_yuan, vocab, yuan

if TYPE_CHECKING:
    from core.desk import Desk

METHODS = vocab("method", [
    ("cash", "现金", "cash", ()), ("wechat", "微信", "WeChat Pay", ("weixin",)),
    ("alipay", "支付宝", "Alipay", ()), ("card", "银行卡", "bank card", ("pos", "刷卡")),
])


def paid_fen(s: Session, job: Job) -> int:
    return int(s.scalar(select(func.coalesce(func.sum(Payment.amount_fen), 0))
                        .where(Payment.job_id == job.id)) or 0)


def _receipt(s: Session, receipt: str) -> str:
    receipt = _text(receipt, "receipt", "give the receipt number (收据号)")
    if s.scalar(select(Payment.id).where(Payment.receipt_no == receipt)):
        raise DomainError("receipt", f"receipt {receipt} is already used")
    return receipt


def pay(desk: Desk, ref: str, *, method: str, receipt: str, actor: str | None = None,
        at: str | datetime | None = None) -> dict[str, Any]:
    """The customer pays the job's total (labour + materials); paying twice is refused."""
    method = METHODS.parse(method)
    when = parse_time(at, desk.tz) if at is not None else desk.now()
    with desk.write() as s:
        job = _job(s, ref)
        if job.status != "completed":
            raise TransitionRefused("status", f"{job.number} is {job.status}: a job is paid "
                                    "once it is completed and signed")
        if s.scalar(select(Payment.id).where(Payment.job_id == job.id,
                                             Payment.kind == "payment")):
            raise DomainError("job", f"{job.number} is already paid: paying twice is refused")
        total = totals(s, job)["total_fen"]
        s.add(Payment(job_id=job.id, kind="payment", receipt_no=_receipt(s, receipt),
                      method=method, amount_fen=total, actor=actor or "operator", at=when))
        s.flush()
        return job_view(s, desk, job)


def refund(desk: Desk, ref: str, *, amount: str, reason: str, receipt: str,
           method: str = "cash", actor: str | None = None,
           at: str | datetime | None = None) -> dict[str, Any]:
    """Give money back (up to what was paid), with its reason and receipt."""
    fen = parse_yuan(amount, "amount", allow_zero=False)
    reason = _text(reason, "reason", "say why the money is refunded")
    method = METHODS.parse(method)
    when = parse_time(at, desk.tz) if at is not None else desk.now()
    with desk.write() as s:
        job = _job(s, ref)
        if fen > paid_fen(s, job):
            raise DomainError("amount", f"refund {yuan(fen)} is more than the "
                              f"{yuan(paid_fen(s, job))} paid on {job.number}")
        s.add(Payment(job_id=job.id, kind="refund", receipt_no=_receipt(s, receipt),
                      method=method, amount_fen=-fen, reason=reason,
                      actor=actor or "operator", at=when))
        s.flush()
        return job_view(s, desk, job)


def cash_up(desk: Desk, day: str | date, counted: dict[str, str] | None = None
            ) -> dict[str, Any]:
    """The day's receipts (site time), totals per method and in all; with `counted`
    (method → yuan counted in the till) the difference per method."""
    d = parse_date(day, "day")
    start = datetime.combine(d, time(), desk.tz).astimezone(UTC)
    with desk.read() as s:
        rows = s.execute(select(Payment, Job.number).join(Job, Job.id == Payment.job_id)
                         .where(Payment.at >= start, Payment.at < start + timedelta(days=1))
                         .order_by(Payment.at, Payment.id)).all()
    receipts = [{"receipt": p.receipt_no, "job": number, "kind": p.kind, "method": p.method,
                 "amount_fen": p.amount_fen, "amount": yuan(p.amount_fen),
                 "at": show(p.at, desk.tz), "by": p.actor} for p, number in rows]
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
    description = _text(description, "description", "describe the damage")
    fen = parse_yuan(amount, "amount", allow_zero=False)
    when = parse_time(at, desk.tz) if at is not None else desk.now()
    with desk.write() as s:
        job = _job(s, ref)
        s.add(Damage(job_id=job.id, description=description, amount_fen=fen,
                     actor=actor or "operator", at=when))
        return {"job": job.number, "description": description, "amount_fen": fen,
                "amount": yuan(fen), "at": show(when, desk.tz)}


def damages(desk: Desk, ref: str) -> list[dict[str, Any]]:
    with desk.read() as s:
        job = _job(s, ref)
        rows = s.scalars(select(Damage).where(Damage.job_id == job.id).order_by(Damage.id))
        return [{"description": d.description, "amount_fen": d.amount_fen,
                 "amount": yuan(d.amount_fen), "by": d.actor, "at": show(d.at, desk.tz)}
                for d in rows]
