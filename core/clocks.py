"""SLA clocks on stored tickets: start, meet, pause, resume, recompute, explain.

The arithmetic is `core.sla`'s; this module only moves it in and out of `SLAClock` rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from core import sla
from core.models import SLAClock, Ticket
from core.policy import sla_policy

if TYPE_CHECKING:
    from core.desk import Desk

CLOCK_NAMES = ("reply", "resolve")
#: a repair unfinished after N days needs a logged contact with the owner (SPEC §3)
COMMUNICATION = "communication"


def policy(desk: Desk, fields: dict[str, Any], clock: str) -> sla.Duration | None:
    """The clock's duration for a ticket, as plugins and `[sla.policies]` decide."""
    return sla_policy(desk.pm, desk.config, fields, clock, desk)


def _pauses(clock: SLAClock) -> list[sla.Pause]:
    return [sla.Pause(datetime.fromisoformat(p["start"]),
                      datetime.fromisoformat(p["end"]) if p.get("end") else None,
                      p.get("reason", "")) for p in clock.pauses or []]


def compute(desk: Desk, clock: SLAClock, explain: bool = False) -> sla.Deadline:
    return sla.deadline(clock.started_at, sla.Duration.parse(clock.policy),
                        desk.config.working_calendar, desk.config.business_hours,
                        _pauses(clock), explain=explain)


def refresh(desk: Desk, clock: SLAClock) -> None:
    """Recompute due and at-risk times from start, policy and closed pauses (the at-risk
    moment counts the clock's running time only: `sla.at_risk_with_pauses`)."""
    closed = [p for p in _pauses(clock) if p.end is not None]
    duration = sla.Duration.parse(clock.policy)
    cal, hours = desk.config.working_calendar, desk.config.business_hours
    due = sla.deadline(clock.started_at, duration, cal, hours, closed).due_at
    assert due is not None
    clock.due_at = sla.to_utc(due)
    clock.at_risk_at = sla.to_utc(sla.at_risk_with_pauses(
        clock.started_at, duration, desk.config.sla.at_risk_ratio, cal, hours, closed))


def start(desk: Desk, ticket: Ticket, name: str, at: datetime, duration: sla.Duration,
          round_: int = 1) -> SLAClock:
    clock = SLAClock(clock=name, round=round_, policy=str(duration), started_at=at, pauses=[])
    refresh(desk, clock)
    ticket.clocks.append(clock)
    return clock


def communication(desk: Desk, fields: dict[str, Any]) -> sla.Duration | None:
    """The communication clock's length for a classification (`[sla] communication`)."""
    return desk.config.communication_duration(fields["category"], fields.get("severity"))


def start_all(desk: Desk, ticket: Ticket, fields: dict[str, Any], at: datetime) -> None:
    for name in CLOCK_NAMES:
        duration = policy(desk, fields, name)
        if duration is not None:
            start(desk, ticket, name, at, duration)
    talk = communication(desk, fields)
    if talk is not None:
        start(desk, ticket, COMMUNICATION, at, talk)


def running(ticket: Ticket, name: str | None = None) -> list[SLAClock]:
    return [c for c in ticket.clocks if c.met_at is None and (name is None or c.clock == name)]


def meet(ticket: Ticket, name: str, at: datetime, desk: Desk | None = None) -> list[str]:
    """Mark running clocks met; returns their names (for the event record). A paused
    clock met is resumed first, its deadline moved by the pause (given the `desk`)."""
    met = []
    for clock in running(ticket, name):
        if clock.paused_since is not None:
            _close_pause(clock, at)
            if desk is not None:
                refresh(desk, clock)
        clock.met_at = at
        met.append(clock.clock)
    return met


def contacted(desk: Desk, ticket: Ticket, at: datetime) -> list[str]:
    """A logged contact with the owner: the first one is the reply (the call that agrees
    the appointment); a contact made once the reply is met is a communication about how
    the matter stands, and meets the communication clock."""
    replied = any(c.clock == "reply" and c.met_at is not None for c in ticket.clocks)
    met = meet(ticket, "reply", at, desk)
    if not met and (replied or not any(c.clock == "reply" for c in ticket.clocks)):
        met = meet(ticket, COMMUNICATION, at, desk)
    return met


def finished(desk: Desk, ticket: Ticket, at: datetime) -> list[str]:
    """The matter is done (resolved, withdrawn): every running clock of it ends."""
    return [m for name in ("reply", "resolve", COMMUNICATION)
            for m in meet(ticket, name, at, desk)]


def pause(ticket: Ticket, at: datetime, reason: str) -> list[str]:
    paused = []
    for clock in running(ticket):
        if clock.paused_since is None:
            clock.paused_since = at
            clock.pauses = [*clock.pauses, {"start": at.isoformat(), "end": None,
                                            "reason": reason}]
            paused.append(clock.clock)
    return paused


def resume(desk: Desk, ticket: Ticket, at: datetime) -> list[str]:
    resumed = []
    for clock in running(ticket):
        if clock.paused_since is not None:
            _close_pause(clock, at)
            refresh(desk, clock)
            resumed.append(clock.clock)
    return resumed


def _close_pause(clock: SLAClock, at: datetime) -> None:
    pauses = [dict(p) for p in clock.pauses]
    pauses[-1]["end"] = at.isoformat()
    clock.pauses = pauses
    clock.paused_since = None


def reprice(desk: Desk, ticket: Ticket, fields: dict[str, Any]) -> dict[str, Any]:
    """After reclassification: running clocks take the new policy from their own start.

    A redo round (a resolve clock restarted by a reopening) keeps the redo length
    (`[sla] reopen`, 24 h for a repair) as long as the new category has one: it was
    never the category's first deadline."""
    changes: dict[str, Any] = {}
    working = ticket.state in ("received", "dispatched", "in_progress")
    for name in (*CLOCK_NAMES, COMMUNICATION):
        current = [c for c in ticket.clocks if c.clock == name]
        latest = max(current, key=lambda c: c.round) if current else None
        if name == COMMUNICATION:
            duration = communication(desk, fields)
        elif name == "resolve" and latest is not None and \
                latest.started_at > ticket.received_at:  # started by a reopening
            duration = desk.config.reopen_duration(fields["category"]) or policy(
                desk, fields, name)
        else:
            duration = policy(desk, fields, name)
        if latest is None:
            if duration is not None and (name == "resolve" or working):
                start(desk, ticket, name, ticket.received_at, duration)
                changes[name] = {"from": None, "to": str(duration)}
        elif latest.met_at is None:
            if duration is None:
                ticket.clocks.remove(latest)
                changes[name] = {"from": latest.policy, "to": None}
            elif str(duration) != latest.policy:
                changes[name] = {"from": latest.policy, "to": str(duration)}
                latest.policy = str(duration)
                refresh(desk, latest)
    return changes
