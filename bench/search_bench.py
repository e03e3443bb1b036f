"""Search on 1,000,000 tickets (SQLite): the median time of each kind of query.

Run with `make bench` (or `python -m bench search`). The store is built at the revision
before the index existed and then upgraded, so the migration's indexing of an existing
store is timed too. Beside each word query, the naive way (`summary LIKE '%word%'` newest
first) runs in the same process as a yardstick. Figures go to bench/results/search.json.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import insert, text

from core import db, search
from core.config import Config
from core.desk import Desk
from core.models import Staff, Ticket, Unit
from core.plugins import collect, make_plugin_manager

HERE = Path(__file__).parent
DATA = HERE / ".data"
RESULTS = HERE / "results"
N, UNITS = 1_000_000, 20_000
PHRASES = ["卫生间水管接口漏水，楼下天花板有水渍", "楼道声控灯不亮", "家中突然停电，总闸跳不上",
           "单元门禁刷卡无反应", "楼上夜间装修噪音扰民", "电梯厅连续两天未清扫，地面有垃圾",
           "电梯故障困人二十分钟，业主情绪激动", "车位被外来车辆占用", "咨询物业费缴纳方式和优惠",
           "咨询装修申请需要的材料", "建议增加儿童游乐区遮阳设施", "小区南门路灯损坏",
           "厨房下水道堵塞，请求有偿疏通", "消防通道被杂物堵塞"]
TARGET_MS = 100


def build(path: Path) -> float:
    """The store without its index, then `db.upgrade` (which indexes it): seconds taken."""
    path.unlink(missing_ok=True)
    engine = db.make_engine(f"sqlite:///{path}")
    locations = [str(p) for p in collect(make_plugin_manager().hook.register_migrations)]
    command.upgrade(db.alembic_config(engine, locations), "0003_followups")
    now = datetime.now(UTC)
    start = now - timedelta(days=3 * 365)
    step = (now - start) / N
    with engine.begin() as conn:
        conn.execute(insert(Staff), [{"id": i + 1, "name": f"员工{i}", "role": "frontdesk",
                                      "active": True} for i in range(5)])
        conn.execute(insert(Unit), [{"id": i + 1, "code": f"{1 + i // 200}-{1 + i // 100 % 2}"
                                     f"-{100 + i % 100}", "building": str(1 + i // 200),
                                     "owner_name": f"业主{i}", "owner_phone": f"139{i:08d}"}
                                    for i in range(UNITS)])
        for base in range(0, N, 50_000):
            rows = []
            for i in range(base, base + 50_000):
                at = start + step * i
                rows.append({"id": i + 1, "number": f"GD-{i:08d}", "channel": "phone",
                             "category": "repair", "nature": "general",
                             "summary": PHRASES[i % len(PHRASES)] + ("，编号罕见" if i % 997 == 0
                                                                    else ""),
                             "unit_id": 1 + (i * 7919) % UNITS, "owner_id": 1 + i % 5,
                             "state": "closed" if i < N - 2000 else "received",
                             "received_at": at, "recorded_at": at, "reopen_count": 0,
                             "escalation_level": 0})
            conn.execute(insert(Ticket), rows)
    t0 = time.perf_counter()
    db.upgrade(engine, locations)
    took = time.perf_counter() - t0
    engine.dispose()
    return took


def timed(fn: Callable[[], Any], runs: int = 15) -> tuple[float, Any]:
    fn()  # warm the page cache
    out, times = None, []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2), out


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    DATA.mkdir(exist_ok=True)
    path = DATA / "search-v1.db"
    results: dict[str, Any] = {"python": sys.version.split()[0], "tickets": N, "units": UNITS,
                               "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                               "target_ms": TARGET_MS}
    if not path.exists():
        t0 = time.perf_counter()
        results["index_existing_store_s"] = round(build(path), 1)
        print(f"  built {N:,} tickets and indexed them in {time.perf_counter() - t0:.0f} s "
              f"(the migration's indexing: {results['index_existing_store_s']} s)", flush=True)
    desk = Desk(config=Config(), engine=db.make_engine(f"sqlite:///{path}"),
                pm=make_plugin_manager())
    desk.upgrade()
    month = (datetime.now(UTC) - timedelta(days=60)).date()
    queries: dict[str, dict[str, Any]] = {
        "word_common 漏水": {"q": "漏水"},
        "word_rare 罕见": {"q": "罕见"},
        "two_words 电梯 困人": {"q": "电梯 困人"},
        "one_char 灯": {"q": "灯"},
        "word_and_state 噪音 received": {"q": "噪音", "state": "received"},
        "word_and_dates 堵塞": {"q": "堵塞", "received_from": month,
                              "received_to": month + timedelta(days=30)},
        "unit 5-1-142": {"unit": "5-1-142"},
        "phone_last4 0442": {"phone": "0442"},
        "word_and_phone 噪音 0442": {"q": "噪音", "phone": "0442"},
    }
    figures: dict[str, Any] = {}
    for name, kw in queries.items():
        ms, page = timed(lambda kw=kw: search.search(desk, limit=50, **kw))
        figures[name] = {"median_ms": ms, "found": len(page["tickets"]),
                         "more": page["next"] is not None}
        print(f"  {name}: {ms} ms ({len(page['tickets'])} found)", flush=True)
    naive = {}
    with desk.engine.connect() as conn:
        for word in ("漏水", "罕见"):
            ms, _ = timed(lambda w=word: conn.execute(text(
                "SELECT id FROM tickets WHERE summary LIKE :p ORDER BY id DESC LIMIT 51"),
                {"p": f"%{w}%"}).all(), runs=5)
            naive[word] = ms
    figures["naive_like 漏水"] = {"median_ms": naive["漏水"]}
    figures["naive_like 罕见"] = {"median_ms": naive["罕见"]}
    results["queries"] = figures
    medians = [f["median_ms"] for k, f in figures.items() if not k.startswith("naive")]
    results["median_of_medians_ms"] = round(statistics.median(medians), 2)
    results["slowest_ms"] = max(medians)
    results["rare_word_vs_naive_like"] = round(naive["罕见"] / figures["word_rare 罕见"]
                                               ["median_ms"], 1)
    desk.engine.dispose()
    print(f"  median of the query medians {results['median_of_medians_ms']} ms, slowest "
          f"{results['slowest_ms']} ms (target {TARGET_MS} ms); a rare word "
          f"{results['rare_word_vs_naive_like']}x faster than LIKE", flush=True)
    (RESULTS / "search.json").write_text(json.dumps(results, ensure_ascii=False, indent=2)
                                         + "\n", encoding="utf-8")
    print(f"  wrote {RESULTS / 'search.json'}")


if __name__ == "__main__":
    main()
