"""The deadline check: record at-risk and breached clocks once each, escalate, announce.

`propdesk sla check` runs one pass; the Service issue's watcher runs it every N seconds.
Rows are claimed with FOR UPDATE SKIP LOCKED, so several checkers never record twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core.models import SLAClock, Ticket, TicketEvent
from core.plugins import notify
from core.tickets import _escalation_role
from core.times import show, utcnow
from core.views import clock_view, ticket_view

if TYPE_CHECKING:
    from core.desk import Desk


def check(desk: Desk, now: datetime | None = None) -> dict[str, list[dict[str, Any]]]:
    now = now or desk.now()
    fired: list[tuple[str, Ticket, SLAClock, dict[str, Any]]] = []
    with desk.sessions.begin() as s:
        due = (select(SLAClock).where(SLAClock.met_at.is_(None),
                                      SLAClock.paused_since.is_(None), SLAClock.due_at < now,
                                      SLAClock.breached_at.is_(None))
               .order_by(SLAClock.due_at).with_for_update(skip_locked=True))
        for clock in s.scalars(due):
            ticket = clock.ticket
            clock.breached_at = now
            role = _escalation_role(ticket)
            ticket.escalation_level = max(ticket.escalation_level, 1 if role == "supervisor"
                                          else 2)
            data = {"clock": clock.clock, "round": clock.round, "due_at": show(clock.due_at,
                                                                                desk.tz),
                    "escalated_to": role}
            s.add(TicketEvent(ticket_id=ticket.id, kind="sla_breached", at=now, actor="system",
                              data=data, recorded_at=utcnow()))
            fired.append(("sla_breached", ticket, clock, {"escalated_to": role}))
        risky = (select(SLAClock).where(SLAClock.met_at.is_(None),
                                        SLAClock.paused_since.is_(None),
                                        SLAClock.at_risk_at <= now, SLAClock.due_at >= now,
                                        SLAClock.at_risk_noted_at.is_(None))
                 .order_by(SLAClock.due_at).with_for_update(skip_locked=True))
        for clock in s.scalars(risky):
            clock.at_risk_noted_at = now
            s.add(TicketEvent(ticket_id=clock.ticket_id, kind="sla_at_risk", at=now,
                              actor="system", data={"clock": clock.clock, "round": clock.round,
                                                    "due_at": show(clock.due_at, desk.tz)},
                              recorded_at=utcnow()))
            fired.append(("sla_at_risk", clock.ticket, clock, {}))
        s.flush()
        out: dict[str, list[dict[str, Any]]] = {"sla_breached": [], "sla_at_risk": []}
        calls = []
        for hook, ticket, clock, extra in fired:
            tv = ticket_view(s, ticket, desk.tz, events=False)
            cv = clock_view(clock, desk.tz) | extra
            out[hook].append({"number": ticket.number} | cv)
            calls.append((hook, tv, cv))
    for hook, tv, cv in calls:
        notify(desk.pm, hook, ticket=tv, clock=cv)
    return {"breached": out["sla_breached"], "at_risk": out["sla_at_risk"]}
