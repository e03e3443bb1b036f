"""HTTP routes under `/keys`: thin over the services, which check the caller's role
(key custodian and supervisors; the site manager approves losses) and answer 403 otherwise."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from core.kit.api import (
    DAY,
    DeskDep,
    Id,
    Month,
    RealDay,
    StaffDep,
    day,
    listed,
    optional,
    text,
    vocabulary,
    when,
)
from plugins.keys import losses, overdue, reconcile, service, vacant
from plugins.keys.common import AUTH_METHODS, CONDITIONS, KINDS, PRIVATE_KINDS, STATUSES

router = APIRouter(prefix="/keys", tags=["keys 钥匙管理"])


TAG = r"^[^\s,]{1,32}$"
Tag = Annotated[str, PathParam(pattern=TAG)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _kind_rules(schema: dict[str, Any]) -> None:
    """A spare or entrusted key belongs to a unit (with its entrustment); a public-area key
    to an area, never a unit."""
    private = [w for t in KINDS if t.code in PRIVATE_KINDS
               for w in (t.code, t.zh, t.en, *t.aliases)]
    schema["if"] = {"properties": {"kind": {"enum": private}}}
    schema["then"] = {"required": ["unit", "entrusted_by", "entrusted_on",
                                   "entrustment_ref"],
                      "properties": {"unit": {"type": "string"}, "area": {"type": "null"},
                                     "entrusted_by": {"type": "string"},
                                     "entrusted_on": {"type": "string"},
                                     "entrustment_ref": {"type": "string"}}}
    schema["else"] = {"required": ["area"], "properties": {"unit": {"type": "null"},
                                                           "area": {"type": "string"}}}


def _contractor_rules(schema: dict[str, Any]) -> None:
    """An ID number (and company) for a contractor only; a contractor gives the ID."""
    schema["if"] = {"properties": {"contractor": {"const": True}}, "required": ["contractor"]}
    schema["then"] = {"required": ["id_number"], "properties": {"id_number": {
        "type": "string"}}}
    schema["else"] = {"properties": {"id_number": {"type": "null"},
                                     "company": {"type": "null"}}}


class KeyIn(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_kind_rules)
    tag: str = Field(..., max_length=32, pattern=TAG)
    kind: str = vocabulary(KINDS)
    unit: str | None = optional(32)
    area: str | None = optional(64)
    description: str | None = optional(128)
    copies: int = Field(1, ge=1, le=100)
    entrusted_by: str | None = optional(64)
    entrusted_on: RealDay | None = day(None)
    entrustment_ref: str | None = optional(64)
    at: str | None = when()


class LendIn(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_contractor_rules)
    to: str = text(64)
    purpose: str = text(500)
    ticket: str | None = optional(32)
    contractor: bool = False
    id_number: str | None = optional(32)
    company: str | None = optional(64)
    authorised_by: str | None = optional(64)
    authorised_how: str | None = vocabulary(AUTH_METHODS, None)
    authorised_at: str | None = when()
    due: str | None = when()
    at: str | None = when()


def _condition_noted(schema: dict[str, Any]) -> None:
    schema["if"] = {"properties": {"condition": {"enum": ["good", "完好"]}}}
    schema["else"] = {"required": ["note"], "properties": {"note": {"type": "string"}}}


class ReturnIn(_In):
    """A key back damaged or incomplete says what is wrong (`note`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_condition_noted)
    condition: str = vocabulary(CONDITIONS, "good")
    note: str | None = optional(500)
    returned_by: str | None = optional(64)
    at: str | None = when()


class CountIn(_In):
    present: list[Annotated[str, Field(pattern=TAG)]] = Field(default_factory=list,
                                                              max_length=10000)
    sample: list[Annotated[str, Field(pattern=TAG)]] | None = Field(None, min_length=1,
                                                                    max_length=10000)
    note: str | None = optional(500)
    at: str | None = when()


class LossIn(_In):
    tag: str = Field(..., max_length=32, pattern=TAG)
    circumstances: str = text(500)
    at: str | None = when()


class ApproveIn(_In):
    accountable: str = text(64)
    note: str | None = optional(500)
    at: str | None = when()


class WithdrawIn(_In):
    reason: str = text(500)
    at: str | None = when()


class LockIn(_In):
    outcome: str = Field(..., max_length=16, json_schema_extra={
        "enum": ["done", "更换", "declined", "不更换"]})
    note: str = text(500)
    at: str | None = when()


class TaskIn(_In):
    by: str | None = optional(64)
    note: str | None = optional(500)
    anomaly: str | None = optional(500)
    at: str | None = when()


@router.get("")
def list_keys(desk: DeskDep, staff: StaffDep, status: Annotated[str | None, Query(
        min_length=1, json_schema_extra=listed(STATUSES, nullable=True))] = None,
              unit: str | None = None) -> list[dict[str, Any]]:
    return service.list_keys(desk, status=status, unit=unit, actor=staff.name)


@router.post("", status_code=201)
def add_key(body: KeyIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    data = body.model_dump()
    return service.register_key(desk, data.pop("tag"), data.pop("kind"), **data,
                                actor=staff.name)


@router.get("/loans")
def loans(desk: DeskDep, staff: StaffDep, open: bool = False, overdue: bool = False,
          ticket: str | None = None) -> list[dict[str, Any]]:
    return service.list_loans(desk, open_only=open, overdue=overdue, ticket=ticket,
                              actor=staff.name)


@router.post("/check")
def check(desk: DeskDep, staff: StaffDep) -> dict[str, list[dict[str, Any]]]:
    """Record newly overdue and at-risk loans once each (as `propdesk keys check`)."""
    return overdue.check(desk, actor=staff.name)


@router.post("/counts", status_code=201)
def daily_count(body: CountIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    """The custodian's daily count; with `sample`, a supervisor's spot check."""
    kind = "spot" if body.sample is not None else "daily"
    return reconcile.count(desk, body.present, kind=kind, sample=body.sample, note=body.note,
                           actor=staff.name, at=body.at)


@router.get("/counts")
def counts(desk: DeskDep, staff: StaffDep,
           start: Annotated[str, Query(pattern=DAY, json_schema_extra={"format": "date"})],
           end: Annotated[str | None, Query(pattern=DAY,
                                            json_schema_extra={"format": "date"})] = None
           ) -> dict[str, Any]:
    """Counts from `start` to `end` (default today; not before `start`: 422 otherwise)."""
    return reconcile.report(desk, start, end, actor=staff.name)


@router.get("/losses")
def list_losses(desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
    return losses.list_losses(desk, actor=staff.name)


@router.post("/losses", status_code=201)
def report_loss(body: LossIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return losses.report_loss(desk, body.tag, body.circumstances, actor=staff.name,
                              at=body.at)


@router.post("/losses/{loss_id}/approve")
def approve_loss(loss_id: Id, body: ApproveIn, desk: DeskDep, staff: StaffDep
                 ) -> dict[str, Any]:
    return losses.approve_loss(desk, loss_id, accountable=body.accountable, note=body.note,
                               actor=staff.name, at=body.at)


@router.post("/losses/{loss_id}/withdraw")
def withdraw_loss(loss_id: Id, body: WithdrawIn, desk: DeskDep, staff: StaffDep
                  ) -> dict[str, Any]:
    """The key turned up before the site manager's approval."""
    return losses.withdraw_loss(desk, loss_id, reason=body.reason, actor=staff.name,
                                at=body.at)


@router.post("/losses/{loss_id}/lock-change")
def lock_change(loss_id: Id, body: LockIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return losses.record_lock_change(desk, loss_id, outcome=body.outcome, note=body.note,
                                     actor=staff.name, at=body.at)


@router.post("/vacant/{month}/generate")
def generate(month: Month, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return vacant.generate(desk, month, actor=staff.name)


@router.get("/vacant/{month}")
def tasks(month: Month, desk: DeskDep, staff: StaffDep, open: bool = False
          ) -> list[dict[str, Any]]:
    return vacant.list_tasks(desk, month, open_only=open, actor=staff.name)


@router.post("/vacant/tasks/{task_id}/done")
def task_done(task_id: Id, body: TaskIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return vacant.record(desk, task_id, **body.model_dump(), actor=staff.name)


@router.get("/units/{unit}/history")
def history(unit: str, desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
    return service.unit_history(desk, unit, actor=staff.name)


@router.get("/audit")
def audit(desk: DeskDep, staff: StaffDep, tag: str | None = None, unit: str | None = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    return service.audit_trail(desk, tag=tag, unit=unit, limit=limit, actor=staff.name)


@router.get("/{tag}")
def show_key(tag: Tag, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return service.show_key(desk, tag, actor=staff.name)


@router.post("/{tag}/lend", status_code=201)
def lend(tag: Tag, body: LendIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    data = body.model_dump()
    return service.lend(desk, tag, borrower=data.pop("to"), **data, actor=staff.name)


@router.post("/{tag}/return")
def return_key(tag: Tag, body: ReturnIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return service.return_key(desk, tag, **body.model_dump(), actor=staff.name)
