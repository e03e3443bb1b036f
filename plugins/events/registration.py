"""Registration, the waiting list, check-in and no-shows, and the notice outbox.

Capacity holds under any mix of concurrent registrations and cancellations because every
change to a session's seats happens in one unit of work that first locks the session row
(`kit.lock`: `SELECT ... FOR UPDATE` on PostgreSQL; SQLite's write transaction holds the
database from its start), then reads the registration it changes afresh, counts the seats
and writes. A second cancel of the same seat therefore sees it cancelled and is refused
(409) instead of promoting a second household from the waiting list.

Lock order, everywhere: event, then its sessions (by id), then registrations.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import kit
from plugins.events.models import Event, EventSession, Notice, Registration
from plugins.events.service import Time, acting, approver, event_view, get_event

CHANNELS = kit.Vocabulary("channel")
for _row in [("phone", "电话", "phone", ("tel",)), ("desk", "前台", "front desk", ("现场",)),
             ("online", "线上", "online", ("网上", "wechat", "微信"))]:
    CHANNELS.add(*_row)
ACTIVE = ("confirmed", "waiting", "attended", "no_show")
SEATED = ("confirmed", "attended", "no_show")
KINDS = {"confirmed": "报名成功 / registration confirmed",
         "waiting": "已进入候补 / on the waiting list",
         "promoted": "候补转正 / promoted from the waiting list",
         "reminder": "活动提醒 / reminder", "survey": "满意度调查 / satisfaction survey",
         "cancelled": "活动取消 / event cancelled"}
#: who marks notices delivered: the desk, or an integrator's SMS / WeChat sender
SENDERS = kit.DESK | {"integrator"}


def _locked_session(s: Session, session_id: int) -> tuple[EventSession, Event]:
    """The session's event row, then the session row, locked until commit and read afresh:
    concurrent seat changes (and a call-off) queue here. The event comes first because a
    notice's foreign key share-locks it: a seat change that took only the session would
    deadlock with a call-off holding the event and waiting for the session."""
    event_id = s.scalar(select(EventSession.event_id).where(EventSession.id == session_id))
    if event_id is None:
        raise kit.NotFound("session", f"no session {session_id}")
    event = get_event(s, event_id, lock=True)
    session = s.scalar(kit.lock(select(EventSession).where(EventSession.id == session_id))
                       .execution_options(populate_existing=True))
    assert session is not None
    return session, event


def _locked_registration(s: Session, reg_id: int, *, with_session: bool = True
                         ) -> tuple[Registration, EventSession | None, Event | None]:
    """The registration read afresh under its lock; with `with_session`, its session's row
    is locked first (a registration never changes session, so it can be looked up)."""
    session_id = s.scalar(select(Registration.session_id).where(Registration.id == reg_id))
    if session_id is None:
        raise kit.NotFound("registration", f"no registration {reg_id}")
    session, event = _locked_session(s, session_id) if with_session else (None, None)
    reg = s.scalar(kit.lock(select(Registration).where(Registration.id == reg_id))
                   .execution_options(populate_existing=True))
    assert reg is not None
    return reg, session, event


def _notice(s: Session, tz: Any, kind: str, event: Event, session: EventSession,
            reg: Registration, unit: kit.Unit, at: datetime) -> None:
    text = (f"【社区活动】{event.title} {kit.show(session.starts_at, tz)} "
            f"{session.place or ''} — {KINDS[kind]}").replace("  ", " ")
    s.add(Notice(event_id=event.id, registration_id=reg.id, kind=kind, unit=unit.code,
                 phone=reg.phone, message=text, created_at=at))


def register(desk: kit.Desk, session_id: int, *, unit: str, channel: str, at: Time = None,
             name: str | None = None, phone: str | None = None,
             actor: str | None = None) -> dict[str, Any]:
    """A seat if one is free, else the waiting list if the event keeps one, else refused."""
    channel = CHANNELS.parse(channel)
    with desk.write() as s:
        staff = acting(s, actor, "register a household for an event", kit.DESK)
        session, event = _locked_session(s, session_id)
        if event.status != "approved":
            raise kit.DomainError("session", f"event {event.id} is {event.status}; "
                                  "registration opens when the proposal is approved")
        when = kit.action_time(desk, at, not_before=event.approved_at,
                               what="the event's approval")
        if session.starts_at <= when:
            raise kit.DomainError("session", f"session {session_id} began at "
                                  f"{kit.show(session.starts_at, desk.tz)}; it is past")
        household = kit.get_unit(s, unit)
        held = s.scalar(select(func.count()).where(
            Registration.session_id == session.id, Registration.unit_id == household.id,
            Registration.status.in_(ACTIVE))) or 0
        if held >= event.per_household:
            raise kit.Conflict("unit", f"household {household.code} is already registered "
                               f"for session {session_id} (limit {event.per_household})")
        taken = s.scalar(select(func.count()).where(
            Registration.session_id == session.id, Registration.status.in_(SEATED))) or 0
        if taken < session.capacity:
            status = "confirmed"
        elif event.waitlist:
            status = "waiting"
        else:
            raise kit.DomainError("session", f"session {session_id} is full "
                                  f"({session.capacity}) and the event keeps no waiting list")
        reg = Registration(session_id=session.id, unit_id=household.id,
                           name=name or household.owner_name,
                           phone=phone or household.owner_phone, channel=channel,
                           status=status, created_at=when, changed_at=when,
                           by=staff.name if staff else None)
        s.add(reg)
        s.flush()
        _notice(s, desk.tz, status, event, session, reg, household, when)
        return registration_view(desk, reg.id)


def _promote(s: Session, desk: kit.Desk, session: EventSession, event: Event,
             at: datetime) -> None:
    """Give the first on the waiting list a freed seat, if a seat is free (under the
    session's lock)."""
    taken = s.scalar(select(func.count()).where(
        Registration.session_id == session.id, Registration.status.in_(SEATED))) or 0
    if taken >= session.capacity:
        return
    first = s.scalar(select(Registration).where(
        Registration.session_id == session.id, Registration.status == "waiting")
        .order_by(Registration.created_at, Registration.id).limit(1))
    if first is not None:
        first.status, first.changed_at = "confirmed", at
        _notice(s, desk.tz, "promoted", event, session, first,
                s.get_one(kit.Unit, first.unit_id), at)


def cancel(desk: kit.Desk, reg_id: int, *, at: Time = None,
           actor: str | None = None) -> dict[str, Any]:
    """Cancel; a freed seat goes to the first on the waiting list at once. A registration
    already cancelled (or attended) is refused with 409 and changes nothing."""
    with desk.write() as s:
        acting(s, actor, "cancel an event registration", kit.DESK)
        reg, session, event = _locked_registration(s, reg_id)
        assert session is not None and event is not None
        if reg.status not in ("confirmed", "waiting"):
            raise kit.TransitionRefused("registration", f"registration {reg_id} is "
                                        f"{reg.status}")
        when = kit.action_time(desk, at, not_before=reg.changed_at,
                               what="the registration's last change")
        freed = reg.status == "confirmed"
        reg.status, reg.changed_at = "cancelled", when
        s.flush()
        if freed and session.starts_at > when:
            _promote(s, desk, session, event, when)
        return registration_view(desk, reg_id)


def cancel_event(desk: kit.Desk, event_id: int, *, reason: str, actor: str | None,
                 at: Time = None) -> dict[str, Any]:
    """Call off a proposed or approved event (a supervisor or manager, with a reason): every
    seat and waiting place is cancelled and each household gets a notice, in one
    transaction. The event then leaves the plan's counts and the seasonal report."""
    if not reason or not reason.strip():
        raise kit.DomainError("reason", "say why the event is called off (e.g. 台风预警)")
    with desk.write() as s:
        who = approver(s, actor, "call off an event")
        event = get_event(s, event_id, lock=True)
        if event.status not in ("proposed", "approved"):
            raise kit.TransitionRefused("event", f"event {event_id} is {event.status}")
        when = kit.action_time(desk, at, not_before=event.approved_at or event.created_at,
                               what="the event's last change")
        if event.starts_at <= when and event.status == "approved":
            raise kit.DomainError("at", f"event {event_id} began at "
                                  f"{kit.show(event.starts_at, desk.tz)}; close it instead")
        s.scalars(kit.lock(select(EventSession.id).where(EventSession.event_id == event.id)
                           .order_by(EventSession.id))).all()
        live = s.execute(select(Registration, EventSession, kit.Unit)
                         .join(EventSession, EventSession.id == Registration.session_id)
                         .join(kit.Unit, kit.Unit.id == Registration.unit_id)
                         .where(EventSession.event_id == event.id,
                                Registration.status.in_(("confirmed", "waiting")))
                         .order_by(Registration.id)
                         .execution_options(populate_existing=True)).all()
        for reg, session, unit in live:
            reg.status, reg.changed_at = "cancelled", when
            _notice(s, desk.tz, "cancelled", event, session, reg, unit, when)
        event.status, event.cancelled_by, event.cancelled_at = "cancelled", who, when
        event.cancel_reason = reason.strip()
        s.flush()
        return event_view(desk, event_id) | {"households_told": len(live)}


def check_in(desk: kit.Desk, reg_id: int, *, at: Time = None,
             actor: str | None = None) -> dict[str, Any]:
    with desk.write() as s:
        acting(s, actor, "check in an event visitor", kit.DESK)
        reg, _, _ = _locked_registration(s, reg_id, with_session=False)
        if reg.status not in ("confirmed", "no_show"):
            raise kit.TransitionRefused("registration", f"registration {reg_id} is "
                                        f"{reg.status}; only a confirmed seat checks in")
        when = kit.action_time(desk, at, not_before=reg.changed_at,
                               what="the registration's last change")
        reg.status, reg.changed_at = "attended", when
        s.flush()
        return registration_view(desk, reg_id)


def mark_no_shows(desk: kit.Desk, session_id: int, *, at: Time = None,
                  actor: str | None = None) -> int:
    """After a session began, confirmed seats that never checked in are no-shows."""
    with desk.write() as s:
        acting(s, actor, "mark event no-shows", kit.DESK)
        session, _ = _locked_session(s, session_id)
        when = kit.action_time(desk, at)
        if session.starts_at > when:
            raise kit.DomainError("session", f"session {session_id} has not begun yet")
        rows = s.scalars(kit.lock(select(Registration).where(
            Registration.session_id == session.id, Registration.status == "confirmed"))
            .execution_options(populate_existing=True)).all()
        for reg in rows:
            reg.status, reg.changed_at = "no_show", when
        return len(rows)


def remind(desk: kit.Desk, *, at: Time = None, within_hours: int = 24,
           actor: str | None = None) -> int:
    """Queue a reminder for every confirmed seat of sessions starting soon (once each: their
    events, then the sessions, are locked, so a concurrent pass finds them reminded)."""
    with desk.write() as s:
        acting(s, actor, "queue event reminders", kit.DESK)
        when = kit.action_time(desk, at)
        due = (EventSession.reminded_at.is_(None), EventSession.starts_at > when,
               EventSession.starts_at <= when + timedelta(hours=within_hours))
        events = select(EventSession.event_id).where(*due)
        approved = list(s.scalars(kit.lock(select(Event.id).where(
            Event.id.in_(events), Event.status == "approved").order_by(Event.id))))
        sessions = s.scalars(kit.lock(select(EventSession).where(
            EventSession.event_id.in_(approved), *due).order_by(EventSession.id))
            .execution_options(populate_existing=True)).all()
        count = 0
        for session in sessions:
            event = s.get_one(Event, session.event_id)
            for reg in s.scalars(select(Registration).where(
                    Registration.session_id == session.id,
                    Registration.status == "confirmed").order_by(Registration.id)):
                _notice(s, desk.tz, "reminder", event, session, reg,
                        s.get_one(kit.Unit, reg.unit_id), when)
                count += 1
            session.reminded_at = when
        return count


def notices(desk: kit.Desk, *, unsent: bool = True,
            actor: str | None = None) -> list[dict[str, Any]]:
    """The outbox; owners' phones in full only for the roles that see phones."""
    with desk.read() as s:
        staff = acting(s, actor)
        full = kit.sees_phones(staff)
        query = select(Notice).order_by(Notice.id)
        if unsent:
            query = query.where(Notice.sent_at.is_(None))
        return [{"id": n.id, "event": n.event_id, "registration": n.registration_id,
                 "kind": n.kind, "unit": n.unit,
                 "phone": n.phone if full else kit.mask_phone(n.phone),
                 "message": n.message, "created_at": kit.show(n.created_at, desk.tz),
                 "sent_at": kit.show(n.sent_at, desk.tz)} for n in s.scalars(query)]


def mark_sent(desk: kit.Desk, ids: list[int], *, at: Time = None,
              actor: str | None = None) -> int:
    """A sender (SMS, WeChat) reports what it delivered; each notice is marked once."""
    with desk.write() as s:
        acting(s, actor, "mark event notices sent", SENDERS)
        rows = s.scalars(kit.lock(select(Notice).where(Notice.id.in_(ids),
                                                       Notice.sent_at.is_(None)))
                         .execution_options(populate_existing=True)).all()
        latest = max((row.created_at for row in rows), default=None)
        when = kit.action_time(desk, at, not_before=latest, what="the notice it marks")
        for row in rows:
            row.sent_at = when
        return len(rows)


def _registration(s: Session, reg_id: int) -> Registration:
    reg = s.get(Registration, reg_id)
    if reg is None:
        raise kit.NotFound("registration", f"no registration {reg_id}")
    return reg


def registration_view(desk: kit.Desk, reg_id: int, *,
                      actor: str | None = None) -> dict[str, Any]:
    with desk.read() as s:
        acting(s, actor)
        reg = _registration(s, reg_id)
        unit = s.get_one(kit.Unit, reg.unit_id)
        session = s.get_one(EventSession, reg.session_id)
        position = None
        if reg.status == "waiting":
            position = 1 + (s.scalar(select(func.count()).where(
                Registration.session_id == reg.session_id, Registration.status == "waiting",
                (Registration.created_at < reg.created_at)
                | ((Registration.created_at == reg.created_at)
                   & (Registration.id < reg.id)))) or 0)
        return {"id": reg.id, "session": reg.session_id, "event": session.event_id,
                "unit": unit.code, "name": reg.name, "channel": reg.channel,
                "status": reg.status, "waiting_position": position,
                "created_at": kit.show(reg.created_at, desk.tz)}
