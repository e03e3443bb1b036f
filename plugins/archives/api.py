"""HTTP routes for the archivist and the site manager (`/archive/...`), thin over the modules.

A route validates its body and calls one service with `actor=staff.name`; who may is
decided there, the same for the token as for the CLI's `--as` (403 `{"field": "as"}`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from core.kit.api import WORD, DeskDep, Id, Month, StaffDep, optional, text, vocabulary
from plugins.archives import access, retention, service
from plugins.archives.access import READS
from plugins.archives.backup import verify
from plugins.archives.settings import CHANGES, PURPOSES, REQUESTERS

MAX_ID = 2**31 - 1
#: a request or document id: bounded so no input overflows the database's integer
RequestId = Id
Status = Annotated[str | None, Query(max_length=16)]
Ref = Annotated[str, PathParam(max_length=64, pattern=WORD)]


def _external(schema: dict[str, Any]) -> None:
    schema["if"] = {"properties": {"requester_kind": {"enum": ["internal", "内部"]}}}
    needed = ("organisation", "letter_ref", "id_number")
    schema["else"] = {"required": list(needed),
                      "properties": {n: {"type": "string"} for n in needed}}


class RequestBody(BaseModel):
    """An external requester (police, court, lawyer...) gives organisation, letter, ID."""

    model_config = ConfigDict(json_schema_extra=_external)
    purpose: str = vocabulary(PURPOSES)
    requester: str = text(64)
    reason: str = text(2000)
    requester_kind: str = vocabulary(REQUESTERS, "internal")
    organisation: str | None = optional(128)
    letter_ref: str | None = optional(64)
    id_number: str | None = optional(32)
    document: int | None = Field(None, ge=1, le=MAX_ID)


class ReadBody(BaseModel):
    document: int = Field(ge=1, le=MAX_ID)
    action: str = Field("view", json_schema_extra={"enum": list(READS)})


class ChangeBody(BaseModel):
    reason: str = vocabulary(CHANGES)


class HoldBody(BaseModel):
    reason: str = text(2000, description="the dispute the hold is for")


class DestroyBody(BaseModel):
    witness: str = text(64)
    reason: str = text(2000)


def add_routes(router: APIRouter) -> None:
    r = APIRouter(prefix="/archive", tags=["archive 业户档案"])

    @r.get("/files")
    def files(desk: DeskDep, staff: StaffDep, status: Status = None) -> list[dict[str, Any]]:
        return service.list_files(desk, status, staff.name)

    @r.get("/files/{ref}")
    def file(desk: DeskDep, staff: StaffDep, ref: Ref) -> dict[str, Any]:
        return service.show_file(desk, ref, staff.name)

    @r.get("/files/{ref}/access")
    def file_access(desk: DeskDep, staff: StaffDep, ref: Ref) -> list[dict[str, Any]]:
        return access.access_report(desk, ref, staff.name)

    @r.post("/files/{ref}/requests", status_code=201)
    def new_request(desk: DeskDep, staff: StaffDep, ref: Ref,
                    body: RequestBody) -> dict[str, Any]:
        return access.request_access(desk, ref, actor=staff.name, **body.model_dump())

    @r.get("/requests")
    def requests(desk: DeskDep, staff: StaffDep, status: Status = None) -> list[dict[str, Any]]:
        return access.list_requests(desk, status, staff.name)

    @r.post("/requests/{request_id}/approve")
    def approve(desk: DeskDep, staff: StaffDep, request_id: RequestId) -> dict[str, Any]:
        return access.decide(desk, request_id, approve=True, actor=staff.name)

    @r.post("/requests/{request_id}/refuse")
    def refuse(desk: DeskDep, staff: StaffDep, request_id: RequestId) -> dict[str, Any]:
        return access.decide(desk, request_id, approve=False, actor=staff.name)

    @r.post("/requests/{request_id}/read", response_class=Response, responses={200: {
        "content": {"application/octet-stream": {"schema": {"type": "string",
                                                            "format": "binary"}}},
        "headers": {"X-Archive-Document": {"schema": {"type": "string"}}}}})
    def read(desk: DeskDep, staff: StaffDep, request_id: RequestId, body: ReadBody) -> Response:
        meta, data = access.read(desk, request_id, body.document, action=body.action,
                                 actor=staff.name)
        return Response(data, media_type="application/octet-stream",
                        headers={"X-Archive-Document": str(meta["id"])})

    @r.post("/requests/{request_id}/lend")
    def lend(desk: DeskDep, staff: StaffDep, request_id: RequestId) -> dict[str, Any]:
        return access.lend(desk, request_id, actor=staff.name)

    @r.post("/requests/{request_id}/return")
    def give_back(desk: DeskDep, staff: StaffDep, request_id: RequestId) -> dict[str, Any]:
        return access.return_loan(desk, request_id, actor=staff.name)

    @r.post("/files/{ref}/change")
    def change(desk: DeskDep, staff: StaffDep, ref: Ref, body: ChangeBody) -> dict[str, Any]:
        return retention.change_household(desk, ref, body.reason, staff.name)

    @r.post("/files/{ref}/hold")
    def hold(desk: DeskDep, staff: StaffDep, ref: Ref, body: HoldBody) -> dict[str, Any]:
        return retention.set_hold(desk, ref, True, body.reason, staff.name)

    @r.post("/files/{ref}/release")
    def release(desk: DeskDep, staff: StaffDep, ref: Ref) -> dict[str, Any]:
        return retention.set_hold(desk, ref, False, None, staff.name)

    @r.post("/files/{ref}/approve-destruction")
    def approve_destruction(desk: DeskDep, staff: StaffDep, ref: Ref) -> dict[str, Any]:
        return retention.approve_destruction(desk, ref, actor=staff.name)

    @r.post("/files/{ref}/destroy")
    def destroy(desk: DeskDep, staff: StaffDep, ref: Ref, body: DestroyBody) -> dict[str, Any]:
        return retention.destroy(desk, ref, actor=staff.name, **body.model_dump())

    @r.get("/audit/{month}")
    def audit(desk: DeskDep, staff: StaffDep,
              month: Month) -> dict[str, Any]:
        return retention.audit(desk, month, staff.name)

    @r.get("/verify")
    def check(desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return verify(desk, staff.name)

    router.include_router(r)
