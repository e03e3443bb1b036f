"""Service benchmarks: POST /tickets under load vs a naive endpoint; the watcher on 1M tickets.

Every server runs under uvicorn (one process, SQLite) on loopback; 16 client connections
post for 30 s each, cycling through the same mix of hotline requests (repairs, inquiries,
complaints, issue reports and suggestions across 200 units). The yardstick is
bench/naive_app.py: the same rows written with one ORM session per request. Figures go
to bench/results/service.json.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.request_mix import UNITS, bodies  # noqa: E402

HERE = Path(__file__).parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "30"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def propdesk(env: dict[str, str], *args: str) -> str:
    return subprocess.run([str(BIN / "propdesk"), *args], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def start(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"server on {port} did not start")


def load(url: str, headers: dict[str, str], seconds: float) -> dict[str, Any]:
    """CONNECTIONS keep-alive connections posting as fast as answers come back: wrk when
    installed (scripts/install-wrk.sh), a Python client otherwise."""
    wrk = shutil.which("wrk")
    return _wrk(wrk, url, headers, seconds) if wrk else _python_load(url, headers, seconds)


WRK_SCRIPT = """
local bodies = {%s}
local headers = {%s}
local i = 0
init = function(args) i = math.random(#bodies) end
request = function()
  i = i %% #bodies + 1
  return wrk.format("POST", nil, headers, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %%d, "duration_us": %%d, "errors": %%d, '
    .. '"p50_us": %%d, "p99_us": %%d}\\n', summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _wrk(wrk: str, url: str, headers: dict[str, str], seconds: float) -> dict[str, Any]:
    """wrk on 2 threads; each connection cycles through the request mix from its own place."""
    mix = bodies(0)
    lua_bodies = ",".join("[[" + json.dumps(next(mix), ensure_ascii=False) + "]]"
                          for _ in range(2000))
    lua_headers = ",".join(f'["{k}"] = "{v}"' for k, v in
                           ({"Content-Type": "application/json"} | headers).items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False,
                                     encoding="utf-8") as fh:
        fh.write(WRK_SCRIPT % (lua_bodies, lua_headers))
    try:
        # --timeout as the Python client's: a slow answer counts in the latencies
        out = subprocess.run([wrk, "-t2", f"-c{CONNECTIONS}", f"-d{int(seconds)}s",
                              "--timeout", "30s", "-s", fh.name, url], check=True,
                             capture_output=True, text=True).stdout
    finally:
        os.unlink(fh.name)
    line = next(x for x in out.splitlines() if x.startswith('{"requests"'))
    r = json.loads(line)
    return {"client": "wrk", "requests": r["requests"], "errors": r["errors"],
            "requests_per_s": round(r["requests"] / (r["duration_us"] / 1e6), 1),
            "p50_ms": round(r["p50_us"] / 1000, 1), "p99_ms": round(r["p99_us"] / 1000, 1)}


def _python_load(url: str, headers: dict[str, str], seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = [0]
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def client(start: int) -> None:
        mine: list[float] = []
        mix = bodies(start)
        with httpx.Client(timeout=30) as http:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                r = http.post(url, json=next(mix), headers=headers)
                mine.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 201:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i * 1000,)) for i in range(CONNECTIONS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {"client": "python-httpx", "requests": len(latencies), "errors": errors[0],
            "requests_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies), 1),
            "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 1)}


def site(work: Path, name: str) -> dict[str, str]:
    env = os.environ | {"PROPDESK_DATABASE_URL": f"sqlite:///{work / name}"}
    env.pop("PROPDESK_CONFIG", None)
    propdesk(env, "init")
    propdesk(env, "staff", "add", "王芳", "--role", "frontdesk")
    units = work / f"{name}.units.csv"
    units.write_text("code,owner,phone\n" + "".join(f"{u},业主{i},1381234{i:04d}\n"
                                                     for i, u in enumerate(UNITS)),
                     encoding="utf-8")
    propdesk(env, "unit", "import", str(units))
    return env


def serve(cmd: list[str], env: dict[str, str], port: int, path: str,
          headers: dict[str, str]) -> dict[str, Any]:
    proc = start(cmd, env, port)
    try:
        load(f"http://127.0.0.1:{port}{path}", headers, 3)  # warm up
        return load(f"http://127.0.0.1:{port}{path}", headers, SECONDS)
    finally:
        proc.terminate()
        proc.wait()


def bench_intake(work: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"connections": CONNECTIONS, "seconds": SECONDS,
                           "requests": "bench/request_mix.py"}
    naive = [str(BIN / "python"), "-m", "uvicorn", "bench.naive_app:app", "--log-level",
             "warning", "--port"]
    for key, path in (("naive_endpoint", "/tickets"), ("naive_ticket_row_only",
                                                       "/tickets-only")):
        port = free_port()
        out[key] = serve([*naive, str(port)], site(work, f"{key}.db"), port, path, {})
    env = site(work, "propdesk.db")
    token = propdesk(env, "token", "create", "--staff", "王芳")
    port = free_port()
    out["propdesk"] = serve([str(BIN / "propdesk"), "serve", "--port", str(port)], env, port,
                            "/tickets", {"Authorization": f"Bearer {token}"})
    out["throughput_ratio"] = round(out["propdesk"]["requests_per_s"]
                                    / out["naive_endpoint"]["requests_per_s"], 2)
    out["targets"] = {"throughput_ratio": 1.0, "p99_ms": 100}
    return out


def bench_watcher(work: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from bench.core_bench import DATA, build_big
    from core import db
    from core.config import Config
    from core.deadlines import check
    from core.desk import Desk
    from core.plugins import make_plugin_manager

    big = DATA / "big-v1.db"
    if not big.exists():
        DATA.mkdir(exist_ok=True)
        build_big(big)
    copy = work / "watch.db"
    shutil.copy(big, copy)
    desk = Desk(config=Config(), engine=db.make_engine(f"sqlite:///{copy}"),
                pm=make_plugin_manager())
    desk.upgrade()  # the cached database may predate later migrations
    t0 = time.perf_counter()
    first = check(desk)
    backlog_s = time.perf_counter() - t0
    passes = []
    for _ in range(10):
        t0 = time.perf_counter()
        check(desk)
        passes.append((time.perf_counter() - t0) * 1000)
    desk.engine.dispose()
    return {"tickets": 1_000_000, "first_pass_recorded": len(first["breached"]) +
            len(first["at_risk"]), "first_pass_s": round(backlog_s, 1),
            "steady_pass_median_ms": round(statistics.median(passes), 1), "target_ms": 500}


def main() -> None:
    results: dict[str, Any] = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, fn in (("intake_http", bench_intake), ("watcher", bench_watcher)):
            results[name] = fn(work)
            print(f"  {name}: {json.dumps(results[name], ensure_ascii=False)}", flush=True)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "service.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"  wrote {HERE / 'results' / 'service.json'}")


if __name__ == "__main__":
    main()
