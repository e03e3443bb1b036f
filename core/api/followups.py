"""Follow-up queue routes (回访): the queue, unreachable attempts, rainy days, backlog.

Recording a verdict is `POST /tickets/{number}/followups` (core/api/tickets.py); these
routes are thin over `core.followups`. Include with `app.include_router(followups.router)`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from core import followups
from core.api.deps import DeskDep, StaffDep
from core.api.fields import Code, day, optional, vocabulary, when
from core.labels import FOLLOWUP_METHODS

router = APIRouter(tags=["follow-ups 回访"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnreachableIn(_In):
    method: str = vocabulary(FOLLOWUP_METHODS, "phone")
    note: str | None = optional(500)
    at: str | None = when()


class RainIn(_In):
    day: str = day(examples=["2026-11-21"])


class PlanIn(_In):
    since: str | None = when(description="resolved since (ISO 8601; naive = site time)")


@router.get("/followups")
def due(desk: DeskDep, staff: StaffDep, mine: bool = False, overdue: bool = False,
        waiting: bool = False,
        limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    """The queue, earliest due first (`mine`: assigned to me or to my role)."""
    return followups.due(desk, mine=mine, overdue=overdue, waiting=waiting, limit=limit,
                         actor=staff.name)


@router.post("/followups/{number}/unreachable")
def unreachable(number: Code, body: UnreachableIn, desk: DeskDep,
                staff: StaffDep) -> dict[str, Any]:
    """Nobody answered: count the attempt; the configured last one escalates."""
    with desk.write():
        return followups.unreachable(desk, number, actor=staff.name, **body.model_dump())


@router.get("/rainy-days")
def rainy_days(desk: DeskDep, staff: StaffDep) -> list[str]:
    return followups.rainy_days(desk, actor=staff.name)


@router.post("/rainy-days", status_code=201)
def mark_rainy(body: RainIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    """Mark a rainy day: leak repairs finished before it become due after it."""
    with desk.write():
        return followups.mark_rainy(desk, body.day, actor=staff.name)


@router.post("/followups/plan")
def plan(body: PlanIn, desk: DeskDep, staff: StaffDep) -> dict[str, int]:
    """Decide follow-ups for resolved tickets that have none (e.g. after an import)."""
    with desk.write():
        return followups.plan_backlog(desk, since=body.since, actor=staff.name)
