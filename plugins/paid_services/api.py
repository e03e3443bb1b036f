"""HTTP routes of the paid services (`/paid/...`), thin over the services.

Who may do what is the services' decision (the same for the CLI's `--as`): a route passes
the token's staff member as `actor` and the app maps a refusal to 403/404/409 JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from core.kit.api import DeskDep, StaffDep
from plugins.paid_services import decisions, jobs, payments, pricing, printing, scoring


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: str | None = None


class PriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(..., max_length=32)
    name_zh: str = Field(..., max_length=100)
    name_en: str = Field(..., max_length=100)
    unit: str = Field(..., max_length=16)
    labour: str = Field(..., max_length=16, examples=["30.00"])
    materials_separate: bool = True
    approval: str = Field(..., max_length=64)
    effective: str = Field(..., max_length=10)


class WarrantyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: str
    handover: str
    until: str


class QuoteIn(_In):
    items: dict[str, str] = Field(..., examples=[{"PS-01": "1"}])


class AcceptIn(_In):
    appointment: str


class RefuseIn(_In):
    reason: str = Field(..., max_length=200)
    free: bool = False


class IssueIn(_In):
    technicians: list[str]
    contractor: str | None = None


class NoteIn(_In):
    note: str = Field(..., max_length=500)


class ArriveIn(_In):
    checklist: list[str] = []


class WorkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    work_done: str
    cause: str
    care_advice: str
    materials: list[tuple[str, str, str]] = []


class SignIn(_In):
    name: str = Field(..., max_length=64)
    image: str = Field(..., max_length=200)


class PayIn(_In):
    method: str
    receipt: str = Field(..., max_length=32)


class RefundIn(PayIn):
    amount: str
    reason: str = Field(..., max_length=200)


class DamageIn(_In):
    description: str = Field(..., max_length=200)
    amount: str


def add_routes(router: APIRouter) -> None:
    r = APIRouter(prefix="/paid", tags=["paid services 有偿服务"])

    @r.get("/prices", response_model=None, responses={200: {"content": {
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        "text/plain": {"schema": {"type": "string"}, "example": "| code | ..."},
        "text/html": {"schema": {"type": "string"}}}}})
    def prices(desk: DeskDep, staff: StaffDep, format: str = "json"
               ) -> list[dict[str, Any]] | PlainTextResponse | HTMLResponse:
        if format == "md":
            return PlainTextResponse(pricing.export(desk, "md", actor=staff.name))
        if format == "html":
            return HTMLResponse(pricing.export(desk, "html", actor=staff.name))
        return pricing.price_list(desk, actor=staff.name)

    @r.post("/prices", status_code=201)
    def price_set(body: PriceIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return pricing.set_price(desk, **body.model_dump(), actor=staff.name)

    @r.post("/warranty")
    def warranty(body: WarrantyIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return decisions.set_warranty(desk, body.unit, body.handover, body.until, staff.name)

    @r.get("/tickets/{number}/decisions")
    def decided(number: str, desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
        return decisions.history(desk, number, actor=staff.name)

    @r.post("/tickets/{number}/quote", status_code=201)
    def quote(number: str, body: QuoteIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return jobs.quote(desk, number, list(body.items.items()), actor=staff.name, at=body.at)

    @r.get("/jobs/{ref}")
    def show(ref: str, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return jobs.show_job(desk, ref, actor=staff.name)

    @r.get("/jobs/{ref}/print", response_class=HTMLResponse)
    def print_(ref: str, desk: DeskDep, staff: StaffDep) -> str:
        return printing.work_order_html(desk, ref, actor=staff.name)

    @r.post("/jobs/{ref}/accept")
    def accept(ref: str, body: AcceptIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return jobs.accept(desk, ref, body.appointment, actor=staff.name, at=body.at)

    @r.post("/jobs/{ref}/refuse")
    def refuse(ref: str, body: RefuseIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return jobs.refuse(desk, ref, body.reason, free=body.free, actor=staff.name, at=body.at)

    @r.post("/jobs/{ref}/issue")
    def issue(ref: str, body: IssueIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return jobs.issue(desk, ref, body.technicians, contractor=body.contractor,
                          actor=staff.name, at=body.at)

    @r.post("/jobs/{ref}/confirm-call")
    def call(ref: str, body: NoteIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return jobs.confirm_call(desk, ref, body.note, actor=staff.name, at=body.at)

    @r.post("/jobs/{ref}/arrive")
    def arrive(ref: str, body: ArriveIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return jobs.arrive(desk, ref, body.checklist, actor=staff.name, at=body.at)

    @r.post("/jobs/{ref}/work")
    def work(ref: str, body: WorkIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return jobs.record_work(desk, ref, work_done=body.work_done, cause=body.cause,
                                care_advice=body.care_advice, materials=body.materials,
                                actor=staff.name)

    @r.post("/jobs/{ref}/sign")
    def sign(ref: str, body: SignIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return jobs.sign(desk, ref, body.name, body.image, actor=staff.name, at=body.at)

    @r.post("/jobs/{ref}/complete")
    def complete(ref: str, body: _In, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return jobs.complete(desk, ref, actor=staff.name, at=body.at)

    @r.post("/jobs/{ref}/pay")
    def pay(ref: str, body: PayIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return payments.pay(desk, ref, method=body.method, receipt=body.receipt,
                            actor=staff.name, at=body.at)

    @r.post("/jobs/{ref}/refund")
    def refund(ref: str, body: RefundIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return payments.refund(desk, ref, amount=body.amount, reason=body.reason,
                               receipt=body.receipt, method=body.method, actor=staff.name,
                               at=body.at)

    @r.post("/jobs/{ref}/damages", status_code=201)
    def damage(ref: str, body: DamageIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return payments.damage(desk, ref, description=body.description, amount=body.amount,
                               actor=staff.name, at=body.at)

    @r.get("/cashup/{day}")
    def cashup(day: str, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return payments.cash_up(desk, day, actor=staff.name)

    @r.get("/statement/{month}")
    def statement(month: str, desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
        return scoring.statement(desk, month, actor=staff.name)

    router.include_router(r)
