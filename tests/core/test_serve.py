"""The real server: uvicorn on a loopback port, driven by the README's curl example."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
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


def test_readme_curl_example_works_as_written(db_url: str, tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    script = re.search(r"<!-- curl-example -->\n```bash\n(.*?)```", text, re.S).group(1)
    port = free_port()
    script = script.replace("API=http://127.0.0.1:8000", f"API=http://127.0.0.1:{port}")
    bin_dir = Path(sys.executable).parent
    env = os.environ | {"PROPDESK_DATABASE_URL": db_url, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("PROPDESK_STAFF", None)
    for cmd in (["init"], ["staff", "add", "王芳", "--role", "frontdesk"],
                ["staff", "add", "赵强", "--role", "technician", "--department", "工程部"],
                ["unit", "add", "1-1-502", "--owner", "李女士", "--phone", "13812345678"]):
        subprocess.run([bin_dir / "propdesk", *cmd], env=env, check=True, cwd=tmp_path,
                       capture_output=True)
    server = subprocess.Popen([bin_dir / "propdesk", "serve", "--port", str(port)], env=env,
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/openapi.json").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
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
