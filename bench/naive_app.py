"""The yardstick for service_bench: minimal FastAPI endpoints inserting tickets naively.

`POST /tickets` writes the rows a propdesk intake writes for a plain request (the ticket,
its `received` event, its reply and resolve clocks, its topic row) with one ORM session
per request in FastAPI's default thread pool: no validation beyond the body model, no
numbering, no working-day arithmetic (wall-clock deadlines), no warnings, no auth.
`POST /tickets-only` writes the ticket row alone, the even cheaper reference. Run by
bench/service_bench.py under uvicorn.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from core.db import make_engine, writer
from core.models import SLAClock, Ticket, TicketEvent, TicketTopic, Unit

# each request's transaction a write transaction from its start (BEGIN IMMEDIATE), as the
# core's own writers: with a deferred BEGIN its first SELECT would take a read snapshot and
# the later INSERT fail "database is locked" instead of waiting its turn
engine = writer(make_engine(os.environ["PROPDESK_DATABASE_URL"]))
Session = sessionmaker(engine)
app = FastAPI()


class Body(BaseModel):
    category: str
    summary: str
    unit: str | None = None
    severity: str | None = None


def _ticket(body: Body, unit_id: int | None, now: datetime) -> Ticket:
    return Ticket(number=uuid.uuid4().hex[:16], channel="phone", category=body.category,
                  nature="general", severity=body.severity, summary=body.summary,
                  unit_id=unit_id, owner_id=1, state="received", received_at=now,
                  recorded_at=now)


@app.post("/tickets", status_code=201)
def create(body: Body) -> dict[str, str]:
    now = datetime.now(UTC)
    with Session() as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.code == body.unit)) if body.unit else None
        ticket = _ticket(body, unit_id, now)
        s.add(ticket)
        s.flush()
        s.add_all([
            TicketEvent(ticket_id=ticket.id, kind="received", at=now, actor="naive",
                        data={"category": body.category, "summary": body.summary},
                        recorded_at=now),
            SLAClock(ticket_id=ticket.id, clock="reply", round=1, policy="2h", started_at=now,
                     due_at=now + timedelta(hours=2), at_risk_at=now + timedelta(hours=1.6),
                     pauses=[]),
            SLAClock(ticket_id=ticket.id, clock="resolve", round=1, policy="24h",
                     started_at=now, due_at=now + timedelta(hours=24),
                     at_risk_at=now + timedelta(hours=19.2), pauses=[]),
            TicketTopic(ticket_id=ticket.id, topic="other", category=body.category,
                        unit_id=unit_id, received_at=now)])
        s.commit()
        return {"number": ticket.number}


@app.post("/tickets-only", status_code=201)
def create_ticket_row(body: Body) -> dict[str, str]:
    now = datetime.now(UTC)
    with Session() as s:
        ticket = _ticket(body, None, now)
        s.add(ticket)
        s.commit()
        return {"number": ticket.number}
