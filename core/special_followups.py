"""Follow-ups that do not come from a ticket's resolution (SPEC §4, 客户回访管理规定 §3.2–3.3).

- A special-service agreement (特约服务协议) is followed up at its middle and after its
  end: `schedule_agreement`, called by the plugin that keeps the agreements.
- Every "dissatisfied" answer of a satisfaction survey is followed up in person by the
  responsible professional (不满意项 100% 上门回访): `survey_followup`, called by the
  plugin that runs the survey. The answer becomes an issue report (collected by the
  desk) carrying the in-person task, assigned to that professional.

Both are exported by `core.kit`; each is one unit of work, announced after commit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import actions
from core.actions import load
from core.directory import get_staff
from core.errors import DomainError
from core.followups import start_clock, task_view
from core.models import FollowupTask
from core.permissions import authorise
from core.times import parse_time, show
from core.views import ticket_view

if TYPE_CHECKING:
    from core.desk import Desk

AGREEMENT_KINDS = ("agreement_mid", "agreement_end")


def _moment(desk: Desk, value: str | date | datetime, field: str) -> datetime:
    """A date means the site's close of business on that day (an agreement's day ends)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=desk.tz)
    if isinstance(value, date):
        return datetime.combine(value, desk.config.site.close_of_business, tzinfo=desk.tz)
    text = str(value).strip()
    if len(text) == 10:
        try:
            return _moment(desk, date.fromisoformat(text), field)
        except ValueError:
            pass
    return parse_time(text, desk.tz, field)


def schedule_agreement(desk: Desk, number: str, *, start: str | date | datetime,
                       end: str | date | datetime,
                       actor: str | None = None) -> list[dict[str, Any]]:
    """Open the middle and end follow-ups of the agreement on ticket `number`.

    Each is due `[followup] agreement` (default one working day) after the middle and
    after the end of the agreement, owned by the desk (the ticket's owner). Calling it
    again for the same ticket changes nothing and returns the tasks already planned.
    Returns [] when the site turned the rule off (`agreement = ""`)."""
    policy = desk.config.followup.agreement
    begin, finish = _moment(desk, start, "start"), _moment(desk, end, "end")
    if finish <= begin:
        raise DomainError("end", "the agreement must end after it starts")
    if policy is None:
        return []
    with desk.write() as s:
        staff = authorise(desk, actor, "followup")
        t = load(s, number)
        have = {x.kind: x for x in s.scalars(select(FollowupTask).where(
            FollowupTask.ticket_id == t.id, FollowupTask.kind.in_(AGREEMENT_KINDS)))}
        if len(have) == len(AGREEMENT_KINDS):
            return [task_view(have[k], desk.tz) for k in AGREEMENT_KINDS]
        now = actions.when(desk, s, t, None)
        moments = {"agreement_mid": begin + (finish - begin) / 2, "agreement_end": finish}
        new = []
        for kind, at in moments.items():
            if kind in have:
                continue
            task = FollowupTask(
                ticket=t, kind=kind, round=0, category=t.category, status="waiting",
                reason=f"special-service agreement: {kind.split('_')[1]}", rate=1.0,
                draw=None, owner_role="frontdesk", assignee=t.owner, policy=policy,
                created_at=now, attempts=0, escalation_level=0)
            start_clock(desk, task, at)
            s.add(task)
            new.append(task)
        actions.record(s, t, "followups_planned", now, staff.name if staff else "system", {
            "why": "special-service agreement (特约服务协议): middle and end",
            "start": show(begin, desk.tz), "end": show(finish, desk.tz),
            "kinds": [x.kind for x in new]})
        s.flush()
        views = [task_view(x, desk.tz) for x in new]
        tv = ticket_view(s, t, desk.tz, events=False)
        for view in views:
            desk.notify("followup_scheduled", ticket=tv, task=view)
        have.update({x.kind: x for x in new})
        return [task_view(have[k], desk.tz) for k in AGREEMENT_KINDS]


def survey_followup(desk: Desk, *, summary: str, professional: str, survey: str | None = None,
                    unit: str | None = None, location: str | None = None,
                    topic: str | None = None, by: str | None = None,
                    at: str | datetime | None = None,
                    actor: str | None = None) -> dict[str, Any]:
    """A "dissatisfied" survey answer: an issue report with an in-person follow-up task
    for `professional` (the responsible professional, any role), due `[followup] survey`
    (default 5 working days). The professional, or a lead, records it (`--method visit`).
    Returns {"ticket": number, "task": task view or None when the rule is off}."""
    from core.intake import intake

    if not summary or not str(summary).strip():
        raise DomainError("summary", "say what the customer was dissatisfied with")
    policy = desk.config.followup.survey
    with desk.write() as s:
        pro = get_staff(s, professional, "professional")
        label = f"满意度调查不满意 dissatisfied survey answer{f' ({survey})' if survey else ''}"
        view = intake(desk, category="issue_report", channel="collected",
                      summary=f"{label}: {str(summary).strip()}", unit=unit, location=location,
                      topic=topic, by=by or actor, at=at, actor=actor)
        if policy is None:
            return {"ticket": view["number"], "task": None}
        t = load(s, view["number"])
        task = FollowupTask(
            ticket=t, kind="survey", round=0, category=t.category, status="waiting",
            reason=f"survey{f' {survey}' if survey else ''}: dissatisfied answer"[:64],
            rate=1.0, draw=None, owner_role=pro.role, assignee=pro, method="visit",
            policy=policy, created_at=t.received_at, attempts=0, escalation_level=0)
        start_clock(desk, task, t.received_at)
        s.add(task)
        s.flush()
        tv = task_view(task, desk.tz)
        desk.notify("followup_scheduled", ticket=ticket_view(s, t, desk.tz, events=False),
                    task=tv)
        return {"ticket": view["number"], "task": tv}
