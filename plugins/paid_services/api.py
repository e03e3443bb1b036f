"""HTTP routes of the paid services (`/paid/...`), thin over the services.

Who may do what is the services' decision (the same for the CLI's `--as`): a route passes
the token's staff member as `actor` and the app maps a refusal to 403/404/409 JSON.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from core.kit.api import (
    Day,
    DeskDep,
    Month,
    StaffDep,
    amount,
    day,
    optional,
    text,
    vocabulary,
    when,
)
from plugins.paid_services import decisions, jobs, payments, pricing, printing, scoring
from plugins.paid_services.jobs import CHECKLIST
from plugins.paid_services.payments import METHODS

#: more than zero yuan
POSITIVE = r"^([0-9]{0,6}[1-9][0-9]{0,6}(\.[0-9]{1,2})?|[0-9]{1,7}\.([1-9][0-9]?|0[1-9]))$"
QUANTITY = r"^([1-9][0-9]{0,4}(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: str | None = when()


class PriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(..., max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                      examples=["PS-01"])
    name_zh: str = text(100)
    name_en: str = text(100)
    unit: str = text(16)
    labour: str = amount(examples=["30.00"])
    materials_separate: bool = True
    approval: str = text(64)
    effective: str = day()


class WarrantyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: str = text(32)
    handover: str = day()
    until: str = day(description="not before `handover` (422 otherwise)")


class QuoteIn(_In):
    items: dict[str, Annotated[str, Field(pattern=QUANTITY)]] = Field(
        ..., min_length=1, examples=[{"PS-01": "1"}])


class AcceptIn(_In):
    appointment: str = when(..., description="the visit (ISO 8601; naive = site time)")


class RefuseIn(_In):
    reason: str = text(200)
    free: bool = False


class IssueIn(_In):
    technicians: list[Annotated[str, text(64)]] = Field(..., min_length=1, max_length=20)
    contractor: str | None = optional(64)


class NoteIn(_In):
    note: str = text(500)


class ArriveIn(_In):
    checklist: list[Annotated[str, Field(json_schema_extra={"enum": list(CHECKLIST)})]] = []


class WorkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    work_done: str = text(2000)
    cause: str = text(2000)
    care_advice: str = text(2000)
    #: (code, quantity, amount in yuan) for materials used
    materials: list[tuple[Annotated[str, text(32)], Annotated[str, Field(pattern=QUANTITY)],
                          Annotated[str, amount()]]] = []


class SignIn(_In):
    name: str = text(64)
    image: str = text(200)


class PayIn(_In):
    method: str = vocabulary(METHODS)
    receipt: str = text(32)


class RefundIn(PayIn):
    amount: str = amount(pattern=POSITIVE)
    reason: str = text(200)


class DamageIn(_In):
    description: str = text(200)
    amount: str = amount(pattern=POSITIVE)


def add_routes(router: APIRouter) -> None:
    r = APIRouter(prefix="/paid", tags=["paid services 有偿服务"])

    @r.get("/prices", response_model=None, responses={200: {"content": {
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        "text/plain": {"schema": {"type": "string"}, "example": "| code | ..."},
        "text/html": {"schema": {"type": "string"}}}}})
    def prices(desk: DeskDep, staff: StaffDep,
               format: Annotated[str, Query(pattern="^(json|md|html)$")] = "json"
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
    def cashup(day: Day, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return payments.cash_up(desk, day, actor=staff.name)

    @r.get("/statement/{month}")
    def statement(month: Month, desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
        return scoring.statement(desk, month, actor=staff.name)

    router.include_router(r)
