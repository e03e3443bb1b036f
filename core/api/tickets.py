"""Ticket routes: everything `propdesk ticket ...` offers, one route per action."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from core import followups, queries, tickets
from core.api.deps import DeskDep, StaffDep, VersionDep
from core.api.fields import DAY, FILLED, Code, Id, listed
from core.api.schemas import (
    ContactIn,
    DispatchIn,
    FollowupIn,
    HandoverIn,
    ReasonIn,
    ReclassifyIn,
    ReportIn,
    ResultIn,
    ResumeIn,
    TicketIn,
    TicketOut,
)
from core.labels import STATES

router = APIRouter(tags=["tickets 工单"])
#: a search word: some letter or digit (ASCII, full-width or CJK); the last 4+ phone digits
WORD = "[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3400-\u9fff]"
DIGITS = r"^[ -]*([0-9][ -]*){4,}$"
ATTACHED = ("image/jpeg", "image/png", "image/webp", "application/pdf")
#: the ticket's version, for `If-Match` on the next action
ETAG = {"ETag": {"description": 'the ticket\'s version, e.g. "3"', "schema": {"type": "string"}}}


def _out(view: dict[str, Any], response: Response | None = None,
         status: int = 200) -> JSONResponse:
    """Encoded once, here: FastAPI's generic re-validation of a large dict costs more than
    the intake itself. The view comes from the service as the caller may see it."""
    return JSONResponse(view, status_code=status, headers={"ETag": f'"{view["version"]}"'})


@router.post("/tickets", status_code=201, response_model=TicketOut, responses={
    201: {"headers": ETAG},
    200: {"model": TicketOut, "headers": ETAG,
          "description": "A retry with the same Idempotency-Key: the ticket it made."}})
async def create_ticket(body: TicketIn, request: Request, staff: StaffDep,
                        idempotency_key: Annotated[str | None, Header(
                            alias="Idempotency-Key", max_length=128)] = None
                        ) -> JSONResponse:
    """Take in customer information; a retried request with the same Idempotency-Key
    returns the ticket the first one made (200) instead of making another.

    Concurrent intakes are written together (group commit, `core.intake_queue`)."""
    fields = body.model_dump() | {"actor": staff.name, "idempotency_key": idempotency_key}
    queue = request.app.state.intake_queue
    view = await asyncio.wrap_future(queue.submit(fields))
    return _out(view, status=200 if view.pop("replayed", False) else 201)


@router.get("/tickets", response_model=list[TicketOut], responses={200: {"headers": {
    "X-Next-Cursor": {"description": "the next page's cursor", "schema": {"type": "string"}},
    "Link": {"description": '<...>; rel="next"', "schema": {"type": "string"}}}}})
def list_tickets(desk: DeskDep, staff: StaffDep, request: Request, state: Annotated[
                 str | None, Query(min_length=1, json_schema_extra=listed(
                     STATES, nullable=True))] = None,
                 overdue: bool = False, at_risk: bool = False, mine: bool = False,
                 limit: Annotated[int, Query(ge=1, le=500)] = 50,
                 q: Annotated[str | None, Query(max_length=200, pattern=WORD)] = None,
                 unit: str | None = None, owner: str | None = None,
                 household: str | None = None,
                 phone: Annotated[str | None, Query(max_length=32, pattern=DIGITS)] = None,
                 category: Annotated[str | None, Query(
                     min_length=1, json_schema_extra=listed("category"))] = None,
                 received_from: Annotated[str | None, Query(
                     alias="from", pattern=DAY, json_schema_extra={"format": "date"})] = None,
                 received_to: Annotated[str | None, Query(
                     alias="to", pattern=DAY, json_schema_extra={"format": "date"})] = None,
                 cursor: str | None = None) -> JSONResponse:
    """Open tickets (as before); with any search parameter, every ticket matching them all,
    newest recorded first, a page at a time: the next page's cursor is in `X-Next-Cursor`
    and a `Link: <…>; rel="next"` header."""
    searching = any(v is not None for v in (q, unit, owner, household, phone, category,
                                            received_from, received_to, cursor))
    if not searching or overdue or at_risk or mine:
        rows = queries.list_tickets(desk, state=state, overdue=overdue, at_risk=at_risk,
                                    mine=mine, limit=limit, actor=staff.name)
        return JSONResponse(rows)
    from core import search

    page = search.search(desk, q=q, unit=unit, owner=owner, household=household, phone=phone,
                         state=state, category=category, received_from=received_from,
                         received_to=received_to, cursor=cursor, limit=limit,
                         actor=staff.name)
    headers = {}
    if page["next"]:
        nxt = request.url.include_query_params(cursor=page["next"])
        headers = {"X-Next-Cursor": page["next"], "Link": f'<{nxt}>; rel="next"'}
    return JSONResponse(page["tickets"], headers=headers)


@router.get("/tickets/{number}", response_model=TicketOut, responses={200: {"headers": ETAG}})
def show_ticket(number: Code, desk: DeskDep, staff: StaffDep,
                response: Response) -> JSONResponse:
    """The same object as `propdesk ticket show --json` (phones masked for some roles)."""
    return _out(queries.show_ticket(desk, number, actor=staff.name), response)


@router.get("/tickets/{number}/sla")
def explain_sla(number: Code, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    """How each deadline was reached, day by day (`propdesk sla explain`)."""
    return queries.explain(desk, number, actor=staff.name)


def _action(path: str, fn: Callable[..., dict[str, Any]], model: type | None,
            doc: str) -> None:
    if model is None:
        def route(number: Code, desk: DeskDep, staff: StaffDep, response: Response,
                  version: VersionDep) -> JSONResponse:
            return _out(fn(desk, number, actor=staff.name, version=version), response)
    else:
        def route(number: Code, body: Any, desk: DeskDep, staff: StaffDep,
                  response: Response, version: VersionDep) -> JSONResponse:
            args = body.model_dump()
            return _out(fn(desk, number, actor=staff.name, version=version, **args), response)
        route.__annotations__["body"] = model  # the real class, not a postponed string
    route.__doc__ = doc
    route.__name__ = f"ticket_{path}"
    router.post(f"/tickets/{{number}}/{path}", response_model=TicketOut,
                responses={200: {"headers": ETAG}})(route)


_action("dispatch", tickets.dispatch, DispatchIn, "Send to a staff member or a department.")
_action("start", tickets.start, None, "The assignee starts work.")
_action("contact", tickets.contact, ContactIn, "Log a communication with the customer: "
        "the first meets the reply clock, a later one the communication clock.")
_action("resolve", tickets.resolve, ResultIn, "Record the result of the work.")
_action("report", tickets.report, ReportIn,
        "Report back to the customer; dissatisfied reopens the ticket.")
_action("close", tickets.close, None, "Close after reporting back.")
_action("reopen", tickets.reopen, ReasonIn, "Reopen: back to dispatched.")
_action("escalate", tickets.escalate, ReasonIn, "Escalate (supervisor or site manager).")
_action("reclassify", tickets.reclassify, ReclassifyIn,
        "Change category, severity or nature; deadlines are recomputed.")
_action("pause", tickets.pause, ReasonIn, "Stop the clocks (e.g. waiting for the customer).")
_action("resume", tickets.resume, ResumeIn, "Restart the clocks; deadlines move by the pause.")


@router.post("/tickets/{number}/followups", response_model=TicketOut,
             responses={200: {"headers": ETAG}})
def record_followup(number: Code, body: FollowupIn, desk: DeskDep, staff: StaffDep,
                    response: Response) -> JSONResponse:
    """Record a follow-up (回访); 2 or less, or not fixed, reopens the ticket."""
    view = followups.record(desk, number, actor=staff.name, **body.model_dump())
    return _out(view, response)


@router.post("/handover")
def handover(body: HandoverIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    """Shift change: every open ticket of one owner passes to another (`from` and `to`
    differ: 422 otherwise)."""
    numbers = tickets.handover(desk, body.from_staff, body.to, note=body.note,
                               actor=staff.name, at=body.at)
    return {"handed_over": numbers}


@router.post("/tickets/{number}/attachments", status_code=201,
             openapi_extra={"requestBody": {"required": True, "content": {
                 t: {"schema": {"type": "string", "format": "binary"}}
                 for t in ATTACHED}}})
async def add_attachment(number: Code, request: Request, desk: DeskDep, staff: StaffDep,
                         name: Annotated[str | None, Query(max_length=128,
                                                           pattern=FILLED)] = None,
                         note: Annotated[str | None, Query(max_length=2000,
                                                           pattern=FILLED)] = None
                         ) -> dict[str, Any]:
    """A photo or file on the ticket: the raw bytes as the body, `?name=` its file name
    (default `attachment.<type>`).

    JPEG, PNG, WebP or PDF up to `[service] attachment_limit` bytes (413 beyond); photos
    are stored without their metadata (EXIF)."""
    from core import attachments

    data = await request.body()
    return await asyncio.to_thread(attachments.attach, desk, number, name, data, note=note,
                                   actor=staff.name)


@router.get("/tickets/{number}/attachments")
def list_attachments(number: Code, desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
    """The ticket's photos and files (for roles that see customers' personal data)."""
    from core import attachments

    return attachments.listing(desk, number, actor=staff.name)


@router.get("/attachments/{attachment_id}", response_class=Response, responses={200: {
    "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in ATTACHED},
    "headers": {"ETag": {"description": "the SHA-256", "schema": {"type": "string"}}}}})
def get_attachment(attachment_id: Id, desk: DeskDep, staff: StaffDep) -> Response:
    """The bytes, checked against their SHA-256; served so no browser runs them."""
    from urllib.parse import quote

    from core import attachments

    view, data = attachments.fetch(desk, attachment_id, actor=staff.name)
    return Response(data, media_type=view["type"], headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(view['name'])}",
        "ETag": f'"{view["sha256"]}"', "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'"})
