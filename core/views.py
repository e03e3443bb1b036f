"""Plain-dict views of stored objects: what `--json`, the API and plugins see."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import SLAClock, Ticket, TicketEvent
from core.times import show


def current_clocks(ticket: Ticket) -> dict[str, SLAClock]:
    """The latest round of each clock."""
    latest: dict[str, SLAClock] = {}
    for clock in ticket.clocks:
        if clock.clock not in latest or clock.round > latest[clock.clock].round:
            latest[clock.clock] = clock
    return latest


def clock_view(clock: SLAClock, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "name": clock.clock, "round": clock.round, "policy": clock.policy,
        "started_at": show(clock.started_at, tz), "due_at": show(clock.due_at, tz),
        "at_risk_at": show(clock.at_risk_at, tz), "met_at": show(clock.met_at, tz),
        "breached_at": show(clock.breached_at, tz), "paused": clock.paused_since is not None,
    }


def ticket_view(session: Session | None, ticket: Ticket, tz: ZoneInfo,
                events: bool = True, history: list[TicketEvent] | None = None
                ) -> dict[str, Any]:
    """The ticket as `ticket show --json` prints it; `history`: its events, already loaded."""
    clocks = current_clocks(ticket)
    view: dict[str, Any] = {
        "number": ticket.number, "state": ticket.state, "category": ticket.category,
        "severity": ticket.severity, "nature": ticket.nature, "channel": ticket.channel,
        "topic": ticket.topic, "unit": ticket.unit.code if ticket.unit else None,
        "building": ticket.unit.building if ticket.unit else None,
        "location": ticket.location, "reporter": ticket.reporter,
        "contact_phone": ticket.unit.owner_phone if ticket.unit else None,
        "summary": ticket.summary,
        "owner": ticket.owner.name, "assignee": ticket.assignee.name if ticket.assignee else None,
        "department": ticket.department, "result": ticket.result, "satisfied": ticket.satisfied,
        "reopen_count": ticket.reopen_count, "escalation_level": ticket.escalation_level,
        "version": ticket.version,
        "received_at": show(ticket.received_at, tz), "recorded_at": show(ticket.recorded_at, tz),
        "closed_at": show(ticket.closed_at, tz),
        "deadlines": {name: show(clocks[name].due_at, tz) if name in clocks else None
                      for name in ("reply", "resolve")} | (
            {"communication": show(clocks["communication"].due_at, tz)}
            if "communication" in clocks else {}),
        "clocks": [clock_view(c, tz) for c in ticket.clocks],
    }
    if events and history is not None:
        view["events"] = [event_view(e, tz) for e in history]
    elif events and session is not None:
        rows = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                               .order_by(TicketEvent.id))
        view["events"] = [event_view(e, tz) for e in rows]
    return view


def event_view(event: TicketEvent, tz: ZoneInfo) -> dict[str, Any]:
    return {"kind": event.kind, "at": show(event.at, tz), "actor": event.actor,
            "data": event.data}
