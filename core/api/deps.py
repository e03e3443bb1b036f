"""Request dependencies: the site's Desk and the authenticated staff member (who may do
what is the services' to decide, not the routes')."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from core.desk import Desk
from core.models import Staff
from core.tokens import Unauthenticated, cached, check


async def get_desk(request: Request) -> Desk:
    return request.app.state.desk


async def current_staff(request: Request,
                        authorization: Annotated[str | None, Header()] = None) -> Staff:
    """The staff member behind `Authorization: Bearer TOKEN` (401 otherwise).

    A token checked moments ago is answered from memory (`core.tokens.check`); only a
    database lookup leaves the event loop. An expired token's 401 says it expired.
    """
    if not authorization or not authorization.lower().startswith("bearer "):
        raise HTTPException(401, detail={"field": "Authorization",
                                         "error": "send Authorization: Bearer TOKEN"},
                            headers={"WWW-Authenticate": "Bearer"})
    desk, token = request.app.state.desk, authorization[7:].strip()
    try:
        return cached(desk, token) or await run_in_threadpool(check, desk, token)
    except Unauthenticated as exc:  # unknown, revoked, or expired (the body says which)
        raise HTTPException(401, detail=exc.as_dict(),
                            headers={"WWW-Authenticate": "Bearer"}) from None


DeskDep = Annotated[Desk, Depends(get_desk)]
StaffDep = Annotated[Staff, Depends(current_staff)]


async def if_match(if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """The ticket version a client last saw: `If-Match: "7"` (a stale one gets 409)."""
    if if_match is None or if_match.strip() == "*":
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise HTTPException(400, detail={"field": "If-Match",
                                         "error": "use the ticket's version, e.g. \"3\""})
    return int(raw)


VersionDep = Annotated[int | None, Depends(if_match)]
