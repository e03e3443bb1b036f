"""The yardstick for service_bench: a minimal FastAPI endpoint inserting tickets naively.

One ORM insert per request in FastAPI's default thread pool, no validation beyond the
body model, no history, no clocks, no auth. Run by bench/service_bench.py under uvicorn.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy.orm import sessionmaker

from core.db import make_engine
from core.models import Ticket

engine = make_engine(os.environ["PROPDESK_DATABASE_URL"])
Session = sessionmaker(engine)
app = FastAPI()


class Body(BaseModel):
    category: str
    summary: str
    unit: str | None = None
    severity: str | None = None


@app.post("/tickets", status_code=201)
def create(body: Body) -> dict[str, str]:
    now = datetime.now(UTC)
    with Session() as s:
        ticket = Ticket(number=uuid.uuid4().hex[:16], channel="phone", category=body.category,
                        nature="general", severity=body.severity, summary=body.summary,
                        owner_id=1, state="received", received_at=now, recorded_at=now)
        s.add(ticket)
        s.commit()
        return {"number": ticket.number}
