"""Who hears of what: routes matched against an event, recipients, and the message.

A route with neither roles nor staff goes to whoever the event itself names: the role a
breach was escalated to, the role a warning is for, a follow-up's new owner role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.notifiers.settings import Route
from core.permissions import mask_deep

#: the seeds' defaults (SPEC §2, §3, §5): breaches to whom they were escalated, a major
#: complaint's breach to the site manager too, group-complaint risk and repeat matters to
#: whom the warning names at once, important information to the leads at intake,
#: unreachable follow-ups to their new owner
DEFAULTS = (
    Route(event="sla_breached"),
    Route(event="sla_breached", category="complaint", severity="major", roles=["manager"]),
    Route(event="warning_raised", kind="group"),
    Route(event="warning_raised", kind="repeat"),
    Route(event="followup_escalated"),
    Route(event="ticket_created", nature="important", roles=["supervisor", "manager"]),
)


@dataclass(frozen=True)
class Event:
    """One notification as the routes see it."""

    name: str
    ticket: dict[str, Any] | None
    addressee: str | None  # the role the event itself names
    kind: str | None = None  # a warning's kind
    detail: str = ""

    def matches(self, route: Route) -> bool:
        t = self.ticket or {}
        return (route.event == self.name
                and (route.category is None or route.category == t.get("category"))
                and (route.severity is None or route.severity == t.get("severity"))
                and (route.nature is None or route.nature == t.get("nature"))
                and (route.kind is None or route.kind == self.kind))

    def roles(self, route: Route) -> list[str]:
        if route.roles or route.staff:
            return list(route.roles)
        return [self.addressee] if self.addressee else []


TITLES = {"sla_breached": "超时 deadline breached", "sla_at_risk": "临近超时 at risk",
          "warning_raised": "预警 warning", "followup_escalated": "回访升级 follow-up escalated",
          "ticket_created": "重要信息 important information"}


def message(event: Event) -> tuple[str, str]:
    """(subject, text). Owners' phones are never in it: group chats are not the desk (a
    number typed into the summary is masked too)."""
    t = mask_deep(event.ticket or {})
    head = f"【propdesk】{TITLES.get(event.name, event.name)}"
    parts = [t.get("number"), t.get("category"), t.get("severity"), t.get("unit") or
             t.get("location"), t.get("summary")]
    line = " · ".join(str(p) for p in parts if p)
    subject = f"{head} {t.get('number') or event.kind or ''}".strip()
    return subject, "\n".join(x for x in (head, line, event.detail) if x)
