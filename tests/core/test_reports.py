"""Report figures against a hand-computed fixture; periods; formats; charts; an empty month."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from core import followups, hookimpl, reports, sampling, tickets
from core.desk import Desk
from core.errors import DomainError
from core.reports.charts import write_charts
from core.reports.render import render
from core.reports.stats import parse_period


def t(site: Desk, at: str, **kw: object) -> str:
    args = {"by": "王芳", "at": at, "channel": "phone"} | kw
    return tickets.intake(site, **args)["number"]  # type: ignore[arg-type]


@pytest.fixture
def october(site: Desk) -> dict[str, str]:
    """Four tickets in 2026-10, one in 2026-09, two in 2025-10 (figures worked by hand)."""
    n1 = t(site, "2026-10-12 09:00", category="complaint", severity="minor", topic="噪音",
           unit="1-1-101", summary="夜间噪音")
    tickets.contact(site, n1, "已联系", at="2026-10-12 10:00")          # reply on time
    tickets.dispatch(site, n1, "赵强", at="2026-10-12 10:05")
    tickets.start(site, n1, at="2026-10-12 10:10", actor="刘洋")
    tickets.resolve(site, n1, "已劝导", at="2026-10-12 15:00", actor="刘洋")  # resolve on time
    tickets.report(site, n1, True, at="2026-10-12 15:30")
    tickets.close(site, n1, at="2026-10-12 16:00")
    followups.record(site, n1, method="phone", satisfaction=5, at="2026-10-13 10:00")
    n2 = t(site, "2026-10-14 09:00", category="repair", topic="水管漏水", unit="2-1-301",
           summary="厨房漏水", channel="walk_in")
    tickets.dispatch(site, n2, "赵强", at="2026-10-14 09:10")
    tickets.start(site, n2, at="2026-10-14 09:20", actor="刘洋")
    tickets.resolve(site, n2, "换管", at="2026-10-16 10:00", actor="刘洋")  # reply 24 h: late
    followups.record(site, n2, method="visit", satisfaction=2, at="2026-10-17 10:00")
    # reopened: the redo's 24 h resolve clock is never met → late
    n3 = t(site, "2026-10-20 11:00", category="inquiry", summary="咨询开放时间",
           channel="online", answer="周一至周日")
    n4 = t(site, "2026-10-31 15:00", category="complaint", severity="important", topic="电梯",
           unit="1-1-502", summary="电梯停运")                          # both clocks overdue
    t(site, "2026-09-15 09:00", category="complaint", severity="minor", summary="噪音",
      unit="1-1-101")
    t(site, "2025-10-10 09:00", category="repair", summary="灯不亮", unit="1-1-101")
    t(site, "2025-10-11 09:00", category="complaint", severity="minor", summary="停车",
      unit="1-1-502")
    return {"n1": n1, "n2": n2, "n3": n3, "n4": n4}


def test_monthly_figures_match_the_hand_computed_fixture(site: Desk,
                                                         october: dict[str, str]) -> None:
    r = reports.report(site, "monthly", "2026-10")
    assert r["period"] == {"kind": "monthly", "label": "2026-10", "start": "2026-10-01",
                           "end": "2026-11-01", "previous": "2026-09",
                           "last_year": "2025-10"}
    assert r["totals"] == {"tickets": 4, "previous": 1, "last_year": 2,
                           "change_previous": 3.0, "change_last_year": 1.0}
    cats = {c["code"]: (c["count"], c["previous"], c["last_year"]) for c in r["by_category"]}
    assert cats["complaint"] == (2, 1, 1) and cats["repair"] == (1, 0, 1)
    assert cats["inquiry"] == (1, 0, 0) and cats["suggestion"] == (0, 0, 0)

    def counts(key: str) -> dict[str, int]:
        return {x["code"]: x["count"] for x in r[key] if x["count"]}

    assert counts("by_nature") == {"general": 3, "important": 1}
    assert counts("by_severity") == {"minor": 1, "important": 1}
    assert counts("by_channel") == {"phone": 2, "walk_in": 1, "online": 1}
    assert counts("by_building") == {"1": 2, "2": 1, "": 1}
    assert counts("by_topic") == {"noise": 1, "water_leak": 1, "elevator": 1, "other": 1}
    assert counts("by_state") == {"closed": 1, "dispatched": 1, "resolved": 1, "received": 1}
    assert r["on_time"] == {
        "reply": {"clocks": 4, "on_time": 2, "late": 2, "open": 0, "paused": 0, "rate": 0.5},
        "resolve": {"clocks": 4, "on_time": 2, "late": 2, "open": 0, "paused": 0, "rate": 0.5},
        # the repair, finished within its 3 days
        "communication": {"clocks": 1, "on_time": 1, "late": 0, "open": 0, "paused": 0,
                          "rate": 1.0}}
    inquiry_drawn = int(sampling.draw(site.config.followup.seed, october["n3"], 0) < 0.1)
    assert [(f["category"], f["eligible"], f["drawn"], f["followed"], f["rate"], f["target"])
            for f in r["followup"]] == [("complaint", 1, 1, 1, 1.0, 1.0),
                                        ("inquiry", 1, inquiry_drawn, 0, 0.0, 0.1)]
    assert r["satisfaction"] == {"count": 2, "mean": 3.5, "dissatisfied": 1,
                                 "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}}
    assert r["warnings"] == {"rising": [], "raised": [], "capa_opened": 0}
    assert r["trend"]["months"][0] == "2025-10" and r["trend"]["months"][-1] == "2026-10"
    assert r["trend"]["totals"] == [2] + [0] * 10 + [1, 4]
    assert r["trend"]["by_category"]["complaint"][-2:] == [1, 2]


def test_quarter_and_half(site: Desk, october: dict[str, str]) -> None:
    q = reports.report(site, "quarterly", "2026-Q4")
    assert (q["period"]["start"], q["period"]["end"], q["period"]["previous"]) == (
        "2026-10-01", "2027-01-01", "2026-Q3")
    assert (q["totals"]["tickets"], q["totals"]["previous"], q["totals"]["last_year"]) == (
        4, 1, 2)
    h = reports.report(site, "half", "2026-h2")
    assert (h["totals"]["tickets"], h["totals"]["previous"], h["totals"]["last_year"]) == (
        5, 0, 2)
    assert parse_period("quarterly", "2026-Q1").previous().label == "2025-Q4"
    assert parse_period("monthly", "2026-01").previous().label == "2025-12"


@pytest.mark.parametrize(("kind", "text"), [("monthly", "2026-13"), ("monthly", "2026-Q4"),
                                            ("quarterly", "2026-Q5"), ("half", "2026-H3"),
                                            ("weekly", "2026-10")])
def test_bad_periods_name_the_field(kind: str, text: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_period(kind, text)
    assert err.value.field == "period"


def test_an_empty_month_is_a_valid_report_of_zeros(site: Desk, tmp_path: Path) -> None:
    r = reports.report(site, "monthly", "2030-01")
    assert r["totals"] == {"tickets": 0, "previous": 0, "last_year": 0,
                           "change_previous": None, "change_last_year": None}
    assert all(c["count"] == 0 for key in ("by_category", "by_nature", "by_channel")
               for c in r[key])
    assert r["on_time"]["reply"] == {"clocks": 0, "on_time": 0, "late": 0, "open": 0,
                                     "paused": 0, "rate": None}
    assert r["followup"] == [] and r["satisfaction"]["count"] == 0
    assert r["trend"]["totals"] == [0] * 13
    for fmt in ("text", "md", "json", "csv", "html"):
        assert render(r, fmt).strip()
    assert all(p.stat().st_size > 1000 for p in write_charts(r, tmp_path))


def test_rising_complaints_warn_once(site: Desk, october: dict[str, str]) -> None:
    seen: list[dict] = []

    class Rec:
        @hookimpl
        def warning_raised(self, warning: dict) -> None:
            seen.append(warning)

    site.pm.register(Rec())
    for i in range(5):  # 2 → 7 complaints in the month against 1 in September
        t(site, f"2026-10-{21 + i} 09:00", category="complaint", severity="minor",
          summary=f"问题{i}", topic="装修")
    r = reports.report(site, "monthly", "2026-10")
    rising = {(w["scope"], w["against"]) for w in r["warnings"]["rising"]}
    assert rising == {("total", "previous"), ("total", "last_year"),
                      ("decoration", "previous"), ("decoration", "last_year")}
    assert len(seen) == 4 and seen[0]["kind"] == "rising"
    reports.report(site, "monthly", "2026-10")
    assert len(seen) == 4  # announced once per period


def test_charts_are_written_and_not_empty(site: Desk, october: dict[str, str],
                                          tmp_path: Path) -> None:
    paths = write_charts(reports.report(site, "monthly", "2026-10"), tmp_path / "charts")
    assert [p.name for p in paths] == ["2026-10-volume.png", "2026-10-on-time.png",
                                       "2026-10-satisfaction.png"]
    for p in paths:
        data = p.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_report_cli_formats(run, tmp_path: Path) -> None:
    assert run("init").exit_code == 0
    assert run("staff", "add", "王芳", "--role", "frontdesk").exit_code == 0
    assert run("ticket", "new", "--category", "咨询", "--summary", "问路", "--by", "王芳",
               "--at", "2026-10-05 10:00", "--answer", "已答复").exit_code == 0
    data = json.loads(run("report", "monthly", "2026-10", "--format", "json").output)
    assert data["totals"]["tickets"] == 1
    rows = list(csv.reader(io.StringIO(run("report", "monthly", "2026-10", "--format",
                                           "csv").output)))
    assert rows[0] == ["section", "row", "column", "value"] and len(rows) > 20
    assert "| 合计 Totals" not in run("report", "monthly", "2026-10", "--format", "md").output
    assert "## 合计 Totals" in run("report", "monthly", "2026-10", "--format", "md").output
    out = run("report", "quarterly", "2026-Q4", "--format", "html", "--charts",
              str(tmp_path / "c"), "-o", str(tmp_path / "r.html"))
    assert out.exit_code == 0 and (tmp_path / "r.html").read_text().count("<img") == 3
    assert "客户信息统计分析" in run("report", "half", "2026-H2").output
    bad = run("report", "monthly", "2026-Q4")
    assert bad.exit_code == 2 and bad.output.startswith("error: period:")
