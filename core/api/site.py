"""Units, staff, tokens, calendar and plugins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from core import directory, queries, tokens
from core.api import fields
from core.api.deps import DeskDep, StaffDep
from core.api.fields import TIME, Month
from core.api.schemas import Body, HealthOut, StaffIn, UnitIn
from core.health import report as health_report

router = APIRouter(tags=["site 项目"])
#: a span (30d, 12h), a date or time, or never; a time already past is a 409
EXPIRES = f"^(never|[1-9][0-9]{{0,2}}[dh]|{TIME.strip('^$')})$"


class TokenIn(Body):
    staff: str = fields.text(64)
    label: str | None = fields.optional(64)
    expires: str | None = Field(default=None, max_length=40, pattern=EXPIRES,
                                description="30d, 12h, a date or never; default "
                                            "[service] token_days")


@router.get("/health", response_model=HealthOut, responses={
    503: {"model": HealthOut, "description": "database, disk or watcher down"}})
async def health(desk: DeskDep, request: Request) -> JSONResponse:
    """For monitors and load balancers (no token): 200 when the database accepts a write
    (rolled back), its disk has `[service] min_free_bytes` free and the background loops
    have run lately; 503 naming what is wrong otherwise (`core.health`)."""
    queue = getattr(request.app.state, "intake_queue", None)
    status, body = await run_in_threadpool(health_report, desk, queue)
    return JSONResponse(body, status_code=status)


@router.get("/units")
def list_units(desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
    return directory.list_units(desk, actor=staff.name)


@router.get("/units/{code}/history")
def unit_history(code: str, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    """A household's history: tickets, follow-ups, and what plugins keep about the unit."""
    from core import search

    return search.unit_history(desk, code, actor=staff.name)


@router.post("/units", status_code=201)
def add_unit(body: UnitIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return directory.add_unit(desk, body.code, body.owner, body.phone, actor=staff.name)


@router.get("/staff")
def list_staff(desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
    return directory.list_staff(desk, actor=staff.name)


@router.post("/staff", status_code=201)
def add_staff(body: StaffIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return directory.add_staff(desk, body.name, body.role, body.department, actor=staff.name)


@router.post("/tokens", status_code=201)
def create_token(body: TokenIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    """A new API token, shown once."""
    return tokens.create(desk, body.staff, body.label, actor=staff.name,
                         expires=body.expires)


@router.get("/calendar/{month}")
def calendar_month(month: Month, desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
    """Each day of a month (YYYY-MM): working or not, and why."""
    return queries.calendar_month(desk, month, actor=staff.name)


@router.get("/plugins")
def plugins(desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
    return queries.plugin_list(desk, actor=staff.name)
