"""The action machinery every ticket action runs through, core's and plugins' alike.

`act()` is one action inside the caller's unit of work: load and row-lock the ticket,
check its version, decide the time (`core.action_time`: not in the future, not before
the ticket's last event), check the state machine, the actor's role and every plugin's
veto (`validate_transition`), run the body, let the in-transaction reactions run
(`action_applied`: follow-up planning) and queue `ticket_transitioned` for after commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from core import clocks, permissions
from core.action_time import action_time
from core.directory import get_staff
from core.errors import Conflict, DomainError, NotFound, TransitionRefused
from core.labels import CHANNELS, COMPLAINT_SEVERITIES, NATURES, SEVERITIES, STATES
from core.models import Counter, Staff, Ticket, TicketEvent
from core.textcheck import check_fields
from core.times import utcnow
from core.views import event_view, ticket_view

if TYPE_CHECKING:
    from core.desk import Desk

OPEN_STATES = frozenset({"received", "dispatched", "in_progress", "resolved", "reported"})
ALLOWED: dict[str, frozenset[str]] = {
    "dispatch": frozenset({"received", "dispatched", "in_progress"}),
    "start": frozenset({"dispatched"}),
    "resolve": frozenset({"received", "in_progress"}),
    "report": frozenset({"resolved"}),
    "close": frozenset({"reported"}),
    "reopen": frozenset({"resolved", "reported", "closed"}),
    # an open ticket only for the follow-ups that run while it is handled (first call,
    # agreement, survey): `core.followups.record` checks which
    "followup": OPEN_STATES | {"closed"},
    "withdraw": OPEN_STATES,
    **{a: OPEN_STATES for a in ("contact", "escalate", "reclassify", "pause", "resume",
                                "handover", "attach")},
}
SYSTEM = "system"


@dataclass
class Action:
    """What an action's body sees and records."""

    desk: Desk
    session: Session
    ticket: Ticket
    at: datetime
    staff: Staff | None
    events: list[TicketEvent] = field(default_factory=list)

    @property
    def actor(self) -> str:
        return self.staff.name if self.staff else SYSTEM

    def record(self, kind: str, data: dict[str, Any]) -> None:
        self.events.append(record(self.session, self.ticket, kind, self.at, self.actor, data))


def act(desk: Desk, number: str, action: str, actor: str | None, at: str | datetime | None,
        data: dict[str, Any], body: Callable[[Action], None],
        version: int | None = None) -> dict[str, Any]:
    """Run one ticket action in the caller's unit of work (or a new one)."""
    check_fields(data)  # control characters, naming the field (before any database)
    with desk.write() as s:
        ticket = load(s, number)
        if version is not None and version != ticket.version:
            raise Conflict("version", f"ticket {number} is at version {ticket.version}, "
                           f"not {version}: reload it and try again")
        staff = actor_staff(s, actor)
        a = Action(desk, s, ticket, when(desk, s, ticket, at), staff)
        from_state = ticket.state
        guard(desk, ticket, action, staff, data)
        body(a)
        desk.pm.hook.action_applied(action=a, name=action, from_state=from_state, desk=desk)
        ticket.version += 1
        s.flush()
        view = ticket_view(s, ticket, desk.tz)
        for ev in a.events:
            desk.notify("ticket_transitioned", ticket=view, action=action,
                        from_state=from_state, to_state=ticket.state,
                        event=event_view(ev, desk.tz))
    return permissions.view_for(staff, view)  # plugins heard it whole; the caller, as allowed


def guard(desk: Desk, ticket: Ticket, action: str, staff: Staff | None,
          data: dict[str, Any]) -> None:
    """State machine, role, then every plugin's veto; raises before anything is written."""
    if ticket.state not in ALLOWED[action]:
        raise TransitionRefused("state", f"cannot {action} ticket {ticket.number}: it is "
                                f"{STATES.label(ticket.state)}")
    permissions.check(staff, action, ticket, data)
    desk.pm.hook.validate_transition(ticket=ticket_view(None, ticket, desk.tz, events=False),
                                     action=action, actor=staff.name if staff else SYSTEM,
                                     data=data, desk=desk)


def reopen(a: Action, reason: str) -> None:
    """Back to dispatched with a new round of the resolve clock (a redo for repairs)."""
    t = a.ticket
    t.state, t.satisfied, t.closed_at = "dispatched", None, None
    t.reopen_count += 1
    duration = a.desk.config.reopen_duration(t.category) or clocks.policy(
        a.desk, fields_of(t), "resolve")
    rounds = [c.round for c in t.clocks if c.clock == "resolve"]
    if duration is not None:
        clocks.start(a.desk, t, "resolve", a.at, duration, max(rounds, default=0) + 1)
    a.record("reopened", {"reason": reason, "reopen_count": t.reopen_count,
                          "resolve_within": str(duration) if duration else None})


def escalation_role(ticket: Ticket) -> str:
    """Major complaints go to the site manager; everything else to the supervisor first."""
    major = ticket.category == "complaint" and ticket.severity == "major"
    return "manager" if major or ticket.escalation_level >= 2 else "supervisor"


def classify_fields(desk: Desk, category: str, severity: str | None, nature: str | None,
                    channel: str) -> dict[str, Any]:
    """Parse and check a classification; complaints need a severity (SPEC §2)."""
    cat = desk.categories.parse(category)
    sev = SEVERITIES.parse(severity) if severity not in (None, "") else None
    if cat == "complaint" and sev not in COMPLAINT_SEVERITIES:
        raise DomainError("severity", "a complaint needs a severity: major (重大), "
                          "important (重要) or minor (轻微)")
    if sev == "urgent" and cat != "repair":
        raise DomainError("severity", "urgent (紧急) is for emergency repairs only")
    if nature in (None, ""):
        nature = "important" if sev in ("major", "important") or cat == "public_safety" \
            else "general"
    return {"category": cat, "severity": sev, "nature": NATURES.parse(nature),
            "channel": CHANNELS.parse(channel)}


def reserve(s: Session, key: str, count: int = 1) -> int:
    """Atomically add `count` to a counter and return its new value (row-locked until commit)."""
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    bump = insert(Counter).values(key=bindparam("key"), value=bindparam("n"))
    bump = bump.on_conflict_do_update(index_elements=[Counter.key],
                                      set_={"value": Counter.value + bindparam("n")})
    # bound, not literal, values: one compiled statement serves every call
    return s.execute(bump.returning(Counter.value), {"key": key, "n": count}).scalar_one()


def load(s: Session, number: str) -> Ticket:
    """The ticket, row-locked until commit on PostgreSQL so actions on it queue up."""
    ticket = s.scalar(select(Ticket).where(Ticket.number == number.strip())
                      .with_for_update(of=Ticket))
    if ticket is None:
        raise NotFound("number", f"no ticket {number!r}")
    return ticket


def check_satisfaction(value: int | None) -> None:
    if value is not None and not 1 <= value <= 5:
        raise DomainError("satisfaction", f"must be 1 (very dissatisfied) to 5 (very "
                          f"satisfied), got {value}")


def required(value: str | None, name: str) -> None:
    if value is None or not str(value).strip():
        raise DomainError(name, "must not be empty")


def fields_of(t: Ticket) -> dict[str, Any]:
    return {"category": t.category, "severity": t.severity, "nature": t.nature,
            "channel": t.channel, "topic": t.topic}


def actor_staff(s: Session, actor: str | None) -> Staff | None:
    """The acting staff member; None is the site operator (CLI without --as)."""
    return None if actor is None else get_staff(s, actor, "as")


def when(desk: Desk, s: Session, ticket: Ticket, at: str | datetime | None) -> datetime:
    """The action's time (`core.action_time`), never before the ticket's last event."""
    last = s.scalar(select(func.max(TicketEvent.at)).where(TicketEvent.ticket_id == ticket.id))
    return action_time(desk, at, not_before=last, what="the ticket's last event")


def record(s: Session, ticket: Ticket, kind: str, at: datetime, actor: str,
           data: dict[str, Any]) -> TicketEvent:
    check_fields(data)  # what the history keeps: no control characters (field named)
    event = TicketEvent(ticket_id=ticket.id, kind=kind, at=at, actor=actor,
                        data={k: v for k, v in data.items() if v is not None},
                        recorded_at=utcnow())
    s.add(event)
    return event
