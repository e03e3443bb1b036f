"""A real uvicorn server in this process, for tests that need real connections."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from core.api.app import create_app
from core.desk import Desk


class Errors(logging.Handler):
    """Every ERROR uvicorn logs: an exception that escaped the app."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start a real uvicorn server for a desk on a loopback port (in this process)."""
    started: list[tuple[uvicorn.Server, threading.Thread]] = []
    errors = Errors()
    logging.getLogger("uvicorn.error").addHandler(errors)

    def start(desk: Desk) -> str:
        server = uvicorn.Server(uvicorn.Config(create_app(desk), host="127.0.0.1", port=0,
                                               log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("server did not start")
            thread.join(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        started.append((server, thread))
        return f"http://127.0.0.1:{port}"

    start.errors = errors  # type: ignore[attr-defined]
    yield start
    for server, thread in started:
        server.should_exit = True
        thread.join(10)
    logging.getLogger("uvicorn.error").removeHandler(errors)


