"""Annual plan, seasons, proposals and their approval, sessions, plugin settings.

SPEC §6.3: each season the site's own event, each quarter a large event; a proposal is
approved at least N days (default 15) before the event, unless a manager overrides it
with a reason.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.desk import Desk
from core.directory import get_staff
from core.errors import DomainError, NotFound
from core.labels import Vocabulary
from core.times import show
from plugins.events.models import Event, EventPlan, EventSession, EventSetting, Registration

DEFAULTS: dict[str, str] = {"approval_lead_days": "15", "retention_years": "2",
                            "survey_share": "0.25"}
PROPOSAL_FIELDS = ("organisation", "content", "promotion", "budget", "risk_plan")

SEASONS = Vocabulary("season")
for _row in [("spring", "春季", "spring"), ("summer", "夏季", "summer"),
             ("autumn", "秋季", "autumn", ("fall",)), ("winter", "冬季", "winter")]:
    SEASONS.add(*_row)
#: the months of each season of plan year Y; winter runs from December of Y into January
SEASON_MONTHS = {"spring": ((0, 3), (0, 4), (0, 5)), "summer": ((0, 6), (0, 7), (0, 8)),
                 "autumn": ((0, 9), (0, 10), (0, 11)), "winter": ((0, 12), (1, 1))}


# -- settings -------------------------------------------------------------------------------

def setting(s: Session, key: str) -> str:
    if key not in DEFAULTS:
        raise DomainError("key", f"unknown setting {key!r}; one of: {', '.join(DEFAULTS)}")
    row = s.get(EventSetting, key)
    return row.value if row else DEFAULTS[key]


def set_setting(desk: Desk, key: str, value: str) -> dict[str, str]:
    try:
        number = float(value)
    except ValueError:
        raise DomainError("value", f"{key} must be a number, got {value!r}") from None
    if number <= 0 or (key != "survey_share" and number != int(number)):
        raise DomainError("value", f"{key} must be a positive whole number")
    if key == "survey_share" and number > 1:
        raise DomainError("value", "survey_share is a fraction between 0 and 1")
    with desk.write() as s:
        setting(s, key)
        row = s.get(EventSetting, key)
        if row is None:
            s.add(EventSetting(key=key, value=value))
        else:
            row.value = value
    return settings(desk)


def settings(desk: Desk) -> dict[str, str]:
    with desk.read() as s:
        return {key: setting(s, key) for key in DEFAULTS}


# -- seasons --------------------------------------------------------------------------------

def season_window(year: int, season: str) -> tuple[date, date]:
    """[first day, day after the last) of a season of plan year `year`."""
    months = SEASON_MONTHS[SEASONS.parse(season)]
    first = date(year + months[0][0], months[0][1], 1)
    y, m = year + months[-1][0], months[-1][1]
    end = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
    return first, end


def season_of(day: date) -> tuple[int, str] | None:
    """(plan year, season) of a day; February belongs to no series."""
    if day.month == 1:
        return day.year - 1, "winter"
    for season, months in SEASON_MONTHS.items():
        if any(m == day.month and off == 0 for off, m in months):
            return day.year, season
    return None


# -- the annual plan ------------------------------------------------------------------------

def _plan(s: Session, year: int) -> EventPlan:
    plan = s.scalar(select(EventPlan).where(EventPlan.year == year))
    if plan is None:
        raise NotFound("year", f"no events plan for {year}")
    return plan


def create_plan(desk: Desk, year: int, survey: str | None, at: datetime) -> dict[str, Any]:
    if not 2000 <= year <= 2100:
        raise DomainError("year", f"{year} is not a plan year")
    with desk.write() as s:
        if s.scalar(select(EventPlan).where(EventPlan.year == year)):
            raise DomainError("year", f"the {year} plan already exists")
        s.add(EventPlan(year=year, survey=survey, survey_at=at if survey else None,
                        created_at=at))
    return plan_view(desk, year)


def attach_survey(desk: Desk, year: int, survey: str, at: datetime) -> dict[str, Any]:
    """The December survey's results, which the plan is drawn from."""
    if not survey.strip():
        raise DomainError("survey", "give the survey's results")
    with desk.write() as s:
        plan = _plan(s, year)
        plan.survey, plan.survey_at = survey, at
    return plan_view(desk, year)


def approve_plan(desk: Desk, year: int, actor: str | None, at: datetime) -> dict[str, Any]:
    with desk.write() as s:
        plan = _plan(s, year)
        staff = _approver(s, actor)
        if not plan.survey:
            raise DomainError("survey", "attach the December survey's results first")
        plan.approved_by, plan.approved_at = staff, at
    return plan_view(desk, year)


def gaps(desk: Desk, year: int) -> list[dict[str, str]]:
    """Each season needs an own event and each quarter a large one; list what is missing."""
    with desk.read() as s:
        rows = s.execute(select(Event.starts_at, Event.own, Event.large)
                         .where(Event.status != "cancelled")).all()
    days = [(at.astimezone(desk.tz).date(), own, large) for at, own, large in rows]
    found = []
    for term in SEASONS:
        first, end = season_window(year, term.code)
        if not any(first <= d < end and own for d, own, _ in days):
            found.append({"kind": "own_event", "period": term.code,
                          "label": f"{term.zh} 无本项目自办活动 / {term.en}: no own event"})
    for q in range(4):
        first = date(year, 3 * q + 1, 1)
        end = date(year + 1, 1, 1) if q == 3 else date(year, 3 * q + 4, 1)
        if not any(first <= d < end and large for d, _, large in days):
            found.append({"kind": "large_event", "period": f"Q{q + 1}",
                          "label": f"第{q + 1}季度 无大型活动 / Q{q + 1}: no large event"})
    return found


def plan_view(desk: Desk, year: int) -> dict[str, Any]:
    with desk.read() as s:
        plan = _plan(s, year)
        view = {"year": plan.year, "survey": plan.survey,
                "survey_at": show(plan.survey_at, desk.tz),
                "approved_by": plan.approved_by,
                "approved_at": show(plan.approved_at, desk.tz)}
    view["gaps"] = gaps(desk, year)
    return view


# -- proposals ------------------------------------------------------------------------------

def _approver(s: Session, actor: str | None) -> str:
    if actor is None:
        raise DomainError("actor", "say who approves (--as STAFF)")
    staff = get_staff(s, actor, "actor")
    if staff.role not in ("supervisor", "manager"):
        raise DomainError("actor", f"{staff.name} ({staff.role}) may not approve; "
                          "a supervisor or manager approves")
    return staff.name


def get_event(s: Session, event_id: int) -> Event:
    event = s.get(Event, event_id)
    if event is None:
        raise NotFound("event", f"no event {event_id}")
    return event


def propose(desk: Desk, *, title: str, starts_at: datetime, at: datetime,
            actor: str | None = None, own: bool = True, large: bool = False,
            per_household: int = 1, waitlist: bool = True, **proposal: Any) -> dict[str, Any]:
    if not title.strip():
        raise DomainError("title", "give the event a title")
    if per_household < 1:
        raise DomainError("per_household", "at least one registration per household")
    if starts_at <= at:
        raise DomainError("starts_at", "the event must be in the future")
    unknown = set(proposal) - set(PROPOSAL_FIELDS)
    if unknown:
        raise DomainError(sorted(unknown)[0], "not a proposal field")
    if proposal.get("budget") is not None and proposal["budget"] < 0:
        raise DomainError("budget", "the budget cannot be negative")
    with desk.write() as s:
        event = Event(title=title.strip(), starts_at=starts_at, own=own, large=large,
                      per_household=per_household, waitlist=waitlist, status="proposed",
                      created_by=actor, created_at=at, **proposal)
        s.add(event)
        s.flush()
        number = event.id
    return event_view(desk, number)


def approve(desk: Desk, event_id: int, *, actor: str | None, at: datetime,
            override: str | None = None) -> dict[str, Any]:
    """Approve a proposal; less than the lead time before it needs a manager's reason."""
    with desk.write() as s:
        event = get_event(s, event_id)
        if event.status != "proposed":
            raise DomainError("event", f"event {event_id} is {event.status}, not proposed")
        approver = _approver(s, actor)
        missing = [f for f in PROPOSAL_FIELDS if getattr(event, f) in (None, "")]
        if missing:
            raise DomainError(missing[0], "the proposal lacks: " + ", ".join(missing))
        first = s.scalar(select(func.min(EventSession.starts_at))
                         .where(EventSession.event_id == event.id))
        begins = min(event.starts_at, first) if first else event.starts_at
        lead = int(setting(s, "approval_lead_days"))
        if begins - at < timedelta(days=lead):
            if not override or not override.strip():
                raise DomainError("at", f"approval is due {lead} days before the event "
                                  f"({show(begins - timedelta(days=lead), desk.tz)}); "
                                  "a manager may override with a reason")
            if get_staff(s, approver, "actor").role != "manager":
                raise DomainError("override", "only a manager may approve a late proposal")
            event.override_reason = override.strip()
        event.status, event.approved_by, event.approved_at = "approved", approver, at
    return event_view(desk, event_id)


def add_session(desk: Desk, event_id: int, *, starts_at: datetime, capacity: int,
                at: datetime, place: str | None = None) -> dict[str, Any]:
    if capacity < 1:
        raise DomainError("capacity", "a session takes at least one visitor")
    if starts_at <= at:
        raise DomainError("starts_at", "a session must be in the future")
    with desk.write() as s:
        event = get_event(s, event_id)
        if event.status in ("cancelled", "closed"):
            raise DomainError("event", f"event {event_id} is {event.status}")
        session = EventSession(event_id=event.id, starts_at=starts_at, capacity=capacity,
                               place=place)
        s.add(session)
    return event_view(desk, event_id)


def event_view(desk: Desk, event_id: int) -> dict[str, Any]:
    tz = desk.tz
    with desk.read() as s:
        e = get_event(s, event_id)
        counts = dict(((sid, st), n) for sid, st, n in s.execute(
            select(Registration.session_id, Registration.status, func.count())
            .join(EventSession).where(EventSession.event_id == e.id)
            .group_by(Registration.session_id, Registration.status)))
        sessions = [{"id": x.id, "starts_at": show(x.starts_at, tz), "capacity": x.capacity,
                     "place": x.place,
                     **{st: counts.get((x.id, st), 0)
                        for st in ("confirmed", "waiting", "attended", "no_show")}}
                    for x in s.scalars(select(EventSession).where(EventSession.event_id == e.id)
                                       .order_by(EventSession.starts_at))]
        season = season_of(e.starts_at.astimezone(tz).date())
        return {"id": e.id, "title": e.title, "starts_at": show(e.starts_at, tz),
                "season": season[1] if season else None, "own": e.own, "large": e.large,
                **{f: getattr(e, f) for f in PROPOSAL_FIELDS},
                "per_household": e.per_household, "waitlist": e.waitlist, "status": e.status,
                "approved_by": e.approved_by, "approved_at": show(e.approved_at, tz),
                "override_reason": e.override_reason, "summary": e.summary,
                "cancelled_by": e.cancelled_by, "cancelled_at": show(e.cancelled_at, tz),
                "cancel_reason": e.cancel_reason, "sessions": sessions}
