"""The OpenAPI document is the contract: schemathesis, every check, against the real server.

`schemathesis run --checks all` (status codes, content types, response schemas and
headers, schema-valid data accepted, schema-invalid data refused, missing headers,
unsupported methods and their `Allow`, ...) drives `propdesk serve` on a loopback port
with a manager's token, then walks again with an unprivileged token. Zero failures; the
number of requests made is printed with a summary (`pytest -s`) and kept in
`contract-summary.json` beside the reports. `PROPDESK_FUZZ_EXAMPLES` bounds the examples
per operation (default 6), `PROPDESK_FUZZ_SEED` fixes the seed (default 20261207).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core import directory, tokens
from core.desk import Desk
from tests.core.test_serve import free_port

#: a server subprocess and thousands of requests: not in the fast set (`-m "not slow"`)
pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("PROPDESK_FUZZ_EXAMPLES", "6"))
SEED = int(os.environ.get("PROPDESK_FUZZ_SEED", "20261207"))
BIN = Path(sys.executable).parent
#: the three cross-field rules JSON Schema cannot state (see the file)
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture
def site(db_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A served site with a few real records, and tokens by role."""
    desk = Desk.open(db_url, None)
    for name, role, dept in (("陈静", "manager", "项目部"), ("刘洋", "supervisor", "客服部"),
                             ("赵强", "technician", "工程部"), ("韩梅", "archivist", "档案室")):
        directory.add_staff(desk, name, role, dept)
    directory.add_unit(desk, "1-1-502", "李女士", "13812345678")
    made = {role: tokens.create(desk, name)["token"]
            for name, role in (("陈静", "manager"), ("赵强", "technician"))}
    desk.engine.dispose()
    port = free_port()
    env = os.environ | {"PROPDESK_DATABASE_URL": db_url, "PROPDESK_BACKGROUND": "0"}
    log = (tmp_path / "server.log").open("w")  # a 500's traceback lands here
    server = subprocess.Popen(
        [BIN / "uvicorn", "core.api.main:app_from_env", "--factory", "--port", str(port),
         "--log-level", "warning"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/openapi.json").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url, made
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def schemathesis(url: str, token: str, out: Path, examples: int) -> dict[str, object]:
    """One `schemathesis run --checks all`; its JSON report plus the request count."""
    out.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        [BIN / "schemathesis", "--config-file", str(CONFIG), "run", f"{url}/openapi.json",
         "--checks", "all",
         "-H", f"Authorization: Bearer {token}", "--max-examples", str(examples),
         "--seed", str(SEED), "--workers", "1", "--report", "json,har",
         "--report-json-path", str(out / "report.json"),
         "--report-har-path", str(out / "requests.har"), "--output-truncate", "true"],
        capture_output=True, text=True, timeout=900, env=os.environ | {"NO_COLOR": "1"},
        cwd=out)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    har = json.loads((out / "requests.har").read_text(encoding="utf-8"))
    summary = {
        "operations": report["operations"]["tested"],
        "requests": len(har["log"]["entries"]),
        "test_cases": report["test_cases"]["generated"],
        "failures": sum(f["count"] for f in report["failures"]),
        "by_check": {f["code"]: {"title": f["title"], "operations": f["operations"]}
                     for f in report["failures"]},
        "errors": report["errors"],
        "phases": {k: v["status"] for k, v in report["phases"].items()},
        "examples_per_operation": examples, "seed": SEED,
        "seconds": round(report["running_time"], 1),
        "exit_code": run.returncode,
    }
    (out / "contract-summary.json").write_text(json.dumps(summary, ensure_ascii=False,
                                                          indent=1), encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False))
    if run.returncode:
        print(run.stdout[-20000:])
        server_log = out.parent / "server.log"
        if server_log.exists():
            print(server_log.read_text(encoding="utf-8")[-5000:])
    return summary


def test_every_check_passes_for_a_manager(site: tuple[str, dict[str, str]],
                                          tmp_path: Path) -> None:
    url, made = site
    summary = schemathesis(url, made["manager"], tmp_path / "manager", EXAMPLES)
    assert summary["operations"] >= 100  # every route, plugins' included
    assert summary["requests"] > 0
    assert (summary["failures"], summary["errors"]) == (0, []), summary
    assert summary["exit_code"] == 0


def test_every_check_passes_for_an_unprivileged_role(site: tuple[str, dict[str, str]],
                                                     tmp_path: Path) -> None:
    """A technician (the walk's role): refusals too must be the declared ones."""
    url, made = site
    summary = schemathesis(url, made["technician"], tmp_path / "technician",
                           max(1, EXAMPLES // 3))
    assert summary["requests"] > 0
    assert (summary["failures"], summary["errors"]) == (0, []), summary
    assert summary["exit_code"] == 0
