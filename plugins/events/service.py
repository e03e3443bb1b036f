"""Annual plan, seasons, proposals and their approval, sessions, plugin settings.

SPEC §6.3: each season the site's own event, each quarter a large event; a proposal is
approved at least N days (default 15) before the event, unless a manager overrides it
with a reason.

Every rule is decided here, for the CLI and the HTTP API alike: who may (`acting`), when
(`kit.action_time`: nothing in the future, nothing before the record's last event), and
what. Each function joins the caller's unit of work (`desk.write()`), so a command that
does several things commits them together, and locks the row it changes first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import kit
from plugins.events.models import Event, EventPlan, EventSession, EventSetting, Registration

DEFAULTS: dict[str, str] = {"approval_lead_days": "15", "retention_years": "2",
                            "survey_share": "0.25"}
PROPOSAL_FIELDS = ("organisation", "content", "promotion", "budget", "risk_plan")

SEASONS = kit.Vocabulary("season")
for _row in [("spring", "春季", "spring"), ("summer", "夏季", "summer"),
             ("autumn", "秋季", "autumn", ("fall",)), ("winter", "冬季", "winter")]:
    SEASONS.add(*_row)
#: the months of each season of plan year Y; winter runs from December of Y into January
SEASON_MONTHS = {"spring": ((0, 3), (0, 4), (0, 5)), "summer": ((0, 6), (0, 7), (0, 8)),
                 "autumn": ((0, 9), (0, 10), (0, 11)), "winter": ((0, 12), (1, 1))}
Time = str | datetime | None


# -- who acts -------------------------------------------------------------------------------

def acting(s: Session, actor: str | None, what: str | None = None,
           roles: frozenset[str] | set[str] | None = None) -> kit.Staff | None:
    """The acting staff member (None: the site operator). An unknown name is refused on
    reads as on writes; with `roles`, a member without one of them is `Forbidden`."""
    staff = kit.actor(s, actor)
    if roles is not None:
        kit.require(staff, what or "do this", roles)
    return staff


def approver(s: Session, actor: str | None, what: str) -> str:
    """A supervisor or manager, by name: an approval (or a call-off) records who made it,
    so even the site operator names the approver with `--as`."""
    staff = acting(s, actor, what, kit.LEADS)
    if staff is None:
        raise kit.DomainError("as", f"say who may {what}: give --as STAFF (a supervisor or "
                              "manager)")
    return staff.name


def not_own(who: str, author: str | None, what: str) -> None:
    """Nobody approves what they proposed themselves (refused, field `as`)."""
    if author is not None and author == who:
        raise kit.Forbidden("as", f"{who} drew up {what}: nobody approves their own "
                            "proposal (another supervisor or manager approves)")


# -- settings -------------------------------------------------------------------------------

def setting(s: Session, key: str) -> str:
    if key not in DEFAULTS:
        raise kit.DomainError("key", f"unknown setting {key!r}; one of: {', '.join(DEFAULTS)}")
    row = s.get(EventSetting, key)
    return row.value if row else DEFAULTS[key]


def set_setting(desk: kit.Desk, key: str, value: str, *,
                actor: str | None = None) -> dict[str, str]:
    """The lead time, retention and survey share are rules of the site: only a supervisor
    or manager changes them."""
    with desk.write() as s:
        acting(s, actor, "change the events settings", kit.LEADS)
        setting(s, key)
        try:
            number = float(value)
        except ValueError:
            raise kit.DomainError("value", f"{key} must be a number, got {value!r}") from None
        if number <= 0 or (key != "survey_share" and number != int(number)):
            raise kit.DomainError("value", f"{key} must be a positive whole number")
        if key == "survey_share" and number > 1:
            raise kit.DomainError("value", "survey_share is a fraction between 0 and 1")
        row = s.scalar(kit.lock(select(EventSetting).where(EventSetting.key == key)))
        if row is None:
            s.add(EventSetting(key=key, value=value))
        else:
            row.value = value
        return settings(desk)


def settings(desk: kit.Desk, *, actor: str | None = None) -> dict[str, str]:
    with desk.read() as s:
        acting(s, actor)
        return {key: setting(s, key) for key in DEFAULTS}


# -- seasons --------------------------------------------------------------------------------

def season_window(year: int, season: str) -> tuple[date, date]:
    """[first day, day after the last) of a season of plan year `year`."""
    if not 2000 <= year <= 2100:
        raise kit.DomainError("year", f"{year} is not a plan year (2000-2100)")
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

def _plan(s: Session, year: int, *, lock: bool = False) -> EventPlan:
    query = select(EventPlan).where(EventPlan.year == year)
    plan = s.scalar(kit.lock(query).execution_options(populate_existing=True) if lock
                    else query)
    if plan is None:
        raise kit.NotFound("year", f"no events plan for {year}")
    return plan


def _plan_last(plan: EventPlan) -> datetime:
    return max(t for t in (plan.created_at, plan.survey_at, plan.approved_at) if t)


def create_plan(desk: kit.Desk, year: int, survey: str | None, at: Time = None, *,
                actor: str | None = None) -> dict[str, Any]:
    if not 2000 <= year <= 2100:
        raise kit.DomainError("year", f"{year} is not a plan year")
    with desk.write() as s:
        acting(s, actor, "draw up the events plan", kit.DESK)
        when = kit.action_time(desk, at)
        if s.scalar(select(EventPlan.id).where(EventPlan.year == year)):
            raise kit.Conflict("year", f"the {year} plan already exists")
        staff = kit.actor(s, actor)
        s.add(EventPlan(year=year, survey=survey, survey_at=when if survey else None,
                        created_at=when, created_by=staff.name if staff else None))
        return plan_view(desk, year)


def attach_survey(desk: kit.Desk, year: int, survey: str, at: Time = None, *,
                  actor: str | None = None) -> dict[str, Any]:
    """The December survey's results, which the plan is drawn from."""
    if not survey.strip():
        raise kit.DomainError("survey", "give the survey's results")
    with desk.write() as s:
        acting(s, actor, "attach the plan's survey", kit.DESK)
        plan = _plan(s, year, lock=True)
        when = kit.action_time(desk, at, not_before=_plan_last(plan),
                               what=f"the {year} plan's last change")
        plan.survey, plan.survey_at = survey, when
        return plan_view(desk, year)


def approve_plan(desk: kit.Desk, year: int, actor: str | None,
                 at: Time = None) -> dict[str, Any]:
    with desk.write() as s:
        who = approver(s, actor, "approve the events plan")
        plan = _plan(s, year, lock=True)
        not_own(who, plan.created_by, f"the {year} plan")
        if plan.approved_by is not None:
            raise kit.TransitionRefused("year", f"the {year} plan is already approved (by "
                                        f"{plan.approved_by})")
        when = kit.action_time(desk, at, not_before=_plan_last(plan),
                               what=f"the {year} plan's last change")
        if not plan.survey:
            raise kit.DomainError("survey", "attach the December survey's results first")
        plan.approved_by, plan.approved_at = who, when
        return plan_view(desk, year)


def draw_plan(desk: kit.Desk, year: int, *, survey: str | None = None, approve: bool = False,
              actor: str | None = None, at: Time = None) -> dict[str, Any]:
    """`events plan YEAR`: create the plan if there is none (else attach the survey when
    given), then approve it if asked: one action, one transaction."""
    with desk.write() as s:
        acting(s, actor)
        exists = s.scalar(select(EventPlan.id).where(EventPlan.year == year)) is not None
        if not exists:
            create_plan(desk, year, survey, at, actor=actor)
        elif survey:
            attach_survey(desk, year, survey, at, actor=actor)
        if approve:
            return approve_plan(desk, year, actor, at)
        return plan_view(desk, year)


def gaps(desk: kit.Desk, year: int) -> list[dict[str, str]]:
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


def plan_view(desk: kit.Desk, year: int, *, actor: str | None = None) -> dict[str, Any]:
    with desk.read() as s:
        acting(s, actor)
        plan = _plan(s, year)
        view = {"year": plan.year, "survey": plan.survey,
                "survey_at": kit.show(plan.survey_at, desk.tz),
                "created_by": plan.created_by, "approved_by": plan.approved_by,
                "approved_at": kit.show(plan.approved_at, desk.tz)}
    view["gaps"] = gaps(desk, year)
    return view


# -- proposals ------------------------------------------------------------------------------

def get_event(s: Session, event_id: int, *, lock: bool = False) -> Event:
    """The event; with `lock`, its row is locked until commit and read afresh."""
    if lock:
        event = s.scalar(kit.lock(select(Event).where(Event.id == event_id))
                         .execution_options(populate_existing=True))
    else:
        event = s.get(Event, event_id)
    if event is None:
        raise kit.NotFound("event", f"no event {event_id}")
    return event


def propose(desk: kit.Desk, *, title: str, starts_at: datetime, at: Time = None,
            actor: str | None = None, own: bool = True, large: bool = False,
            per_household: int = 1, waitlist: bool = True, **proposal: Any) -> dict[str, Any]:
    if not title.strip():
        raise kit.DomainError("title", "give the event a title")
    if per_household < 1:
        raise kit.DomainError("per_household", "at least one registration per household")
    unknown = set(proposal) - set(PROPOSAL_FIELDS)
    if unknown:
        raise kit.DomainError(sorted(unknown)[0], "not a proposal field")
    if proposal.get("budget") is not None and proposal["budget"] < 0:
        raise kit.DomainError("budget", "the budget cannot be negative")
    with desk.write() as s:
        staff = acting(s, actor, "propose an event", kit.DESK)
        when = kit.action_time(desk, at)
        if starts_at <= when:
            raise kit.TimeConflict("starts_at", "the event must be in the future")
        event = Event(title=title.strip(), starts_at=starts_at, own=own, large=large,
                      per_household=per_household, waitlist=waitlist, status="proposed",
                      created_by=staff.name if staff else None, created_at=when, **proposal)
        s.add(event)
        s.flush()
        return event_view(desk, event.id)


def approve(desk: kit.Desk, event_id: int, *, actor: str | None, at: Time = None,
            override: str | None = None) -> dict[str, Any]:
    """Approve a proposal; less than the lead time before it needs a manager's reason.
    The approval is never dated before the proposal it answers, nor in the future."""
    with desk.write() as s:
        who = approver(s, actor, "approve an event")
        event = get_event(s, event_id, lock=True)
        not_own(who, event.created_by, f"event {event_id}")
        if event.status != "proposed":
            raise kit.TransitionRefused("event", f"event {event_id} is {event.status}, "
                                        "not proposed")
        when = kit.action_time(desk, at, not_before=event.created_at,
                               what="the proposal it approves")
        missing = [f for f in PROPOSAL_FIELDS if getattr(event, f) in (None, "")]
        if missing:
            raise kit.TransitionRefused(missing[0], "the proposal lacks: " + ", ".join(missing))
        first = s.scalar(select(func.min(EventSession.starts_at))
                         .where(EventSession.event_id == event.id))
        begins = min(event.starts_at, first) if first else event.starts_at
        lead = int(setting(s, "approval_lead_days"))
        if begins - when < timedelta(days=lead):
            if not override or not override.strip():
                raise kit.DomainError("at", f"approval is due {lead} days before the event "
                                      f"({kit.show(begins - timedelta(days=lead), desk.tz)}); "
                                      "a manager may override with a reason")
            acting(s, who, "approve a late proposal (a manager overrides)", {"manager"})
            event.override_reason = override.strip()
        event.status, event.approved_by, event.approved_at = "approved", who, when
        return event_view(desk, event_id)


def add_session(desk: kit.Desk, event_id: int, *, starts_at: datetime, capacity: int,
                at: Time = None, place: str | None = None,
                actor: str | None = None) -> dict[str, Any]:
    if capacity < 1:
        raise kit.DomainError("capacity", "a session takes at least one visitor")
    with desk.write() as s:
        acting(s, actor, "add an event session", kit.DESK)
        event = get_event(s, event_id, lock=True)
        if event.status in ("cancelled", "closed"):
            raise kit.TransitionRefused("event", f"event {event_id} is {event.status}")
        when = kit.action_time(desk, at, not_before=event.created_at,
                               what="the event's proposal")
        if starts_at <= when:
            raise kit.TimeConflict("starts_at", "a session must be in the future")
        s.add(EventSession(event_id=event.id, starts_at=starts_at, capacity=capacity,
                           place=place))
        s.flush()
        return event_view(desk, event_id)


def event_view(desk: kit.Desk, event_id: int, *, actor: str | None = None) -> dict[str, Any]:
    tz = desk.tz
    with desk.read() as s:
        acting(s, actor)
        e = get_event(s, event_id)
        counts = dict(((sid, st), n) for sid, st, n in s.execute(
            select(Registration.session_id, Registration.status, func.count())
            .join(EventSession).where(EventSession.event_id == e.id)
            .group_by(Registration.session_id, Registration.status)))
        sessions = [{"id": x.id, "starts_at": kit.show(x.starts_at, tz),
                     "capacity": x.capacity, "place": x.place,
                     **{st: counts.get((x.id, st), 0)
                        for st in ("confirmed", "waiting", "attended", "no_show")}}
                    for x in s.scalars(select(EventSession).where(EventSession.event_id == e.id)
                                       .order_by(EventSession.starts_at, EventSession.id))]
        season = season_of(e.starts_at.astimezone(tz).date())
        return {"id": e.id, "title": e.title, "starts_at": kit.show(e.starts_at, tz),
                "season": season[1] if season else None, "own": e.own, "large": e.large,
                **{f: getattr(e, f) for f in PROPOSAL_FIELDS},
                "per_household": e.per_household, "waitlist": e.waitlist, "status": e.status,
                "created_by": e.created_by, "approved_by": e.approved_by,
                "approved_at": kit.show(e.approved_at, tz),
                "override_reason": e.override_reason, "summary": e.summary,
                "cancelled_by": e.cancelled_by, "cancelled_at": kit.show(e.cancelled_at, tz),
                "cancel_reason": e.cancel_reason, "sessions": sessions}
