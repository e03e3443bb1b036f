"""Who may read the outbox, send it now or send a test: leads and the integrator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.errors import DomainError, NotFound
from core.permissions import authorise

if TYPE_CHECKING:
    from core.desk import Desk


def listing(desk: Desk, status: str | None = None, limit: int = 50,
            actor: str | None = None) -> list[dict[str, Any]]:
    from core.notifiers import outbox

    authorise(desk, actor, "notify")
    if not 1 <= limit <= 500:
        raise DomainError("limit", "must be between 1 and 500")
    return outbox.listing(desk, status, limit)


def send_due(desk: Desk, actor: str | None = None) -> dict[str, dict[str, int]]:
    from core.notifiers import outbox

    authorise(desk, actor, "notify")
    return outbox.deliver_due(desk, wait=True)


def send_test(desk: Desk, channel: str, to: str, actor: str | None = None) -> dict[str, Any]:
    """Queue one test message to `to` on `channel` and send it at once."""
    from sqlalchemy import select

    from core.models import Staff
    from core.notifiers import outbox
    from core.notifiers.routing import Event

    authorise(desk, actor, "notify")
    if channel not in outbox.configured(outbox.settings(desk)):
        raise DomainError("channel", f"{channel} is not configured "
                          f"([plugins.notify.channels.{channel}])")
    with desk.read() as s:
        if s.scalar(select(Staff.id).where(Staff.name == to.strip())) is None:
            raise NotFound("to", f"no staff member {to!r}")
    ids = outbox.enqueue(desk, Event("test", None, None, detail="测试消息 test message"),
                         only=[channel], staff=[to.strip()])
    outbox.deliver_lane(desk, channel)
    rows = {r["id"]: r for r in outbox.listing(desk, None, 500)}
    return rows[ids[0]]
