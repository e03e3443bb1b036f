"""Read side: show, list (overdue, at risk, mine), explain deadlines, the calendar.

Every read takes `actor` (None: the site operator): an unknown name is refused, and
owners' phones are masked for roles that do not see them, the same for the CLI's `--as`
and the API's token.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from core import clocks, repricing, sla
from core.actions import OPEN_STATES, load
from core.errors import DomainError
from core.labels import STATES
from core.models import SLAClock, Ticket, TicketEvent
from core.permissions import authorise, resolve, view_for
from core.times import show
from core.views import ticket_view

if TYPE_CHECKING:
    from core.desk import Desk

RUNNING = (SLAClock.met_at.is_(None), SLAClock.paused_since.is_(None))


def show_ticket(desk: Desk, number: str, actor: str | None = None) -> dict[str, Any]:
    """One ticket with its history, as `actor` may see it."""
    with desk.read() as s:
        staff = resolve(s, actor)
        return view_for(staff, ticket_view(s, load(s, number), desk.tz))


def list_tickets(desk: Desk, *, state: str | None = None, overdue: bool = False,
                 at_risk: bool = False, mine: bool | str | None = None, limit: int = 50,
                 now: datetime | None = None, actor: str | None = None
                 ) -> list[dict[str, Any]]:
    """Tickets by filter; overdue and at-risk read the partial index over running clocks.

    `mine=True`: owned by or assigned to `actor` (a name is still accepted)."""
    if limit < 1:
        raise DomainError("limit", "must be at least 1")
    now = now or desk.now()
    with desk.read() as s:
        reader = resolve(s, actor)
        if mine is True:
            if reader is None:
                raise DomainError("mine", "needs --as STAFF (or PROPDESK_STAFF)")
            mine = reader.name
        query: Select[Any]
        if overdue or at_risk:
            ids = _by_deadline(s, now, overdue, limit, filtered=bool(state or mine))
            query = select(Ticket).where(Ticket.id.in_(ids))
        else:
            query = select(Ticket).order_by(Ticket.received_at.desc(), Ticket.id.desc())
        if state:
            query = query.where(Ticket.state == STATES.parse(state))
        elif not (overdue or at_risk):
            query = query.where(Ticket.state.in_(OPEN_STATES))
        if mine:
            staff = resolve(s, str(mine))
            assert staff is not None
            query = query.where((Ticket.owner_id == staff.id) | (Ticket.assignee_id == staff.id))
        found = list(s.scalars(query.options(selectinload(Ticket.clocks)).limit(limit)).unique())
        if overdue or at_risk:
            order = {tid: i for i, tid in enumerate(ids)}
            found.sort(key=lambda t: order[t.id])
        return [view_for(reader, ticket_view(s, t, desk.tz, events=False)) for t in found]


def _by_deadline(s: Session, now: datetime, overdue: bool, limit: int,
                 filtered: bool) -> list[int]:
    """Ticket ids by earliest running deadline, read off the partial index in due order.

    Each ticket has at most a few running clocks, so the scan stops after about `limit`
    index entries instead of grouping every running clock (1M-ticket stores stay fast).
    A `--state` or `--mine` filter is applied afterwards, so those lists scan further.
    """
    cond = SLAClock.due_at < now if overdue else (SLAClock.at_risk_at <= now) & (
        SLAClock.due_at >= now)
    order = SLAClock.due_at if overdue else SLAClock.at_risk_at
    rows = s.execute(select(SLAClock.ticket_id).where(*RUNNING, cond).order_by(order)
                     .execution_options(yield_per=500))
    ids: dict[int, None] = {}
    for (tid,) in rows:
        ids.setdefault(tid)
        if len(ids) >= limit and not filtered:
            break
    rows.close()
    return list(ids)


def explain(desk: Desk, number: str, actor: str | None = None) -> dict[str, Any]:
    """Every clock of a ticket with the day-by-day reasoning that produced its deadline."""
    now = desk.now()
    with desk.read() as s:
        resolve(s, actor)
        ticket = load(s, number)
        _key, _ = desk.config.policy_for(ticket.category, ticket.severity)
        out = []
        moves = list(s.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == repricing.EVENT)
            .order_by(TicketEvent.id)))
        for clock in ticket.clocks:
            result = clocks.compute(desk, clock, explain=True)
            steps = list(result.steps)
            if clock.clock == clocks.COMMUNICATION:
                steps.append("met by a contact with the owner logged after the first reply "
                             "(ticket contact), or when the matter is finished")
            for ev in moves:
                if ev.data.get("clock") == clock.clock and ev.data.get("round") == clock.round:
                    steps.append(f"repriced {show(ev.at, desk.tz)}: {ev.data.get('from')} → "
                                 f"{ev.data.get('to')} ({ev.data.get('why')})")
            if clock.met_at is None and result.due_at is not None and \
                    sla.to_utc(result.due_at) != clock.due_at:
                steps.append(f"the stored deadline {show(clock.due_at, desk.tz)} was priced "
                             "with another calendar: `propdesk calendar apply` (or the "
                             f"watcher's next pass) moves it to {show(result.due_at, desk.tz)}")
            if clock.met_at:
                status = "met" if clock.met_at <= clock.due_at else "met late"
            elif clock.paused_since:
                status = "paused"
            elif clock.due_at < now:
                status = "overdue"
            elif clock.at_risk_at is not None and clock.at_risk_at <= now:
                status = "at risk"
            else:
                status = "running"
            out.append({"name": clock.clock, "round": clock.round, "policy": clock.policy,
                        "started_at": show(clock.started_at, desk.tz),
                        "due_at": show(clock.due_at, desk.tz),
                        "met_at": show(clock.met_at, desk.tz),
                        "breached_at": show(clock.breached_at, desk.tz),
                        "status": status, "steps": steps})
        return {"number": ticket.number, "category": ticket.category,
                "severity": ticket.severity, "policy_key": _key, "clocks": out}


def calendar_month(desk: Desk, month: str, actor: str | None = None) -> list[dict[str, Any]]:
    """Each day of a month (`YYYY-MM`): working or not, and why."""
    authorise(desk, actor)
    try:
        year, mon = (int(p) for p in month.split("-"))
        date(year, mon, 1)
    except ValueError:
        raise DomainError("month", f"use YYYY-MM, got {month!r}") from None
    moved = _moved_in(desk, f"{year}-{mon:02d}")
    return [{"date": d.day.isoformat(), "working": d.working, "kind": d.kind,
             "reason": d.reason, "moved": moved.get(d.day.isoformat(), [])}
            for d in desk.config.working_calendar.month(year, mon)]


def _moved_in(desk: Desk, month: str) -> dict[str, list[dict[str, Any]]]:
    """Deadlines moved by calendar changes (`core.repricing`) from or to a day of the
    month: ISO day → [{number, clock, round, from, to, applied_at}]."""
    from core.models import CalendarPricing

    out: dict[str, list[dict[str, Any]]] = {}
    with desk.read() as s:
        for row in s.scalars(select(CalendarPricing).order_by(CalendarPricing.id)):
            for move in row.moved:
                days = {(move.get(k) or "")[:10] for k in ("from", "to")}
                for day in sorted(d for d in days if d.startswith(month)):
                    out.setdefault(day, []).append(
                        move | {"applied_at": show(row.applied_at, desk.tz)})
    return out


def plugin_list(desk: Desk, actor: str | None = None) -> list[dict[str, Any]]:
    """The loaded plugins and the hooks each implements."""
    from core.plugins import plugin_list as listed

    authorise(desk, actor)
    return listed(desk.pm)
