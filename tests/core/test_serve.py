"""The real server: uvicorn on a loopback port, driven by the README's curl example."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

#: server subprocesses / many requests: not in the fast set (`-m "not slow"`)
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_run_then_the_readme_curl_example_as_written(db_url: str, tmp_path: Path) -> None:
    """`make run`'s steps through the checkout's `./propdesk`, then the README's example verbatim.

    Only the port differs (8000 may be taken here); PATH is the user's, so `./propdesk` (the
    wrapper around .venv/bin/propdesk) is what makes the example's commands work.
    """
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    script = re.search(r"<!-- curl-example -->\n```bash\n(.*?)```", text, re.S).group(1)
    assert "./propdesk token create" in script
    port = free_port()
    script = script.replace("API=http://127.0.0.1:8000", f"API=http://127.0.0.1:{port}")
    (tmp_path / "propdesk").symlink_to(ROOT / "propdesk")  # as in the checkout
    env = {k: v for k, v in os.environ.items() if k not in ("PROPDESK_STAFF", "PYTHONPATH")}
    if db_url.startswith("sqlite"):
        Path(db_url.removeprefix("sqlite:///")).unlink()  # make run starts from no database
        env.pop("PROPDESK_DATABASE_URL", None)  # the default ./propdesk.db, as make run
    else:
        env["PROPDESK_DATABASE_URL"] = db_url

    def step(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["./propdesk", *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)

    assert step("serve", "--port", str(port), "--check").returncode == 0
    assert step("init", "--demo").returncode == 0
    assert step("db", "upgrade").returncode == 0
    server = subprocess.Popen(["./propdesk", "serve", "--port", str(port)], env=env,
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/openapi.json").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        taken = step("serve", "--port", str(port))  # a second `make run`: one line, exit 2
        assert taken.returncode == 2, taken.stderr
        assert taken.stderr.startswith(f"error: port: 127.0.0.1:{port} is not free")
        assert len(taken.stderr.strip().splitlines()) == 1
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        decoder, rest, outputs = json.JSONDecoder(), run.stdout.strip(), []
        while rest:  # curl prints the five responses back to back
            obj, end = decoder.raw_decode(rest)
            outputs.append(obj)
            rest = rest[end:].strip()
        assert [o["state"] for o in outputs] == ["dispatched", "in_progress", "resolved",
                                                 "reported", "closed"]
        docs = httpx.get(f"http://127.0.0.1:{port}/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
    finally:
        server.terminate()
        server.wait(timeout=10)
