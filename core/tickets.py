"""The ticket service: intake and every action under first-contact responsibility (首接负责制).

One transaction per action. The state machine (SPEC §2):

    received ─► dispatched ─► in_progress ─► resolved ─► reported ─► closed
        └─ answered on the spot ──────────────────┘          └ dissatisfied ─► dispatched

Plugins may veto an action (`validate_transition`); notifications fire after commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import clocks, permissions
from core.actions import (  # noqa: F401 - re-exported: the names callers knew here
    ALLOWED,
    OPEN_STATES,
    SYSTEM,
    Action,
    act,
    actor_staff,
    check_satisfaction,
    classify_fields,
    escalation_role,
    fields_of,
    guard,
    load,
    record,
    required,
    reserve,
    when,
)
from core.actions import reopen as reopen_round
from core.directory import departments, get_staff
from core.errors import DomainError, NotFound, TransitionRefused
from core.labels import COMPLAINT_SEVERITIES, CONTACT_METHODS, NATURES, SEVERITIES
from core.models import Staff, Ticket
from core.views import event_view, ticket_view

if TYPE_CHECKING:
    from core.desk import Desk


def intake(desk: Desk, **request: Any) -> dict[str, Any]:
    """Take in one piece of customer information (see `core.intake.intake`)."""
    from core.intake import intake as take_in

    return take_in(desk, **request)


# --------------------------------------------------------------------------- actions


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
    return act(desk, number, "dispatch", actor, at, {"to": to}, body, version=version)


def start(desk: Desk, number: str, *, actor: str | None = None,
          at: str | datetime | None = None,
          version: int | None = None) -> dict[str, Any]:
    def body(a: Action) -> None:
        a.ticket.state = "in_progress"
        a.record("started", {})
    return act(desk, number, "start", actor, at, {}, body, version=version)


def contact(desk: Desk, number: str, note: str, *, actor: str | None = None,
            at: str | datetime | None = None, version: int | None = None,
            method: str | None = None) -> dict[str, Any]:
    """A logged communication with the customer; the first one meets the reply clock,
    a later one the communication clock (`clocks.contacted`)."""
    required(note, "note")
    how = CONTACT_METHODS.parse(method) if method not in (None, "") else None

    def body(a: Action) -> None:
        a.record("contacted", {"note": note, "method": how,
                               "clocks_met": clocks.contacted(desk, a.ticket, a.at)})
    return act(desk, number, "contact", actor, at, {"note": note, "method": how}, body,
               version=version)


def resolve(desk: Desk, number: str, result: str, *, actor: str | None = None,
            at: str | datetime | None = None,
            version: int | None = None) -> dict[str, Any]:
    required(result, "result")

    def body(a: Action) -> None:
        if a.ticket.state == "received" and \
                a.ticket.category not in desk.config.tickets.resolve_on_intake:
            raise TransitionRefused("state", f"a {a.ticket.category} must be dispatched and "
                                    "started before it is resolved")
        a.ticket.state, a.ticket.result = "resolved", result
        met = clocks.finished(desk, a.ticket, a.at)
        a.record("resolved", {"result": result, "clocks_met": met})
    return act(desk, number, "resolve", actor, at, {"result": result}, body, version=version)


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
            reopen_round(a, "customer dissatisfied at report-back (直至满意为止)")
    return act(desk, number, "report", actor, at, {"satisfied": satisfied}, body,
                version=version)


def close(desk: Desk, number: str, *, actor: str | None = None,
          at: str | datetime | None = None,
          version: int | None = None) -> dict[str, Any]:
    def body(a: Action) -> None:
        a.ticket.state, a.ticket.closed_at = "closed", a.at
        a.record("closed", {})
    return act(desk, number, "close", actor, at, {}, body, version=version)


def reopen(desk: Desk, number: str, reason: str, *, actor: str | None = None,
           at: str | datetime | None = None,
           version: int | None = None) -> dict[str, Any]:
    required(reason, "reason")
    return act(desk, number, "reopen", actor, at, {"reason": reason},
                lambda a: reopen_round(a, reason), version=version)


def withdraw(desk: Desk, number: str, reason: str, *, actor: str | None = None,
             at: str | datetime | None = None,
             version: int | None = None) -> dict[str, Any]:
    """Close a ticket the customer withdrew (e.g. refused a charge, 拒绝收费): one
    `withdrawn` event with the reason, no work recorded that was never done."""
    required(reason, "reason")

    def body(a: Action) -> None:
        t = a.ticket
        met = clocks.finished(desk, t, a.at)  # heard, ended
        t.state, t.closed_at, t.result = "closed", a.at, f"withdrawn: {reason.strip()}"
        a.record("withdrawn", {"reason": reason.strip(), "clocks_met": met})
    return act(desk, number, "withdraw", actor, at, {"reason": reason}, body, version=version)


def escalate(desk: Desk, number: str, reason: str, *, actor: str | None = None,
             at: str | datetime | None = None,
             version: int | None = None) -> dict[str, Any]:
    required(reason, "reason")

    def body(a: Action) -> None:
        a.ticket.escalation_level += 1
        a.record("escalated", {"reason": reason, "level": a.ticket.escalation_level,
                               "to": escalation_role(a.ticket)})
    return act(desk, number, "escalate", actor, at, {"reason": reason}, body, version=version)


def reclassify(desk: Desk, number: str, reason: str, *, category: str | None = None,
               severity: str | None = None, nature: str | None = None,
               topic: str | None = None, actor: str | None = None,
               at: str | datetime | None = None,
               version: int | None = None) -> dict[str, Any]:
    """Change the classification; running clocks take the new policy from their start.

    A ticket made important (a major complaint, a repair turned important complaint, public
    safety) is notified to the supervisor or site manager exactly as at intake; a new topic
    is matched again and the decision kept in the history."""
    required(reason, "reason")
    if category is None and severity is None and nature is None and topic is None:
        raise DomainError("category", "give a new --category, --severity, --nature or --topic")
    if topic is not None:
        required(topic, "topic")
        if len(topic.strip()) > 64:
            raise DomainError("topic", "at most 64 characters")

    def body(a: Action) -> None:
        t = a.ticket
        before = {"category": t.category, "severity": t.severity, "nature": t.nature,
                  "topic": t.topic}
        was = (t.nature, escalation_role(t))
        for vocab, value in ((desk.categories, category), (SEVERITIES, severity),
                             (NATURES, nature)):
            if value not in (None, ""):
                vocab.parse(value)  # an unknown term: the request's own fault (422)
        try:
            new = classify_fields(desk, category or t.category,
                                  severity if severity is not None else t.severity,
                                  nature, t.channel)
        except DomainError as exc:  # with what the ticket already is: a conflict (409)
            raise TransitionRefused(exc.field, f"{exc.message} (ticket {t.number} is a "
                                    f"{t.category})") from None
        if category is not None and severity is None and new["category"] != "complaint" \
                and t.severity in COMPLAINT_SEVERITIES:
            new = classify_fields(desk, new["category"], None, nature, t.channel)
        t.category, t.severity, t.nature = new["category"], new["severity"], new["nature"]
        matched = None
        if topic is not None:
            t.topic = topic.strip()
            matched = _retopic(desk, a, t)
        changes = clocks.reprice(desk, t, fields_of(t))
        a.record("reclassified", {"reason": reason, "before": before,
                                  "after": {k: getattr(t, k) for k in before},
                                  "clocks": changes, "topic_match": matched})
        if t.nature == "important" and (was[0] != "important" or was[1] != escalation_role(t)):
            a.record("notified", {"to": escalation_role(t), "why": "important information "
                                  "(重要)", "reclassified": True})
    return act(desk, number, "reclassify", actor, at,
                {"category": category, "severity": severity, "reason": reason}, body,
                version=version)


def _retopic(desk: Desk, a: Action, t: Ticket) -> dict[str, Any]:
    """The new topic's match, and its row for the warning counts."""
    from core.intake import topic_record
    from core.models import TicketTopic
    from core.topics import taxonomy

    matched = topic_record(desk, t.topic, t.summary)
    row = a.session.get(TicketTopic, t.id)
    key = taxonomy(desk.config).key(t.topic, t.summary)
    if row is None:
        a.session.add(TicketTopic(ticket_id=t.id, topic=key, category=t.category,
                                  unit_id=t.unit_id, location=(t.location or "")[:128] or None,
                                  received_at=t.received_at))
    else:
        row.topic, row.category = key, t.category
    return matched


def pause(desk: Desk, number: str, reason: str, *, actor: str | None = None,
          at: str | datetime | None = None,
          version: int | None = None) -> dict[str, Any]:
    """Stop the running clocks (e.g. waiting for the customer); the pause extends deadlines."""
    required(reason, "reason")

    def body(a: Action) -> None:
        paused = clocks.pause(a.ticket, a.at, reason)
        if not paused:
            raise TransitionRefused("state", f"ticket {number} has no running clock to pause")
        a.record("paused", {"reason": reason, "clocks": paused})
    return act(desk, number, "pause", actor, at, {"reason": reason}, body, version=version)


def resume(desk: Desk, number: str, *, reason: str | None = None, actor: str | None = None,
           at: str | datetime | None = None,
           version: int | None = None) -> dict[str, Any]:
    def body(a: Action) -> None:
        resumed = clocks.resume(desk, a.ticket, a.at)
        if not resumed:
            raise TransitionRefused("state", f"ticket {number} has no paused clock")
        a.record("resumed", {"reason": reason, "clocks": resumed, "due": {
            c.clock: c.due_at.isoformat() for c in clocks.running(a.ticket)}})
    return act(desk, number, "resume", actor, at, {"reason": reason}, body, version=version)


def handover(desk: Desk, from_staff: str, to_staff: str, *, note: str | None = None,
             actor: str | None = None, at: str | datetime | None = None) -> list[str]:
    """Shift change (交接班): every open ticket of one owner passes to another, one event each."""
    notifications = []
    with desk.write() as s:
        giver, taker = get_staff(s, from_staff, "from"), get_staff(s, to_staff, "to")
        if giver.id == taker.id:
            raise DomainError("to", "hand over to someone else")
        permissions.check_owner(taker, "to")
        staff = actor_staff(s, actor)
        actor_name = staff.name if staff else giver.name
        permissions.check(staff, "handover", None, {"from": giver.name})
        tickets = s.scalars(select(Ticket).where(
            Ticket.owner_id == giver.id, Ticket.state.in_(OPEN_STATES)).order_by(Ticket.id))
        for ticket in tickets:
            at_ = when(desk, s, ticket, at)
            data = {"from": giver.name, "to": taker.name, "note": note}
            guard(desk, ticket, "handover", staff, data)
            ticket.owner = taker
            ticket.version += 1
            ev = record(s, ticket, "handed_over", at_, actor_name, data)
            notifications.append((ticket, ev))
        s.flush()
        done = [(ticket_view(s, t, desk.tz), event_view(ev, desk.tz)) for t, ev in notifications]
        for view, ev in done:
            desk.notify("ticket_transitioned", ticket=view, action="handover",
                        from_state=view["state"], to_state=view["state"], event=ev)
    return [view["number"] for view, _ in done]


