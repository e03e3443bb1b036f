"""Registration, the waiting list, check-in and no-shows, and the notice outbox.

Capacity holds under concurrent registrations because every change to a session's seats
first locks the session row (`SELECT ... FOR UPDATE` on PostgreSQL; on SQLite a no-op
UPDATE takes the database write lock, across engines and processes), then counts the
seats taken inside the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.desk import Desk
from core.directory import get_unit
from core.errors import DomainError, NotFound
from core.labels import Vocabulary
from core.models import Unit
from core.times import show
from plugins.events.models import Event, EventSession, Notice, Registration

CHANNELS = Vocabulary("channel")
for _row in [("phone", "电话", "phone", ("tel",)), ("desk", "前台", "front desk", ("现场",)),
             ("online", "线上", "online", ("网上", "wechat", "微信"))]:
    CHANNELS.add(*_row)
ACTIVE = ("confirmed", "waiting", "attended", "no_show")
KINDS = {"confirmed": "报名成功 / registration confirmed",
         "waiting": "已进入候补 / on the waiting list",
         "promoted": "候补转正 / promoted from the waiting list",
         "reminder": "活动提醒 / reminder", "survey": "满意度调查 / satisfaction survey",
         "cancelled": "活动取消 / event cancelled"}


def _locked_session(s: Session, session_id: int) -> tuple[EventSession, Event]:
    """The session row, locked until commit: concurrent seat changes queue here.

    SQLite has no row locks, and its driver opens the transaction only at the first write,
    so a no-op UPDATE comes first: it takes the database's write lock before any count.
    """
    if s.get_bind().dialect.name == "sqlite":
        s.execute(update(EventSession).where(EventSession.id == session_id)
                  .values(capacity=EventSession.capacity))
    session = s.scalar(select(EventSession).where(EventSession.id == session_id)
                       .with_for_update())
    if session is None:
        raise NotFound("session", f"no session {session_id}")
    event = s.get(Event, session.event_id)
    assert event is not None
    return session, event


def _notice(s: Session, tz: Any, kind: str, event: Event, session: EventSession,
            reg: Registration, unit: Unit, at: datetime) -> None:
    text = (f"【社区活动】{event.title} {show(session.starts_at, tz)} "
            f"{session.place or ''} — {KINDS[kind]}").replace("  ", " ")
    s.add(Notice(event_id=event.id, registration_id=reg.id, kind=kind, unit=unit.code,
                 phone=reg.phone, message=text, created_at=at))


def register(desk: Desk, session_id: int, *, unit: str, channel: str, at: datetime,
             name: str | None = None, phone: str | None = None,
             actor: str | None = None) -> dict[str, Any]:
    """A seat if one is free, else the waiting list if the event keeps one, else refused."""
    channel = CHANNELS.parse(channel)
    with desk.write() as s:
        session, event = _locked_session(s, session_id)
        if event.status != "approved":
            raise DomainError("session", f"event {event.id} is {event.status}; registration "
                              "opens when the proposal is approved")
        if session.starts_at <= at:
            raise DomainError("session", f"session {session_id} began at "
                              f"{show(session.starts_at, desk.tz)}; it is past")
        household = get_unit(s, unit)
        held = s.scalar(select(func.count()).where(
            Registration.session_id == session.id, Registration.unit_id == household.id,
            Registration.status.in_(ACTIVE))) or 0
        if held >= event.per_household:
            raise DomainError("unit", f"household {household.code} is already registered for "
                              f"session {session_id} (limit {event.per_household})")
        taken = s.scalar(select(func.count()).where(
            Registration.session_id == session.id,
            Registration.status.in_(("confirmed", "attended", "no_show")))) or 0
        if taken < session.capacity:
            status = "confirmed"
        elif event.waitlist:
            status = "waiting"
        else:
            raise DomainError("session", f"session {session_id} is full ({session.capacity}) "
                              "and the event keeps no waiting list")
        reg = Registration(session_id=session.id, unit_id=household.id,
                           name=name or household.owner_name,
                           phone=phone or household.owner_phone, channel=channel,
                           status=status, created_at=at, changed_at=at, by=actor)
        s.add(reg)
        s.flush()
        _notice(s, desk.tz, status, event, session, reg, household, at)
        reg_id = reg.id
    return registration_view(desk, reg_id)


def cancel(desk: Desk, reg_id: int, *, at: datetime) -> dict[str, Any]:
    """Cancel; a freed seat goes to the first on the waiting list at once."""
    with desk.write() as s:
        reg = _registration(s, reg_id)
        session, event = _locked_session(s, reg.session_id)
        if reg.status not in ("confirmed", "waiting"):
            raise DomainError("registration", f"registration {reg_id} is {reg.status}")
        freed = reg.status == "confirmed"
        reg.status, reg.changed_at = "cancelled", at
        if freed and session.starts_at > at:
            first = s.scalar(select(Registration).where(
                Registration.session_id == session.id, Registration.status == "waiting")
                .order_by(Registration.created_at, Registration.id).limit(1))
            if first is not None:
                first.status, first.changed_at = "confirmed", at
                _notice(s, desk.tz, "promoted", event, session, first,
                        s.get_one(Unit, first.unit_id), at)
    return registration_view(desk, reg_id)


def cancel_event(desk: Desk, event_id: int, *, reason: str, actor: str | None,
                 at: datetime) -> dict[str, Any]:
    """Call off a proposed or approved event (a supervisor or manager, with a reason): every
    seat and waiting place is cancelled and each household gets a notice, in one
    transaction. The event then leaves the plan's counts and the seasonal report."""
    from plugins.events.service import _approver, event_view, get_event

    if not reason or not reason.strip():
        raise DomainError("reason", "say why the event is called off (e.g. 台风预警)")
    with desk.write() as s:
        event = get_event(s, event_id)
        if event.status not in ("proposed", "approved"):
            raise DomainError("event", f"event {event_id} is {event.status}")
        who = _approver(s, actor)
        if event.starts_at <= at and event.status == "approved":
            raise DomainError("at", f"event {event_id} began at "
                              f"{show(event.starts_at, desk.tz)}; close it instead")
        live = s.execute(select(Registration, EventSession, Unit)
                         .join(EventSession, EventSession.id == Registration.session_id)
                         .join(Unit, Unit.id == Registration.unit_id)
                         .where(EventSession.event_id == event.id,
                                Registration.status.in_(("confirmed", "waiting")))
                         .order_by(Registration.id)).all()
        for reg, session, unit in live:
            reg.status, reg.changed_at = "cancelled", at
            _notice(s, desk.tz, "cancelled", event, session, reg, unit, at)
        event.status, event.cancelled_by, event.cancelled_at = "cancelled", who, at
        event.cancel_reason = reason.strip()
    return event_view(desk, event_id) | {"households_told": len(live)}


def check_in(desk: Desk, reg_id: int, *, at: datetime) -> dict[str, Any]:
    with desk.write() as s:
        reg = _registration(s, reg_id)
        if reg.status not in ("confirmed", "no_show"):
            raise DomainError("registration", f"registration {reg_id} is {reg.status}; only "
                              "a confirmed seat checks in")
        reg.status, reg.changed_at = "attended", at
    return registration_view(desk, reg_id)


def mark_no_shows(desk: Desk, session_id: int, *, at: datetime) -> int:
    """After a session began, confirmed seats that never checked in are no-shows."""
    with desk.write() as s:
        session, _ = _locked_session(s, session_id)
        if session.starts_at > at:
            raise DomainError("session", f"session {session_id} has not begun yet")
        rows = s.scalars(select(Registration).where(Registration.session_id == session.id,
                                                    Registration.status == "confirmed")).all()
        for reg in rows:
            reg.status, reg.changed_at = "no_show", at
        return len(rows)


def remind(desk: Desk, *, at: datetime, within_hours: int = 24) -> int:
    """Queue a reminder for every confirmed seat of sessions starting soon (once each)."""
    with desk.write() as s:
        sessions = s.scalars(select(EventSession).join(Event).where(
            Event.status == "approved", EventSession.reminded_at.is_(None),
            EventSession.starts_at > at,
            EventSession.starts_at <= at + timedelta(hours=within_hours))).all()
        count = 0
        for session in sessions:
            event = s.get_one(Event, session.event_id)
            for reg in s.scalars(select(Registration).where(
                    Registration.session_id == session.id,
                    Registration.status == "confirmed")):
                _notice(s, desk.tz, "reminder", event, session, reg,
                        s.get_one(Unit, reg.unit_id), at)
                count += 1
            session.reminded_at = at
        return count


def notices(desk: Desk, *, unsent: bool = True) -> list[dict[str, Any]]:
    with desk.read() as s:
        query = select(Notice).order_by(Notice.id)
        if unsent:
            query = query.where(Notice.sent_at.is_(None))
        return [{"id": n.id, "event": n.event_id, "registration": n.registration_id,
                 "kind": n.kind, "unit": n.unit, "phone": n.phone, "message": n.message,
                 "created_at": show(n.created_at, desk.tz),
                 "sent_at": show(n.sent_at, desk.tz)} for n in s.scalars(query)]


def mark_sent(desk: Desk, ids: list[int], *, at: datetime) -> int:
    """A sender (SMS, WeChat) reports what it delivered."""
    with desk.write() as s:
        rows = s.scalars(select(Notice).where(Notice.id.in_(ids),
                                              Notice.sent_at.is_(None))).all()
        for row in rows:
            row.sent_at = at
        return len(rows)


def _registration(s: Session, reg_id: int) -> Registration:
    reg = s.get(Registration, reg_id)
    if reg is None:
        raise NotFound("registration", f"no registration {reg_id}")
    return reg


def registration_view(desk: Desk, reg_id: int) -> dict[str, Any]:
    with desk.read() as s:
        reg = _registration(s, reg_id)
        unit = s.get_one(Unit, reg.unit_id)
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
                "created_at": show(reg.created_at, desk.tz)}
