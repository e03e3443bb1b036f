"""Printing: JSON for machines (`--json`), rich tables and plain lines for people."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from typing import Any

import click

from core.labels import STATES, Vocabulary


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str], title: str | None = None) -> None:
    from rich.console import Console  # only commands that print a table pay for rich
    from rich.table import Table

    tbl = Table(title=title, show_lines=False, header_style="bold")
    for i, header in enumerate(headers):
        tbl.add_column(header, no_wrap=i < len(headers) - 1)
    for row in rows:
        tbl.add_row(*("" if v is None else str(v) for v in row))
    width = max(shutil.get_terminal_size((160, 24)).columns, 100)
    Console(width=width).print(tbl)


def short(text: str | None, width: int = 28) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def hm(iso: str | None) -> str:
    """`2026-10-10T18:00:00+08:00` → `10-10 18:00` for narrow columns."""
    return "" if not iso else f"{iso[5:10]} {iso[11:16]}"


def ticket_rows(tickets: list[dict[str, Any]], categories: Vocabulary) -> None:
    table([(t["number"], STATES.terms[t["state"]].zh, categories.terms[t["category"]].zh
            if t["category"] in categories else t["category"], t["severity"] or "",
            t["unit"] or short(t["location"], 12), t["owner"], t["assignee"] or t["department"],
            hm(t["deadlines"]["reply"]), hm(t["deadlines"]["resolve"]), short(t["summary"]))
           for t in tickets],
          ["number 编号", "state 状态", "category 类别", "severity 级别", "unit 房号",
           "owner 首接人", "assignee 处理", "reply 答复", "resolve 完成", "summary 内容"])


def ticket_block(t: dict[str, Any], categories: Vocabulary) -> None:
    lines = [
        f"{t['number']}  {STATES.label(t['state'])}",
        f"  category 类别: {categories.label(t['category'])}"
        + (f" · severity {t['severity']}" if t["severity"] else "")
        + f" · nature {t['nature']} · channel {t['channel']}",
        f"  unit 房号: {t['unit'] or '-'}   location: {t['location'] or '-'}   "
        f"topic: {t['topic'] or '-'}",
        f"  summary 内容: {t['summary']}",
        f"  owner 首接人: {t['owner']}   assignee: {t['assignee'] or t['department'] or '-'}",
        f"  received: {t['received_at']}   reopened: {t['reopen_count']}x",
        f"  deadlines: reply {t['deadlines']['reply'] or '-'} · resolve "
        f"{t['deadlines']['resolve'] or '-'}"
        + (f" · communication {t['deadlines']['communication']}"
           if t["deadlines"].get("communication") else ""),
    ]
    if t["result"]:
        lines.append(f"  result 结果: {t['result']}")
    click.echo("\n".join(lines))
    if t.get("events"):
        click.echo("  history 记录:")
        for e in t["events"]:
            detail = ", ".join(f"{k}={v}" for k, v in e["data"].items()
                               if k not in ("summary",))
            click.echo(f"    {e['at']}  {e['kind']:<13} {e['actor'] or '':<8} {short(detail, 70)}")
