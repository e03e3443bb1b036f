"""What the service does by itself inside an intake's or action's transaction.

Why here and not in a notification plugin: follow-up planning and the repeat-matter CAPA
must be written in the same transaction as the resolution or the intake that causes
them (a plugin failing after commit would lose a follow-up the SPEC requires). The
notifications they produce are queued on the session and fired once it commits; a
rolled-back action announces nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import event

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.desk import Desk
    from core.models import Ticket
    from core.tickets import Action

Later = Callable[[dict[str, Any]], None]
REOPENABLE = frozenset({"resolved", "reported", "closed"})
_KEY = "propdesk.later"


def after_intake(desk: Desk, s: Session, batch: list[Ticket]) -> None:
    """Topic and warnings for every new ticket; the first-call follow-up of a complaint."""
    from core import alerts, followups

    for ticket, later in zip(batch, alerts.check_intake(desk, s, batch), strict=True):
        tasks = [x for x in (followups.first_call(desk, ticket),) if x is not None]
        if ticket.state == "resolved":  # answered on the spot
            tasks += followups.plan(desk, s, ticket, ticket.received_at)
        s.add_all(tasks)
        _queue(desk, s, ticket, later + _scheduled(desk, s, tasks))


def after_action(a: Action, action: str, from_state: str) -> None:
    """Resolution plans follow-ups; closing starts complaint ones; a reopening cancels them."""
    from core import followups

    t, s = a.ticket, a.session
    tasks: list[Any] = []
    if t.state == "resolved" and from_state != "resolved":
        tasks = followups.plan(a.desk, s, t, a.at)
    elif action == "close":
        for task in followups.live_tasks(s, t):
            if task.status == "waiting" and task.waits_for == "close":
                followups.start_clock(a.desk, task, a.at)
                tasks.append(task)
    elif action == "contact":
        for task in followups.live_tasks(s, t):
            if task.kind == "first_call" and task.status == "open":
                task.status, task.done_at = "done", a.at
    if t.state == "dispatched" and from_state in REOPENABLE:
        for task in followups.live_tasks(s, t):
            if task.kind != "first_call":
                task.status, task.done_at = "cancelled", a.at
    _queue(a.desk, s, t, _scheduled(a.desk, s, tasks))


def _scheduled(desk: Desk, s: Session, tasks: list[Any]) -> list[Later]:
    from core.followups import task_view
    from core.plugins import notify

    live = [x for x in tasks if x.status in ("open", "waiting")]
    if not live:
        return []
    s.flush()
    views = [task_view(x, desk.tz) for x in live]

    def fire(ticket: dict[str, Any]) -> None:
        for view in views:
            notify(desk, "followup_scheduled", ticket=ticket, task=view)
    return [fire]


def _queue(desk: Desk, s: Session, ticket: Ticket, later: list[Later]) -> None:
    """Fire `later` with the ticket's final view once the session commits."""
    if not later:
        return
    if _KEY not in s.info:
        s.info[_KEY] = []
        event.listen(s, "before_commit", _freeze, once=True)
        event.listen(s, "after_commit", _fire, once=True)
        event.listen(s, "after_rollback", _drop, once=True)
    s.info[_KEY].append([desk, ticket, later, None])


def _freeze(s: Session) -> None:
    from core.views import ticket_view

    for item in s.info.get(_KEY, []):
        desk, ticket = item[0], item[1]
        item[3] = ticket_view(s, ticket, desk.tz, events=False)


def _fire(s: Session) -> None:
    for _desk, _ticket, later, view in s.info.pop(_KEY, []):
        for fire in later:
            fire(view)


def _drop(s: Session) -> None:
    s.info.pop(_KEY, None)
