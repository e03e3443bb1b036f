"""What the service does by itself inside an intake's or action's unit of work.

A built-in plugin on the in-transaction hooks `tickets_received` and `action_applied`,
registered through the same manager as any plugin. Why inside the transaction and not
in a notification: follow-up planning and the repeat-matter CAPA must be written with
the resolution or the intake that causes them (a plugin failing after commit would lose
a follow-up the SPEC requires). The notifications they produce wait on the unit of work
and fire once it commits, with the ticket as it was committed; a rolled-back action
announces nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core import alerts, followups, hookimpl
from core.views import ticket_view

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.actions import Action
    from core.desk import Desk
    from core.models import Ticket

Later = Callable[[dict[str, Any]], None]
REOPENABLE = frozenset({"resolved", "reported", "closed"})


@hookimpl
def tickets_received(tickets: list[Ticket], session: Session, desk: Desk) -> None:
    """Topic and warnings for every new ticket; the first-call follow-up of a complaint."""
    s = session
    for ticket, later in zip(tickets, alerts.check_intake(desk, s, tickets), strict=True):
        tasks = [x for x in (followups.first_call(desk, ticket),) if x is not None]
        if ticket.state == "resolved":  # answered on the spot
            tasks += followups.plan(desk, s, ticket, ticket.received_at)
        s.add_all(tasks)
        _queue(desk, s, ticket, later + _scheduled(desk, s, tasks))


@hookimpl
def action_applied(action: Action, name: str, from_state: str, desk: Desk) -> None:
    """Resolution plans follow-ups; closing starts complaint ones; a reopening cancels them."""
    a = action
    t, s = a.ticket, a.session
    tasks: list[Any] = []
    if t.state == "resolved" and from_state != "resolved":
        tasks = followups.plan(a.desk, s, t, a.at)
    elif name == "close":
        for task in followups.live_tasks(s, t):
            if task.status == "waiting" and task.waits_for == "close":
                followups.start_clock(a.desk, task, a.at)
                tasks.append(task)
    if name in ("contact", "report"):  # a call with the customer: the first call is made
        for task in followups.live_tasks(s, t):
            if task.kind == "first_call" and task.status == "open":
                task.status, task.done_at = "done", a.at
    if t.state == "dispatched" and from_state in REOPENABLE or name == "withdraw":
        for task in followups.live_tasks(s, t):
            if task.kind not in followups.WHILE_OPEN or name == "withdraw":
                task.status, task.done_at = "cancelled", a.at
    _queue(a.desk, s, t, _scheduled(a.desk, s, tasks))


def _scheduled(desk: Desk, s: Session, tasks: list[Any]) -> list[Later]:
    live = [x for x in tasks if x.status in ("open", "waiting")]
    if not live:
        return []
    s.flush()
    views = [followups.task_view(x, desk.tz) for x in live]

    def fire(ticket: dict[str, Any]) -> None:
        for view in views:
            desk.notify("followup_scheduled", ticket=ticket, task=view)
    return [fire]


def _queue(desk: Desk, s: Session, ticket: Ticket, later: list[Later]) -> None:
    """Queue `later`'s notifications with the ticket's view as it is committed."""
    work = desk.work
    if not later or work is None:
        return

    def freeze() -> None:
        view = ticket_view(s, ticket, desk.tz, events=False)
        for fire in later:
            fire(view)
    work.before_commit.append(freeze)
