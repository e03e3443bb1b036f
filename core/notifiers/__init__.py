"""Notifications people receive: e-mail (SMTP), WeCom and DingTalk group robots, SMS.

A built-in plugin: the notifications core already announces (a breach, a warning, an
escalated follow-up, important information at intake) are routed by event and role
(`[plugins.notify]`, see `core.notifiers.settings`), queued in the `notifications` outbox
after the event's commit, and sent by the service's background loop, one lane per channel,
retried with backoff. Nothing is queued on a site that configured no channel.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import hookimpl
from core.notifiers.models import Notification
from core.notifiers.settings import NotifySettings

if TYPE_CHECKING:
    from core.desk import Desk

VERSIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_config(register: Any) -> None:
    register("notify", NotifySettings)


@hookimpl
def register_models(register: Any) -> None:
    register(Notification)


@hookimpl
def register_migrations(register: Any) -> None:
    register(VERSIONS)


def _queue(desk: Desk, name: str, ticket: dict[str, Any] | None, addressee: str | None,
           kind: str | None = None, detail: str = "") -> None:
    from core.notifiers.outbox import configured, enqueue, settings
    from core.notifiers.routing import Event

    if configured(settings(desk)):  # a site without channels writes nothing
        enqueue(desk, Event(name, ticket, addressee, kind, detail))


@hookimpl
def sla_breached(ticket: dict[str, Any], clock: dict[str, Any], desk: Desk) -> None:
    _queue(desk, "sla_breached", ticket, clock.get("escalated_to"),
           detail=f"{clock.get('name')} 截止 due {clock.get('due_at')}, "
                  f"升级至 escalated to {clock.get('escalated_to')}")


@hookimpl
def sla_at_risk(ticket: dict[str, Any], clock: dict[str, Any], desk: Desk) -> None:
    _queue(desk, "sla_at_risk", ticket, None,
           detail=f"{clock.get('name')} 截止 due {clock.get('due_at')}")


@hookimpl
def warning_raised(warning: dict[str, Any], desk: Desk) -> None:
    number = warning.get("ticket")
    _queue(desk, "warning_raised", {"number": number} if number else None, warning.get("to"),
           kind=warning.get("kind"), detail=str(warning.get("label") or ""))


@hookimpl
def followup_escalated(ticket: dict[str, Any], task: dict[str, Any], desk: Desk) -> None:
    _queue(desk, "followup_escalated", ticket, task.get("owner_role"),
           detail=f"回访 follow-up → {task.get('owner_role')}")


@hookimpl
def ticket_created(ticket: dict[str, Any], desk: Desk) -> None:
    _queue(desk, "ticket_created", ticket, None)


@hookimpl
def ticket_transitioned(ticket: dict[str, Any], event: dict[str, Any], desk: Desk) -> None:
    """A ticket reclassified into important information: the leads hear it exactly as at
    intake (`core.tickets.reclassify` records the same `notified` event)."""
    if event.get("kind") == "notified" and (event.get("data") or {}).get("reclassified"):
        _queue(desk, "ticket_created", ticket, None)
