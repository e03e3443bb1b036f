"""The figures of a monthly, quarterly or half-yearly report (客户信息统计分析, SPEC §5).

Every figure is a SQL aggregate over the tickets *received* in the period (site time),
read through the `received_at` index, so a report on a million-ticket store stays fast.
The JSON keys built here are the report's stable interface (README documents them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from core.errors import DomainError, NotFound
from core.labels import CHANNELS, NATURES, SEVERITIES, STATES
from core.models import Capa, Followup, FollowupTask, SLAClock, Ticket, TicketTopic, Unit
from core.topics import taxonomy

if TYPE_CHECKING:
    from core.desk import Desk

KINDS = {"monthly": ("月度", "monthly", 1), "quarterly": ("季度", "quarterly", 3),
         "half": ("半年度", "half-yearly", 6)}
_FORMS = {"monthly": re.compile(r"^(\d{4})-(\d{2})$"),
          "quarterly": re.compile(r"^(\d{4})-?Q([1-4])$", re.I),
          "half": re.compile(r"^(\d{4})-?H([12])$", re.I)}
RESOLVED = ("resolved", "reported", "closed")


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    index: int  # month 1-12, quarter 1-4 or half 1-2

    @property
    def months(self) -> int:
        return KINDS[self.kind][2]

    @property
    def first_month(self) -> int:
        return (self.index - 1) * self.months + 1

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        return _add_months(self.start, self.months)

    @property
    def label(self) -> str:
        if self.kind == "monthly":
            return f"{self.year}-{self.index:02d}"
        return f"{self.year}-{'Q' if self.kind == 'quarterly' else 'H'}{self.index}"

    def previous(self) -> Period:
        per_year = 12 // self.months
        if self.index == 1:
            return Period(self.kind, self.year - 1, per_year)
        return Period(self.kind, self.year, self.index - 1)

    def last_year(self) -> Period:
        return Period(self.kind, self.year - 1, self.index)


def parse_period(kind: str, text: str) -> Period:
    """`monthly 2026-10`, `quarterly 2026-Q4`, `half 2026-H2`."""
    if kind not in KINDS:
        raise DomainError("period", f"unknown report kind {kind!r}: monthly, quarterly or half")
    match = _FORMS[kind].match(text.strip())
    examples = {"monthly": "2026-10", "quarterly": "2026-Q4", "half": "2026-H2"}
    if not match:
        # a well-formed period of another kind: no such report (404), not a malformed one
        raise NotFound("period", f"{text!r} is not a {kind} period (e.g. {examples[kind]})")
    year, index = int(match.group(1)), int(match.group(2))
    if kind == "monthly" and not 1 <= index <= 12:
        raise DomainError("period", f"no month {index} in {text!r}")
    if not 2000 <= year <= 2100:
        raise DomainError("period", f"year {year} is out of range")
    return Period(kind, year, index)


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def _bounds(desk: Desk, start: date, end: date) -> tuple[datetime, datetime]:
    tz = desk.tz
    return (datetime(start.year, start.month, start.day, tzinfo=tz),
            datetime(end.year, end.month, end.day, tzinfo=tz))


def _in(lo: datetime, hi: datetime) -> Any:
    return and_(Ticket.received_at >= lo, Ticket.received_at < hi)


def _group(s: Session, column: Any, where: Any) -> dict[str, int]:
    rows = s.execute(select(column, func.count()).select_from(Ticket).where(where)
                     .group_by(column))
    return {("" if k is None else str(k)): int(n) for k, n in rows}


def _change(now: int, before: int) -> float | None:
    return None if before == 0 else round(now / before - 1, 4)


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def build(desk: Desk, period: Period, *, trend_months: int = 13,
          now: datetime | None = None) -> dict[str, Any]:
    """All figures of the report, as plain data (what `--format json` prints)."""
    now = now or desk.now()
    lo, hi = _bounds(desk, period.start, period.end)
    prev, last = period.previous(), period.last_year()
    plo, phi = _bounds(desk, prev.start, prev.end)
    llo, lhi = _bounds(desk, last.start, last.end)
    tax = taxonomy(desk.config)
    cats = desk.categories
    with desk.read() as s:
        cur = _in(lo, hi)
        by_cat = _group(s, Ticket.category, cur)
        by_cat_prev = _group(s, Ticket.category, _in(plo, phi))
        by_cat_last = _group(s, Ticket.category, _in(llo, lhi))
        total, total_prev, total_last = (sum(d.values()) for d in (by_cat, by_cat_prev,
                                                                    by_cat_last))
        report: dict[str, Any] = {
            "period": {"kind": period.kind, "label": period.label,
                       "start": period.start.isoformat(), "end": period.end.isoformat(),
                       "previous": prev.label, "last_year": last.label},
            "site": {"code": desk.config.site.code, "name": desk.config.site.name},
            "totals": {"tickets": total, "previous": total_prev, "last_year": total_last,
                       "change_previous": _change(total, total_prev),
                       "change_last_year": _change(total, total_last)},
            "by_category": [
                {"code": c, "label": cats.label(c), "count": by_cat.get(c, 0),
                 "previous": by_cat_prev.get(c, 0), "last_year": by_cat_last.get(c, 0),
                 "change_previous": _change(by_cat.get(c, 0), by_cat_prev.get(c, 0)),
                 "change_last_year": _change(by_cat.get(c, 0), by_cat_last.get(c, 0))}
                for c in _order([t.code for t in cats], by_cat, by_cat_prev, by_cat_last)],
            "by_nature": _rows(_group(s, Ticket.nature, cur), NATURES.label,
                               [t.code for t in NATURES]),
            "by_severity": _rows(_group(s, Ticket.severity, cur & Ticket.severity.is_not(None)),
                                 SEVERITIES.label, [t.code for t in SEVERITIES]),
            "by_channel": _rows(_group(s, Ticket.channel, cur), CHANNELS.label,
                                [t.code for t in CHANNELS]),
            "by_building": _buildings(s, cur),
            "by_topic": _rows(_topics(s, tax, cur), tax.label,
                              [t.code for t in tax.vocabulary]),
            "by_state": _rows(_group(s, Ticket.state, cur), STATES.label,
                              [t.code for t in STATES]),
            "on_time": _on_time(s, cur, now),
            "followup": _followup(desk, s, cur),
            "satisfaction": _satisfaction(s, lo, hi),
        }
        complaints = {"total": by_cat.get("complaint", 0)} | _topics(
            s, tax, cur & (Ticket.category == "complaint"))
        before = {"total": by_cat_prev.get("complaint", 0)} | _topics(
            s, tax, _in(plo, phi) & (Ticket.category == "complaint"))
        year_ago = {"total": by_cat_last.get("complaint", 0)} | _topics(
            s, tax, _in(llo, lhi) & (Ticket.category == "complaint"))
        capa_opened = s.scalar(select(func.count()).select_from(Capa).where(
            Capa.opened_at >= lo, Capa.opened_at < hi)) or 0
        report["trend"] = _trend(desk, s, period, trend_months)
    from core import alerts

    report["warnings"] = {
        "rising": alerts.rising(desk, complaints, before, year_ago),
        "raised": alerts.list_alerts(desk, lo, hi),
        "capa_opened": int(capa_opened),
    }
    return report


def _order(known: list[str], *tables: dict[str, int]) -> list[str]:
    seen = [k for k in known]
    for table in tables:
        seen += [k for k in table if k not in seen]
    return seen


def _rows(counts: dict[str, int], label: Any, known: list[str]) -> list[dict[str, Any]]:
    return [{"code": c, "label": label(c) or c, "count": counts.get(c, 0)}
            for c in _order(known, counts)]


def _buildings(s: Session, where: Any) -> list[dict[str, Any]]:
    rows = s.execute(select(Unit.building, func.count()).select_from(Ticket)
                     .outerjoin(Unit, Unit.id == Ticket.unit_id).where(where)
                     .group_by(Unit.building))
    counts = {b or "": int(n) for b, n in rows}
    return [{"code": b, "label": f"{b}栋 building {b}" if b else "公共区域 no unit",
             "count": n} for b, n in sorted(counts.items(), key=lambda kv: (kv[0] == "",
                                                                           kv[0].zfill(8)))]


def _topics(s: Session, tax: Any, where: Any) -> dict[str, int]:
    """Topic codes: the code stored at intake, else the free text classified now."""
    rows = s.execute(select(Ticket.topic, TicketTopic.topic, func.count()).select_from(Ticket)
                     .outerjoin(TicketTopic, TicketTopic.ticket_id == Ticket.id)
                     .where(where).group_by(Ticket.topic, TicketTopic.topic))
    out: dict[str, int] = {}
    for text, code, n in rows:
        key = code or tax.classify(text)
        out[key] = out.get(key, 0) + int(n)
    return out


def _on_time(s: Session, where: Any, cutoff: datetime) -> dict[str, Any]:
    """Clocks of the period's tickets: met in time, late (met late, or unmet, running and
    past due when the report is built), paused (unmet and stopped: neither late nor
    counted in the rate), open (the rest: unmet, not yet due)."""
    on_time = func.sum(case((and_(SLAClock.met_at.is_not(None),
                                  SLAClock.met_at <= SLAClock.due_at), 1), else_=0))
    late = func.sum(case((or_(SLAClock.met_at > SLAClock.due_at,
                              and_(SLAClock.met_at.is_(None), SLAClock.paused_since.is_(None),
                                   SLAClock.due_at < cutoff)), 1), else_=0))
    paused = func.sum(case((and_(SLAClock.met_at.is_(None),
                                 SLAClock.paused_since.is_not(None)), 1), else_=0))
    rows = s.execute(select(SLAClock.clock, func.count(), on_time, late, paused)
                     .join(Ticket, Ticket.id == SLAClock.ticket_id).where(where)
                     .group_by(SLAClock.clock))
    out = {name: {"clocks": 0, "on_time": 0, "late": 0, "open": 0, "paused": 0, "rate": None}
           for name in ("reply", "resolve", "communication")}
    for name, n, ok, bad, stopped in rows:
        ok, bad, stopped = int(ok or 0), int(bad or 0), int(stopped or 0)
        out[name] = {"clocks": int(n), "on_time": ok, "late": bad,
                     "open": int(n) - ok - bad - stopped, "paused": stopped,
                     "rate": _rate(ok, ok + bad)}
    return out


def _followup(desk: Desk, s: Session, where: Any) -> list[dict[str, Any]]:
    """Per category: resolved tickets, those followed up, in person; against the target rate."""
    followed = exists().where(Followup.ticket_id == Ticket.id)
    visited = exists().where(Followup.ticket_id == Ticket.id, Followup.method == "visit")
    queued = exists().where(FollowupTask.ticket_id == Ticket.id,
                            FollowupTask.status.not_in(("skipped", "cancelled")))
    rows = s.execute(select(
        Ticket.category, func.count(),
        func.sum(case((followed, 1), else_=0)), func.sum(case((visited, 1), else_=0)),
        func.sum(case((queued, 1), else_=0)))
        .where(where, Ticket.state.in_(RESOLVED)).group_by(Ticket.category))
    cfg = desk.config.followup
    out = []
    for cat, n, done, visits, drawn in sorted(rows, key=lambda r: r[0]):
        done, visits, drawn = int(done or 0), int(visits or 0), int(drawn or 0)
        out.append({"category": cat, "label": desk.categories.label(cat), "eligible": int(n),
                    "drawn": drawn, "followed": done, "visits": visits,
                    "rate": _rate(done, int(n)),
                    "target": cfg.rates.get(cat, cfg.rates.get("default", 0.0)),
                    "visit_rate": _rate(visits, int(n)) if cat == "repair" else None,
                    "visit_target": cfg.in_person_min if cat == "repair" else None})
    return out


def _satisfaction(s: Session, lo: datetime, hi: datetime) -> dict[str, Any]:
    rows = dict(s.execute(select(Followup.satisfaction, func.count()).where(
        Followup.at >= lo, Followup.at < hi).group_by(Followup.satisfaction)).all())
    n = sum(int(v) for v in rows.values())
    total = sum(int(k) * int(v) for k, v in rows.items())
    return {"count": n, "mean": None if n == 0 else round(total / n, 3),
            "distribution": {str(k): int(rows.get(k, 0)) for k in range(1, 6)},
            "dissatisfied": int(rows.get(1, 0)) + int(rows.get(2, 0))}


def _trend(desk: Desk, s: Session, period: Period, months: int) -> dict[str, Any]:
    """Tickets by category in each of the `months` months ending with the period's last."""
    last = _add_months(period.end, -1)
    firsts = [_add_months(last, -i) for i in range(months - 1, -1, -1)]
    labels = [f"{d.year}-{d.month:02d}" for d in firsts]
    series: dict[str, list[int]] = {}
    lo, hi = _bounds(desk, firsts[0], period.end)
    edges = [_bounds(desk, d, d)[0] for d in [*firsts, period.end]]
    month = case(*[(Ticket.received_at < edges[i + 1], i) for i in range(months)],
                 else_=months)
    rows = s.execute(select(month, Ticket.category, func.count()).where(
        Ticket.received_at >= lo, Ticket.received_at < hi).group_by(month, Ticket.category))
    for i, cat, n in rows:
        series.setdefault(cat, [0] * months)[int(i)] += int(n)
    ordered = {c: series[c] for c in _order([t.code for t in desk.categories], series)
               if c in series}
    return {"months": labels, "by_category": ordered,
            "totals": [sum(v[i] for v in ordered.values()) for i in range(months)]}
