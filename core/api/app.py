"""The application: routes, error mapping, body limit, background watcher and webhooks."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.api import contract, followups, reports, site, tickets
from core.desk import Desk
from core.errors import DomainError, refusal
from core.intake_queue import IntakeQueue

log = logging.getLogger("propdesk.api")


def create_app(desk: Desk, *, background: bool = False) -> FastAPI:
    """The HTTP service for one site; `background` runs the SLA watcher and webhook sender."""
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        threads: list[threading.Thread] = []
        if background:
            from core.watcher import start_background

            threads = start_background(desk, stop)
        yield
        stop.set()
        for thread in threads:
            thread.join(timeout=10)

    # /docs and /redoc with assets served by the service itself (no CDN: works offline)
    app = FastAPIOffline(title="propdesk", version="0.1.0", lifespan=lifespan,
                         swagger_ui_parameters={"persistAuthorization": True,
                                                "validatorUrl": None},
                         description="物业客服中心 customer service desk: tickets under "
                                     "first-contact responsibility, SLA clocks in working "
                                     "days. **Authorize** with an API token (`propdesk "
                                     "token create --staff NAME`).")
    app.state.desk = desk
    # group commit for concurrent intakes (`POST /tickets`), one writer thread per process
    app.state.intake_queue = IntakeQueue(desk, max_batch=desk.config.service.intake_batch)
    app.include_router(tickets.router)
    app.include_router(site.router)
    app.include_router(followups.router)
    app.include_router(reports.router)
    plugin_routes = APIRouter()
    desk.pm.hook.register_routes(router=plugin_routes)
    app.include_router(plugin_routes)
    _errors(app)
    # every status each route can answer, and the site's categories, in /openapi.json
    contract.install(app, {"category": desk.categories,
                           "resolve_on_intake": desk.config.tickets.resolve_on_intake})
    return BodyLimit(app, desk.config.service.body_limit,  # type: ignore[return-value]
                     desk.config.service.attachment_limit)


def _errors(app: FastAPI) -> None:
    """Every user error through `core.errors.refusal`, the mapping the CLI uses too."""
    async def refused(_: Request, exc: Exception) -> JSONResponse:
        found = refusal(exc)
        if found is None:
            log.error("internal error", exc_info=exc)
            return JSONResponse({"error": "internal error"}, status_code=500)
        return JSONResponse(found.body(), status_code=found.status)

    for kind in (DomainError, RequestValidationError, OverflowError, DataError, Exception):
        app.add_exception_handler(kind, refused)

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail: Any = exc.detail
        part = {400: "body", 404: "path", 405: "method"}.get(exc.status_code, "request")
        body = detail if isinstance(detail, dict) else {"field": part, "error": str(detail)}
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of the path, not only the first route's
            headers["Allow"] = ", ".join(contract.allowed_methods(app, request.scope))
        return JSONResponse(body, status_code=exc.status_code, headers=headers)


class BodyLimit:
    """Refuses request bodies over `limit` bytes with 413, before any handler reads them."""

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int | None = None) -> None:
        self.app, self.default, self.upload = app, limit, upload_limit or limit
        self.state = getattr(app, "state", None)

    def limit_for(self, scope: Scope) -> int:
        """Photos and files have their own, larger limit (`[service] attachment_limit`)."""
        return self.upload if str(scope.get("path", "")).endswith("/attachments") \
            else self.default

    def __getattr__(self, name: str) -> Any:  # the FastAPI app's other attributes
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _too_large(send, limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await _too_large(send, limit)


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = (b'{"field":"body","error":"request body over ' + str(limit).encode()
            + b' bytes"}')
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
