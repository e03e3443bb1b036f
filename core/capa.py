"""Corrective and preventive action records (纠正与预防措施实施表, 客户回访管理规定 §3.4).

Opened by the repeat-matter warning (the same matter complained about, or the same repair,
3 or more times); the desk supervisor owns it until the cause is found, actions are
taken and their effect verified. Closing without actions and a verification is refused.
Every change is appended to the record's own history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.action_time import action_time
from core.actions import reserve
from core.directory import get_staff
from core.errors import DomainError, NotFound, TransitionRefused
from core.labels import _vocab
from core.models import Capa, Staff, Ticket
from core.permissions import authorise
from core.times import show
from core.topics import taxonomy

if TYPE_CHECKING:
    from core.desk import Desk

CAPA_STATES = _vocab("state", [
    ("open", "待处理", "open"),
    ("verified", "已验证", "verified"),
    ("closed", "已关闭", "closed"),
])
SOURCES = {"repeat_complaint": "同一事项重复投诉 repeat complaint",
           "repeat_repair": "同一维修重复报修 repeat repair"}


def open_capa(desk: Desk, s: Session, source: str, topic: str, t: Ticket,
              location: str | None, numbers: list[str]) -> Capa:

    year = t.received_at.astimezone(desk.tz).year
    seq = reserve(s, f"capa:{year}")
    owner = s.scalar(select(Staff).where(Staff.role == "supervisor", Staff.active)
                     .order_by(Staff.id).limit(1))
    capa = Capa(number=f"CAPA-{year}-{seq:04d}", source=source, topic=topic,
                unit_id=t.unit_id, location=location if t.unit_id is None else None,
                tickets=list(numbers), state="open", owner=owner, opened_at=t.received_at,
                history=[{"at": show(t.received_at, desk.tz), "by": "system",
                          "change": {"opened": f"{len(numbers)} × {topic}"}}])
    s.add(capa)
    s.flush()
    return capa


def capa_view(c: Capa, desk: Desk) -> dict[str, Any]:
    return {"number": c.number, "source": c.source, "source_label": SOURCES.get(c.source),
            "topic": c.topic, "topic_label": taxonomy(desk.config).label(c.topic),
            "unit": c.unit.code if c.unit else None, "location": c.location,
            "tickets": c.tickets, "state": c.state,
            "owner": c.owner.name if c.owner else None, "cause": c.cause,
            "actions": c.actions, "verification": c.verification,
            "opened_at": show(c.opened_at, desk.tz), "closed_at": show(c.closed_at, desk.tz),
            "history": c.history}


def list_capa(desk: Desk, state: str | None = None,
              actor: str | None = None) -> list[dict[str, Any]]:
    """Corrective actions, newest first (supervisors and managers)."""
    with desk.read() as s:
        authorise(desk, actor, "capa")
        q = select(Capa).order_by(Capa.opened_at.desc(), Capa.id.desc())
        if state:
            q = q.where(Capa.state == CAPA_STATES.parse(state))
        return [capa_view(c, desk) for c in s.scalars(q)]


def show_capa(desk: Desk, number: str, actor: str | None = None) -> dict[str, Any]:
    with desk.read() as s:
        authorise(desk, actor, "capa")
        return capa_view(_load(s, number), desk)


def _load(s: Session, number: str) -> Capa:
    capa = s.scalar(select(Capa).where(Capa.number == number.strip().upper()))
    if capa is None:
        raise NotFound("number", f"no corrective action {number!r}")
    return capa


def update(desk: Desk, number: str, *, owner: str | None = None, cause: str | None = None,
           actions: str | None = None, verification: str | None = None,
           close: bool = False, actor: str | None = None,
           at: str | None = None) -> dict[str, Any]:
    """Fill in owner, cause, actions, verification; `close` needs actions and verification."""
    fields = {"cause": cause, "actions": actions, "verification": verification}
    if owner is None and not close and all(v is None for v in fields.values()):
        raise DomainError("capa", "give --owner, --cause, --actions, --verification or --close")
    for name, value in fields.items():
        if value is not None and not value.strip():
            raise DomainError(name, "must not be empty")
    with desk.write() as s:
        staff = authorise(desk, actor, "capa")
        capa = _load(s, number)
        if capa.state == "closed":
            raise TransitionRefused("state", f"{capa.number} is closed")
        when = action_time(desk, at, not_before=capa.opened_at, what="the record's opening")
        who = staff.name if staff else "system"
        change: dict[str, Any] = {}
        if owner is not None:
            capa.owner = get_staff(s, owner, "owner")
            change["owner"] = capa.owner.name
        for name, value in fields.items():
            if value is not None:
                setattr(capa, name, value.strip())
                change[name] = value.strip()
        if verification is not None:
            capa.state = "verified"
        if close:
            missing = [n for n in ("actions", "verification") if not getattr(capa, n)]
            if missing:
                raise TransitionRefused("close", f"{capa.number} cannot close without "
                                        f"{' and '.join(missing)}")
            capa.state, capa.closed_at = "closed", when
            change["closed"] = True
        capa.history = [*capa.history, {"at": show(when, desk.tz), "by": who,
                                         "change": change}]
        s.flush()
        return capa_view(capa, desk)
