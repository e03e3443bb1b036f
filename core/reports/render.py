"""A report's figures as text, Markdown, JSON, CSV or HTML (labels in Chinese and English)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from typing import Any

FORMATS = ("text", "md", "json", "csv", "html")
TABLES = (("by_category", "类别 Category"), ("by_nature", "性质 Nature"),
          ("by_severity", "投诉级别 Severity"), ("by_channel", "来源 Channel"),
          ("by_building", "楼栋 Building"), ("by_topic", "主题 Topic"),
          ("by_state", "处理状态 Status"))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#!~])")


def md_escape(value: object) -> str:
    """Text as it must appear in Markdown to print as itself: HTML-escaped (a raw
    `<script>` stays text) and Markdown's own marks backslash-escaped, on one line."""
    text = html.escape(str(value), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\r", " ").replace("\n", " ")


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def signed(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.1f}%"


def sections(r: dict[str, Any]) -> Iterator[tuple[str, list[str], list[list[Any]]]]:
    """The report as (title, headers, rows) tables: one source for text, md, csv, html."""
    t = r["totals"]
    yield ("合计 Totals", ["tickets 件数", f"previous 上期 ({r['period']['previous']})",
                           "change 环比", f"last year 同期 ({r['period']['last_year']})",
                           "change 同比"],
           [[t["tickets"], t["previous"], signed(t["change_previous"]), t["last_year"],
             signed(t["change_last_year"])]])
    yield ("类别 Category", ["category 类别", "count 件数", "previous 上期", "change 环比",
                             "last year 同期", "change 同比"],
           [[c["label"], c["count"], c["previous"], signed(c["change_previous"]),
             c["last_year"], signed(c["change_last_year"])] for c in r["by_category"]])
    for key, title in TABLES[1:]:
        yield (title, ["", "count 件数"], [[x["label"], x["count"]] for x in r[key]])
    yield ("及时率 On time", ["clock 时限", "clocks 件数", "on time 按时", "late 超时",
                              "open 进行中", "rate 及时率"],
           [[name, v["clocks"], v["on_time"], v["late"], v["open"], pct(v["rate"])]
            for name, v in r["on_time"].items()])
    yield ("回访 Follow-up", ["category 类别", "resolved 已处理", "drawn 抽取",
                              "followed 已回访", "rate 回访率", "target 目标",
                              "visits 上门"],
           [[f["label"], f["eligible"], f["drawn"], f["followed"], pct(f["rate"]),
             pct(f["target"]), f["visits"]] for f in r["followup"]])
    sat = r["satisfaction"]
    yield ("满意度 Satisfaction", ["follow-ups 回访数", "mean 平均", "1", "2", "3", "4", "5"],
           [[sat["count"], "-" if sat["mean"] is None else f"{sat['mean']:.2f}",
             *sat["distribution"].values()]])
    w = r["warnings"]
    rows = [["投诉上升 rising", f"{x['scope']}: {x['before']} → {x['count']} ({x['against']})"]
            for x in w["rising"]]
    rows += [[a["label"], f"{a['topic_label'] or ''} {a['raised_at']} "
              f"{a['data'].get('capa') or ''} {a.get('ticket') or ''}".strip()]
             for a in w["raised"]]
    rows.append(["纠正预防 CAPA opened", w["capa_opened"]])
    yield ("预警 Warnings", ["kind 类型", "detail 说明"], rows)
    tr = r["trend"]
    yield ("13个月趋势 13-month trend", ["category 类别", *tr["months"]],
           [[c, *v] for c, v in tr["by_category"].items()] + [["total 合计", *tr["totals"]]])


def title(r: dict[str, Any]) -> str:
    p = r["period"]
    return f"{r['site']['name']} 客户信息统计分析 Customer information report {p['label']}"


def render(r: dict[str, Any], fmt: str, charts: list[str] | None = None) -> str:
    if fmt == "json":
        return json.dumps(r, ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["section", "row", "column", "value"])
        for name, headers, rows in sections(r):
            for row in rows:
                for h, v in zip(headers[1:], row[1:], strict=False):
                    w.writerow([name, row[0], h, v])
        return out.getvalue()
    parts: list[str] = []
    if fmt == "md":
        m = md_escape
        parts.append(f"# {m(title(r))}\n")
        for name, headers, rows in sections(r):
            parts.append(f"## {m(name)}\n")
            parts.append("| " + " | ".join(m(h) for h in headers) + " |")
            parts.append("|" + "---|" * len(headers))
            parts += ["| " + " | ".join(m(c) for c in row) + " |" for row in rows]
            parts.append("")
        parts += [f"![{m(c)}](<{html.escape(c)}>)" for c in charts or []]
        return "\n".join(parts) + "\n"
    if fmt == "html":
        e = html.escape
        parts.append(f"<!doctype html><meta charset='utf-8'><title>{e(title(r))}</title>"
                     f"<h1>{e(title(r))}</h1>")
        for name, headers, rows in sections(r):
            parts.append(f"<h2>{e(name)}</h2><table border='1'><tr>"
                         + "".join(f"<th>{e(h)}</th>" for h in headers) + "</tr>")
            parts += ["<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>"
                      for row in rows]
            parts.append("</table>")
        parts += [f"<img src='{e(c)}' alt='{e(c)}'>" for c in charts or []]  # e: quotes too
        return "\n".join(parts) + "\n"
    if fmt != "text":
        from core.errors import DomainError

        raise DomainError("format", f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    parts.append(title(r))
    for name, headers, rows in sections(r):
        parts.append(f"\n{name}")
        widths = [max(_w(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
        for row in [headers, *rows]:
            parts.append("  " + "  ".join(_pad(str(c), w) for c, w in zip(row, widths,
                                                                         strict=False)))
    return "\n".join(parts) + "\n"


def _w(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _w(text))
