"""Contractor bonus and penalty from the follow-up satisfaction (SPEC §6.4).

The first follow-up of a completed job scores it: the rate for its satisfaction times the
job's price (labour + materials), rounded half up to the fen. The monthly statement sums
them per contractor; `rates` overrides the defaults.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import kit
from core.kit import DomainError, parse_time
from plugins.paid_services.models import Job, Score
from plugins.paid_services.money import yuan
from plugins.paid_services.records import totals

if TYPE_CHECKING:
    from core.kit import Desk

#: satisfaction → percent of the job's price: 5 very satisfied … 1 very dissatisfied
RATES: dict[int, Decimal] = {5: Decimal("2"), 4: Decimal("1"), 3: Decimal("-1"),
                             2: Decimal("-2"), 1: Decimal("-5")}


def amount(base_fen: int, rate_pct: Decimal) -> int:
    return int((Decimal(base_fen) * rate_pct / 100).quantize(Decimal(1), ROUND_HALF_UP))


def on_followup(ticket: dict[str, Any], followup: dict[str, Any], desk: Desk) -> None:
    if followup.get("satisfaction"):
        score(desk, ticket["number"], int(followup["satisfaction"]), followup.get("at"))


def score(desk: Desk, ticket: str, satisfaction: int, at: str | None = None
          ) -> dict[str, Any] | None:
    """Score the job of `ticket` once; None when it has no completed job or is scored."""
    with desk.write() as s:
        job = s.scalar(kit.lock(select(Job).where(Job.ticket_number == ticket)))
        if job is None or job.completed_at is None or not job.contractor:
            return None
        if s.scalar(select(Score.id).where(Score.job_id == job.id)):
            return None
        base, rate = totals(s, job)["total_fen"], RATES[satisfaction]
        now = parse_time(at, desk.tz) if at else desk.now()
        row = Score(job_id=job.id, contractor=job.contractor, satisfaction=satisfaction,
                    month=now.astimezone(desk.tz).strftime("%Y-%m"), rate_pct=rate,
                    base_fen=base, amount_fen=amount(base, rate), at=now)
        s.add(row)
        return {"job": job.number, "contractor": row.contractor, "amount_fen": row.amount_fen}


def parse_rates(text: str) -> dict[int, Decimal]:
    """`5=2,4=1,3=-1,2=-2,1=-5` (percent per satisfaction level)."""
    rates = dict(RATES)
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        try:
            level, pct = int(key), Decimal(value)
        except (ValueError, ArithmeticError):
            raise DomainError("rates", f"not a rate: {part!r} (e.g. 5=2,1=-5)") from None
        if level not in RATES:
            raise DomainError("rates", f"satisfaction is 1…5, not {level}")
        rates[level] = pct
    return rates


def statement(desk: Desk, month: str, rates: dict[int, Decimal] | None = None, *,
              actor: str | None = None) -> list[dict[str, Any]]:
    """Per contractor for `month` (YYYY-MM): jobs, bonus, penalty and net, in fen (read by
    a supervisor or the site manager)."""
    rates = rates or RATES
    month = kit.parse_month(month)
    with desk.read() as s:
        kit.require(kit.actor(s, actor), "read the contractor statement", kit.LEADS)
        rows = s.execute(select(Score, Job.number).join(Job, Job.id == Score.job_id)
                         .where(Score.month == month).order_by(Score.contractor, Job.number))
        out: dict[str, dict[str, Any]] = {}
        for sc, number in rows:
            fen = amount(sc.base_fen, rates[sc.satisfaction])
            c = out.setdefault(sc.contractor, {"contractor": sc.contractor, "jobs": [],
                                               "bonus_fen": 0, "penalty_fen": 0})
            c["jobs"].append({"job": number, "satisfaction": sc.satisfaction,
                              "price_fen": sc.base_fen, "rate_pct": str(rates[sc.satisfaction]),
                              "amount_fen": fen})
            c["bonus_fen" if fen > 0 else "penalty_fen"] += fen
    for c in out.values():
        c["net_fen"] = c["bonus_fen"] + c["penalty_fen"]
        c["net"] = yuan(c["net_fen"])
    return list(out.values())
