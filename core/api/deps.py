"""Request dependencies: the site's Desk and the authenticated staff member (who may do
what is the services' to decide, not the routes')."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from core.desk import Desk
from core.models import Staff
from core.tokens import Unauthenticated, cached, check


async def get_desk(request: Request) -> Desk:
    return request.app.state.desk


#: the OpenAPI security scheme (`bearer`): /docs' Authorize button sends the header;
#: the 401 for a missing one is ours (a JSON `Refusal`), not FastAPI's
bearer = HTTPBearer(auto_error=False, bearerFormat="pd_...",
                    description="An API token from `propdesk token create --staff NAME`.")


async def current_staff(request: Request, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(bearer)] = None) -> Staff:
    """The staff member behind `Authorization: Bearer TOKEN` (401 otherwise).

    A token checked moments ago is answered from memory (`core.tokens.check`); only a
    database lookup leaves the event loop. An expired token's 401 says it expired.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, detail={"field": "Authorization",
                                         "error": "send Authorization: Bearer TOKEN"},
                            headers={"WWW-Authenticate": "Bearer"})
    desk, token = request.app.state.desk, credentials.credentials.strip()
    try:
        return cached(desk, token) or await run_in_threadpool(check, desk, token)
    except Unauthenticated as exc:  # unknown, revoked, or expired (the body says which)
        raise HTTPException(401, detail=exc.as_dict(),
                            headers={"WWW-Authenticate": "Bearer"}) from None


DeskDep = Annotated[Desk, Depends(get_desk)]
StaffDep = Annotated[Staff, Depends(current_staff)]


async def if_match(if_match: Annotated[str | None, Header(
        alias="If-Match", pattern=r'^ *(\*|(W/)?"?[0-9]{1,9}"?) *$',
        examples=['"3"'])] = None) -> int | None:
    """The ticket version a client last saw: `If-Match: "7"` (a stale one gets 409)."""
    if if_match is None or if_match.strip() == "*":
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise HTTPException(400, detail={"field": "If-Match",
                                         "error": "use the ticket's version, e.g. \"3\""})
    return int(raw)


VersionDep = Annotated[int | None, Depends(if_match)]
