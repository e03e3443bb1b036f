"""Vacant units whose keys the site holds (空置房): every month an inspection, an airing and
a cleaning, generated once per unit and month and recorded when done. An anomaly found
(a leak, a window open in the rain...) opens a ticket for the unit, in the same unit of
work as the task's record: both are kept, or neither.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from core import kit
from core.kit import DomainError, NotFound, TransitionRefused, show
from plugins.keys.common import TASK_KINDS, actor_name, audit, authorise, text_field
from plugins.keys.models import Key, VacantTask

if TYPE_CHECKING:
    from core.kit import Desk

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: the keys that make a unit "vacant with keys held": entrusted and still the site's
HELD = ("in_cabinet", "on_loan")


def generate(desk: Desk, month: str | None = None, *, actor: str | None = None
             ) -> dict[str, Any]:
    """This month's tasks for every vacant unit whose entrusted key is held; idempotent."""
    month = _month(desk, month)
    with desk.write() as s:
        staff = authorise(s, actor, "vacant")
        now = desk.now()
        units = {k.unit_id: k.unit for k in s.scalars(
            select(Key).where(Key.kind == "entrusted", Key.status.in_(HELD)))
            if k.unit is not None}
        existing = {(t.unit_id, t.kind) for t in s.scalars(
            select(VacantTask).where(VacantTask.month == month))}
        made = []
        for unit_id, unit in sorted(units.items(), key=lambda u: u[1].code):
            for kind in TASK_KINDS.terms:
                if (unit_id, kind) in existing:
                    continue
                task = VacantTask(unit=unit, month=month, kind=kind, generated_at=now)
                s.add(task)
                made.append(task)
        s.flush()
        for task in made:
            audit(s, at=now, actor=actor_name(staff), action="task_generated",
                  entity="task", entity_id=task.id, unit=task.unit.code,
                  after={"month": month, "kind": task.kind})
        return {"month": month, "units": len(units), "generated": len(made)}


def list_tasks(desk: Desk, month: str | None = None, *, open_only: bool = False,
               actor: str | None = None) -> list[dict[str, Any]]:
    month = _month(desk, month)
    with desk.read() as s:
        authorise(s, actor, "read")
        query = select(VacantTask).where(VacantTask.month == month)
        if open_only:
            query = query.where(VacantTask.done_at.is_(None))
        rows = sorted(s.scalars(query), key=lambda t: (t.unit.code, list(TASK_KINDS.terms)
                                                       .index(t.kind)))
        return [task_view(t, desk) for t in rows]


def record(desk: Desk, task_id: int, *, by: str | None = None, note: str | None = None,
           anomaly: str | None = None, actor: str | None = None,
           at: str | datetime | None = None) -> dict[str, Any]:
    """A task done; an anomaly opens a ticket (an issue report for the unit)."""
    note = text_field(note, "note", required=False)
    anomaly = text_field(anomaly, "anomaly", required=False)
    receiver = actor or (by or "").strip() or None
    if anomaly and receiver is None:
        raise DomainError("by", "an anomaly opens a ticket: name who found it (--by STAFF)")
    with desk.write() as s:
        staff = authorise(s, actor, "vacant")
        if anomaly and receiver:
            kit.get_staff(s, receiver, "by")
        task = s.scalar(kit.lock(select(VacantTask).where(VacantTask.id == task_id)
                                 .options(lazyload(VacantTask.unit)))
                        .execution_options(populate_existing=True))
        if task is None:
            raise NotFound("id", f"no vacant-unit task {task_id}")
        if task.done_at is not None:
            raise TransitionRefused("id", f"task {task_id} was recorded done at "
                                    f"{show(task.done_at, desk.tz)}")
        moment = kit.action_time(desk, at, not_before=task.generated_at,
                                 what="the task's generation")
        task.done_at, task.done_by = moment, (by or "").strip() or actor_name(staff)
        task.note, task.anomaly = note, anomaly
        audit(s, at=moment, actor=actor_name(staff), action="task_done", entity="task",
              entity_id=task.id, unit=task.unit.code, before={"done_at": None},
              after={"done_at": moment, "done_by": task.done_by, "note": note,
                     "anomaly": anomaly})
        if anomaly:  # the ticket is taken in inside the same unit of work
            kind = TASK_KINDS.terms[task.kind].zh
            view = kit.tickets.intake(desk, category="issue_report", channel="collected",
                                      unit=task.unit.code, at=moment, reporter=receiver,
                                      by=kit.desk_owner(s, receiver),  # passed to the desk
                                      summary=f"空置房{kind}发现异常: {anomaly}")
            task.ticket = view["number"]
            audit(s, at=moment, actor=actor_name(staff), action="anomaly_ticket",
                  entity="task", entity_id=task.id, unit=task.unit.code,
                  before={"ticket": None}, after={"ticket": task.ticket})
        return task_view(task, desk)


def task_view(task: VacantTask, desk: Desk) -> dict[str, Any]:
    return {"id": task.id, "unit": task.unit.code, "month": task.month, "kind": task.kind,
            "done_at": show(task.done_at, desk.tz), "done_by": task.done_by,
            "note": task.note, "anomaly": task.anomaly, "ticket": task.ticket}


def _month(desk: Desk, month: str | None) -> str:
    if not month:
        return desk.now().astimezone(desk.tz).strftime("%Y-%m")
    if not MONTH.match(month.strip()):
        raise DomainError("month", f"use YYYY-MM, got {month!r}")
    return month.strip()
