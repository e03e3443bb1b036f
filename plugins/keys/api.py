"""HTTP routes under `/keys`: thin over the services, which check the caller's role
(key custodian and supervisors; the site manager approves losses) and answer 403 otherwise."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from core.kit.api import DeskDep, StaffDep
from plugins.keys import losses, overdue, reconcile, service, vacant

router = APIRouter(prefix="/keys", tags=["keys 钥匙管理"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KeyIn(_In):
    tag: str = Field(..., max_length=32)
    kind: str = Field(..., max_length=32)
    unit: str | None = Field(None, max_length=32)
    area: str | None = Field(None, max_length=64)
    description: str | None = Field(None, max_length=128)
    copies: int = Field(1, ge=1, le=100)
    entrusted_by: str | None = Field(None, max_length=64)
    entrusted_on: str | None = Field(None, max_length=10)
    entrustment_ref: str | None = Field(None, max_length=64)
    at: str | None = None


class LendIn(_In):
    to: str = Field(..., max_length=64)
    purpose: str = Field(..., max_length=500)
    ticket: str | None = Field(None, max_length=32)
    contractor: bool = False
    id_number: str | None = Field(None, max_length=32)
    company: str | None = Field(None, max_length=64)
    authorised_by: str | None = Field(None, max_length=64)
    authorised_how: str | None = Field(None, max_length=32)
    authorised_at: str | None = None
    due: str | None = None
    at: str | None = None


class ReturnIn(_In):
    condition: str = "good"
    note: str | None = Field(None, max_length=500)
    returned_by: str | None = Field(None, max_length=64)
    at: str | None = None


class CountIn(_In):
    present: list[str] = Field(default_factory=list, max_length=10000)
    sample: list[str] | None = Field(None, max_length=10000)
    note: str | None = Field(None, max_length=500)
    at: str | None = None


class LossIn(_In):
    tag: str = Field(..., max_length=32)
    circumstances: str = Field(..., max_length=500)
    at: str | None = None


class ApproveIn(_In):
    accountable: str = Field(..., max_length=64)
    note: str | None = Field(None, max_length=500)
    at: str | None = None


class WithdrawIn(_In):
    reason: str = Field(..., max_length=500)
    at: str | None = None


class LockIn(_In):
    outcome: str = Field(..., max_length=16)
    note: str = Field(..., max_length=500)
    at: str | None = None


class TaskIn(_In):
    by: str | None = Field(None, max_length=64)
    note: str | None = Field(None, max_length=500)
    anomaly: str | None = Field(None, max_length=500)
    at: str | None = None


@router.get("")
def list_keys(desk: DeskDep, staff: StaffDep, status: str | None = None,
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
def counts(desk: DeskDep, staff: StaffDep, start: str, end: str | None = None
           ) -> dict[str, Any]:
    return reconcile.report(desk, start, end, actor=staff.name)


@router.get("/losses")
def list_losses(desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
    return losses.list_losses(desk, actor=staff.name)


@router.post("/losses", status_code=201)
def report_loss(body: LossIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return losses.report_loss(desk, body.tag, body.circumstances, actor=staff.name,
                              at=body.at)


@router.post("/losses/{loss_id}/approve")
def approve_loss(loss_id: int, body: ApproveIn, desk: DeskDep, staff: StaffDep
                 ) -> dict[str, Any]:
    return losses.approve_loss(desk, loss_id, accountable=body.accountable, note=body.note,
                               actor=staff.name, at=body.at)


@router.post("/losses/{loss_id}/withdraw")
def withdraw_loss(loss_id: int, body: WithdrawIn, desk: DeskDep, staff: StaffDep
                  ) -> dict[str, Any]:
    """The key turned up before the site manager's approval."""
    return losses.withdraw_loss(desk, loss_id, reason=body.reason, actor=staff.name,
                                at=body.at)


@router.post("/losses/{loss_id}/lock-change")
def lock_change(loss_id: int, body: LockIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return losses.record_lock_change(desk, loss_id, outcome=body.outcome, note=body.note,
                                     actor=staff.name, at=body.at)


@router.post("/vacant/{month}/generate")
def generate(month: str, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return vacant.generate(desk, month, actor=staff.name)


@router.get("/vacant/{month}")
def tasks(month: str, desk: DeskDep, staff: StaffDep, open: bool = False
          ) -> list[dict[str, Any]]:
    return vacant.list_tasks(desk, month, open_only=open, actor=staff.name)


@router.post("/vacant/tasks/{task_id}/done")
def task_done(task_id: int, body: TaskIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return vacant.record(desk, task_id, **body.model_dump(), actor=staff.name)


@router.get("/units/{unit}/history")
def history(unit: str, desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
    return service.unit_history(desk, unit, actor=staff.name)


@router.get("/audit")
def audit(desk: DeskDep, staff: StaffDep, tag: str | None = None, unit: str | None = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    return service.audit_trail(desk, tag=tag, unit=unit, limit=limit, actor=staff.name)


@router.get("/{tag}")
def show_key(tag: str, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return service.show_key(desk, tag, actor=staff.name)


@router.post("/{tag}/lend", status_code=201)
def lend(tag: str, body: LendIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    data = body.model_dump()
    return service.lend(desk, tag, borrower=data.pop("to"), **data, actor=staff.name)


@router.post("/{tag}/return")
def return_key(tag: str, body: ReturnIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    return service.return_key(desk, tag, **body.model_dump(), actor=staff.name)
