"""The deadline check: record at-risk and breached clocks once each, escalate, announce.

`propdesk sla check` runs one pass; the Service issue's watcher runs it every N seconds.
Each pass first reprices open clocks if the site calendar changed (`core.repricing`).
Rows are claimed with FOR UPDATE SKIP LOCKED, so several checkers never record twice.
Follow-ups (回访) have clocks too: an open follow-up past its due time is breached once,
moves one role up (desk → supervisor → site manager) and is announced with the same
hooks, as a clock named "followup".
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from core import repricing
from core.actions import escalation_role
from core.models import FollowupTask, SLAClock, Ticket, TicketEvent
from core.times import show, utcnow
from core.views import clock_view, ticket_view


def claim(s: Any, row: Any, column: str, now: datetime) -> bool:
    """Set `column` only if it is still empty: compare-and-set, so two watchers never both
    record one breach (row locks alone do not hold on SQLite, where FOR UPDATE is a no-op)."""
    model = type(row)
    done = s.execute(update(model).where(model.id == row.id, getattr(model, column).is_(None))
                     .values({column: now}).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    set_committed_value(row, column, now)
    return True


def followup_clock(task: FollowupTask, tz: Any) -> dict[str, Any]:
    from core.followups import clock_view as view

    return view(task, tz)

if TYPE_CHECKING:
    from core.desk import Desk


def check(desk: Desk, now: datetime | None = None) -> dict[str, list[dict[str, Any]]]:
    now = now or desk.now()
    fired: list[tuple[str, Ticket, SLAClock, dict[str, Any]]] = []
    with desk.write() as s:
        # a changed calendar first, so nothing is breached early
        repriced = repricing.catch_up(desk, s, now)
        due = (select(SLAClock).where(SLAClock.met_at.is_(None),
                                      SLAClock.paused_since.is_(None), SLAClock.due_at < now,
                                      SLAClock.breached_at.is_(None))
               .order_by(SLAClock.due_at).with_for_update(skip_locked=True))
        for clock in s.scalars(due):
            if not claim(s, clock, "breached_at", now):
                continue  # another watcher recorded it first
            ticket = clock.ticket
            role = escalation_role(ticket)
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
            if not claim(s, clock, "at_risk_noted_at", now):
                continue
            s.add(TicketEvent(ticket_id=clock.ticket_id, kind="sla_at_risk", at=now,
                              actor="system", data={"clock": clock.clock, "round": clock.round,
                                                    "due_at": show(clock.due_at, desk.tz)},
                              recorded_at=utcnow()))
            fired.append(("sla_at_risk", clock.ticket, clock, {}))
        followups = _followups(desk, s, now)
        s.flush()
        out: dict[str, list[dict[str, Any]]] = {"sla_breached": [], "sla_at_risk": []}
        calls = []
        for hook, ticket, clock, extra in fired:
            tv = ticket_view(s, ticket, desk.tz, events=False)
            cv = clock_view(clock, desk.tz) | extra
            out[hook].append({"number": ticket.number} | cv)
            calls.append((hook, tv, cv))
        for hook, task, extra in followups:
            tv = ticket_view(s, task.ticket, desk.tz, events=False)
            cv = followup_clock(task, desk.tz) | extra
            out[hook].append({"number": task.ticket.number} | cv)
            calls.append((hook, tv, cv))
        for hook, tv, cv in calls:  # announced after the commit, in one burst
            desk.notify(hook, ticket=tv, clock=cv)
        desk.notify("deadlines_checked", now=now)  # plugins check their own clocks
    return {"breached": out["sla_breached"], "at_risk": out["sla_at_risk"],
            "repriced": repriced["moved"] if repriced else []}


def _followups(desk: Desk, s: Any, now: datetime) -> list[tuple[str, FollowupTask,
                                                                dict[str, Any]]]:
    """Breached and at-risk follow-ups, each recorded once (on the task and the ticket)."""
    from core.followups import escalate

    fired: list[tuple[str, FollowupTask, dict[str, Any]]] = []
    due = (select(FollowupTask).where(FollowupTask.status == "open",
                                      FollowupTask.due_at < now,
                                      FollowupTask.breached_at.is_(None))
           .order_by(FollowupTask.due_at).with_for_update(skip_locked=True, of=FollowupTask))
    for task in s.scalars(due).unique():
        if not claim(s, task, "breached_at", now):
            continue
        role = escalate(task, now)
        s.add(TicketEvent(ticket_id=task.ticket_id, kind="sla_breached", at=now,
                          actor="system", data={"clock": "followup", "kind": task.kind,
                                                "due_at": show(task.due_at, desk.tz),
                                                "escalated_to": role},
                          recorded_at=utcnow()))
        fired.append(("sla_breached", task, {"escalated_to": role}))
    risky = (select(FollowupTask).where(FollowupTask.status == "open",
                                        FollowupTask.at_risk_at <= now,
                                        FollowupTask.due_at >= now,
                                        FollowupTask.at_risk_noted_at.is_(None))
             .order_by(FollowupTask.due_at).with_for_update(skip_locked=True, of=FollowupTask))
    for task in s.scalars(risky).unique():
        if not claim(s, task, "at_risk_noted_at", now):
            continue
        s.add(TicketEvent(ticket_id=task.ticket_id, kind="sla_at_risk", at=now,
                          actor="system", data={"clock": "followup", "kind": task.kind,
                                                "due_at": show(task.due_at, desk.tz)},
                          recorded_at=utcnow()))
        fired.append(("sla_at_risk", task, {}))
    return fired
