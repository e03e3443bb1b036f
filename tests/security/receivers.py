"""Real loopback HTTP receivers for webhook tests: they record raw bodies and when they
arrived; a `hold` receiver keeps each request open until released (a slow integrator)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self, hold: threading.Event | None = None, expect: int = 0) -> None:
        self.bodies: list[bytes] = []
        self.arrived: list[float] = []
        self.hold = hold
        self.entered = threading.Event()     # a request reached the handler
        self.enough = threading.Event()      # `expect` requests were answered
        self.expect = expect
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.entered.set()
                if receiver.hold is not None:
                    receiver.hold.wait(60)
                receiver.bodies.append(body)
                receiver.arrived.append(time.monotonic())
                self.send_response(204)
                self.end_headers()
                if receiver.expect and len(receiver.bodies) >= receiver.expect:
                    receiver.enough.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def text(self) -> str:
        return "\n".join(b.decode() for b in self.bodies)

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()
