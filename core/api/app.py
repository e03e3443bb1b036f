"""The application: routes, error mapping, body limit, background watcher and webhooks."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, unquote

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.api import contract, followups, reports, site, tickets, webhooks
from core.desk import Desk
from core.errors import DomainError, refusal
from core.intake_queue import IntakeQueue
from core.textcheck import bad_character, first_bad

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
    app.include_router(webhooks.router)
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

    # DBAPIError by name: answered here, not re-raised past the answer as `Exception`
    # handlers are (a full or read-only database is a 503, `core.errors.storage_failure`)
    for kind in (DomainError, RequestValidationError, OverflowError, DataError, DBAPIError,
                 Exception):
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
    """The outermost layer: refuses request bodies over `limit` bytes with 413 before any
    handler reads them, whatever the transfer encoding (a declared `Content-Length`, or the
    bytes counted as a chunked body streams in), and never lets an exception drop a
    connection: one escaping the app becomes a JSON answer (503 for a storage failure,
    500 otherwise), or is logged when the answer had already begun."""

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
        # read the body here, counting as it streams (chunked or not), up to the limit
        buffered = await self._read(receive, limit)
        if buffered is None:
            await _too_large(send, limit)
            return
        bad = _control_characters(scope, buffered)
        if bad is not None:
            await JSONResponse({"field": bad[0], "error": f"control character {bad[1]} is "
                                "not allowed"}, status_code=422)(scope, receive, send)
            return
        receive = _replay(buffered, receive)
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:  # noqa: BLE001 - answered, never a dropped connection
            if started:
                log.error("error after the answer began", exc_info=exc)
                return
            found = refusal(exc)
            if found is None:
                log.error("internal error", exc_info=exc)
            body, status = ((found.body(), found.status) if found is not None
                            else ({"error": "internal error"}, 500))
            await JSONResponse(body, status_code=status)(scope, receive, send)

    async def _read(self, receive: Receive, limit: int) -> list[Message] | None:
        """The request's body messages, or None past the limit."""
        messages, seen = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            seen += len(message.get("body", b""))
            if seen > limit:
                return None
            if not message.get("more_body", False):
                return messages


#: bytes or JSON escapes that may be a control character (a body without any is clean)
_MAYBE_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]"
                            rb"|\\u00[0-189][0-9a-fA-F]|\\u007[fF]")


def _control_characters(scope: Scope, messages: list[Message]) -> tuple[str, str] | None:
    """(field, U+XXXX) of a control character in the path, the query or a JSON body:
    refused before any route or database sees it, on every database alike."""
    path = unquote(scope.get("raw_path", b"").decode("latin-1") or scope.get("path", ""))
    char = bad_character(scope.get("path", "") + path, free=False)
    if char:
        return "path", char
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        char = bad_character(name, free=False) or bad_character(value, free=False)
        if char:
            return name, char
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
    if not body or not _MAYBE_CONTROL.search(body):  # the usual body: not parsed twice
        return None
    try:
        decoded = json.loads(body)
    except ValueError:  # not JSON: the route's own validation answers
        return None
    return first_bad(decoded)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()  # e.g. http.disconnect, once the body is consumed
    return replayed


async def _too_large(send: Send, limit: int) -> None:
    body = (b'{"field":"body","error":"request body over ' + str(limit).encode()
            + b' bytes"}')
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
