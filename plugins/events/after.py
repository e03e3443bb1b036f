"""After the event: satisfaction survey and its coverage, the summary, the seasonal report,
and the retention purge (records kept N years, default 2, then removed with a log)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import kit
from plugins.events.models import (
    Event,
    EventSession,
    Notice,
    PurgeLog,
    Registration,
    Survey,
)
from plugins.events.service import SEASONS, Time, acting, get_event, season_window, setting


def _attended_units(s: Session, event_id: int) -> dict[int, str]:
    rows = s.execute(select(kit.Unit.id, kit.Unit.code).join(Registration).join(EventSession)
                     .where(EventSession.event_id == event_id,
                            Registration.status == "attended").distinct())
    return dict(rows.all())


def record_survey(desk: kit.Desk, event_id: int, *, unit: str, score: int, at: Time = None,
                  comment: str | None = None, actor: str | None = None) -> dict[str, Any]:
    """A participating household's answer, once (a second one, even a concurrent one,
    is refused)."""
    if not 1 <= score <= 5:
        raise kit.DomainError("score", "satisfaction is 1 (very dissatisfied) to 5 (very "
                              "satisfied)")
    with desk.write() as s:
        acting(s, actor, "record an event survey", kit.DESK)
        event = get_event(s, event_id)
        household = kit.get_unit(s, unit)
        came = s.scalar(select(func.max(Registration.changed_at)).join(EventSession).where(
            EventSession.event_id == event.id, Registration.unit_id == household.id,
            Registration.status == "attended"))
        if came is None:
            raise kit.TransitionRefused("unit", f"household {household.code} did not attend event "
                                  f"{event_id}")
        when = kit.action_time(desk, at, not_before=came, what="the household's check-in")
        if s.scalar(select(Survey.id).where(Survey.event_id == event.id,
                                            Survey.unit_id == household.id)):
            raise kit.Conflict("unit", f"household {household.code} has already answered")
        s.add(Survey(event_id=event.id, unit_id=household.id, score=score, comment=comment,
                     at=when))
        s.flush()
        return coverage(desk, event_id)


def coverage(desk: kit.Desk, event_id: int, *, actor: str | None = None) -> dict[str, Any]:
    """Surveyed share of the participating households, and who is still to be asked."""
    with desk.read() as s:
        acting(s, actor)
        event = get_event(s, event_id)
        attended = _attended_units(s, event.id)
        answers = dict(s.execute(select(Survey.unit_id, Survey.score)
                                 .where(Survey.event_id == event.id)).all())
        share = float(setting(s, "survey_share"))
    required = math.ceil(share * len(attended)) if event.large else 0
    surveyed = sum(1 for unit_id in attended if unit_id in answers)
    return {"event": event_id, "large": event.large, "participants": len(attended),
            "surveyed": surveyed,
            "coverage": round(surveyed / len(attended), 3) if attended else None,
            "required": required, "shortfall": max(0, required - surveyed),
            "satisfaction": round(sum(answers.values()) / len(answers), 2) if answers else None,
            "to_ask": sorted(code for uid, code in attended.items() if uid not in answers)}


def chase_surveys(desk: kit.Desk, event_id: int, *, at: Time = None,
                  actor: str | None = None) -> int:
    """Queue a survey request to each participating household not yet asked or answered
    (the event is locked, so two chases at once ask each household once)."""
    with desk.write() as s:
        acting(s, actor, "chase event surveys", kit.DESK)
        event = get_event(s, event_id, lock=True)
        when = kit.action_time(desk, at)
        answered = set(s.scalars(select(Survey.unit_id).where(Survey.event_id == event.id)))
        asked = set(s.scalars(select(Notice.unit).where(Notice.event_id == event.id,
                                                        Notice.kind == "survey")))
        count = 0
        for uid, code in _attended_units(s, event.id).items():
            if uid in answered or code in asked:
                continue
            unit = s.get_one(kit.Unit, uid)
            s.add(Notice(event_id=event.id, kind="survey", unit=code, phone=unit.owner_phone,
                         message=f"【社区活动】{event.title} 满意度调查 / satisfaction survey",
                         created_at=when))
            count += 1
        return count


def summarise(desk: kit.Desk, event_id: int, *, text: str, at: Time = None,
              actor: str | None = None) -> dict[str, Any]:
    """Close an event with its summary (a supervisor or manager); a large event needs its
    survey coverage first."""
    if not text.strip():
        raise kit.DomainError("summary", "write the summary")
    with desk.write() as s:
        acting(s, actor, "close an event with its summary", kit.LEADS)
        event = get_event(s, event_id, lock=True)
        if event.status != "approved":
            raise kit.TransitionRefused("event", f"event {event_id} is {event.status}")
        when = kit.action_time(desk, at, not_before=event.approved_at,
                               what="the event's approval")
        last = s.scalar(select(func.max(EventSession.starts_at))
                        .where(EventSession.event_id == event.id)) or event.starts_at
        if last > when:
            raise kit.DomainError("event", "the event is not over yet")
        cover = coverage(desk, event_id)
        if event.large and cover["shortfall"]:
            raise kit.DomainError("survey", f"survey coverage {cover['surveyed']}/"
                                  f"{cover['participants']}: {cover['shortfall']} more needed "
                                  f"(ask: {', '.join(cover['to_ask'])})")
        event.summary, event.status = text.strip(), "closed"
        return cover


def purge(desk: kit.Desk, *, at: Time = None, actor: str | None = None
          ) -> list[dict[str, Any]]:
    """Remove events (and their registrations, surveys, notices) held past retention; a
    supervisor or manager, never dated in the future nor before the last purge. Each event
    purged is logged once, even when two purges run at once (its row is locked first)."""
    with desk.write() as s:
        staff = acting(s, actor, "purge event records", kit.LEADS)
        previous = s.scalar(select(func.max(PurgeLog.purged_at)))
        when = kit.action_time(desk, at, not_before=previous, what="the last purge")
        years = int(setting(s, "retention_years"))
        local = when.astimezone(desk.tz).date()
        try:
            cutoff_day = local.replace(year=local.year - years)
        except ValueError:  # 29 February
            cutoff_day = local.replace(year=local.year - years, day=28)
        cutoff = datetime.combine(cutoff_day, time(), desk.tz).astimezone(UTC)
        last = (select(Event.id, Event.title, Event.starts_at,
                       func.max(EventSession.starts_at).label("last"))
                .outerjoin(EventSession).group_by(Event.id, Event.title, Event.starts_at)
                .order_by(Event.id))
        due = [(event_id, title, starts) for event_id, title, starts, latest
               in s.execute(last).all()
               if (max(starts, latest) if latest else starts).replace(tzinfo=UTC) < cutoff]
        held = set(s.scalars(kit.lock(select(Event.id).where(
            Event.id.in_([d[0] for d in due])))))
        done = []
        for event_id, title, starts in due:
            if event_id not in held:  # a concurrent purge removed it first
                continue
            sessions = select(EventSession.id).where(EventSession.event_id == event_id)
            s.execute(delete(Notice).where(Notice.event_id == event_id))
            surveys = s.execute(delete(Survey).where(Survey.event_id == event_id)).rowcount
            regs = s.execute(delete(Registration).where(
                Registration.session_id.in_(sessions))).rowcount
            s.execute(delete(EventSession).where(EventSession.event_id == event_id))
            s.execute(delete(Event).where(Event.id == event_id))
            s.add(PurgeLog(event_title=title, event_at=starts, registrations=regs,
                           surveys=surveys, purged_at=when,
                           actor=staff.name if staff else None))
            done.append({"event": event_id, "title": title,
                         "event_at": kit.show(starts, desk.tz),
                         "registrations": regs, "surveys": surveys})
        return done


def purge_log(desk: kit.Desk, *, actor: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        acting(s, actor)
        return [{"title": p.event_title, "event_at": kit.show(p.event_at, desk.tz),
                 "registrations": p.registrations, "surveys": p.surveys,
                 "purged_at": kit.show(p.purged_at, desk.tz), "actor": p.actor}
                for p in s.scalars(select(PurgeLog).order_by(PurgeLog.id))]


def season_report(desk: kit.Desk, year: int, season: str, *,
                  actor: str | None = None) -> dict[str, Any]:
    """Events of a season, participation and satisfaction."""
    season = SEASONS.parse(season)
    first, end = season_window(year, season)
    start = datetime.combine(first, time(), desk.tz)
    stop = datetime.combine(end, time(), desk.tz)
    with desk.read() as s:
        acting(s, actor)
        ids = list(s.scalars(select(Event.id).where(
            Event.starts_at >= start, Event.starts_at < stop, Event.status != "cancelled")
            .order_by(Event.starts_at)))
        rows = []
        for event_id in ids:
            event = s.get_one(Event, event_id)
            counts = dict(s.execute(
                select(Registration.status, func.count()).join(EventSession)
                .where(EventSession.event_id == event_id)
                .group_by(Registration.status)).all())
            capacity = s.scalar(select(func.sum(EventSession.capacity))
                                .where(EventSession.event_id == event_id)) or 0
            rows.append({"id": event_id, "title": event.title,
                         "starts_at": kit.show(event.starts_at, desk.tz), "own": event.own,
                         "large": event.large, "status": event.status, "capacity": capacity,
                         "registered": sum(counts.get(k, 0)
                                           for k in ("confirmed", "attended", "no_show")),
                         "attended": counts.get("attended", 0),
                         "no_show": counts.get("no_show", 0),
                         "waiting": counts.get("waiting", 0)})
    for row in rows:
        cover = coverage(desk, row["id"])
        row.update(surveyed=cover["surveyed"], coverage=cover["coverage"],
                   satisfaction=cover["satisfaction"])
    scores = [(r["satisfaction"], r["surveyed"]) for r in rows if r["satisfaction"]]
    weight = sum(n for _, n in scores)
    return {"year": year, "season": season, "label": SEASONS.label(season),
            "from": first.isoformat(), "until": end.isoformat(), "events": rows,
            "registered": sum(r["registered"] for r in rows),
            "attended": sum(r["attended"] for r in rows),
            "satisfaction": round(sum(m * n for m, n in scores) / weight, 2) if weight else None}
