"""Real concurrency: threads released together, and `propdesk serve --workers 2`.

No sleeps decide anything here: threads start on a barrier, servers are polled until they
answer. The same tests run on SQLite (a file, two server processes) and PostgreSQL (CI).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core import tokens
from core.desk import Desk

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def together(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """Run fn(0..n-1) in n threads released at once; each result or the exception raised."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - the test looks at every outcome
            results[i] = exc
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


class Server:
    """A running `propdesk serve --workers 2` on the test database."""

    def __init__(self, url: str, desk: Desk) -> None:
        self.url, self.desk = url, desk

    def token(self, staff: str) -> dict[str, str]:
        """Authorization headers for a staff member (a real token, made in the database)."""
        token = tokens.create(self.desk, staff)["token"]
        return {"Authorization": f"Bearer {token}"}

    def post_together(self, n: int, path: str, headers: dict[str, str] | list[dict[str, str]],
                      body: dict[str, Any] | list[dict[str, Any]] | None = None
                      ) -> list[httpx.Response]:
        """n POSTs released at once (each its own connection); the responses in order."""
        def one(i: int) -> httpx.Response:
            h = headers[i] if isinstance(headers, list) else headers
            b = body[i] if isinstance(body, list) else body
            with httpx.Client(base_url=self.url, timeout=60) as client:
                return client.post(path, headers=h, json=b)
        out = together(n, one)
        for r in out:
            if isinstance(r, Exception):
                raise r
        return out


@pytest.fixture
def serve(site: Desk, db_url: str, tmp_path: Path) -> Iterator[Callable[[], Server]]:
    """Start the real server on the test database with two worker processes."""
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> Server:
        port = free_port()
        env = os.environ | {"PROPDESK_DATABASE_URL": db_url}
        env.pop("PROPDESK_STAFF", None)
        log = open(tmp_path / f"serve-{port}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([BIN / "propdesk", "serve", "--port", str(port), "--workers",
                                 "2", "--no-watch"], env=env, cwd=tmp_path, stdout=log,
                                stderr=subprocess.STDOUT)
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError((tmp_path / f"serve-{port}.log").read_text())
            try:
                if httpx.get(f"{url}/openapi.json", timeout=5).status_code == 200:
                    return Server(url, site)
            except httpx.HTTPError:
                time.sleep(0.1)  # polling for the server to listen, not deciding anything
        raise RuntimeError("server did not start")
    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=20)


def no_server_errors(responses: list[httpx.Response]) -> None:
    """No 5xx anywhere, and every refusal carries a JSON body naming what was wrong."""
    for r in responses:
        assert r.status_code < 500, r.text
        if r.status_code >= 400:
            assert "error" in r.json(), r.text
