"""Report, warning and CAPA routes, thin over `core.reports`, `core.alerts`, `core.capa`.

Include with `app.include_router(reports.router)`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict

from core import capa, reports
from core.api.deps import DeskDep, StaffDep
from core.api.fields import Code, listed, optional
from core.reports.render import BINARY_FORMATS, MEDIA, render, render_binary

router = APIRouter(tags=["reports 统计"])
Kind = Annotated[str, Path(pattern="^(monthly|quarterly|half)$")]
#: 2026-10 (monthly), 2026-Q4 (quarterly), 2026-H2 (half); another kind's form is a 404
Period = Annotated[str, Path(
    pattern=r"^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-?[Qq][1-4]|-?[Hh][12])$",
    examples=["2026-10", "2026-Q4", "2026-H2"])]
#: the files an `Accept` header may ask for instead of `?format=`; anything else (a
#: browser's text/html, */*) still gets the JSON it always got
ACCEPT = {MEDIA[f]: f for f in BINARY_FORMATS}


@router.get("/reports/{kind}/{period}", response_model=None, responses={200: {
    "description": "The report: JSON by default; `?format=` or `Accept` for the others",
    "content": {"application/json": {"schema": {"type": "object"}},
                **{MEDIA[f].split(";")[0]: {"schema": {"type": "string"}}
                   for f in ("csv", "md", "html", "text")},
                **{MEDIA[f]: {"schema": {"type": "string", "format": "binary"}}
                   for f in BINARY_FORMATS}}}})
def get_report(kind: Kind, period: Period, desk: DeskDep, staff: StaffDep, request: Request,
               format: Annotated[str, Query(
                   pattern="^(json|csv|md|html|text|pdf|xlsx)$")] = "json",
               ) -> dict[str, Any] | Response:
    """`/reports/monthly/2026-10`, `/reports/quarterly/2026-Q4`, `/reports/half/2026-H2`;
    JSON keys as in the README; `?format=csv|md|html|text|pdf|xlsx` for the rendered
    report: HTML with its charts embedded, an A4 PDF of the same page, an Excel workbook
    with one sheet per table; `Accept: application/pdf` (or the xlsx media type) asks
    for a file too."""
    fmt = format if "format" in request.query_params else negotiate(
        request.headers.get("accept"))
    figures = reports.report(desk, kind, period, actor=staff.name)
    if fmt == "json":
        return figures
    if fmt in BINARY_FORMATS:
        name = f"{figures['site']['code']}-report-{kind}-{figures['period']['label']}.{fmt}"
        return Response(render_binary(figures, fmt, config=desk.config),
                        media_type=MEDIA[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return PlainTextResponse(render(figures, fmt, config=desk.config), media_type=MEDIA[fmt])


def negotiate(accept: str | None) -> str:
    """The file format an `Accept` header prefers (PDF, XLSX); JSON when it prefers JSON
    or names neither."""
    best, best_q = "json", 0.0
    for part in (accept or "").split(","):
        media, *params = (x.strip() for x in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        found = "json" if media.lower() == "application/json" else ACCEPT.get(media.lower())
        if found and q > best_q:
            best, best_q = found, q
    return best


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
