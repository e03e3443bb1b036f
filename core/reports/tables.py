"""A report's figures as typed tables: the one source of every rendered format.

Why typed: text, Markdown and CSV print a rate as `50.0%`, the HTML/PDF template does the
same through `cell`, but the spreadsheet keeps it the number 0.5 with a percent format,
so a manager can compute with it. Each column says what kind of value it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: column kinds: text, int (a count), pct (a rate 0..1), change (a signed rate), mean
KINDS = ("text", "int", "pct", "change", "mean")
#: (JSON key, title, first column's header) of the plain count tables
COUNTS = (("by_nature", "性质 Nature", "nature 性质"),
          ("by_severity", "投诉级别 Severity", "severity 投诉级别"),
          ("by_channel", "来源 Channel", "channel 来源"),
          ("by_building", "楼栋 Building", "building 楼栋"),
          ("by_topic", "主题 Topic", "topic 主题"),
          ("by_state", "处理状态 Status", "status 处理状态"))


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "int"


@dataclass(frozen=True)
class Table:
    key: str  # stable name: the JSON key it comes from (sheet order, HTML ids)
    title: str  # bilingual; also the spreadsheet's sheet name (at most 31 characters)
    columns: tuple[Column, ...]
    rows: list[list[Any]]


def cell(value: Any, kind: str = "text") -> Any:
    """A value as text, Markdown, CSV and HTML show it (counts and text stay as they are)."""
    if kind in ("pct", "change", "mean") and value is None:
        return "-"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "change":
        return f"{value * 100:+.1f}%"
    if kind == "mean":
        return f"{value:.2f}"
    return value


def title(r: dict[str, Any]) -> str:
    p = r["period"]
    return f"{r['site']['name']} 客户信息统计分析 Customer information report {p['label']}"


def tables(r: dict[str, Any]) -> list[Table]:
    """Every table of the report, in reading order."""
    t, p = r["totals"], r["period"]
    out = [Table("totals", "合计 Totals", (
        Column("tickets 件数"), Column(f"previous 上期 ({p['previous']})"),
        Column("change 环比", "change"), Column(f"last year 同期 ({p['last_year']})"),
        Column("change 同比", "change")),
        [[t["tickets"], t["previous"], t["change_previous"], t["last_year"],
          t["change_last_year"]]])]
    out.append(Table("by_category", "类别 Category", (
        Column("category 类别", "text"), Column("count 件数"), Column("previous 上期"),
        Column("change 环比", "change"), Column("last year 同期"),
        Column("change 同比", "change")),
        [[c["label"], c["count"], c["previous"], c["change_previous"], c["last_year"],
          c["change_last_year"]] for c in r["by_category"]]))
    for key, title, header in COUNTS:
        out.append(Table(key, title, (Column(header, "text"), Column("count 件数")),
                         [[x["label"], x["count"]] for x in r[key]]))
    paused = any("paused" in v for v in r["on_time"].values())
    out.append(Table("on_time", "及时率 On time", (
        Column("clock 时限", "text"), Column("clocks 件数"), Column("on time 按时"),
        Column("late 超时"), Column("open 进行中"),
        *([Column("paused 暂停")] if paused else []), Column("rate 及时率", "pct")),
        [[name, v["clocks"], v["on_time"], v["late"], v["open"],
          *([v.get("paused", 0)] if paused else []), v["rate"]]
         for name, v in r["on_time"].items()]))
    out.append(Table("followup", "回访 Follow-up", (
        Column("category 类别", "text"), Column("resolved 已处理"), Column("drawn 抽取"),
        Column("followed 已回访"), Column("rate 回访率", "pct"), Column("target 目标", "pct"),
        Column("visits 上门")),
        [[f["label"], f["eligible"], f["drawn"], f["followed"], f["rate"], f["target"],
          f["visits"]] for f in r["followup"]]))
    sat = r["satisfaction"]
    out.append(Table("satisfaction", "满意度 Satisfaction", (
        Column("follow-ups 回访数"), Column("mean 平均", "mean"),
        *(Column(k) for k in sat["distribution"])),
        [[sat["count"], sat["mean"], *sat["distribution"].values()]]))
    w = r["warnings"]
    rows: list[list[Any]] = [
        ["投诉上升 rising", f"{x['scope']}: {x['before']} → {x['count']} ({x['against']})"]
        for x in w["rising"]]
    rows += [[a["label"], f"{a['topic_label'] or ''} {a['raised_at']} "
              f"{a['data'].get('capa') or ''} {a.get('ticket') or ''}".strip()]
             for a in w["raised"]]
    rows.append(["纠正预防 CAPA opened", w["capa_opened"]])
    out.append(Table("warnings", "预警 Warnings",
                     (Column("kind 类型", "text"), Column("detail 说明", "text")), rows))
    tr = r["trend"]
    out.append(Table("trend", "13个月趋势 13-month trend",
                     (Column("category 类别", "text"), *(Column(m) for m in tr["months"])),
                     [[c, *v] for c, v in tr["by_category"].items()]
                     + [["total 合计", *tr["totals"]]]))
    return out
