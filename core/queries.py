"""Read side: show, list (overdue, at risk, mine) and explain deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select

from core import clocks
from core.directory import get_staff
from core.errors import DomainError
from core.labels import STATES
from core.models import SLAClock, Ticket
from core.tickets import OPEN_STATES, load
from core.times import show
from core.views import ticket_view

if TYPE_CHECKING:
    from core.desk import Desk

RUNNING = (SLAClock.met_at.is_(None), SLAClock.paused_since.is_(None))


def show_ticket(desk: Desk, number: str) -> dict[str, Any]:
    with desk.sessions() as s:
        return ticket_view(s, load(s, number), desk.tz)


def list_tickets(desk: Desk, *, state: str | None = None, overdue: bool = False,
                 at_risk: bool = False, mine: str | None = None, limit: int = 50,
                 now: datetime | None = None) -> list[dict[str, Any]]:
    """Tickets by filter; overdue and at-risk read the partial index over running clocks."""
    if limit < 1:
        raise DomainError("limit", "must be at least 1")
    now = now or desk.now()
    with desk.sessions() as s:
        query: Select[Any]
        if overdue or at_risk:
            cond = SLAClock.due_at < now if overdue else (SLAClock.at_risk_at <= now) & (
                SLAClock.due_at >= now)
            due = (select(SLAClock.ticket_id, func.min(SLAClock.due_at).label("due"))
                   .where(*RUNNING, cond).group_by(SLAClock.ticket_id).subquery())
            query = (select(Ticket).join(due, due.c.ticket_id == Ticket.id)
                     .order_by(due.c.due, Ticket.id))
        else:
            query = select(Ticket).order_by(Ticket.received_at.desc(), Ticket.id.desc())
        if state:
            query = query.where(Ticket.state == STATES.parse(state))
        elif not (overdue or at_risk):
            query = query.where(Ticket.state.in_(OPEN_STATES))
        if mine:
            staff = get_staff(s, mine, "as")
            query = query.where((Ticket.owner_id == staff.id) | (Ticket.assignee_id == staff.id))
        return [ticket_view(s, t, desk.tz, events=False)
                for t in s.scalars(query.limit(limit)).unique()]


def explain(desk: Desk, number: str) -> dict[str, Any]:
    """Every clock of a ticket with the day-by-day reasoning that produced its deadline."""
    now = desk.now()
    with desk.sessions() as s:
        ticket = load(s, number)
        _key, _ = desk.config.policy_for(ticket.category, ticket.severity)
        out = []
        for clock in ticket.clocks:
            result = clocks.compute(desk, clock, explain=True)
            if clock.met_at:
                status = "met" if clock.met_at <= clock.due_at else "met late"
            elif clock.paused_since:
                status = "paused"
            elif clock.due_at < now:
                status = "overdue"
            elif clock.at_risk_at <= now:
                status = "at risk"
            else:
                status = "running"
            out.append({"name": clock.clock, "round": clock.round, "policy": clock.policy,
                        "started_at": show(clock.started_at, desk.tz),
                        "due_at": show(clock.due_at, desk.tz),
                        "met_at": show(clock.met_at, desk.tz),
                        "breached_at": show(clock.breached_at, desk.tz),
                        "status": status, "steps": result.steps})
        return {"number": ticket.number, "category": ticket.category,
                "severity": ticket.severity, "policy_key": _key, "clocks": out}
