"""The follow-up queue (回访, SPEC §4): who is followed up, when, by whom; and the verdict.

A resolved ticket is planned once per resolution round: the rate for its category (or an
`always` rule) and a seeded draw decide whether it is followed up; the decision, draw and
rate are stored either way (`status="skipped"` when not drawn; "not_followed" when the
window closed before propdesk knew the ticket: imported history), so the achieved rate can
be reported and any decision re-checked. Follow-ups carry a clock like tickets do
(`due_at`, `at_risk_at`, breach recorded once by `core.deadlines.check`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import actions, sampling, sla
from core.actions import Action, act, check_satisfaction, load, reopen
from core.directory import get_staff
from core.errors import DomainError, TimeConflict, TransitionRefused
from core.labels import FOLLOWUP_METHODS, STATES
from core.models import Followup, FollowupTask, RainyDay, Ticket
from core.permissions import authorise, check, check_followup_rank
from core.times import parse_time, show
from core.topics import taxonomy
from core.views import ticket_view

if TYPE_CHECKING:
    from core.desk import Desk

#: who follows up, by complaint severity (客户回访管理规定 §3.1); breaches climb the ladder
LADDER = ("frontdesk", "supervisor", "manager")
ROLE_BY_SEVERITY = {"major": "manager", "important": "supervisor"}
LIVE = ("waiting", "open")
MAIN_KINDS = ("standard", "urgent", "leak", "redo")
#: follow-ups that may be recorded while the ticket is still being handled
WHILE_OPEN = ("first_call", "agreement_mid", "agreement_end", "survey")
DONE_STATES = ("resolved", "reported", "closed")
Later = Callable[[dict[str, Any]], None]


@dataclass
class Plan:
    kind: str
    reason: str
    rate: float
    draw: float
    chosen: bool
    policy: str
    waits_for: str | None = None
    method: str | None = None


def owner_role(category: str, severity: str | None) -> str:
    return ROLE_BY_SEVERITY.get(severity or "", "frontdesk") if category == "complaint" \
        else "frontdesk"


def decide(desk: Desk, t: Ticket, visits_short: bool = False) -> list[Plan]:
    """The SPEC §4 rules for one resolution of a ticket; pure but for the config."""
    cfg = desk.config.followup
    cat, sev, nature = t.category, t.severity, t.nature
    topic = taxonomy(desk.config).classify(t.topic, t.summary)
    round_ = t.reopen_count
    u = sampling.draw(cfg.seed, t.number, round_)
    if round_ > 0:  # reopened: followed up again until the customer is satisfied
        key, rate, kind = "reopened", 1.0, "redo"
    else:
        keys = [f"{cat}.{sev}" if sev else "", f"{cat}.{topic}", f"{cat}.{nature}"]
        key, rate = cfg.rate_for(cat, [k for k in keys if k])
        kind = "standard"
    chosen = sampling.selected(rate, u)
    within = cfg.within
    policy, waits = within.get(cat, within.get("default", "10wd")), None
    if cat == "complaint":
        waits = "close"  # within 3 working days after closing
    elif cat == "repair":
        if kind == "redo":
            policy = cfg.after_redo
        elif sev == "urgent":
            kind, policy = "urgent", cfg.urgent
        elif topic == "water_leak":
            kind, policy, waits = "leak", cfg.after_rain, "rain"
    method = None
    if cat == "repair" and chosen and (
            sampling.draw(cfg.seed, t.number, round_, "visit")
            < sampling.visit_share(cfg.in_person_min, rate) or visits_short):
        method = "visit"
    plans = [Plan(kind, f"{key} rate {rate:g}", rate, u, chosen, policy, waits, method)]
    major_repair = cat == "repair" and (nature == "important" or sev in ("major", "important"))
    if major_repair and chosen and round_ == 0:
        plans.append(Plan("second", "major engineering repair: second follow-up", 1.0, u,
                          True, cfg.second))
    return plans


def plan(desk: Desk, s: Session, t: Ticket, at: datetime) -> list[FollowupTask]:
    """Decide and store the follow-ups of this resolution round; idempotent per round."""
    done = s.scalar(select(func.count()).select_from(FollowupTask).where(
        FollowupTask.ticket_id == t.id, FollowupTask.round == t.reopen_count,
        FollowupTask.kind != "first_call"))
    if done:
        return []
    short = False
    if t.category == "repair":
        decided, visits = _repair_month(desk, s, at)
        short = sampling.visits_short(visits, decided + 1, desk.config.followup.in_person_min)
    tasks = [_task(desk, s, t, p, at) for p in decide(desk, t, short)]
    s.add_all(tasks)
    return tasks


def _repair_month(desk: Desk, s: Session, at: datetime) -> tuple[int, int]:
    local = at.astimezone(desk.tz)
    start = datetime(local.year, local.month, 1, tzinfo=desk.tz)
    rows = s.execute(select(func.count(), func.count(FollowupTask.method)).where(
        FollowupTask.category == "repair", FollowupTask.created_at >= start,
        FollowupTask.kind.in_(MAIN_KINDS))).one()
    return int(rows[0]), int(rows[1])


def _task(desk: Desk, s: Session, t: Ticket, p: Plan, at: datetime) -> FollowupTask:
    role = owner_role(t.category, t.severity)
    task = FollowupTask(
        ticket=t, kind=p.kind, round=t.reopen_count, category=t.category,
        status="skipped" if not p.chosen else "waiting", waits_for=p.waits_for if p.chosen
        else None, reason=p.reason[:64], rate=p.rate, draw=round(p.draw, 6),
        owner_role=role, assignee=t.owner if role == "frontdesk" else None, method=p.method,
        policy=p.policy, created_at=at, attempts=0, escalation_level=0)
    if not p.chosen:
        return task
    if p.waits_for is None:
        start_clock(desk, task, at)
    elif p.waits_for == "rain":
        resolved_day = at.astimezone(desk.tz).date()
        rain = s.scalar(select(func.min(RainyDay.day)).where(RainyDay.day > resolved_day))
        if rain is not None:
            start_clock(desk, task, after_rain_start(desk, rain))
    return task


def first_call(desk: Desk, t: Ticket) -> FollowupTask | None:
    """Complaints: a first call within 24 h of intake is also on record (SPEC §4)."""
    policy = desk.config.followup.first_call
    if t.category != "complaint" or not policy:
        return None
    task = FollowupTask(
        ticket=t, kind="first_call", round=0, category=t.category, status="waiting",
        reason="complaint: first call after intake", rate=1.0, draw=None,
        owner_role="frontdesk", assignee=t.owner, policy=policy,  # 前台接单后 24 小时回访
        created_at=t.received_at, attempts=0, escalation_level=0)
    start_clock(desk, task, t.received_at)
    return task


def start_clock(desk: Desk, task: FollowupTask, start: datetime) -> None:
    """Open the task: its due and at-risk times by the same arithmetic as ticket clocks."""
    assert task.policy is not None
    duration = sla.Duration.parse(task.policy)
    cal, hours = desk.config.working_calendar, desk.config.business_hours
    due = sla.deadline(start, duration, cal, hours).due_at
    assert due is not None
    task.status, task.waits_for, task.started_at = "open", None, start
    task.due_at = sla.to_utc(due)
    task.at_risk_at = sla.to_utc(sla.at_risk_at(start, due, desk.config.sla.at_risk_ratio,
                                                duration, cal, hours))


def after_rain_start(desk: Desk, day: date) -> datetime:
    """A leak follow-up's clock starts when the rainy day's working hours end."""
    return datetime.combine(day, desk.config.site.close_of_business, tzinfo=desk.tz)


def live_tasks(s: Session, t: Ticket) -> list[FollowupTask]:
    return list(s.scalars(select(FollowupTask).where(
        FollowupTask.ticket_id == t.id, FollowupTask.status.in_(LIVE))
        .order_by(FollowupTask.id)))


# --------------------------------------------------------------------------- recording


def record(desk: Desk, number: str, *, method: str, satisfaction: int,
           fixed: bool | None = None, comment: str | None = None, actor: str | None = None,
           at: str | datetime | None = None) -> dict[str, Any]:
    """Record the customer's verdict; 2 or less, or not fixed, reopens a handled ticket.

    The follow-up completes the ticket's earliest-due live task (and an open first call);
    a follow-up nobody asked for is still recorded. Only the role the task is assigned to,
    or a role above, records it (a survey's: its professional, or a lead).
    """
    method = FOLLOWUP_METHODS.parse(method)
    if satisfaction is None:
        raise DomainError("satisfaction", "give 1 (very dissatisfied) to 5 (very satisfied)")
    check_satisfaction(satisfaction)
    result: dict[str, Any] = {}

    with desk.write() as s:  # the follow-up and its announcement: one unit of work
        t = load(s, number)
        task = next_task(s, t)
        if t.state not in DONE_STATES and task is None:
            raise TransitionRefused("state", f"cannot followup ticket {t.number}: it is "
                                    f"{STATES.label(t.state)}")
        if task is not None and task.kind == "survey" and method != "visit":
            raise DomainError("method", "a dissatisfied survey answer is followed up in "
                              "person: --method visit")
        role = task.owner_role if task is not None else owner_role(t.category, t.severity)
        data = {"method": method, "satisfaction": satisfaction, "task_role": role,
                "task_assignee": task.assignee_id if task is not None else None}

        def body(a: Action) -> None:
            row = Followup(ticket_id=a.ticket.id, at=a.at, actor=a.actor, method=method,
                           satisfaction=satisfaction, fixed=fixed, comment=comment)
            a.session.add(row)
            a.session.flush()
            completed = _complete(a.session, a.ticket, task, row, a.at)
            reopened = (satisfaction <= 2 or fixed is False) and a.ticket.state in DONE_STATES
            a.record("followed_up", {"method": method, "satisfaction": satisfaction,
                                     "fixed": fixed, "comment": comment, "task": completed})
            if reopened:
                reopen(a, "follow-up: customer dissatisfied or issue not fixed")
            result.update(method=method, at=show(a.at, desk.tz), actor=a.actor,
                          satisfaction=satisfaction, fixed=fixed, comment=comment,
                          reopened=reopened, task=completed)

        view = act(desk, number, "followup", actor, at, data, body)
        desk.notify("followup_recorded", ticket=view, followup=result)
    return view | {"followup": result}


def next_task(s: Session, t: Ticket) -> FollowupTask | None:
    """The live task a follow-up recorded now completes: the earliest due; on a ticket
    still being handled, only one that runs meanwhile (first call, agreement, survey)."""
    live = live_tasks(s, t)
    main = [x for x in live if x.kind != "first_call" and (x.status == "open" or
                                                            x.waits_for == "close")]
    if t.state not in DONE_STATES:
        main = [x for x in main if x.kind in WHILE_OPEN]
    main.sort(key=lambda x: (x.due_at is None, x.due_at or x.created_at, x.id))
    if main:
        return main[0]
    first = [x for x in live if x.kind == "first_call"]
    return first[0] if first else None


def _complete(s: Session, t: Ticket, task: FollowupTask | None, row: Followup,
              at: datetime) -> str | None:
    done = ([task] if task is not None else []) + [
        x for x in live_tasks(s, t) if x.kind == "first_call" and x is not task]
    for x in done:
        x.status, x.done_at, x.followup_id = "done", at, row.id
    return done[0].kind if done else None


def unreachable(desk: Desk, number: str, *, method: str = "phone", note: str | None = None,
                actor: str | None = None, at: str | datetime | None = None) -> dict[str, Any]:
    """A follow-up attempt that reached nobody: retried, then escalated up the ladder."""
    method = FOLLOWUP_METHODS.parse(method)
    cfg = desk.config.followup
    with desk.write() as s:
        staff = authorise(desk, actor)
        t = load(s, number)
        when, who = actions.when(desk, s, t, at), _actor_name(s, actor)
        live = [x for x in live_tasks(s, t) if x.status == "open"]
        if staff is not None and not any(x.assignee_id == staff.id for x in live):
            check(staff, "followup")  # the desk's, but a survey's professional
        if not live:
            raise TransitionRefused("number", f"no follow-up of {t.number} is open")
        live.sort(key=lambda x: (x.kind == "first_call", x.due_at, x.id))
        task = live[0]
        if staff is not None and task.assignee_id != staff.id:
            check_followup_rank(staff, task.owner_role, t.number)
        task.attempts += 1
        escalated = task.attempts >= cfg.attempts
        data: dict[str, Any] = {"kind": task.kind, "attempt": task.attempts,
                                "of": cfg.attempts, "method": method, "note": note}
        actions.record(s, t, "followup_unreachable", when, who, data)
        if escalated:
            escalate(task, when)
            task.next_attempt_at = None
            actions.record(s, t, "followup_escalated", when, "system",
                    {"kind": task.kind, "to": task.owner_role, "why":
                     f"unreachable {task.attempts} times"})
        else:
            task.next_attempt_at = _add(desk, when, cfg.retry_after)
        s.flush()
        tv, view = task_view(task, desk.tz), ticket_view(s, t, desk.tz, events=False)
        if escalated:
            desk.notify("followup_escalated", ticket=view, task=tv)
    return tv


def _actor_name(s: Session, actor: str | None) -> str:
    return get_staff(s, actor, "as").name if actor else "system"


def escalate(task: FollowupTask, at: datetime) -> str:
    """One step up: desk → supervisor → site manager; the task leaves the desk's list."""
    i = LADDER.index(task.owner_role) if task.owner_role in LADDER else 0
    task.owner_role = LADDER[min(i + 1, len(LADDER) - 1)]
    task.assignee = None
    task.escalation_level += 1
    return task.owner_role


def _add(desk: Desk, at: datetime, text: str) -> datetime:
    duration = sla.Duration.parse(text)
    due = sla.deadline(at, duration, desk.config.working_calendar,
                       desk.config.business_hours).due_at
    assert due is not None
    return sla.to_utc(due)


# --------------------------------------------------------------------------- rainy days


def mark_rainy(desk: Desk, day: str | date, *, actor: str | None = None) -> dict[str, Any]:
    """Mark a rainy day: leak repairs finished before it become due after it."""
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day.strip())
        except ValueError:
            raise DomainError("day", f"not a date: {day!r} (e.g. 2026-11-21)") from None
    now = desk.now()
    if day > now.astimezone(desk.tz).date():
        raise TimeConflict("day", "a rainy day cannot be marked in advance")
    started: list[tuple[dict[str, Any], dict[str, Any]]] = []
    with desk.write() as s:
        authorise(desk, actor, "followup")
        who = _actor_name(s, actor)
        if s.get(RainyDay, day) is None:
            s.add(RainyDay(day=day, marked_by=who, marked_at=now))
        cutoff = datetime.combine(day, time(0), tzinfo=desk.tz)
        waiting = s.scalars(select(FollowupTask).where(
            FollowupTask.status == "waiting", FollowupTask.waits_for == "rain",
            FollowupTask.created_at < cutoff).order_by(FollowupTask.id))
        for task in waiting:
            # the *first* rainy day after the repair: an earlier one may be marked late
            first = s.scalar(select(func.min(RainyDay.day)).where(
                RainyDay.day > task.created_at.astimezone(desk.tz).date()))
            start_clock(desk, task, after_rain_start(desk, first or day))
            s.flush()
            started.append((ticket_view(s, task.ticket, desk.tz, events=False),
                            task_view(task, desk.tz)))
        for view, tv in started:
            desk.notify("followup_scheduled", ticket=view, task=tv)
    return {"day": day.isoformat(), "started": [tv["number"] for _, tv in started]}


def rainy_days(desk: Desk, actor: str | None = None) -> list[str]:
    from core.permissions import authorise

    with desk.read() as s:
        authorise(desk, actor, "followup")
        return [d.isoformat() for d in s.scalars(select(RainyDay.day).order_by(RainyDay.day))]


# --------------------------------------------------------------------------- the queue


def due(desk: Desk, *, mine: bool | str | None = None, overdue: bool = False,
        waiting: bool = False, limit: int = 100, now: datetime | None = None,
        actor: str | None = None) -> list[dict[str, Any]]:
    """Open follow-ups by due time; `mine`: assigned to `actor` (or the person named) or to
    their role. The queue is the desk's (front desk, supervisors, managers)."""
    from core.permissions import authorise

    if limit < 1:
        raise DomainError("limit", "must be at least 1")
    now = now or desk.now()
    with desk.read() as s:
        reader = authorise(desk, actor)
        if reader is not None and not (mine in (True, reader.name)
                                       and reader.role not in LADDER):
            check(reader, "followup")  # the desk's queue; a professional sees their own
        if mine is True:
            if reader is None:
                raise DomainError("mine", "needs --as STAFF (or PROPDESK_STAFF)")
            mine = reader.name
        statuses = ("open", "waiting") if waiting else ("open",)
        q = select(FollowupTask).where(FollowupTask.status.in_(statuses))
        if overdue:
            q = q.where(FollowupTask.status == "open", FollowupTask.due_at < now)
        if mine:
            staff = get_staff(s, str(mine), "as")
            q = q.where((FollowupTask.assignee_id == staff.id) | (
                FollowupTask.assignee_id.is_(None) & (FollowupTask.owner_role == staff.role)))
        q = q.order_by(FollowupTask.due_at.is_(None), FollowupTask.due_at, FollowupTask.id)
        return [task_view(x, desk.tz, now) for x in s.scalars(q.limit(limit)).unique()]


def task_view(task: FollowupTask, tz: Any, now: datetime | None = None) -> dict[str, Any]:
    t = task.ticket
    view = {
        "id": task.id, "number": t.number, "kind": task.kind, "round": task.round,
        "status": task.status, "waits_for": task.waits_for, "category": task.category,
        "severity": t.severity, "topic": t.topic, "unit": t.unit.code if t.unit else None,
        "summary": t.summary, "owner_role": task.owner_role,
        "assignee": task.assignee.name if task.assignee else None, "method": task.method,
        "reason": task.reason, "rate": task.rate, "draw": task.draw, "policy": task.policy,
        "started_at": show(task.started_at, tz), "due_at": show(task.due_at, tz),
        "at_risk_at": show(task.at_risk_at, tz), "breached_at": show(task.breached_at, tz),
        "attempts": task.attempts, "next_attempt_at": show(task.next_attempt_at, tz),
        "escalation_level": task.escalation_level, "done_at": show(task.done_at, tz),
    }
    if now is not None:
        view["overdue"] = bool(task.status == "open" and task.due_at and task.due_at < now)
    return view


def clock_view(task: FollowupTask, tz: Any) -> dict[str, Any]:
    """A follow-up as the `sla_at_risk` / `sla_breached` hooks see a clock."""
    return {"name": "followup", "round": task.round, "policy": task.policy,
            "started_at": show(task.started_at, tz), "due_at": show(task.due_at, tz),
            "at_risk_at": show(task.at_risk_at, tz), "met_at": show(task.done_at, tz),
            "breached_at": show(task.breached_at, tz), "paused": False, "kind": task.kind,
            "task": task.id}


# --------------------------------------------------------------------------- backlog


def plan_backlog(desk: Desk, *, since: str | datetime | None = None,
                 batch: int = 5000, actor: str | None = None) -> dict[str, int]:
    """Plan resolved tickets that have no decision yet (imported or bulk-loaded ones).

    Set-based: one query for the tickets, one bulk insert per batch; the same rules and
    draws as planning at resolution, with the in-person floor kept per month in memory.
    """
    start = parse_time(since, desk.tz, "since") if since is not None else None
    planned = chosen = missed = 0
    with desk.write() as s:
        authorise(desk, actor, "plan")
        has = select(FollowupTask.id).where(FollowupTask.ticket_id == Ticket.id,
                                            FollowupTask.kind != "first_call").exists()
        q = select(Ticket).where(Ticket.state.in_(("resolved", "reported", "closed")), ~has)
        if start is not None:
            q = q.where(Ticket.received_at >= start)
        months: dict[tuple[int, int], list[int]] = {}
        rows: list[dict[str, Any]] = []
        for t in s.scalars(q.order_by(Ticket.received_at, Ticket.id)
                           .execution_options(yield_per=batch)):
            at = t.closed_at or t.received_at
            short = False
            if t.category == "repair":
                local = at.astimezone(desk.tz)
                m = months.setdefault((local.year, local.month), [0, 0])
                short = sampling.visits_short(m[1], m[0] + 1,
                                              desk.config.followup.in_person_min)
            for p in decide(desk, t, short):
                task = _task(desk, s, t, p, at)
                if task in s:
                    s.expunge(task)
                if task.waits_for == "close" and t.closed_at is not None:
                    start_clock(desk, task, t.closed_at)  # closed already: its window runs
                missed += _passed_before_recording(desk, task, t)
                rows.append(_row(task, t))
                chosen += p.chosen
                if t.category == "repair" and p.kind in MAIN_KINDS:
                    m[0] += 1
                    m[1] += p.method == "visit"
            planned += 1
            if len(rows) >= batch:
                s.execute(FollowupTask.__table__.insert(), rows)
                rows = []
        if rows:
            s.execute(FollowupTask.__table__.insert(), rows)
    return {"planned": planned, "followups": chosen, "not_followed_imported": missed}


def _passed_before_recording(desk: Desk, task: FollowupTask, t: Ticket) -> bool:
    """A follow-up whose window closed before propdesk knew the ticket (imported history)
    is recorded as not followed up (imported): never breached, never escalated."""
    if task.status == "open" and task.due_at is not None:
        passed = task.due_at < t.recorded_at
    elif task.status == "waiting" and task.waits_for == "rain":  # no rain on record then
        passed = _add(desk, task.created_at, desk.config.followup.within.get(
            "repair", "10wd")) < t.recorded_at
    else:
        return False
    if passed:
        task.status, task.waits_for = "not_followed", None
        task.reason = "imported: window passed before import"
    return passed


def _row(task: FollowupTask, t: Ticket) -> dict[str, Any]:
    cols = ("kind", "round", "category", "status", "waits_for", "reason", "rate", "draw",
            "owner_role", "method", "policy", "created_at", "started_at", "due_at",
            "at_risk_at")
    row = {c: getattr(task, c) for c in cols}
    row.update(ticket_id=t.id, assignee_id=t.owner_id if task.owner_role == "frontdesk"
               else None, attempts=0, escalation_level=0)
    return row

