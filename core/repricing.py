"""Deadlines follow the calendar: reprice open clocks when the site calendar changes.

A deadline is stored when its clock starts, priced with the calendar of that moment. The
calendar changes under open clocks: the State Council publishes next year's schedule
late in the year (a `[calendar]` override, or a new `chinesecalendar`), a typhoon day
is declared. `apply` recomputes every open clock (and open follow-up) with the current
calendar and records each deadline that moved in its ticket's history, old and new and
why (the days that changed); the calendar it priced with is stored (`calendar_pricings`)
so the watcher notices a difference at its next pass and does the same.

One transaction, serialised on a counter row: two applies at once queue, and the second
finds nothing left to move and writes nothing. The newest configuration wins: a process
that read its configuration before the latest application (a service not yet restarted)
does not reprice back; it warns once instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import chinese_calendar
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core import clocks, sla
from core.action_time import action_time
from core.actions import reserve
from core.config import Config
from core.models import CalendarPricing, FollowupTask, SLAClock, Ticket, TicketEvent
from core.permissions import authorise
from core.times import show, utcnow

if TYPE_CHECKING:
    from core.desk import Desk

log = logging.getLogger("propdesk.calendar")

#: ticket events of a moved deadline
EVENT = "deadline_repriced"
#: at most this many changed days are named in a ticket's event
_NAMED_DAYS = 12


def definition(config: Config) -> dict[str, Any]:
    """What a deadline depends on besides its start and length: the site's days, business
    hours, zone and the official calendar's source (a new version knows another year)."""
    cal = config.calendar
    days = {"holidays": {}, "workdays": {}}  # type: dict[str, dict[str, str]]
    for kind, items in (("holidays", cal.holidays), ("workdays", cal.workdays)):
        for item in items:
            day, name = (item, "") if isinstance(item, date) else (item.date, item.name)
            days[kind][day.isoformat()] = name
    return {**days, "open": config.site.open_of_business.isoformat(),
            "close": config.site.close_of_business.isoformat(),
            "timezone": config.site.timezone,
            "official": f"chinesecalendar {chinese_calendar.__version__}"}


def fingerprint(config: Config) -> str:
    text = json.dumps(definition(config), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def changes(old: dict[str, Any] | None, new: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """What differs between two definitions: general changes, and changed days (ISO day →
    what it is now)."""
    if old is None:
        return ["first pricing record (the calendar open clocks were priced with is not "
                "known)"], {}
    general = [f"{key} {old.get(key)} → {new[key]}"
               for key in ("open", "close", "timezone", "official") if old.get(key) != new[key]]
    days: dict[str, str] = {}
    for kind, label in (("holidays", "site holiday"), ("workdays", "site workday")):
        before, after = old.get(kind, {}), new[kind]
        for day in sorted(set(before) | set(after)):
            if day in after and (day not in before or before[day] != after[day]):
                days[day] = f"{label}{': ' + after[day] if after[day] else ''}"
            elif day not in after and day not in new["holidays"] and day not in new["workdays"]:
                days[day] = f"no longer a {label}"
    return general, dict(sorted(days.items()))


def latest(s: Session) -> CalendarPricing | None:
    return s.scalar(select(CalendarPricing).order_by(CalendarPricing.id.desc()).limit(1))


def _why(general: list[str], days: dict[str, str], lo: datetime, hi: datetime,
         tz: Any) -> str:
    """The calendar change as it concerns one clock: the changed days between its start
    and the later of its two deadlines."""
    a, b = lo.astimezone(tz).date().isoformat(), hi.astimezone(tz).date().isoformat()
    near = [f"{d} {what}" for d, what in days.items() if a <= d <= b][:_NAMED_DAYS]
    parts = general + near
    return "calendar change: " + ("; ".join(parts) if parts else "recomputed")


def apply(desk: Desk, *, at: str | datetime | None = None, actor: str | None = None,
          source: str = "calendar apply") -> dict[str, Any]:
    """Reprice every open clock with the current calendar, in one transaction.

    Returns the application: `applied` (False: the calendar was already applied and no
    deadline moved, nothing was written), `fingerprint`, `why`, `moved` [{number, clock,
    round, from, to}]."""
    staff = authorise(desk, actor, "operate")
    with desk.write() as s:
        when = action_time(desk, at)
        return _apply(desk, s, when, staff.name if staff else "system", source)


def _apply(desk: Desk, s: Session, when: datetime, who: str, source: str) -> dict[str, Any]:
    reserve(s, "calendar:apply")  # serialises appliers until commit: the second finds all done
    before = latest(s)
    new_def, fp = definition(desk.config), fingerprint(desk.config)
    general, days = changes(before.calendar if before is not None else None, new_def)
    moved: list[dict[str, Any]] = []
    tz = desk.tz
    open_clocks = s.scalars(select(SLAClock).where(SLAClock.met_at.is_(None))
                            .order_by(SLAClock.id).with_for_update(of=SLAClock))
    for clock in open_clocks:
        old_due = clock.due_at
        clocks.refresh(desk, clock)
        if clock.due_at == old_due:
            continue
        lifted = _unflag(clock, tz)
        moved.append(_moved(clock.ticket_id, clock.clock, clock.round, clock.started_at,
                            old_due, clock.due_at, (general, days), tz, lifted))
    tasks = s.scalars(select(FollowupTask).where(
        FollowupTask.status == "open", FollowupTask.started_at.is_not(None),
        FollowupTask.policy.is_not(None)).order_by(FollowupTask.id)
        .with_for_update(of=FollowupTask))
    for task in tasks.unique():
        assert task.started_at is not None and task.policy is not None
        duration = sla.Duration.parse(task.policy)
        cal, hours = desk.config.working_calendar, desk.config.business_hours
        due = sla.deadline(task.started_at, duration, cal, hours).due_at
        assert due is not None
        if task.due_at is not None and sla.to_utc(due) == task.due_at:
            continue
        old_due = task.due_at
        task.due_at = sla.to_utc(due)
        task.at_risk_at = sla.to_utc(sla.at_risk_at(
            task.started_at, due, desk.config.sla.at_risk_ratio, duration, cal, hours))
        lifted = _unflag(task, tz, breach=False)
        moved.append(_moved(task.ticket_id, "followup", task.round, task.started_at,
                            old_due, task.due_at, (general, days), tz, lifted,
                            kind=task.kind))
    if before is not None and before.fingerprint == fp and not moved:
        return {"applied": False, "fingerprint": fp, "why": "the calendar is already applied",
                "at": show(when, tz), "moved": []}
    moved = _record(s, moved, when)
    why = "; ".join(general + [f"{d} {w}" for d, w in days.items()]) or "recomputed"
    s.add(CalendarPricing(fingerprint=fp, calendar=new_def, applied_at=when,
                          recorded_at=utcnow(), actor=who, why=f"{source}: {why}", moved=moved))
    return {"applied": True, "fingerprint": fp, "why": why, "at": show(when, tz),
            "moved": moved}


def _unflag(row: SLAClock | FollowupTask, tz: Any, breach: bool = True) -> list[str]:
    """A warning or breach the new deadline no longer supports is lifted (said in the
    repricing event), so the clock is warned and breached again at its new times. A
    follow-up's breach stays: it moved the task up a role, which a second breach would
    repeat."""
    assert row.due_at is not None
    lifted = []
    if breach and row.breached_at is not None and row.due_at >= row.breached_at:
        lifted.append(f"breach recorded {show(row.breached_at, tz)}")
        row.breached_at = None
    if row.at_risk_noted_at is not None and (row.at_risk_at is None
                                             or row.at_risk_at > row.at_risk_noted_at):
        lifted.append(f"at-risk warning recorded {show(row.at_risk_noted_at, tz)}")
        row.at_risk_noted_at = None
    return lifted


def _moved(ticket_id: int, name: str, round_: int, start: datetime | None,
           old: datetime | None, new: datetime | None,
           change: tuple[list[str], dict[str, str]], tz: Any, lifted: list[str],
           kind: str | None = None) -> dict[str, Any]:
    """The event data of one moved deadline (`ticket_id` kept aside for `_record`)."""
    assert new is not None
    hi = max(x for x in (old, new) if x is not None)
    data: dict[str, Any] = {"clock": name, "round": round_, "from": show(old, tz),
                            "to": show(new, tz), "why": _why(*change, start or hi, hi, tz)}
    if kind is not None:
        data["kind"] = kind
    if lifted:
        data["lifted"] = lifted
    return {"ticket_id": ticket_id, "data": data}


def _record(s: Session, moved: list[dict[str, Any]], when: datetime) -> list[dict[str, Any]]:
    """One history event per moved deadline, written in one statement; the moves as
    `calendar show` lists them."""
    if not moved:
        return []
    ids = sorted({m["ticket_id"] for m in moved})
    numbers: dict[int, str] = {}
    for i in range(0, len(ids), 500):  # within every backend's limit of bound parameters
        numbers.update(s.execute(select(Ticket.id, Ticket.number).where(
            Ticket.id.in_(ids[i:i + 500]))).tuples().all())
    recorded = utcnow()
    s.execute(insert(TicketEvent), [
        {"ticket_id": m["ticket_id"], "kind": EVENT, "at": when, "actor": "system",
         "data": m["data"], "recorded_at": recorded} for m in moved])
    return [{"number": numbers[m["ticket_id"]]} | {k: m["data"][k] for k in
                                                    ("clock", "round", "from", "to")}
            for m in moved]


def catch_up(desk: Desk, s: Session, now: datetime) -> dict[str, Any] | None:
    """The watcher's part: reprice when this process's calendar differs from the one open
    clocks were priced with, unless another process applied a newer one since this one
    read its configuration (then warn once: restart to follow it)."""
    before = s.scalar(select(CalendarPricing.fingerprint).order_by(
        CalendarPricing.id.desc()).limit(1))
    fp = fingerprint(desk.config)
    if before == fp:
        return None
    if before is not None:
        row = latest(s)
        assert row is not None
        if row.recorded_at > desk.opened_at:
            if not desk.state.get("calendar-stale-warned"):
                desk.state["calendar-stale-warned"] = True
                log.warning("this process's calendar differs from the one applied at %s; "
                            "it does not reprice back: restart it to follow the new one",
                            show(row.applied_at, desk.tz))
            return None
    return _apply(desk, s, now, "system", "watcher")


def status(desk: Desk, actor: str | None = None) -> dict[str, Any]:
    """The calendar open clocks are priced with, and whether this configuration differs."""
    authorise(desk, actor)
    with desk.read() as s:
        row = latest(s)
        fp = fingerprint(desk.config)
        if row is None:
            return {"fingerprint": fp, "applied": None, "pending": True, "moved": []}
        return {"fingerprint": fp, "pending": row.fingerprint != fp,
                "applied": {"fingerprint": row.fingerprint, "at": show(row.applied_at, desk.tz),
                            "by": row.actor, "why": row.why},
                "moved": list(row.moved)}
