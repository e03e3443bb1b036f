"""Core benchmarks: ledger import vs raw executemany, intake latency, overdue list, deadlines.

Run with `make bench` (or `python -m bench core`). Figures go to bench/results/core.json.
Everything is measured side by side in one run; we quote medians and ratios.
"""

from __future__ import annotations

import csv
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import insert, text

from core import db, directory, queries, sla, tickets
from core.cli.main import cli
from core.config import Config
from core.desk import Desk
from core.models import SLAClock, Staff, Ticket, Unit
from core.plugins import make_plugin_manager

HERE = Path(__file__).parent
DATA = HERE / ".data"
RESULTS = HERE / "results"
IMPORT_ROWS = 100_000
BIG = 1_000_000
TZ_OFFSET = "+08:00"
CATEGORIES = [("投诉", "轻微"), ("投诉", "重要"), ("报修", ""), ("咨询", ""), ("建议", ""),
              ("报修", "紧急"), ("投诉", "重大")]


def fresh_desk(path: Path, staff: int = 5, units: int = 200) -> Desk:
    path.unlink(missing_ok=True)
    desk = Desk(config=Config(), engine=db.make_engine(f"sqlite:///{path}"),
                pm=make_plugin_manager())
    desk.upgrade()
    with desk.sessions.begin() as s:
        s.execute(insert(Staff), [{"name": f"员工{i}", "role": "frontdesk", "active": True}
                                  for i in range(staff)])
        s.execute(insert(Unit), [{"code": f"{1 + i // 100}-1-{100 + i % 100}",
                                  "building": str(1 + i // 100)} for i in range(units)])
    return desk


def write_ledger(path: Path, n: int) -> None:
    rng = random.Random(7)
    start = datetime(2025, 1, 1, 8)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["received_at", "channel", "category", "severity", "unit", "summary",
                    "owner", "state", "closed_at"])
        for i in range(n):
            at = start + timedelta(minutes=5 * i + rng.randint(0, 4))
            cat, sev = rng.choice(CATEGORIES)
            unit = f"{1 + rng.randint(0, 1)}-1-{100 + rng.randint(0, 99)}"
            closed = (at + timedelta(hours=rng.randint(1, 72))).isoformat(sep=" ")
            w.writerow([at.isoformat(sep=" "), "电话", cat, sev, unit, f"台账记录 {i}",
                        f"员工{i % 5}", "closed", closed])


def raw_import(desk: Desk, path: Path) -> None:
    """The yardstick: read the CSV and executemany the ticket rows with SQLAlchemy Core."""
    now = datetime.now(UTC)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [{"number": f"RAW-{i}", "channel": "phone", "category": r["category"],
                 "nature": "general", "severity": r["severity"] or None, "summary": r["summary"],
                 "owner_id": 1, "state": r["state"],
                 "received_at": datetime.fromisoformat(r["received_at"] + TZ_OFFSET),
                 "closed_at": datetime.fromisoformat(r["closed_at"] + TZ_OFFSET),
                 "recorded_at": now, "reopen_count": 0, "escalation_level": 0}
                for i, r in enumerate(csv.DictReader(fh))]
    with desk.engine.begin() as conn:
        conn.execute(insert(Ticket), rows)


def bench_import(work: Path) -> dict[str, Any]:
    ledger = work / "ledger.csv"
    write_ledger(ledger, IMPORT_ROWS)
    ours, raw = [], []
    for _ in range(5):  # alternate the two so machine noise falls on both
        desk = fresh_desk(work / "raw.db")
        t0 = time.perf_counter()
        raw_import(desk, ledger)
        raw.append(time.perf_counter() - t0)
        desk.engine.dispose()
        desk = fresh_desk(work / "ours.db")
        t0 = time.perf_counter()  # the real command, in-process (no interpreter start-up)
        out = CliRunner().invoke(cli, ["--db", str(desk.engine.url), "ticket", "import",
                                       str(ledger), "--json"])
        ours.append(time.perf_counter() - t0)
        assert out.exit_code == 0, out.output
        assert json.loads(out.output)["imported"] == IMPORT_ROWS
        with desk.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM sla_clocks")).scalar_one() > 0
        desk.engine.dispose()
    ours_rate = IMPORT_ROWS / statistics.median(ours)
    raw_rate = IMPORT_ROWS / statistics.median(raw)
    return {"rows": IMPORT_ROWS, "propdesk_rows_per_s": round(ours_rate),
            "raw_executemany_rows_per_s": round(raw_rate),
            "ratio": round(ours_rate / raw_rate, 3), "target_ratio": 0.25,
            "propdesk_writes": "tickets + history event + SLA clocks, every row validated",
            "raw_writes": "ticket rows only"}


def bench_intake(work: Path, n: int = 300) -> dict[str, Any]:
    desk = fresh_desk(work / "intake.db")
    directory.add_staff(desk, "王芳", "frontdesk")
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        tickets.intake(desk, category="complaint", severity="minor", unit="1-1-150",
                       summary=f"噪音 {i}", by="王芳")
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    desk.engine.dispose()
    return {"tickets": n, "median_ms": round(statistics.median(times), 2),
            "p99_ms": round(times[int(0.99 * (n - 1))], 2)}


def build_big(path: Path) -> None:
    """1,000,000 tickets: 97 % closed, the rest open with running clocks, some overdue."""
    desk = fresh_desk(path)
    rng = random.Random(11)
    now = datetime.now(UTC)
    start = now - timedelta(days=3 * 365)
    step = (now - start) / BIG
    batch = 50_000
    with desk.engine.begin() as conn:
        for base in range(0, BIG, batch):
            tickets_rows, clock_rows = [], []
            for i in range(base, base + batch):
                at = start + step * i
                closed = rng.random() < 0.97 or i > BIG - 200
                tickets_rows.append({
                    "id": i + 1, "number": f"GD-{i:08d}", "channel": "phone",
                    "category": "complaint", "nature": "general", "severity": "minor",
                    "summary": "s", "owner_id": 1 + i % 5, "state": "closed" if closed
                    else "dispatched", "received_at": at, "recorded_at": at,
                    "closed_at": at if closed else None, "reopen_count": 0,
                    "escalation_level": 0})
                for name, hours in (("reply", 24), ("resolve", 48)):
                    due = at + timedelta(hours=hours)
                    clock_rows.append({
                        "ticket_id": i + 1, "clock": name, "round": 1, "policy": "1wd",
                        "started_at": at, "due_at": due, "at_risk_at": due - timedelta(hours=4),
                        "met_at": at + timedelta(hours=2) if closed else None, "pauses": []})
            conn.execute(insert(Ticket), tickets_rows)
            conn.execute(insert(SLAClock), clock_rows)
    desk.engine.dispose()


def bench_overdue(work: Path) -> dict[str, Any]:
    DATA.mkdir(exist_ok=True)
    big = DATA / "big-v1.db"
    if not big.exists():
        t0 = time.perf_counter()
        build_big(big)
        print(f"  built the 1,000,000-ticket database in {time.perf_counter() - t0:.0f} s")
    desk = Desk(config=Config(), engine=db.make_engine(f"sqlite:///{big}"),
                pm=make_plugin_manager())
    desk.upgrade()  # a cached database may predate later migrations
    with desk.engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM tickets")).scalar_one()
        stmt = text("EXPLAIN QUERY PLAN SELECT ticket_id FROM sla_clocks "
                    "WHERE met_at IS NULL AND paused_since IS NULL AND due_at < :now "
                    "ORDER BY due_at")  # the statement core.queries._by_deadline issues
        plan = [r[-1] for r in conn.execute(stmt, {"now": datetime.now(UTC).replace(
            tzinfo=None)})]
    service, command = [], []
    for _ in range(15):
        t0 = time.perf_counter()
        rows = queries.list_tickets(desk, overdue=True)
        service.append((time.perf_counter() - t0) * 1000)
    runner = CliRunner()
    for _ in range(10):
        t0 = time.perf_counter()
        out = runner.invoke(cli, ["--db", f"sqlite:///{big}", "ticket", "list", "--overdue",
                                  "--json"])
        command.append((time.perf_counter() - t0) * 1000)
        assert out.exit_code == 0, out.output
    desk.engine.dispose()
    return {"tickets": n, "listed": len(rows), "service_median_ms":
            round(statistics.median(service), 1), "cli_in_process_median_ms":
            round(statistics.median(command), 1), "target_ms": 200, "plan": plan,
            "uses_index": any("ix_clocks_running_due" in p for p in plan)}


def bench_deadlines(n: int = 100_000) -> dict[str, Any]:
    config = Config()
    cal, hours = config.working_calendar, config.business_hours
    rng = random.Random(3)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(minutes=rng.randint(0, 365 * 24 * 60)) for _ in range(n)]
    durations = [sla.Duration.parse(d) for d in ("2h", "1wd", "2wd", "3wd", "24h", "30m")]
    picks = [durations[i % len(durations)] for i in range(n)]
    runs, full = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        for s, d in zip(starts, picks, strict=True):
            sla.deadline(s, d, cal, hours)
        runs.append((time.perf_counter() - t0) / n * 1e6)
        t0 = time.perf_counter()
        for s, d in zip(starts, picks, strict=True):
            due = sla.deadline(s, d, cal, hours).due_at
            sla.at_risk_at(s, due, 0.8, d, cal, hours)
        full.append((time.perf_counter() - t0) / n * 1e6)
    return {"deadlines": n, "median_us_per_deadline": round(statistics.median(runs), 2),
            "median_us_with_at_risk": round(statistics.median(full), 2), "target_us": 50}


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    results: dict[str, Any] = {"python": sys.version.split()[0],
                               "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, fn in (("deadlines", lambda: bench_deadlines()),
                         ("intake", lambda: bench_intake(work)),
                         ("import", lambda: bench_import(work)),
                         ("overdue_list", lambda: bench_overdue(work))):
            t0 = time.perf_counter()
            results[name] = fn()
            print(f"  {name}: {json.dumps(results[name], ensure_ascii=False)} "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    (RESULTS / "core.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
    print(f"  wrote {RESULTS / 'core.json'}")


if __name__ == "__main__":
    main()
