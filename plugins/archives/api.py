"""HTTP routes for the archivist and the site manager (`/archive/...`), thin over the modules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from core.api.deps import DeskDep, StaffDep, require_roles
from core.models import Staff
from plugins.archives import access, retention, service
from plugins.archives.backup import verify

Keeper = Annotated[Staff, Depends(require_roles("archivist", "manager"))]


class RequestBody(BaseModel):
    purpose: str
    requester: str
    reason: str
    requester_kind: str = "internal"
    organisation: str | None = None
    letter_ref: str | None = None
    id_number: str | None = None
    document: int | None = None


class ReadBody(BaseModel):
    document: int
    action: str = "view"


class ChangeBody(BaseModel):
    reason: str


class HoldBody(BaseModel):
    reason: str | None = None


class DestroyBody(BaseModel):
    witness: str
    reason: str


def add_routes(router: APIRouter) -> None:
    r = APIRouter(prefix="/archive", tags=["archive 业户档案"])

    @r.get("/files")
    def files(desk: DeskDep, staff: Keeper, status: str | None = None) -> list[dict[str, Any]]:
        return service.list_files(desk, status)

    @r.get("/files/{ref}")
    def file(desk: DeskDep, staff: Keeper, ref: str) -> dict[str, Any]:
        return service.show_file(desk, ref)

    @r.get("/files/{ref}/access")
    def file_access(desk: DeskDep, staff: Keeper, ref: str) -> list[dict[str, Any]]:
        return access.access_report(desk, ref)

    @r.post("/files/{ref}/requests", status_code=201)
    def new_request(desk: DeskDep, staff: StaffDep, ref: str,
                    body: RequestBody) -> dict[str, Any]:
        return access.request_access(desk, ref, actor=staff.name, **body.model_dump())

    @r.get("/requests")
    def requests(desk: DeskDep, staff: Keeper, status: str | None = None) -> list[dict[str, Any]]:
        return access.list_requests(desk, status)

    @r.post("/requests/{request_id}/approve")
    def approve(desk: DeskDep, staff: Keeper, request_id: int) -> dict[str, Any]:
        return access.decide(desk, request_id, approve=True, actor=staff.name)

    @r.post("/requests/{request_id}/refuse")
    def refuse(desk: DeskDep, staff: Keeper, request_id: int) -> dict[str, Any]:
        return access.decide(desk, request_id, approve=False, actor=staff.name)

    @r.post("/requests/{request_id}/read")
    def read(desk: DeskDep, staff: StaffDep, request_id: int, body: ReadBody) -> Response:
        meta, data = access.read(desk, request_id, body.document, action=body.action,
                                 actor=staff.name)
        return Response(data, media_type="application/octet-stream",
                        headers={"X-Archive-Document": str(meta["id"])})

    @r.post("/requests/{request_id}/lend")
    def lend(desk: DeskDep, staff: Keeper, request_id: int) -> dict[str, Any]:
        return access.lend(desk, request_id, actor=staff.name)

    @r.post("/requests/{request_id}/return")
    def give_back(desk: DeskDep, staff: Keeper, request_id: int) -> dict[str, Any]:
        return access.return_loan(desk, request_id, actor=staff.name)

    @r.post("/files/{ref}/change")
    def change(desk: DeskDep, staff: Keeper, ref: str, body: ChangeBody) -> dict[str, Any]:
        return retention.change_household(desk, ref, body.reason, staff.name)

    @r.post("/files/{ref}/hold")
    def hold(desk: DeskDep, staff: Keeper, ref: str, body: HoldBody) -> dict[str, Any]:
        return retention.set_hold(desk, ref, True, body.reason, staff.name)

    @r.post("/files/{ref}/release")
    def release(desk: DeskDep, staff: Keeper, ref: str) -> dict[str, Any]:
        return retention.set_hold(desk, ref, False, None, staff.name)

    @r.post("/files/{ref}/approve-destruction")
    def approve_destruction(desk: DeskDep, staff: Keeper, ref: str) -> dict[str, Any]:
        return retention.approve_destruction(desk, ref, actor=staff.name)

    @r.post("/files/{ref}/destroy")
    def destroy(desk: DeskDep, staff: Keeper, ref: str, body: DestroyBody) -> dict[str, Any]:
        return retention.destroy(desk, ref, actor=staff.name, **body.model_dump())

    @r.get("/audit/{month}")
    def audit(desk: DeskDep, staff: Keeper, month: str) -> dict[str, Any]:
        return retention.audit(desk, month)

    @r.get("/verify")
    def check(desk: DeskDep, staff: Keeper) -> dict[str, Any]:
        return verify(desk)

    router.include_router(r)
