"""Report, warning and CAPA routes, thin over `core.reports`, `core.alerts`, `core.capa`.

Include with `app.include_router(reports.router)`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from core import alerts, capa
from core.api.deps import DeskDep, require_roles
from core.models import Staff
from core.reports import parse_period, report
from core.reports.render import render
from core.reports.stats import _bounds

router = APIRouter(tags=["reports 统计"])
Leads = Annotated[Staff, Depends(require_roles("supervisor", "manager"))]
MEDIA = {"csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8",
         "html": "text/html; charset=utf-8", "text": "text/plain; charset=utf-8"}


@router.get("/reports/{kind}/{period}", response_model=None)
def get_report(kind: str, period: str, desk: DeskDep, staff: Leads,
               format: Annotated[str, Query(pattern="^(json|csv|md|html|text)$")] = "json",
               ) -> dict[str, Any] | Response:
    """`/reports/monthly/2026-10`, `/reports/quarterly/2026-Q4`, `/reports/half/2026-H2`;
    JSON keys as in the README; `?format=csv|md|html|text` for the rendered report."""
    figures = report(desk, kind, period)
    if format == "json":
        return figures
    return PlainTextResponse(render(figures, format), media_type=MEDIA[format])


@router.get("/warnings/{kind}/{period}")
def warnings(kind: str, period: str, desk: DeskDep, staff: Leads) -> list[dict[str, Any]]:
    """Warnings raised in a period (group-complaint risk, repeat matters, rising)."""
    p = parse_period(kind, period)
    return alerts.list_alerts(desk, *_bounds(desk, p.start, p.end))


class CapaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner: str | None = Field(None, max_length=64)
    cause: str | None = Field(None, max_length=2000)
    actions: str | None = Field(None, max_length=2000)
    verification: str | None = Field(None, max_length=2000)
    close: bool = False


@router.get("/capa")
def list_capa(desk: DeskDep, staff: Leads, state: str | None = None) -> list[dict[str, Any]]:
    return capa.list_capa(desk, state)


@router.get("/capa/{number}")
def show_capa(number: str, desk: DeskDep, staff: Leads) -> dict[str, Any]:
    return capa.show_capa(desk, number)


@router.patch("/capa/{number}")
def update_capa(number: str, body: CapaIn, desk: DeskDep, staff: Leads) -> dict[str, Any]:
    """Owner, cause, actions, verification; `close` needs actions and verification (409)."""
    return capa.update(desk, number, actor=staff.name, **body.model_dump())
