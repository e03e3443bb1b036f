"""The ticket service: intake and every action under first-contact responsibility (首接负责制).

One transaction per action. The state machine (SPEC §2):

    received ─► dispatched ─► in_progress ─► resolved ─► reported ─► closed
        └─ answered on the spot ──────────────────┘          └ dissatisfied ─► dispatched

Plugins may veto an action (`validate_transition`); notifications fire after commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from core import clocks, permissions, reactions
from core.directory import departments, get_staff
from core.errors import Conflict, DomainError, NotFound, TransitionRefused
from core.labels import CHANNELS, COMPLAINT_SEVERITIES, NATURES, SEVERITIES, STATES
from core.models import Counter, Staff, Ticket, TicketEvent
from core.plugins import notify
from core.times import FUTURE_TOLERANCE, parse_time, utcnow
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
    "followup": frozenset({"resolved", "reported", "closed"}),
    **{a: OPEN_STATES for a in ("contact", "escalate", "reclassify", "pause", "resume",
                                "handover")},
}
SYSTEM = "system"


# --------------------------------------------------------------------------- intake


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


def intake(desk: Desk, **request: Any) -> dict[str, Any]:
    """Take in one piece of customer information (see `core.intake.intake`)."""
    from core.intake import intake as take_in

    return take_in(desk, **request)


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


# --------------------------------------------------------------------------- actions


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
        self.events.append(_record(self.session, self.ticket, kind, self.at, self.actor, data))


def _act(desk: Desk, number: str, action: str, actor: str | None, at: str | datetime | None,
         data: dict[str, Any], body: Callable[[Action], None],
         version: int | None = None) -> dict[str, Any]:
    with desk.write() as s:
        ticket = load(s, number)
        if version is not None and version != ticket.version:
            raise Conflict("version", f"ticket {number} is at version {ticket.version}, "
                           f"not {version}: reload it and try again")
        act = Action(desk, s, ticket, _when(desk, s, ticket, at), _actor(s, actor))
        from_state = ticket.state
        _guard(desk, ticket, action, act.staff, data)
        body(act)
        reactions.after_action(act, action, from_state)  # the follow-up queue
        ticket.version += 1
        s.flush()
        view = ticket_view(s, ticket, desk.tz)
    for ev in act.events:
        notify(desk, "ticket_transitioned", ticket=view, action=action,
               from_state=from_state, to_state=ticket.state, event=event_view(ev, desk.tz))
    return view


def _guard(desk: Desk, ticket: Ticket, action: str, staff: Staff | None,
           data: dict[str, Any]) -> None:
    if ticket.state not in ALLOWED[action]:
        raise TransitionRefused("state", f"cannot {action} ticket {ticket.number}: it is "
                                f"{STATES.label(ticket.state)}")
    permissions.check(staff, action, ticket, data)
    desk.pm.hook.validate_transition(ticket=ticket_view(None, ticket, desk.tz, events=False),
                                     action=action, actor=staff.name if staff else SYSTEM,
                                     data=data, desk=desk)


def dispatch(desk: Desk, number: str, to: str, *, actor: str | None = None,
             at: str | datetime | None = None,
             version: int | None = None, note: str | None = None) -> dict[str, Any]:
    """Send the ticket to a person (by name) or a department; the desk contacts them itself."""
    def body(a: Action) -> None:
        staff = a.session.scalar(select(Staff).where(Staff.name == to.strip()))
        if staff is not None:
            a.ticket.assignee, a.ticket.department = staff, staff.department
        elif to.strip() in departments(a.session):
            a.ticket.assignee, a.ticket.department = None, to.strip()
        else:
            raise NotFound("to", f"no staff member or department {to!r}")
        a.ticket.state = "dispatched"
        a.record("dispatched", {"to": to.strip(), "department": a.ticket.department,
                                "note": note})
    return _act(desk, number, "dispatch", actor, at, {"to": to}, body, version=version)


def start(desk: Desk, number: str, *, actor: str | None = None,
          at: str | datetime | None = None,
          version: int | None = None) -> dict[str, Any]:
    def body(a: Action) -> None:
        a.ticket.state = "in_progress"
        a.record("started", {})
    return _act(desk, number, "start", actor, at, {}, body, version=version)


def contact(desk: Desk, number: str, note: str, *, actor: str | None = None,
            at: str | datetime | None = None,
            version: int | None = None) -> dict[str, Any]:
    """A logged communication with the customer; the first one meets the reply clock."""
    _required(note, "note")

    def body(a: Action) -> None:
        a.record("contacted", {"note": note, "clocks_met": clocks.meet(a.ticket, "reply", a.at)})
    return _act(desk, number, "contact", actor, at, {"note": note}, body, version=version)


def resolve(desk: Desk, number: str, result: str, *, actor: str | None = None,
            at: str | datetime | None = None,
            version: int | None = None) -> dict[str, Any]:
    _required(result, "result")

    def body(a: Action) -> None:
        if a.ticket.state == "received" and \
                a.ticket.category not in desk.config.tickets.resolve_on_intake:
            raise TransitionRefused("state", f"a {a.ticket.category} must be dispatched and "
                                    "started before it is resolved")
        a.ticket.state, a.ticket.result = "resolved", result
        met = clocks.meet(a.ticket, "reply", a.at) + clocks.meet(a.ticket, "resolve", a.at)
        a.record("resolved", {"result": result, "clocks_met": met})
    return _act(desk, number, "resolve", actor, at, {"result": result}, body, version=version)


def report(desk: Desk, number: str, satisfied: bool | None, *, satisfaction: int | None = None,
           signed: bool = False, note: str | None = None, actor: str | None = None,
           at: str | datetime | None = None,
           version: int | None = None) -> dict[str, Any]:
    """The owner reports the result back; a dissatisfied customer reopens the ticket."""
    if satisfied is None:
        raise DomainError("satisfied", "say whether the customer is satisfied: "
                          "--satisfied or --dissatisfied")
    check_satisfaction(satisfaction)

    def body(a: Action) -> None:
        a.ticket.satisfied = satisfied
        a.record("reported", {"satisfied": satisfied, "satisfaction": satisfaction,
                              "signed": signed, "note": note,
                              "clocks_met": clocks.meet(a.ticket, "reply", a.at)})
        if satisfied:
            a.ticket.state = "reported"
        else:
            _reopen(a, "customer dissatisfied at report-back (直至满意为止)")
    return _act(desk, number, "report", actor, at, {"satisfied": satisfied}, body,
                version=version)


def close(desk: Desk, number: str, *, actor: str | None = None,
          at: str | datetime | None = None,
          version: int | None = None) -> dict[str, Any]:
    def body(a: Action) -> None:
        a.ticket.state, a.ticket.closed_at = "closed", a.at
        a.record("closed", {})
    return _act(desk, number, "close", actor, at, {}, body, version=version)


def reopen(desk: Desk, number: str, reason: str, *, actor: str | None = None,
           at: str | datetime | None = None,
           version: int | None = None) -> dict[str, Any]:
    _required(reason, "reason")
    return _act(desk, number, "reopen", actor, at, {"reason": reason},
                lambda a: _reopen(a, reason), version=version)


def _reopen(a: Action, reason: str) -> None:
    """Back to dispatched with a new round of the resolve clock (a redo for repairs)."""
    t = a.ticket
    t.state, t.satisfied, t.closed_at = "dispatched", None, None
    t.reopen_count += 1
    duration = a.desk.config.reopen_duration(t.category) or clocks.policy(
        a.desk, _fields(t), "resolve")
    rounds = [c.round for c in t.clocks if c.clock == "resolve"]
    if duration is not None:
        clocks.start(a.desk, t, "resolve", a.at, duration, max(rounds, default=0) + 1)
    a.record("reopened", {"reason": reason, "reopen_count": t.reopen_count,
                          "resolve_within": str(duration) if duration else None})


def escalate(desk: Desk, number: str, reason: str, *, actor: str | None = None,
             at: str | datetime | None = None,
             version: int | None = None) -> dict[str, Any]:
    _required(reason, "reason")

    def body(a: Action) -> None:
        a.ticket.escalation_level += 1
        a.record("escalated", {"reason": reason, "level": a.ticket.escalation_level,
                               "to": _escalation_role(a.ticket)})
    return _act(desk, number, "escalate", actor, at, {"reason": reason}, body, version=version)


def _escalation_role(ticket: Ticket) -> str:
    """Major complaints go to the site manager; everything else to the supervisor first."""
    major = ticket.category == "complaint" and ticket.severity == "major"
    return "manager" if major or ticket.escalation_level >= 2 else "supervisor"


def reclassify(desk: Desk, number: str, reason: str, *, category: str | None = None,
               severity: str | None = None, nature: str | None = None,
               actor: str | None = None, at: str | datetime | None = None,
               version: int | None = None) -> dict[str, Any]:
    """Change the classification; running clocks take the new policy from their start."""
    _required(reason, "reason")
    if category is None and severity is None and nature is None:
        raise DomainError("category", "give a new --category, --severity or --nature")

    def body(a: Action) -> None:
        t = a.ticket
        before = {"category": t.category, "severity": t.severity, "nature": t.nature}
        new = classify_fields(desk, category or t.category,
                              severity if severity is not None else t.severity,
                              nature, t.channel)
        if category is not None and severity is None and new["category"] != "complaint" \
                and t.severity in COMPLAINT_SEVERITIES:
            new = classify_fields(desk, new["category"], None, nature, t.channel)
        t.category, t.severity, t.nature = new["category"], new["severity"], new["nature"]
        changes = clocks.reprice(desk, t, _fields(t))
        a.record("reclassified", {"reason": reason, "before": before,
                                  "after": {k: new[k] for k in before}, "clocks": changes})
    return _act(desk, number, "reclassify", actor, at,
                {"category": category, "severity": severity, "reason": reason}, body,
                version=version)


def pause(desk: Desk, number: str, reason: str, *, actor: str | None = None,
          at: str | datetime | None = None,
          version: int | None = None) -> dict[str, Any]:
    """Stop the running clocks (e.g. waiting for the customer); the pause extends deadlines."""
    _required(reason, "reason")

    def body(a: Action) -> None:
        paused = clocks.pause(a.ticket, a.at, reason)
        if not paused:
            raise TransitionRefused("state", f"ticket {number} has no running clock to pause")
        a.record("paused", {"reason": reason, "clocks": paused})
    return _act(desk, number, "pause", actor, at, {"reason": reason}, body, version=version)


def resume(desk: Desk, number: str, *, reason: str | None = None, actor: str | None = None,
           at: str | datetime | None = None,
           version: int | None = None) -> dict[str, Any]:
    def body(a: Action) -> None:
        resumed = clocks.resume(desk, a.ticket, a.at)
        if not resumed:
            raise TransitionRefused("state", f"ticket {number} has no paused clock")
        a.record("resumed", {"reason": reason, "clocks": resumed, "due": {
            c.clock: c.due_at.isoformat() for c in clocks.running(a.ticket)}})
    return _act(desk, number, "resume", actor, at, {"reason": reason}, body, version=version)


def handover(desk: Desk, from_staff: str, to_staff: str, *, note: str | None = None,
             actor: str | None = None, at: str | datetime | None = None) -> list[str]:
    """Shift change (交接班): every open ticket of one owner passes to another, one event each."""
    notifications = []
    with desk.write() as s:
        giver, taker = get_staff(s, from_staff, "from"), get_staff(s, to_staff, "to")
        if giver.id == taker.id:
            raise DomainError("to", "hand over to someone else")
        staff = _actor(s, actor)
        actor_name = staff.name if staff else giver.name
        permissions.check(staff, "handover", None, {"from": giver.name})
        tickets = s.scalars(select(Ticket).where(
            Ticket.owner_id == giver.id, Ticket.state.in_(OPEN_STATES)).order_by(Ticket.id))
        for ticket in tickets:
            when = _when(desk, s, ticket, at)
            data = {"from": giver.name, "to": taker.name, "note": note}
            _guard(desk, ticket, "handover", staff, data)
            ticket.owner = taker
            ticket.version += 1
            ev = _record(s, ticket, "handed_over", when, actor_name, data)
            notifications.append((ticket, ev))
        s.flush()
        done = [(ticket_view(s, t, desk.tz), event_view(ev, desk.tz)) for t, ev in notifications]
    for view, ev in done:
        notify(desk, "ticket_transitioned", ticket=view, action="handover",
               from_state=view["state"], to_state=view["state"], event=ev)
    return [view["number"] for view, _ in done]


# --------------------------------------------------------------------------- helpers


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


def _required(value: str | None, name: str) -> None:
    if value is None or not str(value).strip():
        raise DomainError(name, "must not be empty")


def _fields(t: Ticket) -> dict[str, Any]:
    return {"category": t.category, "severity": t.severity, "nature": t.nature,
            "channel": t.channel, "topic": t.topic}


def _actor(s: Session, actor: str | None) -> Staff | None:
    """The acting staff member; None is the site operator (CLI without --as)."""
    return None if actor is None else get_staff(s, actor, "as")


def _when(desk: Desk, s: Session, ticket: Ticket, at: str | datetime | None) -> datetime:
    """The action's time: now, or a past time no earlier than the ticket's last event."""
    now = desk.now()
    when = parse_time(at, desk.tz) if at is not None else now
    if when > now + FUTURE_TOLERANCE:
        raise DomainError("at", "a time in the future cannot be recorded")
    last = s.scalar(select(func.max(TicketEvent.at)).where(TicketEvent.ticket_id == ticket.id))
    if last is not None and when < last:
        raise DomainError("at", f"{when.astimezone(desk.tz).isoformat(timespec='minutes')} is "
                          f"before the ticket's last event "
                          f"({last.astimezone(desk.tz).isoformat(timespec='minutes')})")
    return when


def _record(s: Session, ticket: Ticket, kind: str, at: datetime, actor: str,
            data: dict[str, Any]) -> TicketEvent:
    event = TicketEvent(ticket_id=ticket.id, kind=kind, at=at, actor=actor,
                        data={k: v for k, v in data.items() if v is not None},
                        recorded_at=utcnow())
    s.add(event)
    return event
