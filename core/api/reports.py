"""Report, warning and CAPA routes, thin over `core.reports`, `core.alerts`, `core.capa`.

Include with `app.include_router(reports.router)`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict

from core import capa, reports
from core.api.deps import DeskDep, StaffDep
from core.api.fields import Code, listed, optional
from core.reports.render import render

router = APIRouter(tags=["reports 统计"])
Kind = Annotated[str, Path(pattern="^(monthly|quarterly|half)$")]
#: 2026-10 (monthly), 2026-Q4 (quarterly), 2026-H2 (half); another kind's form is a 404
Period = Annotated[str, Path(
    pattern=r"^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-?[Qq][1-4]|-?[Hh][12])$",
    examples=["2026-10", "2026-Q4", "2026-H2"])]
MEDIA = {"csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8",
         "html": "text/html; charset=utf-8", "text": "text/plain; charset=utf-8"}


@router.get("/reports/{kind}/{period}", response_model=None, responses={200: {"content": {
    "application/json": {"schema": {"type": "object"}},
    **{media.split(";")[0]: {"schema": {"type": "string"}} for media in MEDIA.values()}}}})
def get_report(kind: Kind, period: Period, desk: DeskDep, staff: StaffDep,
               format: Annotated[str, Query(pattern="^(json|csv|md|html|text)$")] = "json",
               ) -> dict[str, Any] | Response:
    """`/reports/monthly/2026-10`, `/reports/quarterly/2026-Q4`, `/reports/half/2026-H2`;
    JSON keys as in the README; `?format=csv|md|html|text` for the rendered report."""
    figures = reports.report(desk, kind, period, actor=staff.name)
    if format == "json":
        return figures
    return PlainTextResponse(render(figures, format), media_type=MEDIA[format])


@router.get("/warnings/{kind}/{period}")
def warnings(kind: Kind, period: Period, desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
    """Warnings raised in a period (group-complaint risk, repeat matters, rising)."""
    return reports.warnings(desk, kind, period, actor=staff.name)


def _something(schema: dict[str, Any]) -> None:
    schema["anyOf"] = [{"required": [n], "properties": {n: {"type": "string"}}}
                       for n in ("owner", "cause", "actions", "verification")] + [
        {"required": ["close"], "properties": {"close": {"const": True}}}]


class CapaIn(BaseModel):
    """At least one change: a field, or `close: true`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_something)
    owner: str | None = optional(64)
    cause: str | None = optional(2000)
    actions: str | None = optional(2000)
    verification: str | None = optional(2000)
    close: bool = False


@router.get("/capa")
def list_capa(desk: DeskDep, staff: StaffDep, state: Annotated[str | None, Query(
        min_length=1, json_schema_extra=listed(capa.CAPA_STATES, nullable=True))] = None
              ) -> list[dict[str, Any]]:
    return capa.list_capa(desk, state, actor=staff.name)


@router.get("/capa/{number}")
def show_capa(number: Code, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return capa.show_capa(desk, number, actor=staff.name)


@router.patch("/capa/{number}")
def update_capa(number: Code, body: CapaIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    """Owner, cause, actions, verification; `close` needs actions and verification (409)."""
    return capa.update(desk, number, actor=staff.name, **body.model_dump())
