"""Recording a follow-up (回访); the queue, quotas and sampling come with the Follow-ups issue."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.errors import DomainError
from core.labels import FOLLOWUP_METHODS
from core.models import Followup
from core.plugins import notify
from core.tickets import Action, _act, _reopen, check_satisfaction
from core.times import show

if TYPE_CHECKING:
    from core.desk import Desk


def record(desk: Desk, number: str, *, method: str, satisfaction: int,
           fixed: bool | None = None, comment: str | None = None, actor: str | None = None,
           at: str | datetime | None = None) -> dict[str, Any]:
    """Record the customer's verdict; 2 or less, or not fixed, reopens the ticket."""
    method = FOLLOWUP_METHODS.parse(method)
    if satisfaction is None:
        raise DomainError("satisfaction", "give 1 (very dissatisfied) to 5 (very satisfied)")
    check_satisfaction(satisfaction)
    result: dict[str, Any] = {}

    def body(a: Action) -> None:
        row = Followup(ticket_id=a.ticket.id, at=a.at, actor=a.actor, method=method,
                       satisfaction=satisfaction, fixed=fixed, comment=comment)
        a.session.add(row)
        reopened = satisfaction <= 2 or fixed is False
        a.record("followed_up", {"method": method, "satisfaction": satisfaction,
                                 "fixed": fixed, "comment": comment})
        if reopened:
            _reopen(a, "follow-up: customer dissatisfied or issue not fixed")
        result.update(method=method, at=show(a.at, desk.tz), actor=a.actor,
                      satisfaction=satisfaction, fixed=fixed, comment=comment,
                      reopened=reopened)

    view = _act(desk, number, "followup", actor, at, {"method": method,
                                                     "satisfaction": satisfaction}, body)
    notify(desk.pm, "followup_recorded", ticket=view, followup=result)
    return view | {"followup": result}
