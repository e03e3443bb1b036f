"""Report benchmarks: the monthly report on 1,000,000 tickets; the warning check at intake.

Run with `make bench` (or `python -m bench reports`). Figures go to bench/results/reports.json.
`PROPDESK_BENCH_PG=postgresql+psycopg://.../db` also measures PostgreSQL (that database's
public schema is dropped and rebuilt). We quote medians.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from core import alerts, db
from core.config import Config
from core.desk import Desk
from core.models import Followup, SLAClock, Staff, Ticket, TicketTopic, Unit
from core.plugins import make_plugin_manager
from core.reports import build, parse_period

HERE = Path(__file__).parent
DATA = HERE / ".data"
RESULTS = HERE / "results"
BIG = 1_000_000
END = datetime(2026, 11, 1, tzinfo=UTC)
MIX = [("complaint", "minor", "噪音", "noise"), ("complaint", "important", "电梯", "elevator"),
       ("repair", None, "水管漏水", "water_leak"), ("repair", None, "灯具故障",
                                                    "public_facilities"),
       ("repair", "urgent", "停电", "power"), ("inquiry", None, "物业费", "fees"),
       ("issue_report", None, "停车", "parking"), ("paid_service", None, "疏通", "other")]
CHANNELS = ["phone", "phone", "walk_in", "online", "collected"]


def open_desk(url: str) -> Desk:
    return Desk(config=Config(), engine=db.make_engine(url), pm=make_plugin_manager())


def build_big(url: str) -> None:
    """1M tickets over 3 years, mixed categories, 2 clocks each, 20 % followed up."""
    desk = open_desk(url)
    desk.upgrade()
    rng = random.Random(4)
    start = END - timedelta(days=3 * 365)
    step = (END - start) / BIG
    with desk.engine.begin() as conn:
        conn.execute(insert(Staff), [{"name": f"员工{i}", "role": "frontdesk", "active": True}
                                     for i in range(5)])
        conn.execute(insert(Unit), [{"code": f"{1 + i // 200}-1-{i % 200}",
                                     "building": str(1 + i // 200)} for i in range(2000)])
        batch = 50_000
        for base in range(0, BIG, batch):
            t_rows, c_rows, f_rows, topic_rows = [], [], [], []
            for i in range(base, base + batch):
                at = start + step * i
                cat, sev, topic, code = MIX[i % len(MIX)]
                unit = 1 + rng.randrange(2000)
                closed = rng.random() < 0.97
                t_rows.append({
                    "id": i + 1, "number": f"GD-{i:08d}", "channel": CHANNELS[i % 5],
                    "category": cat, "nature": "important" if sev == "important" else
                    "general", "severity": sev, "topic": topic, "unit_id": unit,
                    "summary": "s", "owner_id": 1 + i % 5, "state": "closed" if closed
                    else "dispatched", "received_at": at, "recorded_at": at,
                    "closed_at": at + timedelta(hours=5) if closed else None,
                    "reopen_count": 0, "escalation_level": 0})
                topic_rows.append({"ticket_id": i + 1, "topic": code, "category": cat,
                                   "unit_id": unit, "received_at": at})
                for name, hours in (("reply", 24), ("resolve", 48)):
                    due = at + timedelta(hours=hours)
                    met = at + timedelta(hours=rng.choice((2, 20, 60))) if closed else None
                    c_rows.append({"ticket_id": i + 1, "clock": name, "round": 1,
                                   "policy": "1wd", "started_at": at, "due_at": due,
                                   "at_risk_at": due - timedelta(hours=4), "met_at": met,
                                   "pauses": []})
                if closed and rng.random() < 0.2:
                    f_rows.append({"ticket_id": i + 1, "at": at + timedelta(hours=30),
                                   "method": "visit" if rng.random() < 0.05 else "phone",
                                   "satisfaction": rng.choice((2, 3, 4, 5, 5)),
                                   "fixed": True})
            conn.execute(insert(Ticket), t_rows)
            conn.execute(insert(SLAClock), c_rows)
            conn.execute(insert(Followup), f_rows)
            conn.execute(insert(TicketTopic), topic_rows)
    if url.startswith("postgresql"):
        with desk.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    else:
        with desk.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    desk.engine.dispose()


def bench_report(url: str, runs: int = 7) -> dict[str, Any]:
    desk = open_desk(url)
    period = parse_period("monthly", "2026-10")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = build(desk, period)
        times.append(time.perf_counter() - t0)
    with desk.engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM tickets")).scalar_one()
    desk.engine.dispose()
    return {"tickets": n, "month_tickets": r["totals"]["tickets"],
            "median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
            "target_s": 2.0, "includes": "all sections incl. 13-month trend"}


def bench_warning_check(url: str, n: int = 300) -> dict[str, Any]:
    """`alerts.check_intake` for new tickets on the big store (rolled back afterwards)."""
    desk = open_desk(url)
    rng = random.Random(9)
    times = []
    with desk.sessions() as s:
        s.begin()
        for i in range(n):
            cat, sev, topic, _ = MIX[i % len(MIX)]
            t = Ticket(number=f"B-{i}", channel="phone", category=cat, nature="general",
                       severity=sev, topic=topic, unit_id=1 + rng.randrange(2000),
                       summary="s", owner_id=1, state="received",
                       received_at=END - timedelta(minutes=n - i), recorded_at=END,
                       reopen_count=0, escalation_level=0)
            s.add(t)
            s.flush()
            t0 = time.perf_counter()
            alerts.check_intake(desk, s, [t])
            s.flush()
            times.append((time.perf_counter() - t0) * 1000)
        s.rollback()
    desk.engine.dispose()
    times.sort()
    return {"tickets": n, "median_ms": round(statistics.median(times), 3),
            "p99_ms": round(times[int(0.99 * (n - 1))], 3), "target_ms": 5.0}


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    DATA.mkdir(exist_ok=True)
    results: dict[str, Any] = {"python": sys.version.split()[0],
                               "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    targets = [("sqlite", f"sqlite:///{DATA / 'reports-v1.db'}")]
    if os.environ.get("PROPDESK_BENCH_PG"):
        targets.append(("postgresql", db.database_url(os.environ["PROPDESK_BENCH_PG"])))
    for name, url in targets:
        fresh = name == "sqlite" and not (DATA / "reports-v1.db").exists()
        if name == "postgresql":
            engine = db.make_engine(url)
            with engine.begin() as conn:
                have = conn.execute(text("SELECT to_regclass('public.tickets')")).scalar()
                count = conn.execute(text("SELECT count(*) FROM tickets")).scalar() if have \
                    else 0
                if count != BIG:
                    conn.execute(text("DROP SCHEMA public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
                    fresh = True
            engine.dispose()
        if fresh:
            t0 = time.perf_counter()
            build_big(url)
            print(f"  {name}: built 1,000,000 tickets in {time.perf_counter() - t0:.0f} s",
                  flush=True)
        if name == "postgresql":  # rows were inserted with explicit ids
            engine = db.make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("SELECT setval('tickets_id_seq', (SELECT max(id) FROM "
                                  "tickets))"))
            engine.dispose()
        results[name] = {"monthly_report": bench_report(url),
                         "warning_check_at_intake": bench_warning_check(url)}
        print(f"  {name}: {json.dumps(results[name], ensure_ascii=False)}", flush=True)
    out = RESULTS / "reports.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"  wrote {out}")


if __name__ == "__main__":
    main()
