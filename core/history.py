"""Plain figures from the ticket history, for callers that must not touch the database.

The staffing simulation calibrates its arrivals from what the desk really received; it
asks here (through the kit) and gets plain records, so `simulations` imports no database
module and the counting stays testable without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.models import Ticket

if TYPE_CHECKING:
    from core.desk import Desk


@dataclass(frozen=True)
class Arrival:
    """One ticket as it arrived: when (aware, UTC), by which channel, how classified."""

    received_at: datetime
    channel: str
    category: str
    severity: str | None = None


def arrival_history(desk: Desk, since: datetime, until: datetime) -> list[Arrival]:
    """Tickets received in `[since, until)`, oldest first, read in one query."""
    stmt = (select(Ticket.received_at, Ticket.channel, Ticket.category, Ticket.severity)
            .where(Ticket.received_at >= since, Ticket.received_at < until)
            .order_by(Ticket.received_at, Ticket.id))
    with desk.read() as s:
        return [Arrival(at, channel, category, severity)
                for at, channel, category, severity in s.execute(stmt)]
